"""Permission rows for the people whose access comes from somewhere other than their own role at the
organisation: an ICS's lead CCG (which submits some of the ICS's returns on its behalf) and a
colleague covering for the system lead. They are extra principals: each row answers for them as
well as for the usual ones, and only these rows are asked about them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import Delegation, Role, RoleAssignment, User
from planning.models import Organisation, OrganisationType
from submissions.models import Submission
from tests.factories import CollectionFactory, UserFactory, user_with_role
from tests.permission_support import (
    ADMIN,
    LEAD,
    SEES_SYSTEM_A,
    UNAUTHORISED,
    Row,
    World,
    _submission_kwargs,
    only,
)

LEAD_CCG_SIGNATORY = "lead_ccg_signatory"
COVERING_LEAD = "covering_system_lead"


def _lead_ccg_signatory(world: World) -> User:
    """A signatory of CCG A, which is ICS A's lead CCG."""
    Organisation.objects.filter(pk=world.ics_a.pk).update(lead_ccg=world.ccg_a)
    return user_with_role(Role.SIGNATORY, organisation=world.ccg_a, username="ccg-signatory-a")


def _covering_lead(world: World) -> User:
    """A colleague with no role of their own, covering for ICS A's system lead this week."""
    cover = UserFactory(username="cover-a")
    now = timezone.now()
    Delegation.objects.get_or_create(
        role_assignment=RoleAssignment.objects.get(
            user=world.user("system_lead"), role=Role.SYSTEM_LEAD
        ),
        to_user=cover,
        defaults={
            "starts_at": now - dt.timedelta(days=1),
            "ends_at": now + dt.timedelta(days=6),
            "reason": "Annual leave",
        },
    )
    return cover


EXTRA_PRINCIPALS = {LEAD_CCG_SIGNATORY: _lead_ccg_signatory, COVERING_LEAD: _covering_lead}


def _on_behalf_return(world: World) -> dict:
    """ICS A's return of a collection its lead CCG submits on its behalf (the mental health
    financial plan in the guidance)."""
    collection = CollectionFactory(
        planning_round=world.planning_round,
        code="MHF",
        submitted_by=[OrganisationType.ICS],
        lead_ccg_may_submit=True,
    )
    submission, _ = Submission.objects.get_or_create(
        collection=collection, organisation=world.ics_a
    )
    return {"pk": submission.pk}


def _with(expected: dict, **extra) -> dict:
    return {**expected, **extra}


ROWS = [
    # The lead CCG's people see and act on the returns they submit for the ICS, and no other.
    Row(
        "submissions:detail",
        _on_behalf_return,
        _with(only(*SEES_SYSTEM_A), lead_ccg_signatory=200, covering_system_lead=200),
        label="return the lead CCG submits",
    ),
    Row(
        "submissions:detail",
        _submission_kwargs("ics_a"),
        _with(only(*SEES_SYSTEM_A), lead_ccg_signatory=404, covering_system_lead=200),
        label="ICS return the lead CCG does not submit",
    ),
    Row(
        "submissions:detail",
        _submission_kwargs("ics_b"),
        _with(only(*ADMIN), lead_ccg_signatory=404, covering_system_lead=404),
        label="other system",
    ),
    Row(
        "submissions:upload",
        _on_behalf_return,
        _with(only(*LEAD, ok=400), lead_ccg_signatory=400, covering_system_lead=400),
        method="post",
        label="return the lead CCG submits, empty",
    ),
    Row(
        "submissions:upload",
        _submission_kwargs("ics_a"),
        _with(only(*LEAD, ok=400), lead_ccg_signatory=404, covering_system_lead=400),
        method="post",
        label="ICS return the lead CCG does not submit, empty",
    ),
    Row(
        "extensions:return_extensions",
        _on_behalf_return,
        _with(only(*SEES_SYSTEM_A), lead_ccg_signatory=200, covering_system_lead=200),
        label="return the lead CCG submits",
    ),
    Row(
        "api:submission_detail",
        _on_behalf_return,
        _with(
            only(*SEES_SYSTEM_A, anonymous=UNAUTHORISED),
            lead_ccg_signatory=200,
            covering_system_lead=200,
        ),
        label="return the lead CCG submits",
    ),
    Row(
        "api:submission_detail",
        _submission_kwargs("ics_a"),
        _with(
            only(*SEES_SYSTEM_A, anonymous=UNAUTHORISED),
            lead_ccg_signatory=404,
            covering_system_lead=200,
        ),
        label="ICS return the lead CCG does not submit",
    ),
    Row(
        "reviews:detail",
        _on_behalf_return,
        _with(only("regional_reviewer", *ADMIN), lead_ccg_signatory=404, covering_system_lead=404),
        label="return the lead CCG submits",
    ),
]
