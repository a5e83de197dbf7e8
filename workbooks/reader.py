"""The one way a stored workbook is read after its upload (comparison, key totals, ERF breakdown).

python-calamine builds a dense grid as big as a sheet's furthest cell, so a stray cell at
XFD1048576 asks for hundreds of gigabytes and aborts the process; validation guards its own reads,
and every later read goes through here with the same guards: the package checks again (a file
stored before a check was added is not trusted), only the template's own sheets, and each sheet's
real extent measured from its cells before calamine sees it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

from python_calamine import CalamineWorkbook

from .filecheck import check_package, check_xml_parts
from .model import (
    COVER_SHEET,
    FIRST_DATA_ROW,
    INSTRUCTIONS_SHEET,
    GridSheet,
    TableSheet,
    TemplateSpec,
    col_letter,
)
from .types import RejectedFile, TemplateContext
from .xlsxscan import scan_sheet, sheet_parts

MAX_SHEET_AREA = 5_000_000  # cells up to the furthest one; a million-cell return is ~1.5M
UNREADABLE = "The workbook could not be read; save it again from Excel as .xlsx."


class SheetTooLarge(RejectedFile):
    pass


def template_sheet_names(spec: TemplateSpec | None) -> list[str]:
    """The sheets a template version has, in order; without a known version, only its Cover."""
    if spec is None:
        return [COVER_SHEET]
    return [COVER_SHEET, INSTRUCTIONS_SHEET, *(sheet.name for sheet in spec.sheets)]


def sheet_extent(archive: zipfile.ZipFile, part: str) -> tuple[int, int]:
    """(rows, columns) up to the furthest cell actually present. The `<dimension>` a sheet declares
    is only a claim and python-calamine sizes its grid by the cells, not by it (pinned by
    tests/workbooks/test_reader.py), so a false claim costs nothing and is not trusted either
    way."""
    scan = scan_sheet(archive, part, formula_cols=range(0))
    return scan.max_row, scan.max_col


def too_large_message(name: str, rows: int, cols: int) -> str:
    return (
        f"The sheet {name} has cells out to {col_letter(cols)}{rows}, far beyond the template; "
        "delete the extra rows and columns and upload again."
    )


def check_stored(*, data: bytes) -> zipfile.ZipFile:
    """The upload checks again, for a file about to be handed to a parser after its upload."""
    archive = check_package(data=data)
    check_xml_parts(archive)
    return archive


def read_sheets(
    *, data: bytes, names: Iterable[str], max_area: int = MAX_SHEET_AREA
) -> dict[str, list[list]]:
    """Each named sheet the workbook has, as rows of values; sheets it lacks are left out.
    Raises RejectedFile (SheetTooLarge for a sheet beyond `max_area`) instead of reading a file
    that is unsafe or too large to read here."""
    archive = check_stored(data=data)
    try:
        parts = sheet_parts(archive)
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception:  # calamine and the XML parser raise their own types for a broken workbook
        raise RejectedFile(UNREADABLE) from None
    sheets = {}
    for name in names:
        if name not in parts:
            continue
        rows, cols = sheet_extent(archive, parts[name])
        if rows * cols > max_area:
            raise SheetTooLarge(too_large_message(name, rows, cols))
        try:
            sheets[name] = workbook.get_sheet_by_name(name).to_python()
        except Exception:  # a sheet broken inside a sound zip is only found when it is read
            raise RejectedFile(UNREADABLE) from None
    return sheets


def template_extent(sheet: GridSheet | TableSheet, *, context: TemplateContext) -> tuple[int, int]:
    """(rows, columns) the template fills on a data sheet for this organisation."""
    if isinstance(sheet, GridSheet):
        # The organisation's own block, then one per member of the kinds the sheet lists
        # (grid_blocks).
        blocks = 1 + sum(member.kind in sheet.member_kinds for member in context.members)
        return FIRST_DATA_ROW + blocks * len(sheet.measures) - 1, sheet.total_col
    return FIRST_DATA_ROW + len(sheet.rows) - 1, sheet.first_value_col + len(sheet.columns) - 1


def extra_sheets(*, present: Iterable[str], spec: TemplateSpec) -> list[str]:
    """Sheets of an upload that are not in its template, in the workbook's order."""
    expected = set(template_sheet_names(spec))
    return [name for name in present if name not in expected]
