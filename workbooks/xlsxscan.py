"""One streaming pass over a worksheet's XML for what python-calamine does not tell us.

calamine returns a formula cell's cached value, so a formula typed where a number belongs looks like
a number (or, in files never opened in Excel, like a blank); and calamine builds a dense grid as big
as the furthest cell, so one stray cell at XFD1048576 would need terabytes. Both are found here, in
chunks, before calamine loads the sheet: cell references give the real extent (the <dimension>
element is only a claim), and <f> elements give the formula cells.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache

from defusedxml import ElementTree
from openpyxl.utils import column_index_from_string

CHUNK = 4 * 1024 * 1024
FORMULA = re.compile(rb"<f[ >/]")
# The reference wherever it stands among the cell's attributes (calamine reads it from any place),
# and a row of any length: too long is too large.
CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"')
RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
DOC_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@dataclass
class SheetScan:
    max_row: int = 0
    max_col: int = 0
    formulas: dict[int, set[int]] = field(default_factory=dict)  # row -> columns holding a formula

    @property
    def area(self) -> int:
        return self.max_row * self.max_col


@lru_cache(maxsize=4096)
def _col_index(letters: bytes) -> int:
    return column_index_from_string(letters.decode())


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip path of its XML part, from the workbook and its relationships."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels_path = "xl/_rels/workbook.xml.rels"
    targets = {}
    if rels_path in archive.namelist():
        for rel in ElementTree.fromstring(archive.read(rels_path)).iter(f"{RELS_NS}Relationship"):
            target = rel.get("Target", "")
            targets[rel.get("Id")] = (
                target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            )
    present = set(archive.namelist())
    parts = {}
    for sheet in workbook.iter(f"{MAIN_NS}sheet"):
        part = targets.get(sheet.get(f"{DOC_REL_NS}id"))
        # A relationship to a part the zip does not hold leaves the sheet missing, as Excel finds
        # it.
        if part and posixpath.normpath(part) in present:
            parts[sheet.get("name")] = posixpath.normpath(part)
    return parts


def scan_sheet(archive: zipfile.ZipFile, part: str, *, formula_cols: range) -> SheetScan:
    """Extent of the cells actually present, and formula cells within `formula_cols`."""
    scan = SheetScan()
    carry = b""
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(CHUNK)
            buffer = carry + chunk
            if not chunk:
                _scan_segment(buffer, scan, formula_cols)
                return scan
            # Cut at the last cell start so no cell (and its <f>) straddles two segments.
            cut = buffer.rfind(b"<c ")
            if cut <= 0:
                cut = max(0, len(buffer) - 64)
            _scan_segment(buffer[:cut], scan, formula_cols)
            carry = buffer[cut:]


def _scan_segment(segment: bytes, scan: SheetScan, formula_cols: range) -> None:
    # One regular-expression pass for both coordinates: half the work of one pass for each.
    refs = CELL_REF.findall(segment)
    if refs:
        columns = {letters for letters, _digits in refs}
        scan.max_col = max(scan.max_col, max(_col_index(letters) for letters in columns))
        scan.max_row = max(scan.max_row, max(map(int, {digits for _letters, digits in refs})))
    for match in FORMULA.finditer(segment):
        start = segment.rfind(b"<c ", 0, match.start())
        ref = CELL_REF.match(segment, start) if start >= 0 else None
        if ref is None:
            continue
        col = _col_index(ref.group(1))
        if col in formula_cols:
            scan.formulas.setdefault(int(ref.group(2)), set()).add(col)
