"""The ERF scheme's working-day calendar against England and Wales bank holidays."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from workbooks.erf_calendar import ErfInputError, working_day_ratio_against, working_days

# Counted by hand from the calendar: weekdays less England and Wales bank holidays.
WORKING_DAYS = {
    2019: {4: 20, 5: 21, 6: 20, 7: 23, 8: 21, 9: 21},
    2021: {4: 20, 5: 19, 6: 22, 7: 22, 8: 21, 9: 22},
}


@pytest.mark.parametrize(
    "year,month,expected",
    [
        (year, month, days)
        for year, months in WORKING_DAYS.items()
        for month, days in months.items()
    ],
)
def test_working_days_match_the_bank_holiday_calendar(year, month, expected):
    assert working_days(year=year, month=month) == expected


def test_working_days_refuse_a_year_without_bank_holidays():
    with pytest.raises(ErfInputError, match="2024"):
        working_days(year=2024, month=4)


def test_working_day_ratio_against_a_base_year_counts_january_in_the_next_calendar_year():
    # January 2022 has 20 working days (3 January a bank holiday), January 2020 has 22.
    assert working_day_ratio_against(month="2022-01", base_year=2019) == D(20) / D(22)
