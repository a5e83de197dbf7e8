"""The rules of triangulation on plain figures: each fires just beyond its band and not at its
edge."""

from __future__ import annotations

import pytest

from tests.factories import shipped_definition
from triangulation.checks import Bands, Number, ReturnNumbers, check_system, growth, plan_from_data

# What the shipped 2021/22 definition compares.
PLAN = plan_from_data(shipped_definition("2021-22").data["triangulation"])

BANDS = Bands(workforce=10, cost=10, pay=10, commissioner=10)
MONTHS = ("Apr-21", "May-21")
NAMES = {"QHM": "North East and North Cumbria", "RTD": "Newcastle", "RR7": "Gateshead"}


def block(code: str, kind: str, measures: dict[str, tuple[float, float]]) -> list[Number]:
    """Each measure's baseline and the figure of every month."""
    numbers = []
    for measure, (baseline, month) in measures.items():
        numbers.append(Number(code, kind, measure, "baseline", True, baseline))
        numbers += [Number(code, kind, measure, period, False, month) for period in MONTHS]
    return numbers


def activity(month: float = 110, *, providers=("RTD",), ccg: float | None = None) -> ReturnNumbers:
    numbers = []
    for code in providers:
        numbers += block(
            code,
            "provider",
            {"EL-TOT": (100, month), "OP-TOT": (100, month), "DG-TOT": (100, month)},
        )
    if ccg is not None:
        numbers += block(
            "13T",
            "ccg",
            {
                "EL-TOT": (100, ccg),
                "OP-TOT": (100, 110 * len(providers)),
                "DG-TOT": (100, 110 * len(providers)),
            },
        )
    return ReturnNumbers("ACT", 1, numbers)


def workforce(month: float, *, providers=("RTD",)) -> ReturnNumbers:
    return ReturnNumbers(
        "WF",
        2,
        [n for code in providers for n in block(code, "provider", {"WF-TOT": (100, month)})],
    )


def finance(*, expenditure: float = 110, pay: float = 110, providers=("RTD",)) -> ReturnNumbers:
    numbers = []
    for code in providers:
        numbers += block(
            code,
            "provider",
            {
                "EXP-TOT": (100, expenditure),
                "EXP-PAY": (60, pay * 0.6),
                "EXP-BANK": (30, pay * 0.3),
                "EXP-AGENCY": (10, pay * 0.1),
            },
        )
    return ReturnNumbers("FIN-SYS", 3, numbers)


def found(*returns: ReturnNumbers) -> list[tuple[str, str]]:
    return [
        (f.rule, f.organisation_code)
        for f in check_system(
            returns=returns, bands=BANDS, names=NAMES, system_code="QHM", plan=PLAN
        )
    ]


def test_growth_is_the_average_month_against_the_baseline():
    series = {
        "EL-TOT": {None: 100.0, "Apr-21": 100.0, "May-21": 130.0},
        "OP-TOT": {None: 100.0, "Apr-21": 110.0, "May-21": 120.0},
    }
    assert growth(series, ("EL-TOT", "OP-TOT"), MONTHS) == pytest.approx(15.0)
    assert growth(series, ("EL-TOT", "DG-TOT"), MONTHS) is None
    assert growth({"EL-TOT": {None: 0.0, "Apr-21": 5.0}}, ("EL-TOT",), ("Apr-21",)) is None


@pytest.mark.parametrize(
    ("workforce_month", "expected"),
    [
        (120, []),  # +20% against +10%: 10 points, the band's edge
        (100, []),  # 0% against +10%: 10 points the other way
        (121, [("TRI.WF.001", "RTD"), ("TRI.WF.001", "QHM")]),
        (99, [("TRI.WF.001", "RTD"), ("TRI.WF.001", "QHM")]),
    ],
)
def test_workforce_growth_against_activity_growth_at_the_band_edges(workforce_month, expected):
    assert found(activity(), workforce(workforce_month)) == expected


