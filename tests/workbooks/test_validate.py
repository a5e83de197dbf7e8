from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.workbooks.conftest import MEMBERS, definition, edit_cells, ics_context
from workbooks.sample import make_sample_return, sample_context
from workbooks.types import TemplateContext
from workbooks.validate import validate_file, validate_workbook

# Activity sheet geometry (2021.2): row 4 is EL-ORD for the system, 5 EL-DC, 6 EL-TOT; F to K are
# the 2019/20 months (Apr-19 to Sep-19), L to Q the plan (Apr-21 to Sep-21), R the total.
EL_ORD, EL_DC, EL_TOT = 4, 5, 6
BASELINE_COLS, PLAN_COLS = "FGHIJK", "LMNOPQ"
WORKBOOK_CODES = sorted(item.code for item in definition().collections if item.template)


def rules(result) -> list[tuple[str, str, str, str]]:
    return [
        (finding.severity, finding.rule, finding.sheet, finding.cell) for finding in result.findings
    ]


def value(data: bytes, sheet: str, ref: str):
    return load_workbook(io.BytesIO(data))[sheet][ref].value


@pytest.mark.parametrize("code", WORKBOOK_CODES)
def test_make_sample_return_is_valid_for_every_collection(code):
    context = ics_context(code)
    result = validate_workbook(data=make_sample_return(context=context), context=context)
    assert (result.error_count, result.warning_count) == (0, 0)


@pytest.mark.parametrize("errors", [1, 5, 12])
def test_make_sample_return_plants_exactly_k_errors(act_context, errors):
    result = validate_workbook(
        data=make_sample_return(context=act_context, errors=errors, seed=7), context=act_context
    )
    assert (result.error_count, result.warning_count) == (errors, 0)


def test_make_sample_return_is_deterministic_by_seed(act_context):
    first = validate_workbook(
        data=make_sample_return(context=act_context, errors=3, seed=11), context=act_context
    )
    second = validate_workbook(
        data=make_sample_return(context=act_context, errors=3, seed=11), context=act_context
    )
    assert rules(first) == rules(second)


def test_validate_workbook_reports_template_version_and_cells(act_sample, act_context):
    result = validate_workbook(data=act_sample, context=act_context)
    assert (result.template_version, result.cells_read > 2_000) == ("2021.2", True)


def test_validate_workbook_reports_progress(act_sample, act_context):
    seen = []
    validate_workbook(data=act_sample, context=act_context, progress=seen.append)
    assert (seen[0], seen[-1], seen == sorted(seen), len(seen) < 10) == (0, 100, True, True)


def test_validate_workbook_flags_other_organisation(act_sample):
    other = TemplateContext(**{**ics_context().__dict__, "organisation_code": "QYG"})
    result = validate_workbook(data=act_sample, context=other)
    assert [(f.rule, f.cell, f.value) for f in result.findings] == [
        ("STRUCT.IDENTIFIER", "B7", "QHM")
    ]


def test_validate_workbook_flags_other_stage(act_sample):
    result = validate_workbook(data=act_sample, context=ics_context(stage="final"))
    assert [(f.rule, f.cell, f.value) for f in result.findings] == [
        ("STRUCT.IDENTIFIER", "B5", "draft")
    ]


def test_validate_workbook_flags_other_collection(act_sample):
    result = validate_workbook(data=act_sample, context=ics_context("WF"))
    assert [(f.rule, f.cell, f.value) for f in result.findings] == [
        ("STRUCT.IDENTIFIER", "B3", "ACT")
    ]


def test_validate_workbook_rejects_unknown_template_version(act_sample, act_context):
    result = validate_workbook(
        data=edit_cells(act_sample, "Cover", {"B9": "2020.9"}), context=act_context
    )
    assert [(f.rule, f.value, f.message) for f in result.findings] == [
        (
            "STRUCT.VERSION",
            "2020.9",
            "Template version '2020.9' is not one we issued for ACT (issued: 2021.1, 2021.2); "
            "download the current template and copy your figures into it.",
        )
    ]


def test_validate_workbook_rejects_version_not_accepted(act_context):
    old = ics_context(version="2021.1")
    data = make_sample_return(context=old)
    result = validate_workbook(data=data, context=act_context, accepted_versions=["2021.2"])
    assert [(f.rule, f.value) for f in result.findings] == [("STRUCT.VERSION", "2021.1")]


