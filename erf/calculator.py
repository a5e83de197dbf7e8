"""The Elective Recovery Fund estimate (the 2021/22 implementation guidance §3): pure functions, no
Django.

Money is Decimal throughout and only the final figures of each month are rounded to the pound, so
the thresholds and payments agree with the guidance's worked example to the pound.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from workbooks.erf_calendar import (
    ErfInputError,
    parse_month,
    working_days,
)

# The national thresholds, as a percentage of the 2019/20 value, for the months the scheme covers.
THRESHOLD_PCT: dict[str, Decimal] = {
    "2021-04": Decimal(70),
    "2021-05": Decimal(75),
    "2021-06": Decimal(80),
    "2021-07": Decimal(85),
    "2021-08": Decimal(85),
    "2021-09": Decimal(85),
}
# The funded activity level: activity between a month's threshold and this is paid at 100% of
# tariff.
UPPER_PCT = Decimal(85)
# Activity above the upper threshold is paid at 120% to cover pathway costs tariff does not.
ABOVE_UPPER_RATE = Decimal("1.2")

_POUND = Decimal(1)
_ZERO = Decimal(0)


@dataclass(frozen=True)
class MonthInput:
    month: str
    baseline: Decimal
    activity: Decimal
    threshold_pct: Decimal | None = None
    working_day_ratio: Decimal | None = None
    counting_coding_adjustment: Decimal = _ZERO


@dataclass(frozen=True)
class MonthEstimate:
    month: str
    threshold_pct: Decimal
    working_day_ratio: Decimal
    lower_threshold: Decimal
    upper_threshold: Decimal
    between: Decimal
    above_upper: Decimal
    additional_funding: Decimal


@dataclass(frozen=True)
class Estimate:
    months: list[MonthEstimate]
    total: Decimal
    # What the months were paid by, for a page to explain the figures.
    upper_pct: Decimal = UPPER_PCT
    rate_between: Decimal = Decimal(1)
    rate_above_upper: Decimal = ABOVE_UPPER_RATE


def working_day_ratio(*, month: str) -> Decimal:
    """Working days in the 2021/22 month over the same month of 2019/20, unrounded.

    Left exact because the guidance's worked example (19/21 in May, 22/23 in July) only comes out to
    the pound with the exact fraction, not a rounded percentage.
    """
    year, number = parse_month(month)
    if not (year == 2021 and number >= 4) and not (year == 2022 and number <= 3):
        raise ErfInputError(f"{month} is not a month of 2021/22; give its working-day ratio.")
    return Decimal(working_days(year=year, month=number)) / Decimal(
        working_days(year=year - 2, month=number)
    )


# month_estimate's keyword argument shares the function's name; this keeps the function reachable
# there.
_ratio_of_month = working_day_ratio


def _pounds(value: Decimal) -> Decimal:
    return value.quantize(_POUND, rounding=ROUND_HALF_UP)


def month_estimate(
    *,
    month: str,
    baseline: Decimal,
    activity: Decimal,
    threshold_pct: Decimal | None = None,
    working_day_ratio: Decimal | None = None,
    counting_coding_adjustment: Decimal = _ZERO,
    upper_pct: Decimal = UPPER_PCT,
    rate_between: Decimal = Decimal(1),
    rate_above_upper: Decimal = ABOVE_UPPER_RATE,
) -> MonthEstimate:
    """One month's thresholds and additional funding; months are independent of each other.
    A round's ERF scheme gives the upper threshold and the payment rates (defaults: 2021/22's)."""
    parse_month(month)
    if threshold_pct is None:
        if month not in THRESHOLD_PCT:
            raise ErfInputError(
                f"{month} has no national threshold; give its threshold percentage."
            )
        threshold_pct = THRESHOLD_PCT[month]
    ratio = working_day_ratio if working_day_ratio is not None else _ratio_of_month(month=month)
    if baseline < 0 or activity < 0 or ratio < 0:
        raise ErfInputError(
            f"{month}: the baseline, activity and working-day ratio cannot be negative."
        )
    if not _ZERO <= threshold_pct <= upper_pct:
        # Above the upper threshold the lower one would sit over it and the bands would overlap.
        raise ErfInputError(f"{month}: the threshold percentage must be between 0 and {upper_pct}.")

    def threshold(pct: Decimal) -> Decimal:
        # A counting-and-coding adjustment larger than the threshold itself means every pound of
        # activity
        # counts; a threshold below zero would pay for activity that was never delivered.
        return max(_ZERO, baseline * pct / 100 * ratio - counting_coding_adjustment)

    lower, upper = threshold(threshold_pct), threshold(upper_pct)
    between = max(_ZERO, min(activity, upper) - lower)
    above_upper = max(_ZERO, activity - upper)
    return MonthEstimate(
        month=month,
        threshold_pct=threshold_pct,
        working_day_ratio=ratio,
        lower_threshold=_pounds(lower),
        upper_threshold=_pounds(upper),
        between=_pounds(between),
        above_upper=_pounds(above_upper),
        additional_funding=_pounds(rate_between * between + rate_above_upper * above_upper),
    )


def estimate(
    *,
    months: list[MonthInput],
    upper_pct: Decimal = UPPER_PCT,
    rate_between: Decimal = Decimal(1),
    rate_above_upper: Decimal = ABOVE_UPPER_RATE,
) -> Estimate:
    """Each month on its own, and the total of the rounded monthly funding as a return would show
    it."""
    seen = [item.month for item in months]
    duplicates = sorted({month for month in seen if seen.count(month) > 1})
    if duplicates:
        raise ErfInputError(f"Each month may appear once; repeated: {', '.join(duplicates)}.")
    results = [
        month_estimate(
            month=item.month,
            baseline=item.baseline,
            activity=item.activity,
            threshold_pct=item.threshold_pct,
            working_day_ratio=item.working_day_ratio,
            counting_coding_adjustment=item.counting_coding_adjustment,
            upper_pct=upper_pct,
            rate_between=rate_between,
            rate_above_upper=rate_above_upper,
        )
        for item in months
    ]
    return Estimate(
        months=results,
        total=sum((result.additional_funding for result in results), _ZERO),
        upper_pct=upper_pct,
        rate_between=rate_between,
        rate_above_upper=rate_above_upper,
    )
