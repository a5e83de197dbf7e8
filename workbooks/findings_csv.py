"""Findings as CSV for download; safe to open in Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from .rule_titles import rule_title
from .types import Finding

# For people opening it in a spreadsheet: each check by its name, never its code.
HEADER = ("Severity", "Check", "Sheet", "Cell", "Value", "What to check")
# A cell starting with one of these is run as a formula by Excel and other spreadsheets (CSV
# injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """The text, with a leading apostrophe if a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def spreadsheet_cell(value):
    """A value for any spreadsheet or CSV cell: text neutralised, numbers and dates as they are."""
    return spreadsheet_safe(value) if isinstance(value, str) else value


def findings_csv(*, findings: Sequence[Finding]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for finding in findings:
        row = (
            finding.severity.capitalize(),
            rule_title(finding.rule),
            finding.sheet,
            finding.cell,
            finding.value,
            finding.message,
        )
        writer.writerow([spreadsheet_safe(str(cell)) for cell in row])
    return buffer.getvalue()
