from __future__ import annotations

import io
import re
import zipfile

from openpyxl import Workbook, load_workbook

from workbooks.highlight import ERROR_RGB, WARNING_RGB, Mark, _through_openpyxl, highlight_workbook
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
            ERROR_RGB,
            "ERROR TYPE.TEXT: Enter a number.\nWARNING ACT.PLAUS.BASE: Check the figure.",
        ),
        (WARNING_RGB, "WARNING ACT.PLAUS.MONTH: Explain the jump."),
    ]


def test_highlight_workbook_leaves_other_cells_alone(act_sample):
    sheet = load_workbook(io.BytesIO(highlight_workbook(data=act_sample, findings=[])))["Activity"]
    assert (sheet["H5"].comment, sheet["H5"].fill.fgColor.rgb) == (None, "00000000")


def _marks(data: bytes, refs: tuple[str, ...]) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(data))["Activity"]
    return [
        (ref, sheet[ref].fill.fgColor.rgb, sheet[ref].comment and sheet[ref].comment.text)
        for ref in refs
    ]


def test_highlight_workbook_marks_cells_the_sheet_never_wrote_as_openpyxl_does(act_sample):
    """The package is patched, not loaded: a marked cell in a row or column the file has no cell
    for is added, and every mark and every value reads back as openpyxl's own marking gives."""
    findings = [
        Finding("error", "STRUCT.OUTSIDE", "Activity", "Z5", "", "Beyond the template."),
        Finding("warning", "STRUCT.OUTSIDE", "Activity", "B900", "", "Far below."),
        Finding("warning", "ACT.PLAUS.BASE", "Activity", "H6", "1", "Check <this> & that."),
    ]
    refs = ("Z5", "B900", "H6", "H7")
    marks = {
        "Activity": {
            f.cell: Mark(f.severity == "error", f"{f.severity.upper()} {f.rule}: {f.message}")
            for f in findings
        }
    }

    patched = highlight_workbook(data=act_sample, findings=findings)
    loaded = _through_openpyxl(act_sample, marks)

    # Patched, not saved by openpyxl (which names its comments part comment1.xml).
    assert "xl/comments/portalComments1.xml" in zipfile.ZipFile(io.BytesIO(patched)).namelist()
    assert _marks(patched, refs) == _marks(loaded, refs)
    assert _marks(patched, refs)[:3] == [
        ("Z5", ERROR_RGB, "ERROR STRUCT.OUTSIDE: Beyond the template."),
        ("B900", WARNING_RGB, "WARNING STRUCT.OUTSIDE: Far below."),
        ("H6", WARNING_RGB, "WARNING ACT.PLAUS.BASE: Check <this> & that."),
    ]
    values = [
        [[cell.value for cell in row] for row in load_workbook(io.BytesIO(data))["Activity"]]
        for data in (patched, loaded)
    ]
    assert values[0] == values[1]


def _without_references(data: bytes) -> bytes:
    """`data` with its sheet's rows and cells written without `r`, as the file format allows."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            part = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                part = re.sub(rb'(<(?:row|c)\b[^>]*?)\sr="[^"]*"', rb"\1", part)
            target.writestr(name, part)
    return out.getvalue()


def test_highlight_workbook_marks_a_sheet_whose_rows_and_cells_have_no_references():
    book = Workbook()
    sheet = book.active
    sheet.title = "Activity"
    for row in range(1, 4):
        sheet.append([row * 10 + col for col in range(1, 4)])
    written = io.BytesIO()
    book.save(written)
    data = _without_references(written.getvalue())
    unmarked_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert re.search(rb'\sr="', unmarked_xml) is None
    findings = [Finding("error", "TYPE.TEXT", "Activity", "B2", "22", "Enter a number.")]

    marked = highlight_workbook(data=data, findings=findings)

    sheet_xml = zipfile.ZipFile(io.BytesIO(marked)).read("xl/worksheets/sheet1.xml")
    rows = re.findall(rb"<row\b[^>]*>", sheet_xml)
    sheet = load_workbook(io.BytesIO(marked))["Activity"]
    assert len(rows) == 3
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        [11, 12, 13],
        [21, 22, 23],
        [31, 32, 33],
    ]
    assert (sheet["B2"].fill.fgColor.rgb, sheet["A2"].fill.fgColor.rgb) == (ERROR_RGB, "00000000")
