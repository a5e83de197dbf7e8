from __future__ import annotations

import pytest

from tests.workbooks.conftest import ROUNDS, edit_cells, ics_context
from workbooks.definition import load_definition
from workbooks.model import GridSheet
from workbooks.sample import make_sample_return
from workbooks.validate import validate_workbook

TEXT_2122 = (ROUNDS / "2021-22.yaml").read_text()


def problems_of(text: str) -> list[tuple[str, int | None, str]]:
    definition, problems = load_definition(text=text)
    assert definition is None
    return [(problem.path, problem.line, problem.message) for problem in problems]


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def test_load_definition_accepts_the_shipped_rounds():
    for slug in ("2021-22", "2022-23"):
        definition, problems = load_definition(text=(ROUNDS / f"{slug}.yaml").read_text())
        assert (problems, definition is not None) == ([], True), slug


def test_load_definition_names_field_and_line_of_a_wrong_unit():
    text = TEXT_2122.replace(
        'label: "Medical and dental", unit: wte', 'label: "Medical and dental", unit: wtee'
    )
    assert problems_of(text) == [
        (
            "templates.WF.sheets[0].measures[0].unit",
            line_of(text, "unit: wtee"),
            "'wtee' is not one of ['count', 'wte', 'gbp_k', 'gbp_k_signed', 'gbp', 'gbp_signed', "
            "'percent', 'ratio']",
        )
    ]


def test_load_definition_says_what_a_deadline_should_look_like():
    text = TEXT_2122.replace('deadline: "2021-04-12 12:00"', 'deadline: "12/04/2021"')
    assert problems_of(text) == [
        (
            "collections[0].stages[0].deadline",
            line_of(text, "12/04/2021"),
            "'12/04/2021' is not a London date and time like 2022-03-17 12:00",
        )
    ]


def test_load_definition_says_what_a_reference_date_should_look_like():
    text = TEXT_2122.replace("reference_date: 2021-04-01", 'reference_date: "1 April 2021"')
    assert problems_of(text) == [
        (
            "round.reference_date",
            line_of(text, "1 April 2021"),
            "'1 April 2021' is not a date like 2022-04-01",
        )
    ]


def test_load_definition_refuses_a_reference_date_after_the_round_ends():
    text = TEXT_2122.replace("reference_date: 2021-04-01", "reference_date: 2022-07-01")
    assert problems_of(text) == [
        (
            "round.reference_date",
            line_of(text, "reference_date: 2022-07-01"),
            "The reference date is after the round ends; organisations are read on a day the "
            "round runs, or before it.",
        )
    ]


def test_shipped_rounds_read_organisations_on_their_first_day():
    dates = [
        load_definition(text=(ROUNDS / f"{slug}.yaml").read_text())[0].reference_date.isoformat()
        for slug in ("2021-22", "2022-23")
    ]
    assert dates == ["2021-04-01", "2022-04-01"]


def test_load_definition_refuses_a_sum_of_an_unknown_measure():
    text = TEXT_2122.replace("total: EL-TOT,", "total: EL-TOTAL,")
    assert problems_of(text) == [
        (
            "templates.ACT.sheets[0].sums[0].total",
            line_of(text, "EL-TOTAL"),
            "EL-TOTAL is not a measure of this sheet.",
        )
    ]


def test_load_definition_refuses_a_rate_that_is_added_up():
    text = TEXT_2122.replace("parts: [EL-ORD, EL-DC]", "parts: [EL-ORD, EL-DC, OP-REMOTE]")
    assert [message for _path, _line, message in problems_of(text)] == [
        "OP-REMOTE is a rate; rates are never added up."
    ]


def test_load_definition_refuses_a_chart_that_adds_up_a_rate():
    text = TEXT_2122.replace(
        '- {code: DG-TOT, label: "Diagnostic tests"}', '- {code: OP-REMOTE, label: "Remote share"}'
    )
    assert problems_of(text) == [
        (
            "charts.activity.measures[2].code",
            line_of(text, 'label: "Remote share"'),
            "OP-REMOTE is a rate; rates are never added up across organisations.",
        )
    ]


def test_load_definition_refuses_an_unknown_format_version():
    assert problems_of(TEXT_2122.replace("format: 1", "format: 2")) == [
        ("format", 4, "This portal reads round definitions in format 1; the file says 2.")
    ]


def test_load_definition_reports_broken_yaml_with_its_line():
    assert problems_of("format: 1\nround: [1\n") == [
        ("", 3, "This is not valid YAML: expected ',' or ']', but got '<stream end>'")
    ]


def test_2021_22_activity_and_workforce_cover_h1_with_a_monthly_2019_20_baseline():
    sheets = [ics_context(code).specs[0].sheets[0] for code in ("ACT", "WF")]
    assert [(sheet.periods, sheet.baseline_headers) for sheet in sheets] == [
        (
            ("Apr-21", "May-21", "Jun-21", "Jul-21", "Aug-21", "Sep-21"),
            tuple(f"{month}-19 baseline" for month in ("Apr", "May", "Jun", "Jul", "Aug", "Sep")),
        )
    ] * 2