def test_validate_workbook_applies_older_versions_rules(act_context):
    old = ics_context(version="2021.1")
    result = validate_workbook(
        data=make_sample_return(context=old),
        context=act_context,
        accepted_versions=["2021.1", "2021.2"],
    )
    assert (result.template_version, result.error_count, result.warning_count) == ("2021.1", 0, 0)


def test_validate_workbook_flags_missing_sheet(act_sample, act_context):
    workbook = load_workbook(io.BytesIO(act_sample))
    del workbook["ERF"]
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = validate_workbook(data=buffer.getvalue(), context=act_context)
    assert rules(result) == [("error", "STRUCT.SHEET", "ERF", "")]


def test_validate_workbook_flags_changed_header(act_sample, act_context):
    result = validate_workbook(
        data=edit_cells(act_sample, "Activity", {"G3": "April"}), context=act_context
    )
    assert [(f.rule, f.cell, f.value) for f in result.findings] == [
        ("STRUCT.HEADER", "G3", "April")
    ]


def test_validate_workbook_flags_reordered_rows(act_sample, act_context):
    result = validate_workbook(
        data=edit_cells(act_sample, "Activity", {"C5": "EL-ORD"}), context=act_context
    )
    assert [(f.rule, f.cell, f.value) for f in result.findings] == [("STRUCT.ROWS", "C5", "EL-ORD")]


def test_validate_workbook_flags_text_in_number_cell(act_sample, act_context):
    result = validate_workbook(
        data=edit_cells(act_sample, "Activity", {"H5": "about 300"}), context=act_context
    )
    assert [(f.severity, f.rule, f.cell, f.value) for f in result.findings] == [
        ("error", "TYPE.TEXT", "H5", "about 300")
    ]


def test_validate_workbook_flags_formula_in_number_cell(act_sample, act_context):
    result = validate_workbook(
        data=edit_cells(act_sample, "Activity", {"H5": "=G5*1.01"}), context=act_context
    )
    assert [(f.rule, f.cell, f.value) for f in result.findings] == [("TYPE.FORMULA", "H5", "")]


def test_validate_workbook_flags_formula_in_table_input(act_sample, act_context):
    result = validate_workbook(
        data=edit_cells(act_sample, "ERF", {"G5": "=G4"}), context=act_context
    )
    assert [(f.rule, f.sheet, f.cell) for f in result.findings] == [("TYPE.FORMULA", "ERF", "G5")]


def test_validate_workbook_flags_blank_required_cell(act_sample, act_context):
    result = validate_workbook(
        data=edit_cells(act_sample, "Activity", {"J5": None}), context=act_context
    )
    assert [(f.rule, f.cell) for f in result.findings] == [("REQUIRED", "J5")]


def test_validate_workbook_flags_out_of_range_and_fractional_values(act_sample, act_context):
    remote_row = 4 + 8  # OP-REMOTE, a percentage
    data = edit_cells(act_sample, "ERF", {"G4": -5})
    data = edit_cells(data, "Activity", {f"H{remote_row}": 140})
    result = validate_workbook(data=data, context=act_context)
    assert sorted((f.rule, f.sheet, f.cell) for f in result.findings) == [
        ("RANGE.MAX", "Activity", f"H{remote_row}"),
        ("RANGE.MIN", "ERF", "G4"),
    ]


def test_validate_workbook_hints_that_a_fraction_may_be_a_percentage(act_sample, act_context):
    remote_row = 4 + 8  # OP-REMOTE, a percentage
    result = validate_workbook(
        data=edit_cells(act_sample, "Activity", {f"H{remote_row}": 0.3}), context=act_context
    )
    hints = [f for f in result.findings if f.rule == "PERCENT.FRACTION"]
    assert [(f.severity, f.cell) for f in hints] == [("warning", f"H{remote_row}")]
    assert "If you meant 30%, enter 30" in hints[0].message


def test_validate_workbook_flags_fractional_count(act_sample, act_context):
    result = validate_workbook(
        data=edit_cells(act_sample, "Activity", {"F5": 10.5}), context=act_context
    )
    assert [(f.rule, f.cell) for f in result.findings] == [("TYPE.WHOLE", "F5")]