@pytest.mark.parametrize(
    ("expenditure", "expected"),
    [
        (120, []),
        (100, []),
        (120.5, [("TRI.FIN.001", "RTD"), ("TRI.FIN.001", "QHM")]),
        (99.5, [("TRI.FIN.001", "RTD"), ("TRI.FIN.001", "QHM")]),
    ],
)
def test_cost_growth_against_activity_growth_at_the_band_edges(expenditure, expected):
    assert found(activity(), finance(expenditure=expenditure)) == expected


@pytest.mark.parametrize(
    ("pay", "expected"),
    [
        (120, []),
        (100, []),
        (121, [("TRI.FIN.002", "RTD"), ("TRI.FIN.002", "QHM")]),
    ],
)
def test_pay_growth_against_workforce_growth_at_the_band_edges(pay, expected):
    assert found(workforce(110), finance(pay=pay)) == expected


@pytest.mark.parametrize(
    ("ccg_month", "expected"),
    [
        (242, []),  # providers plan 2 x 110 = 220 a month: +10%, the edge
        (198, []),  # -10%
        (243, [("TRI.CCG.001", "QHM")]),
        (197, [("TRI.CCG.001", "QHM")]),
    ],
)
def test_commissioner_activity_against_provider_activity_at_the_band_edges(ccg_month, expected):
    assert found(activity(providers=("RTD", "RR7"), ccg=ccg_month)) == expected


def test_bands_come_from_the_round_not_the_code():
    wide = Bands(workforce=25, cost=25, pay=25, commissioner=25)
    mismatched = (
        activity(),
        workforce(130),
        finance(expenditure=130, pay=110),
    )
    assert (
        check_system(returns=mismatched, bands=wide, names=NAMES, system_code="QHM", plan=PLAN)
        == []
    )
    assert (
        len(
            check_system(returns=mismatched, bands=BANDS, names=NAMES, system_code="QHM", plan=PLAN)
        )
        == 6
    )


def test_a_provider_missing_from_one_return_is_named_with_the_returns_it_is_in():
    findings = check_system(
        returns=(
            activity(providers=("RTD", "RR7")),
            workforce(110, providers=("RTD", "RR7")),
            finance(providers=("RTD",)),
        ),
        bands=BANDS,
        names=NAMES,
        system_code="QHM",
        plan=PLAN,
    )
    presence = [f for f in findings if f.rule == "TRI.PRV.001"]
    assert [(f.organisation_code, f.collections, f.figures) for f in presence] == [
        (
            "RR7",
            ("ACT", "WF", "FIN-SYS"),
            [
                ("Figures in", "Activity return and workforce return"),
                ("No figures in", "System financial plan"),
            ],
        ),
    ]
    assert presence[0].message.startswith(
        "Gateshead has figures in the activity return and workforce return but none in the "
        "system financial plan."
    )
    assert presence[0].severity == "warning"


def test_consistent_returns_have_no_findings_and_a_lone_return_is_not_compared():
    assert found(activity(), workforce(110), finance()) == []
    assert found(workforce(150)) == []


def test_a_finding_says_what_was_compared_and_what_to_check():
    (finding, _system) = check_system(
        returns=(activity(), workforce(125)),
        bands=BANDS,
        names=NAMES,
        system_code="QHM",
        plan=PLAN,
    )
    assert finding.figures == [
        (
            "Activity (elective, outpatients and diagnostics) against the 2019/20 baseline",
            "+10.0%",
        ),
        ("Workforce (total WTE) against the same months of 2019/20", "+25.0%"),
        ("Gap", "15.0 percentage points"),
        ("Allowed", "10.0 percentage points"),
    ]
    assert finding.collections == ("ACT", "WF")
    assert finding.message.startswith(
        "Newcastle: workforce (total WTE) changes by +25.0% on the same months of 2019/20 in the "
        "workforce return but activity (elective, outpatients and diagnostics) by +10.0% on the "
        "2019/20 baseline in the activity return, 15.0 percentage points apart over the same 2 "
        "months"
    )
    assert "Check that the workforce plan is for the activity planned" in finding.message