def test_2021_22_activity_has_no_mental_health_rows_and_carries_measure_ids():
    activity = ics_context().specs[0].sheets[0]
    codes = [measure.code for measure in activity.measures]
    ids = {measure.code: measure.measure_id for measure in activity.measures if measure.measure_id}
    assert ([code for code in codes if code.startswith("MH-")], ids) == (
        [],
        {
            "EL-ORD": "E.M.10b",
            "EL-DC": "E.M.10a",
            "EL-TOT": "E.M.10",
            "EL-RTT52": "E.B.18",
            "OP-FA": "E.M.8",
            "OP-FU": "E.M.9",
        },
    )


def test_2021_22_mental_health_financial_plan_covers_twelve_months():
    sheet = ics_context("FIN-MH").specs[0].sheets[0]
    assert (sheet.periods[0], sheet.periods[-1], len(sheet.periods)) == ("Apr-21", "Mar-22", 12)


def test_2021_22_snapshots_and_rates_are_never_totalled():
    kinds = {
        measure.code: measure.total_function
        for code in ("ACT", "WF")
        for sheet in ics_context(code).specs[0].sheets
        if isinstance(sheet, GridSheet)
        for measure in sheet.measures
    }
    assert [
        kinds[code] for code in ("EL-TOT", "EL-RTT52", "UEC-GA", "OP-REMOTE", "WF-TOT", "WF-SICK")
    ] == [
        "SUM",
        "LATEST",
        "LATEST",
        "AVERAGE",
        "LATEST",
        "AVERAGE",
    ]


def test_2021_22_activity_return_with_six_months_validates_with_no_errors():
    context = ics_context(version="2021.1")
    result = validate_workbook(data=make_sample_return(context=context), context=context)
    months = sorted({value.period for value in result.values() if not value.is_baseline})
    assert (result.error_count, result.warning_count, len(months)) == (0, 0, 6)


@pytest.mark.parametrize(
    ("cell", "value"),
    [("D5", 10), ("E5", 1.5), ("C5", 99_000_000), ("H5", 0)],
)
def test_an_edit_to_a_locked_erf_cell_is_an_error_naming_the_cell(cell, value):
    context = ics_context()
    data = edit_cells(make_sample_return(context=context), "ERF", {cell: value})
    result = validate_workbook(data=data, context=context)
    assert [(f.severity, f.rule, f.sheet, f.cell) for f in result.findings] == [
        ("error", "LOCKED.CHANGED", "ERF", cell)
    ]
    assert cell in result.findings[0].message


def test_an_overwritten_total_formula_is_an_error_naming_the_cell():
    context = ics_context()
    data = edit_cells(make_sample_return(context=context), "Activity", {"R4": 12345})
    result = validate_workbook(data=data, context=context)
    assert [(f.rule, f.sheet, f.cell) for f in result.findings] == [
        ("LOCKED.CHANGED", "Activity", "R4")
    ]


def test_2022_23_has_draft_mid_march_and_final_end_of_april_twelve_month_plans():
    definition = load_definition(text=(ROUNDS / "2022-23.yaml").read_text())[0]
    activity = definition.template_of("ACT").sheets[0]
    stages = {
        item.code: [(s.stage, s.deadline) for s in item.stages] for item in definition.collections
    }
    assert stages["ACT"] == [("draft", "2022-03-17 12:00"), ("final", "2022-04-28 12:00")]
    assert (activity.periods[0], activity.periods[-1], len(activity.periods)) == (
        "Apr-22",
        "Mar-23",
        12,
    )
    assert not [label for label in activity.value_headers if label.endswith("-21")]


def test_2022_23_narrative_follows_the_ten_priority_areas():
    definition = load_definition(text=(ROUNDS / "2022-23.yaml").read_text())[0]
    headings = [section.heading[:2] for section in definition.narrative_of("NAR").sections]
    assert headings == [f"{letter}." for letter in "ABCDEFGHIJ"]


def test_2022_23_warns_when_elective_activity_is_not_10_percent_above_2019_20():
    context = ics_context(slug="2022-23")
    data = make_sample_return(context=context, growth=[1.15] * 12)
    base = validate_workbook(data=data, context=context)
    low = make_sample_return(context=context, growth=[1.05] * 12)
    result = validate_workbook(data=low, context=context)
    elective = {
        f.cell
        for f in result.findings
        if f.rule == "ACT.PLAUS.BASE" and f.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "4"
    }
    assert (base.error_count, result.error_count, len(elective)) == (0, 0, 12)
    assert "over 10% more elective activity" in next(
        f.message for f in result.findings if f.rule == "ACT.PLAUS.BASE"
    )


def test_2022_23_erf_threshold_is_set_by_the_national_team_and_says_where_from():
    scheme = load_definition(text=(ROUNDS / "2022-23.yaml").read_text())[0].erf
    assert ({str(month.threshold_pct) for month in scheme.months}, len(scheme.months)) == (
        {"104"},
        12,
    )
    assert (
        scheme.threshold_confirmed,
        "national planning team's working figures" in (scheme.threshold_source),
    ) == (False, True)


def test_erf_scheme_lists_thresholds_as_runs_of_months():
    scheme = load_definition(text=TEXT_2122)[0].erf
    assert [(run.first, run.last, str(run.threshold_pct)) for run in scheme.threshold_runs] == [
        ("2021-04", "2021-04", "70"),
        ("2021-05", "2021-05", "75"),
        ("2021-06", "2021-06", "80"),
        ("2021-07", "2021-09", "85"),
    ]
