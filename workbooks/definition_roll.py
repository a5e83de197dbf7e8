"""Roll a round definition forward a year: the next round's first draft.

Everything dated moves on a year: the round's name and dates (its reference date too), its
periods and baseline months, the ERF months and working-day base year, template versions, and
years written in labels and text ("2021/22", "Apr-21", "April 2021", "2019/20"). Deadlines and
timetable dates move by 52 weeks, so each stays on the same weekday, at the same London time. The
admin then edits what the new guidance changes; the result is checked like any other definition
when it is installed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

WEEKS_A_YEAR = dt.timedelta(weeks=52)
# Dates that move to the same day of the month a year on (1 April stays 1 April), not by 52 weeks.
CALENDAR_DATES = ("starts_on", "ends_on", "reference_date")
_MONTHS = "|".join(calendar.month_name[1:])
_SHORT_MONTHS = "|".join(calendar.month_abbr[1:])

# One pass over the text, so a year rolled by one form is never rolled again by another.
_YEARS_IN_TEXT = re.compile(
    r"\b(?P<fy>20\d\d)/(?P<fy_end>\d\d)\b"  # 2021/22
    rf"|\b(?P<short>{_SHORT_MONTHS})-(?P<short_year>\d\d)\b"  # Apr-21
    rf"|\b(?P<month>{_MONTHS}|{_SHORT_MONTHS}) (?P<year>20\d\d)\b(?!/)"  # April 2021
)
_MONTH = re.compile(r"^(20\d\d)-(\d\d)$")  # 2021-04
_DATE = re.compile(r"^(20\d\d)-(\d\d)-(\d\d)$")  # 2021-05-06
_DEADLINE = re.compile(r"^(20\d\d)-(\d\d)-(\d\d) (\d\d:\d\d)$")  # 2021-05-06 12:00
_VERSION = re.compile(r"^(20\d\d)\.(\d+)$")  # 2021.2


def _a_year_on_in_text(match: re.Match) -> str:
    if match["fy"]:
        first = int(match["fy"]) + 1
        return f"{first}/{(first + 1) % 100:02d}"
    if match["short"]:
        return f"{match['short']}-{(int(match['short_year']) + 1) % 100:02d}"
    return f"{match['month']} {int(match['year']) + 1}"


def roll_text(text: str) -> str:
    """Years written in a label or a sentence, a year on."""
    return _YEARS_IN_TEXT.sub(_a_year_on_in_text, text)


def _a_year_on(day: dt.date) -> dt.date:
    # 29 February has no twin a year on; the last day of February stands in for it.
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _roll_value(key: str, value: Any) -> Any:
    if isinstance(value, dict):
        return {name: _roll_value(name, item) for name, item in value.items()}
    if isinstance(value, list):
        return [_roll_value(key, item) for item in value]
    if isinstance(value, dt.datetime):
        return value + WEEKS_A_YEAR
    if isinstance(value, dt.date):
        return _a_year_on(value) if key in CALENDAR_DATES else value + WEEKS_A_YEAR
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return value
    if isinstance(value, int):
        return value + 1 if key == "working_day_base_year" else value
    return _roll_string(key, value)


def _roll_string(key: str, value: str) -> str:
    if match := _DEADLINE.match(value):
        day = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        return f"{day + WEEKS_A_YEAR:%Y-%m-%d} {match.group(4)}"
    if match := _DATE.match(value):
        day = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        rolled = _a_year_on(day) if key in CALENDAR_DATES else day + WEEKS_A_YEAR
        return f"{rolled:%Y-%m-%d}"
    if match := _MONTH.match(value):
        return f"{int(match.group(1)) + 1}-{match.group(2)}"
    if match := _VERSION.match(value):
        return f"{int(match.group(1)) + 1}.1"
    return roll_text(value)


def definition_roll_forward(data: dict) -> dict:
    """A copy of a definition's data (as read from its YAML) for the round a year later."""
    return _roll_value("", data)
