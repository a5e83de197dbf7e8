from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.workbooks.conftest import ics_context
from workbooks.catalogue import SPECS
from workbooks.generate import build_template
from workbooks.specs import has_workbook_template, latest_spec_version, spec_versions


def open_template(context) -> object:
    return load_workbook(io.BytesIO(build_template(context=context)))


def test_spec_versions_lists_act_versions_oldest_first():
    assert spec_versions(collection_code="ACT") == ["2021.1", "2021.2"]


def test_spec_versions_empty_for_document_only_collections():
    assert [spec_versions(collection_code=code) for code in ("NAR", "LMS-TOR", "LMS-OVS")] == [
        [],
        [],
        [],
    ]


def test_has_workbook_template_for_every_xlsx_collection_of_demo_round():
    codes = ("PCC", "FIN-SYS", "FIN-MH", "ACT", "WF", "MHWF-P", "MHWF-S", "MAT", "PIE", "CA")
    assert [has_workbook_template(collection_code=code) for code in codes] == [True] * len(codes)


def test_latest_spec_version_is_last_issued():
    assert (
        latest_spec_version(collection_code="ACT"),
        latest_spec_version(collection_code="WF"),
    ) == ("2021.2", "2021.1")


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
    assert [sheet[ref].protection.locked for ref in ("A4", "D4", "F4", "R4", "S4")] == [
        True,
        True,
        False,
        False,
        True,
    ]


def test_build_template_total_column_is_a_formula():
    assert open_template(ics_context())["Activity"]["S4"].value == '=IFERROR(SUM(G4:R4),"")'


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
    measures = len(SPECS["ACT"][-1].sheets[0].measures)
    starts = [sheet.cell(row=4 + block * measures, column=1).value for block in range(6)]
    assert starts == ["QHM", "RTD", "RR7", "RXP", "13T", "84H"]


def test_build_template_act_2021_2_adds_dexa_line():
    def codes(version):
        sheet = open_template(ics_context(version=version))["Activity"]
        return [sheet.cell(row=row, column=3).value for row in range(4, 4 + 40)]

    assert ("DG-DEXA" in codes("2021.1"), "DG-DEXA" in codes("2021.2")) == (False, True)


def test_build_template_erf_sheet_carries_thresholds_and_working_day_ratios():
    sheet = open_template(ics_context())["ERF"]
    rows = [[sheet.cell(row=row, column=col).value for col in (1, 4, 5)] for row in range(4, 10)]
    assert rows == [
        ["ERF-04", 70, 1.0],
        ["ERF-05", 75, 0.9048],
        ["ERF-06", 80, 1.1],
        ["ERF-07", 85, 0.9565],
        ["ERF-08", 85, 1.0],
        ["ERF-09", 85, 1.0476],
    ]


@pytest.mark.parametrize("code", sorted(SPECS))
def test_build_template_every_collection_has_instructions_and_its_sheets(code):
    workbook = open_template(ics_context(code))
    expected = ["Cover", "Instructions"] + [sheet.name for sheet in SPECS[code][-1].sheets]
    assert workbook.sheetnames == expected
