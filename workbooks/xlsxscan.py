"""One streaming pass over a worksheet's XML for what python-calamine does not tell us.

calamine returns a formula cell's cached value, so a formula typed where a number belongs looks like
a number (or, in files never opened in Excel, like a blank); and calamine builds a dense grid as big
as the furthest cell, so one stray cell at XFD1048576 would need terabytes. Both are found here, in
chunks, before calamine loads the sheet: cell references give the real extent (the <dimension>
element is only a claim), and <f> elements give the formula cells.

A sheet that should lie within a known extent, with its formulas in one known column (a grid's
total), is checked with a few searches that run over the bytes at C speed instead of visiting
every cell; anything those searches do not vouch for is scanned again cell by cell, so the result
is the same either way.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from defusedxml import ElementTree

from .filecheck import DAMAGED, InflateBudget
from .model import col_letter
from .types import RejectedFile

CHUNK = 4 * 1024 * 1024
FORMULA_BLOCK = 64 * 1024
# Elements may carry a namespace prefix (<x:c>, <x:f>): calamine reads them by their local name.
PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
FORMULA = re.compile(rb"<" + PREFIX + rb"f[\s>/]")
# The reference wherever it stands among the cell's attributes (calamine reads it from any place),
# and a column or row of any length: too long is too large.
CELL_REF = re.compile(rb"<" + PREFIX + rb"c\b[^>]*?\br=[\"']([A-Z]+)([0-9]+)[\"']")
# What the quick checks do not cover: prefixed cells or formulas.
PREFIXED = re.compile(rb":[cf][\s>/]")
PLAIN_FORMULA = re.compile(rb"<f[\s>/]")
RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
DOC_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


class ColumnFormulas(Mapping):
    """row -> columns holding a formula, for a sheet whose formulas stand mostly in one column:
    those rows as a list instead of a set per row (a grid's total has a formula on every row; a
    set each would add a tenth to the memory of a million-cell check), and any others apart."""

    def __init__(self, col: int) -> None:
        self.col = col
        self.rows: list[int] = []
        self.others: dict[int, set[int]] = {}
        self._cols = frozenset((col,))
        self._lookup: frozenset[int] | None = None

    def add(self, found: dict[int, set[int]]) -> None:
        for row, cols in found.items():
            if cols == self._cols:
                self.rows.append(row)
            else:
                self.others.setdefault(row, set()).update(cols)

    def __getitem__(self, row: int) -> AbstractSet[int]:
        if self._lookup is None:
            self._lookup = frozenset(self.rows)
        others = self.others.get(row, set())
        if row in self._lookup:
            return self._cols | others
        if others:
            return frozenset(others)
        raise KeyError(row)

    def __iter__(self) -> Iterator[int]:
        return iter(dict.fromkeys([*self.rows, *self.others]))

    def __len__(self) -> int:
        return len(dict.fromkeys([*self.rows, *self.others]))


@dataclass
class SheetScan:
    max_row: int = 0
    max_col: int = 0
    # row -> columns holding a formula
    formulas: Mapping[int, AbstractSet[int]] = field(default_factory=dict)

    @property
    def area(self) -> int:
        return self.max_row * self.max_col


def col_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index


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


def scan_sheet(
    archive: zipfile.ZipFile,
    part: str,
    *,
    formula_cols: range,
    within: tuple[int, int] | None = None,
    budget: InflateBudget | None = None,
) -> SheetScan:
    """Extent of the cells actually present, and formula cells within `formula_cols`.

    With `within` (rows, columns): a sheet whose cells all lie inside it, and whose formulas all
    stand in the last of `formula_cols`, is reported as reaching exactly that far; the extent is
    then only a bound, which is all a sheet inside its template needs. `budget` counts the bytes
    inflated, for a part the package check left to its reader."""
    if within is not None:
        quick = _QuickScan(within=within, formula_cols=formula_cols)
        if _stream(archive, part, budget, quick.segment):
            return quick.scan
    scan = SheetScan()
    _stream(archive, part, budget, lambda *segment: _scan_segment(*segment, scan, formula_cols))
    return scan


def _stream(archive, part: str, budget: InflateBudget | None, visit) -> bool:
    """Feed the part to `visit` in segments cut at cell starts, so no cell (and its <f>) straddles
    two; stops early, returning False, when `visit` does."""
    carry = b""
    try:
        with archive.open(part) as stream:
            while True:
                chunk = stream.read(CHUNK)
                if budget is not None:
                    budget.take(len(chunk))
                buffer = carry + chunk
                if not chunk:
                    return visit(buffer, len(buffer)) is not False
                # The segment is the buffer up to `cut`, passed as a bound rather than copied.
                cut = _last_cell_start(buffer)
                if visit(buffer, cut) is False:
                    return False
                carry = buffer[cut:]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise RejectedFile(DAMAGED) from None


def _last_cell_start(buffer: bytes) -> int:
    start = _cell_start_before(buffer, len(buffer))
    return start if start > 0 else max(0, len(buffer) - 64)


def _cell_start_before(segment: bytes, end: int) -> int:
    # A cell's start is a few dozen bytes before its formula, or the end of a segment: look there
    # first, so finding it does not cost a search back through the whole segment each time.
    for since in (max(0, end - 4096), 0):
        start = max(segment.rfind(b"<c ", since, end), segment.rfind(b":c ", since, end))
        if start >= 0:
            return segment.rfind(b"<", 0, start) if segment[start] == ord(":") else start
    return -1


def _scan_segment(segment: bytes, end: int, scan: SheetScan, formula_cols: range) -> None:
    # One regular-expression pass for both coordinates: half the work of one pass for each.
    refs = CELL_REF.findall(segment, 0, end)
    if refs:
        scan.max_col = max(scan.max_col, max(map(col_index, {letters for letters, _ in refs})))
        scan.max_row = max(scan.max_row, max(map(int, {digits for _letters, digits in refs})))
    if formula_cols:
        for match in FORMULA.finditer(segment, 0, end):
            _place(segment, match.start(), scan.formulas, formula_cols)


def _place(segment: bytes, at: int, formulas: dict[int, set[int]], formula_cols: range) -> None:
    """Record the formula starting at `at` under its cell's row and column."""
    start = _cell_start_before(segment, at)
    ref = CELL_REF.match(segment, start) if start >= 0 else None
    if ref is None:
        return
    col = col_index(ref.group(1))
    if col in formula_cols:
        formulas.setdefault(int(ref.group(2)), set()).add(col)


