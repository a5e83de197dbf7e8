from __future__ import annotations

import datetime as dt

import pytest

from shell.templatetags.portal import days_left_text, london, status_tag
from tests.factories import london as london_time

UTC = dt.UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (london_time(2021, 5, 6), "6 May 2021 at midday (BST)"),
        (london_time(2021, 3, 22), "22 March 2021 at midday (GMT)"),
        (london_time(2021, 6, 3, 17, 30), "3 June 2021 at 5:30pm (BST)"),
        (london_time(2021, 11, 1, 9), "1 November 2021 at 9am (GMT)"),
        (dt.datetime(2021, 5, 5, 23, 30, tzinfo=UTC), "6 May 2021 at 12:30am (BST)"),
        (None, ""),
    ],
)
def test_london_filter_formats_deadline_with_zone(value, expected):
    assert london(value) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (london_time(2021, 5, 1), "5 days left"),
        (london_time(2021, 5, 5, 23, 59), "Due tomorrow (12 hours left)"),
        (london_time(2021, 5, 6, 0, 1), "Due today (11 hours left)"),
        (london_time(2021, 5, 6, 11, 58), "Due today (2 minutes left)"),
        (london_time(2021, 5, 6, 11, 59), "Due today (1 minute left)"),
        (london_time(2021, 5, 6, 12, 1), "Deadline passed today"),
        (london_time(2021, 5, 7), "1 day overdue"),
        (london_time(2021, 5, 9), "3 days overdue"),
    ],
)
def test_days_left_text_in_london_days(time_machine, now, expected):
    time_machine.move_to(now, tick=False)

    assert days_left_text(london_time(2021, 5, 6)) == expected


def test_status_tag_colours_and_escapes():
    assert (
        status_tag("approved", "Approved")
        == '<strong class="nhsuk-tag nhsuk-tag--green">Approved</strong>'
    )
    assert (
        status_tag("mystery", "<b>")
        == '<strong class="nhsuk-tag nhsuk-tag--white">&lt;b&gt;</strong>'
    )
