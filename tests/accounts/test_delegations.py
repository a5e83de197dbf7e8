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


def test_delegations_page_sets_up_cover(client, act_world):
    assignment = RoleAssignment.objects.get(user=act_world.lead, role=Role.SYSTEM_LEAD)
    client.force_login(act_world.lead)
    today = timezone.localdate()
    response = client.post(
        reverse("accounts:delegations"),
        {
            "assignment": assignment.pk,
            "to_user": act_world.submitter.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=3)).isoformat(),
            "reason": "Annual leave",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("accounts:delegations")).content.decode()
    assert "In force" in page