def test_validate_workbook_flags_total_not_sum_of_parts(act_sample, act_context):
    # Only a member's total is changed, so the system total (the sum of member totals) breaks too.
    member_el_tot = EL_TOT + len(act_context.specs[-1].sheets[0].measures)
    found = value(act_sample, "Activity", f"G{member_el_tot}")
    result = validate_workbook(
        data=edit_cells(act_sample, "Activity", {f"G{member_el_tot}": found + 10}),
        context=act_context,
    )
    assert [(f.rule, f.cell) for f in result.findings] == [
        ("ACT.SUM.001", f"G{member_el_tot}"),
        ("ACT.SYS.001", f"G{EL_TOT}"),
    ]


def test_validate_workbook_flags_system_total_not_sum_of_providers(act_sample, act_context):
    found = value(act_sample, "Activity", f"G{EL_ORD}")
    data = edit_cells(
        act_sample,
        "Activity",
        {f"G{EL_ORD}": found + 1, f"G{EL_TOT}": value(act_sample, "Activity", f"G{EL_TOT}") + 1},
    )
    result = validate_workbook(data=data, context=act_context)
    assert [(f.rule, f.cell) for f in result.findings] == [
        ("ACT.SYS.001", f"G{EL_ORD}"),
        ("ACT.SYS.001", f"G{EL_TOT}"),
    ]


def test_validate_workbook_sum_message_says_what_to_do(act_sample, act_context):
    data = edit_cells(act_sample, "Activity", {f"F{EL_TOT}": 1})
    finding = next(
        f
        for f in validate_workbook(data=data, context=act_context).findings
        if f.rule == "ACT.SUM.001"
    )
    assert finding.message.endswith("make the total equal the sum of its parts.")


def test_validate_workbook_warns_on_change_from_baseline(act_context):
    context = TemplateContext(**{**act_context.__dict__, "members": ()})
    data = make_sample_return(context=context)
    # Each month three times the same month of 2019/20: the monthly baseline, not one figure.
    months = {
        f"{plan}{EL_ORD}": value(data, "Activity", f"{base}{EL_ORD}") * 3
        for base, plan in zip(BASELINE_COLS, PLAN_COLS, strict=True)
    }
    months.update(
        {
            f"{plan}{EL_TOT}": months[f"{plan}{EL_ORD}"] + value(data, "Activity", f"{plan}{EL_DC}")
            for plan in PLAN_COLS
        }
    )
    result = validate_workbook(data=edit_cells(data, "Activity", months), context=context)
    # The elective total moves with its ordinary part, so both rows warn in every month.
    assert (
        {(f.rule, f.cell[1:]) for f in result.findings},
        result.warning_count,
        result.error_count,
    ) == ({("ACT.PLAUS.BASE", str(EL_ORD)), ("ACT.PLAUS.BASE", str(EL_TOT))}, 12, 0)
    assert "of the Apr-19 baseline" in result.findings[0].message


def test_validate_workbook_warns_on_month_on_month_jump(act_context):
    context = TemplateContext(**{**act_context.__dict__, "members": ()})
    data = make_sample_return(context=context)
    row = 4 + 11  # DG-MRI, a part of DG-TOT; keep the total right
    mri, total = value(data, "Activity", f"N{row}"), value(data, "Activity", f"N{4 + 19}")
    data = edit_cells(
        data,
        "Activity",
        {f"N{row}": round(mri * 0.6), f"N{4 + 19}": total - mri + round(mri * 0.6)},
    )
    result = validate_workbook(data=data, context=context)
    assert [(f.severity, f.rule, f.cell) for f in result.findings] == [
        ("warning", "ACT.PLAUS.MONTH", f"N{row}"),
        ("warning", "ACT.PLAUS.MONTH", f"O{row}"),
    ]


def test_validate_workbook_warns_below_remote_outpatient_ambition(act_sample, act_context):
    result = validate_workbook(
        data=edit_cells(act_sample, "Activity", {"L12": 10}), context=act_context
    )
    assert [(f.severity, f.rule, f.cell, f.value) for f in result.findings] == [
        ("warning", "ACT.PLAUS.FLOOR", "L12", "10")
    ]


