"""A copy of the uploaded workbook with each offending cell filled and commented."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from .types import Finding

ERROR_FILL = PatternFill("solid", fgColor="FF9999")
WARNING_FILL = PatternFill("solid", fgColor="FFD27F")
COMMENT_AUTHOR = "Plan portal validation"
MAX_COMMENT_CHARS = 2_000  # Excel shows long comments badly; the CSV has every finding in full


def highlight_workbook(*, data: bytes, findings: Sequence[Finding]) -> bytes:
    """Red for a cell with an error, amber for one with only warnings; the comment lists every
    message."""
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.sheet and finding.cell:
            by_cell[(finding.sheet, finding.cell)].append(finding)
    workbook = load_workbook(io.BytesIO(data))
    for (sheet_name, ref), cell_findings in by_cell.items():
        if sheet_name not in workbook.sheetnames:
            continue
        cell = workbook[sheet_name][ref]
        has_error = any(finding.severity == "error" for finding in cell_findings)
        cell.fill = ERROR_FILL if has_error else WARNING_FILL
        text = "\n".join(
            f"{finding.severity.upper()} {finding.rule}: {finding.message}"
            for finding in cell_findings
        )
        cell.comment = Comment(text[:MAX_COMMENT_CHARS], COMMENT_AUTHOR, width=400, height=150)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
