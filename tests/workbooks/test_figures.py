from decimal import Decimal

from workbooks.definition import template_from_data
from workbooks.figures import KeyFigure, baseline_name, figure_text, key_figures

MONTHS = ["Apr-21", "May-21", "Jun-21"]


def _template():
    return template_from_data(
        collection_code="PLAN",
        data={
            "version": "1.0",
            "title": "Plan",
            "sheets": [
                {
                    "kind": "grid",
                    "name": "Activity",
                    "title": "Activity",
                    "periods": {"labels": MONTHS},
                    "baseline": {"labels": ["Apr-19", "May-19", "Jun-19"]},
                    "measures": [
                        {"code": "FLOW", "label": "Elective spells", "unit": "count"},
                        {
                            "code": "SNAP",
                            "label": "Waiting list",
                            "unit": "count",
                            "kind": "snapshot",
                        },
                        {
                            "code": "RATE",
                            "label": "Remote share",
                            "unit": "percent",
                            "kind": "rate",
                        },
                    ],
                },
                {
                    "kind": "grid",
                    "name": "Money",
                    "title": "Money and staff",
                    "periods": {"labels": MONTHS},
                    "baseline": {"label": "Mar-21 position"},
                    "measures": [
                        {"code": "NET", "label": "Surplus", "unit": "gbp_k_signed"},
                        {"code": "STAFF", "label": "Staff", "unit": "wte", "kind": "snapshot"},
                        {"code": "SICK", "label": "Sickness", "unit": "percent", "kind": "rate"},
                    ],
                },
            ],
        },
    )


def _values(rows: dict[str, tuple[list, list]], *, baseline_columns: int = 3):
    """(measure, position, is baseline, value) in a shuffled order, baselines before the months;
    a month given as None is left blank."""
    found = []
    for code, (baselines, months) in rows.items():
        found += [(code, i, True, Decimal(str(v))) for i, v in enumerate(baselines)]
        found += [
            (code, baseline_columns + i, False, Decimal(str(v)))
            for i, v in enumerate(months)
            if v is not None
        ]
    return list(reversed(found))


def _shown(figures):
    return [(f.label, f.basis, f.plan_text, f.baseline_text, f.change) for f in figures]


def test_key_figures_follow_each_measures_kind_against_a_monthly_baseline():
    activity = _template().sheets[0]
    values = _values(
        {
            "FLOW": ([1000, 1000, 1200], [1200, 1300, 1500]),
            "SNAP": ([4200, 4300, 4500], [5000, 4500, 4000]),
            "RATE": ([10, 12, 14], [20, 25, 30]),
        }
    )
    assert _shown(key_figures(sheet=activity, values=values)) == [
        ("Elective spells", "total of 3 months", "4,000", "3,200", "Up 25.0%"),
        ("Waiting list", "at Jun-21", "4,000", "4,500", "Down 11.1%"),
        ("Remote share", "average of 3 months", "25.0%", "12.0%", "Up 13.0 percentage points"),
    ]
    assert baseline_name(sheet=activity) == "Apr-19 to Jun-19"


def test_key_figures_compare_a_single_baseline_as_one_month_or_the_position():
    money = _template().sheets[1]
    values = _values(
        {
            "NET": ([-80], [-100.5, -200, -50]),
            "STAFF": ([12], [10.25, 11, 12.04]),
            "SICK": ([4.5], [4.5, 4.5, 4.5]),
        },
        baseline_columns=1,
    )
    assert _shown(key_figures(sheet=money, values=values)) == [
        ("Surplus", "total of 3 months", "-£350,500", "-£240,000", "Down 46.0%"),
        ("Staff", "at Jun-21", "12.0 WTE", "12.0 WTE", "Up 0.3%"),
        ("Sickness", "average of 3 months", "4.5%", "4.5%", "No change"),
    ]
    assert baseline_name(sheet=money) == "Mar-21 position"


def test_key_figures_name_the_month_of_a_snapshot_after_a_blank_month():
    activity = _template().sheets[0]
    values = _values({"SNAP": ([4200, 4300, 4500], [5000, None, 4000])})
    assert _shown(key_figures(sheet=activity, values=values)) == [
        ("Waiting list", "at Jun-21", "4,000", "4,500", "Down 11.1%"),
    ]


def test_key_figures_leave_out_measures_without_months():
    activity = _template().sheets[0]
    figures = key_figures(sheet=activity, values=_values({"FLOW": ([], [1, 2, 3])}))
    assert _shown(figures) == [("Elective spells", "total of 3 months", "6", "", "")]


def test_figure_text_writes_thousands_separators_and_units():
    assert [
        figure_text(Decimal("1234567.5"), unit="count"),
        figure_text(Decimal("1234.56"), unit="gbp"),
        figure_text(Decimal("-0.0001"), unit="gbp_k_signed"),
        figure_text(Decimal("0.95"), unit="ratio"),
        figure_text(Decimal("33.333"), unit="percent"),
    ] == ["1,234,568", "£1,235", "£0", "0.95", "33.3%"]


def test_key_figure_change_never_calls_a_small_change_no_change():
    figure = KeyFigure(
        code="FLOW",
        label="Elective spells",
        unit="count",
        kind="flow",
        plan=Decimal(25177),
        baseline=Decimal(25188),
        months=6,
        last_period="Sep-21",
    )
    assert figure.change == "Down less than 0.1%"
