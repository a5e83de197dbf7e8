from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, RoleAssignment
from accounts.selectors import forget_user_scope, user_scope
from accounts.services import delegation_create, delegation_revoke
from audit.models import AuditEvent
from submissions.selectors import signing_capacity
from tests.factories import london, user_with_role


@pytest.fixture
def cover(act_world):
    """The system lead hands their role to a submitter of the same ICS for a week of leave."""
    assignment = RoleAssignment.objects.get(user=act_world.lead, role=Role.SYSTEM_LEAD)
    with time_machine.travel(london(2021, 5, 1, 9)):
        delegation = delegation_create(
            assignment=assignment,
            to_user=act_world.submitter,
            starts_at=london(2021, 5, 1),
            ends_at=london(2021, 5, 8),
            reason="Annual leave",
        )
    return delegation


def _fresh_scope(user):
    forget_user_scope(user=user)
    return user_scope(user=user)


def test_delegation_gives_the_role_only_during_the_period(act_world, cover):
    with time_machine.travel(london(2021, 5, 3)):
        assert act_world.ics.pk in _fresh_scope(act_world.submitter).lead_ics_ids
    with time_machine.travel(london(2021, 5, 8, 12)):
        assert act_world.ics.pk not in _fresh_scope(act_world.submitter).lead_ics_ids


def test_delegation_is_recorded_on_the_sign_off(act_world, cover):
    with time_machine.travel(london(2021, 5, 3)):
        forget_user_scope(user=act_world.submitter)
        capacity = signing_capacity(user=act_world.submitter, submission=act_world.submission)
    assert capacity.on_behalf_of_id == act_world.lead.pk
    assert capacity.role.startswith("System lead, covering for")


def test_delegation_revoke_ends_the_cover_at_once(act_world, cover):
    delegation_revoke(delegation=cover, user=act_world.lead)
    with time_machine.travel(london(2021, 5, 3)):
        assert act_world.ics.pk not in _fresh_scope(act_world.submitter).lead_ics_ids


def test_delegation_is_audited(act_world, cover):
    assert AuditEvent.objects.filter(action="delegation", actor=act_world.lead).count() == 1


def test_delegation_only_to_a_colleague(act_world):
    assignment = RoleAssignment.objects.get(user=act_world.lead, role=Role.SYSTEM_LEAD)
    stranger = user_with_role(Role.SUBMITTER, organisation=act_world.other_ics, username="stranger")
    now = timezone.now()
    with pytest.raises(ValidationError):
        delegation_create(
            assignment=assignment,
            to_user=stranger,
            starts_at=now,
            ends_at=now + dt.timedelta(days=2),
            reason="Leave",
        )


def test_delegation_refuses_roles_that_cannot_be_handed_on(act_world):
    assignment = RoleAssignment.objects.get(user=act_world.submitter, role=Role.SUBMITTER)
    now = timezone.now()
    with pytest.raises(ValidationError):
        delegation_create(
            assignment=assignment,
            to_user=act_world.lead,
            starts_at=now,
            ends_at=now + dt.timedelta(days=2),
            reason="Leave",
        )


def test_delegation_refuses_overlong_cover(act_world):
    assignment = RoleAssignment.objects.get(user=act_world.lead, role=Role.SYSTEM_LEAD)
    now = timezone.now()
    with pytest.raises(ValidationError):
        delegation_create(
            assignment=assignment,
            to_user=act_world.submitter,
            starts_at=now,
            ends_at=now + dt.timedelta(days=200),
            reason="Sabbatical",
        )


def _day(name: str, day: dt.date) -> dict[str, str]:
    """A date as the GOV.UK date input's three boxes post it."""
    return {
        f"{name}_day": str(day.day),
        f"{name}_month": str(day.month),
        f"{name}_year": str(day.year),
    }


def test_delegations_page_takes_dates_in_the_gov_uk_date_input_with_its_errors(client, act_world):
    assignment = RoleAssignment.objects.get(user=act_world.lead, role=Role.SYSTEM_LEAD)
    client.force_login(act_world.lead)
    page = client.get(reverse("accounts:delegations")).content.decode()
    assert ('name="starts_on_day"' in page, 'type="date"' in page) == (True, False)
    response = client.post(
        reverse("accounts:delegations"),
        {
            "assignment": assignment.pk,
            "to_user": act_world.submitter.pk,
            "starts_on_day": "3",
            "starts_on_year": "2021",
            **_day("ends_on", dt.date(2021, 2, 28)),
            "ends_on_day": "30",
            "reason": "Annual leave",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert [
        message in page
        for message in (
            '<a href="#id_starts_on_0">First day of cover must include a month</a>',
            '<a href="#id_ends_on_0">Last day of cover must be a real date</a>',
            "<title>Error: ",
        )
    ] == [True, True, True]


def test_delegations_page_sets_up_cover(client, act_world):
    assignment = RoleAssignment.objects.get(user=act_world.lead, role=Role.SYSTEM_LEAD)
    client.force_login(act_world.lead)
    today = timezone.localdate()
    response = client.post(
        reverse("accounts:delegations"),
        {
            "assignment": assignment.pk,
            "to_user": act_world.submitter.pk,
            **_day("starts_on", today),
            **_day("ends_on", today + dt.timedelta(days=3)),
            "reason": "Annual leave",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("accounts:delegations")).content.decode()
    assert "In force" in page
