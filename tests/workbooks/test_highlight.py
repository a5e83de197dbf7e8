from __future__ import annotations

import io

from openpyxl import load_workbook

from workbooks.highlight import ERROR_FILL, WARNING_FILL, highlight_workbook
from workbooks.types import Finding


def test_highlight_workbook_fills_and_comments_offending_cells(act_sample):
    findings = [
        Finding("error", "TYPE.TEXT", "Activity", "H5", "n/a", "Enter a number."),
        Finding("warning", "ACT.PLAUS.BASE", "Activity", "H5", "n/a", "Check the figure."),
        Finding("warning", "ACT.PLAUS.MONTH", "Activity", "J7", "9", "Explain the jump."),
        Finding("error", "STRUCT.SHEET", "Missing", "", "", "The sheet is missing."),
    ]
    sheet = load_workbook(io.BytesIO(highlight_workbook(data=act_sample, findings=findings)))[
        "Activity"
    ]
    assert [(sheet[ref].fill.fgColor.rgb, sheet[ref].comment.text) for ref in ("H5", "J7")] == [
        (
            ERROR_FILL.fgColor.rgb,
            "ERROR TYPE.TEXT: Enter a number.\nWARNING ACT.PLAUS.BASE: Check the figure.",
        ),
        (WARNING_FILL.fgColor.rgb, "WARNING ACT.PLAUS.MONTH: Explain the jump."),
    ]


def test_highlight_workbook_leaves_other_cells_alone(act_sample):
    sheet = load_workbook(io.BytesIO(highlight_workbook(data=act_sample, findings=[])))["Activity"]
    assert (sheet["H5"].comment, sheet["H5"].fill.fgColor.rgb) == (None, "00000000")
