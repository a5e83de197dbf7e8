"""The working-day calendar of an ERF scheme: England and Wales bank holidays and the ratio of
working days in a month to the same month of the scheme's base year. Pure Python: the round
definition resolves its ERF sheets with it, and the ERF calculator estimates with it."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal

from . import bank_holidays

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class ErfInputError(ValueError):
    """Input the estimate cannot be made from; the message is fit to show the person who gave it."""


def parse_month(month: str) -> tuple[int, int]:
    match = _MONTH.match(month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ErfInputError(f"“{month}” is not a month; write it as YYYY-MM, for example 2021-04.")
    return int(match.group(1)), int(match.group(2))


def working_days(*, year: int, month: int) -> int:
    """Monday-to-Friday days of the month that are not England and Wales bank holidays."""
    if year not in bank_holidays.YEARS:
        raise ErfInputError(
            f"Bank holidays are only held for {min(bank_holidays.YEARS)} to "
            f"{max(bank_holidays.YEARS)}, not {year}."
        )
    days_in_month = calendar.monthrange(year, month)[1]
    return sum(
        1
        for day in range(1, days_in_month + 1)
        if dt.date(year, month, day).weekday() < 5
        and dt.date(year, month, day) not in bank_holidays.DATES
    )


def working_day_ratio_against(*, month: str, base_year: int) -> Decimal:
    """Working days in `month` over the same calendar month of the financial year starting in
    April of `base_year` (2019 for 2019/20), unrounded."""
    year, number = parse_month(month)
    base = base_year if number >= 4 else base_year + 1
    return Decimal(working_days(year=year, month=number)) / Decimal(
        working_days(year=base, month=number)
    )