class _QuickScan:
    """The searches that vouch for a sheet inside its template, segment by segment."""

    def __init__(self, *, within: tuple[int, int], formula_cols: range) -> None:
        rows, cols = within
        self.formula_cols = formula_cols
        formula_col = formula_cols[-1] if formula_cols else None
        self.scan = SheetScan(max_row=rows, max_col=cols)
        self.beyond = re.compile(
            rb"r=[\"'](?:"
            + _letters_beyond(col_letter(cols))
            + b"|[A-Z]{1,%d}+(?:" % len(col_letter(cols))
            + _digits_beyond(str(rows))
            + rb"))"
        )
        self.in_column = None
        if formula_col:
            self.scan.formulas = ColumnFormulas(formula_col)
            letters = col_letter(formula_col).encode()
            self.in_column = re.compile(rb'<c r="' + letters + rb'([0-9]+)"[^<>]*><f[\s>/]')

    def segment(self, segment: bytes, end: int) -> bool:
        if PREFIXED.search(segment, 0, end) or self.beyond.search(segment, 0, end):
            return False
        if self.in_column is None:
            return True
        start = 0
        while start < end:
            # Blocks of a segment, cut at cell starts: a formula typed where a figure belongs
            # sends only its own block down the slower path.
            stop = (
                _cell_start_before(segment, start + FORMULA_BLOCK)
                if start + FORMULA_BLOCK < end
                else end
            )
            stop = end if stop <= start else stop
            self._formulas(segment, start, stop)
            start = stop
        return True

    def _formulas(self, segment: bytes, start: int, stop: int) -> None:
        formulas = self.scan.formulas
        rows = self.in_column.findall(segment, start, stop)
        if len(rows) == len(PLAIN_FORMULA.findall(segment, start, stop)):
            formulas.rows.extend(map(int, rows))
            return
        # A formula elsewhere too: the column's are taken as before, the others placed one by one.
        in_column = {
            match.end() - 3: match.group(1)
            for match in self.in_column.finditer(segment, start, stop)
        }
        formulas.rows.extend(map(int, in_column.values()))
        placed: dict[int, set[int]] = {}
        for match in PLAIN_FORMULA.finditer(segment, start, stop):
            if match.start() not in in_column:
                _place(segment, match.start(), placed, self.formula_cols)
        formulas.add(placed)


def _letters_beyond(letters: str) -> bytes:
    """A pattern for column letters after `letters`: more of them, or as many and later."""
    return f"[A-Z]{{{len(letters) + 1}}}|{_later(letters, 'A', 'Z')}".encode()


def _digits_beyond(digits: str) -> bytes:
    """A pattern for a row number above `digits` (written without leading zeros, as any row
    number is; one written with them is longer and counts as beyond, which only costs a
    cell-by-cell scan): more digits, or as many and larger, up to the closing quote."""
    return f"[0-9]{{{len(digits) + 1}}}|(?:{_later(digits, '0', '9')})[\"']".encode()


def _later(text: str, first: str, last: str) -> str:
    """A pattern for strings as long as `text` that sort after it, factored by leading
    characters so the search tries few branches."""
    head, rest = text[0], text[1:]
    options = []
    if head < last:
        options.append(f"[{chr(ord(head) + 1)}-{last}][{first}-{last}]{{{len(rest)}}}")
    if rest:
        tail = _later(rest, first, last)
        if tail:
            options.append(f"{head}(?:{tail})")
    return "|".join(options)
