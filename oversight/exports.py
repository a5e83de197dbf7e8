"""The progress dashboard as a spreadsheet: one header row, one row per organisation, as filtered.

Small enough (a few hundred rows) to build within the request. Every text cell goes through
spreadsheet_safe: organisation names come from imported reference data and must never run as
formulas."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from workbooks.findings_csv import spreadsheet_cell

from .selectors import Dashboard

IDENTIFIER_HEADINGS = ("Region", "ICS", "ODS code", "Organisation", "Type")
ERF_HEADING = "ERF estimate, April to September (£)"
SHEET_TITLE = "Progress"
BOLD = Font(bold=True)
POUNDS = "£#,##0"


def dashboard_table(*, dashboard: Dashboard) -> list[list[str | Decimal | None]]:
    """Header row then one row per organisation: identifiers, the ERF total if shown, a status per
    return."""
    header = [
        *IDENTIFIER_HEADINGS,
        *([ERF_HEADING] if dashboard.shows_erf else []),
        *(column.heading for column in dashboard.columns),
    ]
    table: list[list[str | Decimal | None]] = [header]
    for row in dashboard.rows:
        identifiers = [row["region"], row["ics"], row["ods_code"], row["name"], row["type"]]
        erf = [row["erf_total"]] if dashboard.shows_erf else []
        table.append([*identifiers, *erf, *(cell["label"] for cell in row["cells"])])
    return table


def dashboard_csv(*, dashboard: Dashboard) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in dashboard_table(dashboard=dashboard):
        writer.writerow(["" if value is None else spreadsheet_cell(value) for value in row])
    # A byte-order mark so Excel reads the file as UTF-8 (names carry accents and dashes).
    return buffer.getvalue().encode("utf-8-sig")


def dashboard_xlsx(*, dashboard: Dashboard) -> bytes:
    # Write-only mode streams rows: half the time of a normal workbook for a few thousand cells.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    # Header row and the organisation's identifiers stay in view while scrolling.
    sheet.freeze_panes = f"{get_column_letter(len(IDENTIFIER_HEADINGS) + 1)}2"
    erf_column = len(IDENTIFIER_HEADINGS) if dashboard.shows_erf else None
    header, *rows = dashboard_table(dashboard=dashboard)
    sheet.append([_styled(sheet, value, bold=True) for value in header])
    for row in rows:
        values: list = [spreadsheet_cell(value) for value in row]
        if erf_column is not None and values[erf_column] is not None:
            values[erf_column] = _styled(sheet, values[erf_column], number_format=POUNDS)
        sheet.append(values)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def _styled(sheet, value, *, bold: bool = False, number_format: str | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=spreadsheet_cell(value))
    if bold:
        cell.font = BOLD
    if number_format:
        cell.number_format = number_format
    return cell
