from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from accounts.models import Role
from core.formatting import days_until
from planning import selectors
from tests.factories import (
    PlanningRoundFactory,
    grant,
    london,
)

UTC = dt.UTC


def _codes(queryset) -> list[str]:
    return sorted(queryset.values_list("ods_code", flat=True))


def test_organisations_visible_to_submitter_is_own_organisation_only(world):
    assert _codes(selectors.organisations_visible_to(user=world.user("submitter"))) == ["RA1"]
    assert _codes(selectors.organisations_visible_to(user=world.user("signatory", "b"))) == ["RB1"]


def test_organisations_visible_to_system_lead_is_own_ics_and_members(world):
    visible = _codes(selectors.organisations_visible_to(user=world.user("system_lead")))

    # Not Beta's organisations, and not the Cancer Alliance, which is not a member of the ICS.
    assert visible == ["CA1", "QAA", "QAA-LMS", "RA1", "RA2"]


def test_organisations_visible_to_reviewer_is_own_region(world):
    visible = _codes(selectors.organisations_visible_to(user=world.user("regional_reviewer")))

    assert visible == ["CA1", "E56000001", "QAA", "QAA-LMS", "RA1", "RA2"]


def test_organisations_visible_to_admin_is_everything(world):
    visible = _codes(selectors.organisations_visible_to(user=world.user("national_admin")))

    assert visible == [
        "CA1",
        "CB1",
        "E56000001",
        "QAA",
        "QAA-LMS",
        "QBB",
        "QBB-LMS",
        "RA1",
        "RA2",
        "RB1",
    ]


def test_organisations_visible_to_user_without_role_is_nothing(world):
    assert _codes(selectors.organisations_visible_to(user=world.no_role_user)) == []


def test_organisations_visible_to_inactive_user_is_nothing(world):
    lead = world.user("system_lead")
    lead.is_active = False
    lead.save()

    assert _codes(selectors.organisations_visible_to(user=lead)) == []


def test_organisations_visible_to_several_roles_is_their_union(world):
    submitter = world.user("submitter")
    grant(submitter, Role.REGIONAL_REVIEWER, region=world.region_b)

    assert _codes(selectors.organisations_visible_to(user=submitter)) == [
        "CB1",
        "QBB",
        "QBB-LMS",
        "RA1",
        "RB1",
    ]


def test_organisation_get_for_user_hides_other_systems_as_404(world):
    lead = world.user("system_lead")

    assert selectors.organisation_get_for_user(user=lead, ods_code="ra1") == world.trust_a
    with pytest.raises(Http404):
        selectors.organisation_get_for_user(user=lead, ods_code="RB1")


def test_region_get_for_user_hides_other_regions_as_404(world):
    reviewer = world.user("regional_reviewer")

    assert selectors.region_get_for_user(user=reviewer, code="ya1") == world.region_a
    with pytest.raises(Http404):
        selectors.region_get_for_user(user=reviewer, code="YB2")


def test_current_round_prefers_flagged_round_then_latest(db):
    older = PlanningRoundFactory(
        name="2020/21", starts_on=dt.date(2020, 4, 1), ends_on=dt.date(2021, 3, 31)
    )
    newer = PlanningRoundFactory(
        name="2021/22", starts_on=dt.date(2021, 4, 1), ends_on=dt.date(2022, 3, 31)
    )
    assert selectors.current_round() == newer

    older.is_current = True
    older.save()
    assert selectors.current_round() == older


def test_current_round_none_without_rounds(db):
    assert selectors.current_round() is None


@pytest.mark.parametrize(
    ("now_utc", "expected"),
    [
        # 6 May 2021 is in BST (UTC+1): 23:30 UTC on the 5th is already 00:30 on the 6th in London.
        (dt.datetime(2021, 5, 5, 22, 59, tzinfo=UTC), 1),
        (dt.datetime(2021, 5, 5, 23, 0, tzinfo=UTC), 0),
        (dt.datetime(2021, 5, 5, 23, 30, tzinfo=UTC), 0),
        (dt.datetime(2021, 5, 6, 11, 30, tzinfo=UTC), 0),
        (dt.datetime(2021, 5, 6, 22, 59, tzinfo=UTC), 0),
        (dt.datetime(2021, 5, 6, 23, 0, tzinfo=UTC), -1),
        (dt.datetime(2021, 4, 6, 12, 0, tzinfo=UTC), 30),
    ],
)
def test_days_until_counts_london_calendar_days_in_bst(now_utc, expected):
    assert days_until(london(2021, 5, 6), now=now_utc) == expected


@pytest.mark.parametrize(
    ("now_utc", "expected"),
    [
        # Clocks go forward at 01:00 UTC on 28 March 2021; the deadline is noon BST that day.
        (dt.datetime(2021, 3, 27, 23, 59, tzinfo=UTC), 1),
        (dt.datetime(2021, 3, 28, 0, 0, tzinfo=UTC), 0),
        (dt.datetime(2021, 3, 28, 0, 59, tzinfo=UTC), 0),
        (dt.datetime(2021, 3, 28, 1, 30, tzinfo=UTC), 0),
        (dt.datetime(2021, 3, 28, 23, 0, tzinfo=UTC), -1),
    ],
)
def test_days_until_across_clocks_going_forward(now_utc, expected):
    assert days_until(london(2021, 3, 28), now=now_utc) == expected


def test_days_until_across_clocks_going_back():
    # Clocks go back at 01:00 UTC on 31 October 2021: 23:30 UTC on the 31st is 23:30 GMT, the same
    # day.
    deadline = london(2021, 11, 1)

    assert days_until(deadline, now=dt.datetime(2021, 10, 30, 23, 30, tzinfo=UTC)) == 1
    assert days_until(deadline, now=dt.datetime(2021, 10, 31, 23, 30, tzinfo=UTC)) == 1
    assert days_until(deadline, now=dt.datetime(2021, 11, 1, 0, 0, tzinfo=UTC)) == 0
