from __future__ import annotations

import io
import re
import subprocess
import sys
import textwrap
import time
import zipfile

import pytest

from tests.workbooks.conftest import replace_entry, sheet_part, specs_of, with_far_cells
from workbooks.generate import build_template
from workbooks.reader import SheetTooLarge, read_sheets, template_extent, template_sheet_names
from workbooks.types import RejectedFile
from workbooks.validate import validate_workbook
from workbooks.xlsxscan import scan_sheet, sheet_parts


def test_read_sheets_reads_only_the_named_sheets_of_a_workbook_with_a_far_extra_sheet(act_sample):
    data = with_far_cells(act_sample, "Notes")
    started = time.perf_counter()

    sheets = read_sheets(data=data, names=["Cover", "ERF"])

    assert (list(sheets), sheets["Cover"][2][1]) == (["Cover", "ERF"], "ACT")
    assert time.perf_counter() - started < 5


def test_read_sheets_refuses_a_template_sheet_with_a_far_cell_instead_of_allocating_it(act_sample):
    data = with_far_cells(act_sample, "ERF")

    with pytest.raises(SheetTooLarge) as refused:
        read_sheets(data=data, names=["ERF"])

    assert refused.value.message == (
        "The sheet ERF has cells out to XFD1048576, far beyond the template; delete the extra "
        "rows and columns and upload again."
    )


def test_read_sheets_refuses_a_dtd_in_a_stored_file(act_sample):
    part = sheet_part(act_sample, "ERF")
    content = zipfile.ZipFile(io.BytesIO(act_sample)).read(part)
    data = replace_entry(act_sample, part, b'<!DOCTYPE worksheet [<!ENTITY a "a">]>' + content)

    with pytest.raises(RejectedFile) as refused:
        read_sheets(data=data, names=["ERF"])

    assert refused.value.message.startswith("The file contains XML entity or DTD declarations")


