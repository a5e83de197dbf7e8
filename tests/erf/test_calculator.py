"""The ERF calculator against the bank-holiday calendar and the worked example of the
2021/22 implementation guidance (§3)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from erf.calculator import (
    ErfInputError,
    MonthInput,
    estimate,
    month_estimate,
    working_day_ratio,
)


def test_working_day_ratio_is_the_exact_fraction():
    assert working_day_ratio(month="2021-05") == D(19) / D(21)
    assert working_day_ratio(month="2021-07") == D(22) / D(23)
    assert working_day_ratio(month="2021-06") == D("1.1")


def test_working_day_ratio_refuses_a_month_outside_2021_22():
    with pytest.raises(ErfInputError, match="2021/22"):
        working_day_ratio(month="2020-04")


# The 2021/22 implementation guidance, §3, worked example: baseline £30m, counting and coding
# £0.5m, April to July.
EXAMPLE_ACTIVITY = {
    "below": (20_000_000, 20_000_000, 20_000_000, 20_000_000),
    "above": (26_000_000, 26_000_000, 28_000_000, 25_000_000),
    "between": (23_000_000, 22_000_000, 28_000_000, 20_000_000),
}
EXAMPLE_MONTHS = ("2021-04", "2021-05", "2021-06", "2021-07")


def _example(case: str):
    return estimate(
        months=[
            MonthInput(
                month=month,
                baseline=D(30_000_000),
                activity=D(activity),
                counting_coding_adjustment=D(500_000),
            )
            for month, activity in zip(EXAMPLE_MONTHS, EXAMPLE_ACTIVITY[case], strict=True)
        ]
    )


def test_estimate_worked_example_thresholds():
    result = _example("above")
    assert [m.lower_threshold for m in result.months] == [
        20_500_000,
        19_857_143,
        25_900_000,
        23_891_304,
    ]
    assert [m.upper_threshold for m in result.months] == [
        25_000_000,
        22_571_429,
        27_550_000,
        23_891_304,
    ]


def test_estimate_worked_example_below_lower_pays_nothing():
    result = _example("below")
    # The guidance prints £- for May too, but its own May lower threshold (£19,857,143) is under the
    # £20m of this example: the rule it states pays the £142,857 between, so that is what we assert.
    assert [(m.between, m.above_upper, m.additional_funding) for m in result.months] == [
        (0, 0, 0),
        (142_857, 0, 142_857),
        (0, 0, 0),
        (0, 0, 0),
    ]
    assert result.total == 142_857


def test_estimate_worked_example_above_upper():
    result = _example("above")
    assert [m.above_upper for m in result.months] == [1_000_000, 3_428_571, 450_000, 1_108_696]
    assert [m.between for m in result.months] == [4_500_000, 2_714_286, 1_650_000, 0]
    assert [m.additional_funding for m in result.months] == [
        5_700_000,
        6_828_571,
        2_190_000,
        1_330_435,
    ]
    assert result.total == 5_700_000 + 6_828_571 + 2_190_000 + 1_330_435


def test_estimate_worked_example_between_thresholds():
    result = _example("between")
    assert [m.above_upper for m in result.months] == [0, 0, 450_000, 0]
    assert [m.between for m in result.months] == [2_500_000, 2_142_857, 1_650_000, 0]
    assert [m.additional_funding for m in result.months] == [2_500_000, 2_142_857, 2_190_000, 0]
    assert result.total == 6_832_857


@pytest.mark.parametrize(
    "activity,between,above,funding",
    [
        (600, 0, 0, 0),  # below the lower threshold (700)
        (800, 100, 0, 100),  # between: paid at 100%
        (900, 150, 50, 210),  # above the upper threshold (850): 150 + 1.2 × 50
    ],
)
def test_month_estimate_crosses_thresholds(activity, between, above, funding):
    result = month_estimate(month="2021-04", baseline=D(1000), activity=D(activity))
    assert (result.lower_threshold, result.upper_threshold) == (700, 850)
    assert (result.between, result.above_upper, result.additional_funding) == (
        between,
        above,
        funding,
    )


def test_month_estimate_lower_equals_upper_at_85_percent():
    result = month_estimate(
        month="2021-10",
        baseline=D(1000),
        activity=D(900),
        threshold_pct=D(85),
        working_day_ratio=D(1),
    )
    assert result.lower_threshold == result.upper_threshold == 850
    assert (result.between, result.above_upper, result.additional_funding) == (0, 50, 60)


def test_month_estimate_is_never_negative():
    result = month_estimate(
        month="2021-04", baseline=D(1000), activity=D(0), counting_coding_adjustment=D(5000)
    )
    assert (result.lower_threshold, result.upper_threshold, result.additional_funding) == (0, 0, 0)


def test_month_estimate_counting_coding_adjustment_lowers_both_thresholds():
    plain = month_estimate(month="2021-04", baseline=D(1000), activity=D(900))
    adjusted = month_estimate(
        month="2021-04", baseline=D(1000), activity=D(900), counting_coding_adjustment=D(100)
    )
    assert (adjusted.lower_threshold, adjusted.upper_threshold) == (600, 750)
    assert adjusted.additional_funding == 150 + D("1.2") * 150 > plain.additional_funding


def test_month_estimate_negative_adjustment_raises_both_thresholds():
    result = month_estimate(
        month="2021-04", baseline=D(1000), activity=D(900), counting_coding_adjustment=D(-100)
    )
    assert (result.lower_threshold, result.upper_threshold) == (800, 950)


def test_month_estimate_rounds_half_up_to_the_pound():
    # 15 × 70% = 10.5: half up gives 11 where banker's rounding would give 10.
    result = month_estimate(month="2021-04", baseline=D(15), activity=D("12.75"))
    assert result.lower_threshold == 11
    assert result.upper_threshold == 13  # 12.75
    assert result.between == 2  # 12.75 − 10.5 = 2.25, rounded only at the end
    assert result.additional_funding == 2


def test_month_estimate_rounds_at_the_end_not_per_step():
    # Between 0.4 and above 0.4 would each round to 0; together 0.4 + 0.48 = 0.88 rounds to 1.
    result = month_estimate(
        month="2021-07",
        baseline=D(100),
        activity=D("85.4"),
        threshold_pct=D("84.6"),
        working_day_ratio=D(1),
    )
    assert (result.between, result.above_upper, result.additional_funding) == (0, 0, 1)


def test_estimate_months_are_independent():
    together = estimate(
        months=[
            MonthInput(month="2021-04", baseline=D(1000), activity=D(900)),
            MonthInput(month="2021-05", baseline=D(1000), activity=D(0)),
        ]
    )
    alone = month_estimate(month="2021-04", baseline=D(1000), activity=D(900))
    assert together.months[0] == alone
    assert together.total == alone.additional_funding


def test_estimate_refuses_duplicate_months():
    with pytest.raises(ErfInputError, match="2021-04"):
        estimate(months=[MonthInput(month="2021-04", baseline=D(1), activity=D(1))] * 2)


def test_month_estimate_needs_a_threshold_outside_the_national_schedule():
    with pytest.raises(ErfInputError, match="threshold percentage"):
        month_estimate(month="2021-10", baseline=D(1000), activity=D(900))


@pytest.mark.parametrize("field", ["baseline", "activity", "working_day_ratio"])
def test_month_estimate_refuses_negative_values(field):
    values = {"baseline": D(1000), "activity": D(900), "working_day_ratio": D(1), field: D(-1)}
    with pytest.raises(ErfInputError, match="negative"):
        month_estimate(month="2021-04", **values)