def test_validate_workbook_checks_choice_cells():
    context = ics_context("MAT", stage="single")
    data = edit_cells(make_sample_return(context=context), "Ockenden", {"C4": "Done", "E5": None})
    result = validate_workbook(data=data, context=context)
    assert [(f.rule, f.cell) for f in result.findings] == [
        ("TYPE.CHOICE", "C4"),
        ("REQUIRED", "E5"),
    ]


def test_validate_workbook_checks_finance_difference_rule():
    context = ics_context("PIE", stage="single")
    data = make_sample_return(context=context)
    net_row = 4 + 12
    result = validate_workbook(
        data=edit_cells(data, "Income and expenditure", {f"G{net_row}": 0}), context=context
    )
    assert [(f.rule, f.cell) for f in result.findings] == [("PIE.SUM.003", f"G{net_row}")]


def test_validate_workbook_reports_non_workbook_as_finding(act_context):
    result = validate_workbook(data=b"PK\x03\x04 broken", context=act_context)
    assert [f.rule for f in result.findings] == ["FILE.REJECTED"]


def test_validate_file_dispatches_xlsx(act_sample, act_context):
    result = validate_file(data=act_sample, file_format="xlsx", context=act_context)
    assert (result.template_version, result.error_count) == ("2021.2", 0)


def test_validate_workbook_handles_hundred_thousand_cell_return(act_context):
    context = sample_context(context=act_context, cells=100_000)
    data = make_sample_return(context=context, errors=9, seed=5)
    result = validate_workbook(data=data, context=context)
    assert (
        len(context.members) > len(MEMBERS),
        result.cells_read > 100_000,
        result.error_count,
        result.warning_count,
    ) == (True, True, 9, 0)


def test_validation_result_values_are_the_numbers_entered(act_sample, act_context):
    result = validate_workbook(data=act_sample, context=act_context)
    book = load_workbook(io.BytesIO(act_sample), read_only=True)["Activity"]
    entered = {
        (row[0], row[2]): row[11] for row in book.iter_rows(min_row=4, values_only=True) if row[0]
    }
    values = [
        item for item in result.values() if item.sheet == "Activity" and item.period == "Apr-21"
    ]
    assert {(item.organisation_code, item.measure): item.value for item in values} == {
        key: float(number) for key, number in entered.items() if isinstance(number, (int, float))
    }


def test_validation_result_values_mark_the_baseline_and_keep_column_order(act_sample, act_context):
    result = validate_workbook(data=act_sample, context=act_context)
    system_el = [
        item
        for item in result.values()
        if (item.sheet, item.organisation_code, item.measure)
        == ("Activity", act_context.organisation_code, "EL-TOT")
    ]
    assert [
        (item.position, item.period, item.is_baseline, item.organisation_kind)
        for item in system_el[:2]
    ] == [(0, "Apr-19 baseline", True, "self"), (1, "May-19 baseline", True, "self")]
    assert [(item.position, item.period, item.is_baseline) for item in system_el[6:7]] == [
        (6, "Apr-21", False)
    ]
    assert len(system_el) == 12


def test_validation_result_values_leave_out_cells_that_are_not_numbers(act_sample, act_context):
    edited = edit_cells(act_sample, "Activity", {f"L{EL_ORD}": "n/a"})
    result = validate_workbook(data=edited, context=act_context)
    found = {(item.organisation_code, item.measure, item.period) for item in result.values()}
    assert (act_context.organisation_code, "EL-ORD", "Apr-21") not in found
    assert (act_context.organisation_code, "EL-DC", "Apr-21") in found


def test_validate_workbook_messages_keep_the_capitals_of_labels_and_name_members_in_words(
    act_sample, act_context
):
    measures = [measure.code for measure in act_context.specs[-1].sheets[0].measures]
    dg_tot = 4 + measures.index("DG-TOT")
    data = edit_cells(act_sample, "Activity", {f"G{dg_tot}": 1})
    messages = {
        f.rule: f.message for f in validate_workbook(data=data, context=act_context).findings
    }
    assert messages["ACT.SUM.003"].startswith(
        "Diagnostic tests: total for North East and North Cumbria ICS (May-19 baseline) is 1, but "
        "diagnostic tests: MRI + diagnostic tests: CT + diagnostic tests: non-obstetric ultrasound"
    )
    assert messages["ACT.SYS.001"].startswith(
        "The system total of diagnostic tests: total (May-19 baseline) is 1, but the trusts' "
        "blocks add up to "
    )