def test_calamine_sizes_its_grid_by_the_cells_not_the_declared_dimension(act_sample, tmp_path):
    """Why the reader measures cells and ignores the claim: under a 1 GB address-space cap, a sheet
    declaring A1:XFD1048576 (17 billion cells) is read. Fails if a calamine upgrade starts
    trusting the claim."""
    part = sheet_part(act_sample, "ERF")
    xml = zipfile.ZipFile(io.BytesIO(act_sample)).read(part)
    claimed = xml.replace(b"<sheetViews>", b'<dimension ref="A1:XFD1048576"/><sheetViews>', 1)
    path = tmp_path / "claimed.xlsx"
    path.write_bytes(replace_entry(act_sample, part, claimed))
    script = textwrap.dedent(
        f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))
        from python_calamine import CalamineWorkbook
        rows = CalamineWorkbook.from_path({str(path)!r}).get_sheet_by_name("ERF").to_python()
        print(len(rows), max(len(row) for row in rows))
        """
    )

    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)

    assert (b"XFD1048576" in claimed, run.returncode, run.stdout.split()) == (True, 0, ["9", "10"])


def test_template_extent_is_the_generated_templates_extent(act_context):
    spec = specs_of("ACT")[-1]
    archive = zipfile.ZipFile(io.BytesIO(build_template(context=act_context)))
    parts = sheet_parts(archive)

    for sheet in spec.sheets:
        scan = scan_sheet(archive, parts[sheet.name], formula_cols=range(0))
        assert template_extent(sheet, context=act_context) == (scan.max_row, scan.max_col)
    assert template_sheet_names(spec) == ["Cover", "Instructions", "Activity", "ERF"]


def test_validation_warns_of_an_extra_sheet_and_still_validates(act_sample, act_context):
    result = validate_workbook(data=with_far_cells(act_sample, "Notes"), context=act_context)

    assert [(f.severity, f.rule, f.sheet) for f in result.findings] == [
        ("warning", "STRUCT.EXTRA_SHEET", "Notes")
    ]


def test_validation_warns_of_cells_beyond_the_template_on_its_own_sheet(act_sample, act_context):
    part = sheet_part(act_sample, "ERF")
    xml = zipfile.ZipFile(io.BytesIO(act_sample)).read(part)
    extra = xml.replace(b"</sheetData>", b'<row r="40"><c r="Z40"><v>1</v></c></row></sheetData>')

    result = validate_workbook(data=replace_entry(act_sample, part, extra), context=act_context)

    assert [(f.severity, f.rule, f.sheet, f.cell) for f in result.findings] == [
        ("warning", "STRUCT.OUTSIDE", "ERF", "Z40")
    ]


def test_scan_sheet_counts_a_cell_whose_row_has_more_digits_than_excel_allows(act_sample):
    part = sheet_part(act_sample, "ERF")
    xml = zipfile.ZipFile(io.BytesIO(act_sample)).read(part)
    far = xml.replace(
        b"</sheetData>", b'<row r="9"><c r="XFD123456789" t="n"><v>1</v></c></row></sheetData>'
    )
    archive = zipfile.ZipFile(io.BytesIO(replace_entry(act_sample, part, far)))

    scan = scan_sheet(archive, part, formula_cols=range(0))

    assert (scan.max_row, scan.max_col) == (123456789, 16384)


def test_scan_sheet_counts_a_cell_whose_reference_is_not_its_first_attribute(act_sample):
    """calamine takes the reference from any place in the cell and would size its grid by it."""
    part = sheet_part(act_sample, "ERF")
    xml = zipfile.ZipFile(io.BytesIO(act_sample)).read(part)
    far = xml.replace(
        b"</sheetData>", b'<row r="1048576"><c t="n" r="XFD1048576"><v>1</v></c></row></sheetData>'
    )
    archive = zipfile.ZipFile(io.BytesIO(replace_entry(act_sample, part, far)))

    scan = scan_sheet(archive, part, formula_cols=range(0))

    assert (scan.max_row, scan.max_col) == (1048576, 16384)


def _quick_scan(data: bytes, context, name: str, edit, *, formulas: bool):
    """The sheet `name` of the return, its XML edited, scanned as validation scans it: within
    the template's extent."""
    part = sheet_part(data, name)
    edited = edit(zipfile.ZipFile(io.BytesIO(data)).read(part))
    archive = zipfile.ZipFile(io.BytesIO(replace_entry(data, part, edited)))
    sheet = specs_of("ACT")[-1].sheet(name)
    return scan_sheet(
        archive,
        part,
        formula_cols=range(sheet.first_value_col, sheet.total_col + 1) if formulas else range(0),
        within=template_extent(sheet, context=context),
    )


def test_scan_sheet_counts_a_cell_written_with_a_namespace_prefix(act_sample, act_context):
    """calamine reads <x:c> as a cell whatever its prefix; the quick searches must not vouch for
    a sheet holding one out of their sight."""

    def far(xml: bytes) -> bytes:
        return xml.replace(
            b"</sheetData>",
            b'<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'r="9000"><x:c r="XFD9000" t="n"><x:v>1</x:v></x:c></x:row></sheetData>',
        )

    scan = _quick_scan(act_sample, act_context, "ERF", far, formulas=False)

    assert (scan.max_row, scan.max_col) == (9000, 16384)


def test_scan_sheet_takes_a_formula_written_with_a_namespace_prefix(act_sample, act_context):
    def prefixed(xml: bytes) -> bytes:
        return re.sub(
            rb'<c r="H5" s="5" t="n"><v>([^<]*)</v></c>',
            rb'<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="H5" '
            rb's="5"><x:f>1+1</x:f><x:v>\1</x:v></x:c>',
            xml,
            count=1,
        )

    scan = _quick_scan(act_sample, act_context, "Activity", prefixed, formulas=True)
    total_col = specs_of("ACT")[-1].sheet("Activity").total_col

    assert (scan.formulas.get(5), scan.formulas.get(6)) == ({8, total_col}, {total_col})
