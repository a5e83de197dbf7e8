from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.workbooks.conftest import definition, ics_context, specs_of
from workbooks.generate import build_template
from workbooks.specs import spec_versions

WORKBOOK_CODES = sorted(item.code for item in definition().collections if item.template)


def open_template(context) -> object:
    return load_workbook(io.BytesIO(build_template(context=context)))


def test_spec_versions_lists_act_versions_oldest_first():
    assert spec_versions(specs=specs_of("ACT")) == ["2021.1", "2021.2"]


def test_definition_has_no_workbook_template_for_document_only_collections():
    assert [definition().template_of(code) for code in ("NAR", "LMS-TOR", "LMS-OVS")] == [
        None,
        None,
        None,
    ]


def test_definition_has_a_workbook_template_for_every_xlsx_collection_of_2021_22():
    assert WORKBOOK_CODES == sorted(
        ["PCC", "FIN-SYS", "FIN-MH", "ACT", "WF", "MHWF-P", "MHWF-S", "MAT", "PIE", "CA"]
    )


def test_build_template_cover_holds_identifiers_in_cells_and_names():
    workbook = open_template(ics_context(stage="final"))
    cover = workbook["Cover"]
    cells = [cover[ref].value for ref in ("B3", "B5", "B7", "B9")]
    names = [
        workbook.defined_names[name].attr_text
        for name in ("PP_COLLECTION", "PP_ORG_CODE", "PP_TEMPLATE_VERSION")
    ]
    assert (cells, names) == (
        ["ACT", "final", "QHM", "2021.2"],
        ["'Cover'!$B$3", "'Cover'!$B$7", "'Cover'!$B$9"],
    )


def test_build_template_uses_requested_older_version():
    assert open_template(ics_context(version="2021.1"))["Cover"]["B9"].value == "2021.1"


def test_build_template_protects_every_sheet():
    workbook = open_template(ics_context())
    assert {name: workbook[name].protection.sheet for name in workbook.sheetnames} == {
        "Cover": True,
        "Instructions": True,
        "Activity": True,
        "ERF": True,
    }


def test_build_template_unlocks_inputs_and_locks_labels_and_formulas():
    sheet = open_template(ics_context())["Activity"]
    assert [sheet[ref].protection.locked for ref in ("A4", "D4", "F4", "Q4", "R4")] == [
        True,
        True,
        False,
        False,
        True,
    ]


def test_build_template_total_column_adds_only_flows():
    sheet = open_template(ics_context())["Activity"]
    rows = {sheet[f"C{row}"].value: sheet[f"R{row}"].value for row in range(4, 30)}
    assert (rows["EL-ORD"], rows["EL-RTT52"], rows["OP-REMOTE"]) == (
        '=IFERROR(SUM(L4:Q4),"")',
        '=IF(Q7="","",Q7)',
        '=IFERROR(AVERAGE(L12:Q12),"")',
    )


def test_build_template_adds_data_validations_per_unit():
    sheet = open_template(ics_context())["Activity"]
    kinds = sorted(
        (validation.type, validation.operator, validation.formula1)
        for validation in sheet.data_validations.dataValidation
    )
    assert kinds == [("decimal", "between", "0"), ("whole", "greaterThanOrEqual", "0")]


def test_build_template_prefills_system_then_member_blocks():
    context = ics_context()
    sheet = open_template(context)["Activity"]
    measures = len(context.specs[-1].sheets[0].measures)
    starts = [sheet.cell(row=4 + block * measures, column=1).value for block in range(6)]
    assert starts == ["QHM", "RTD", "RR7", "RXP", "13T", "84H"]


def test_build_template_act_2021_2_adds_dexa_line():
    def codes(version):
        sheet = open_template(ics_context(version=version))["Activity"]
        return [sheet.cell(row=row, column=3).value for row in range(4, 4 + 40)]

    assert ("DG-DEXA" in codes("2021.1"), "DG-DEXA" in codes("2021.2")) == (False, True)


def test_build_template_erf_sheet_carries_national_figures_locked():
    sheet = open_template(ics_context())["ERF"]
    rows = [[sheet.cell(row=row, column=col).value for col in (1, 3, 4, 5)] for row in range(4, 10)]
    assert rows == [
        ["ERF-2021-04", 30_000_000, 70, 1.0],
        ["ERF-2021-05", 29_000_000, 75, 0.9048],
        ["ERF-2021-06", 31_000_000, 80, 1.1],
        ["ERF-2021-07", 30_500_000, 85, 0.9565],
        ["ERF-2021-08", 28_000_000, 85, 1.0],
        ["ERF-2021-09", 30_000_000, 85, 1.0476],
    ]
    assert [sheet.cell(row=4, column=col).protection.locked for col in range(3, 11)] == [
        True,
        True,
        True,
        False,
        False,
        True,
        True,
        True,
    ]


@pytest.mark.parametrize("code", WORKBOOK_CODES)
def test_build_template_every_collection_has_instructions_and_its_sheets(code):
    workbook = open_template(ics_context(code))
    expected = ["Cover", "Instructions"] + [sheet.name for sheet in specs_of(code)[-1].sheets]
    assert workbook.sheetnames == expected


def test_build_template_grid_rows_read_back_as_filled(act_context):
    written = [12, 3.25, None, "n/a", "=1+1", " padded ", 0.1 + 0.2, 10**17, "A & <B>", 7, 8, 9]
    data = build_template(
        context=act_context, fill=lambda sheet, row: written if row == 4 else None
    )
    sheet = load_workbook(io.BytesIO(data))["Activity"]
    cells = sheet["F4":"Q4"][0]
    assert (
        [cell.value for cell in cells],
        cells[0].protection.locked,
        sheet["A4"].protection.locked,
        sheet["R4"].value,
    ) == (
        [12, 3.25, None, "n/a", "=1+1", " padded ", 0.3, 10**17, "A & <B>", 7, 8, 9],
        False,
        True,
        '=IFERROR(SUM(L4:Q4),"")',
    )
