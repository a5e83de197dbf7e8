"""Permission rows for out-of-office cover and deadline extensions."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import Delegation, Role, RoleAssignment
from extensions.models import ExtensionRequest
from tests.permission_support import (
    ADMIN,
    LEAD,
    REDIRECT,
    SEES_SYSTEM_A,
    UNAUTHORISED,
    Row,
    World,
    _submission,
    _submission_kwargs,
    everyone,
    only,
)

DECIDERS = ("regional_reviewer", "national_admin")


def _delegation_kwargs(world: World) -> dict:
    signatory = world.user("signatory")
    assignment = RoleAssignment.objects.get(user=signatory, role=Role.SIGNATORY)
    now = timezone.now()
    delegation = Delegation.objects.create(
        role_assignment=assignment,
        to_user=world.user("submitter"),
        starts_at=now,
        ends_at=now + dt.timedelta(days=7),
        reason="Leave",
    )
    return {"pk": delegation.pk}


def _pending_request(ics_attr: str):
    def kwargs(world: World) -> dict:
        submission = _submission(world, ics_attr)
        request = ExtensionRequest.objects.create(
            collection=submission.collection,
            organisation=submission.organisation,
            requested_by=world.user("system_lead"),
            requested_deadline=submission.collection.deadline + dt.timedelta(days=3),
            reason="Board meets later",
        )
        return {"pk": request.pk}

    return kwargs


ROWS = [
    Row("accounts:delegations", None, everyone(200, anonymous="login")),
    Row(
        "accounts:delegations",
        None,
        everyone(200, anonymous="login"),
        method="post",
        label="post invalid",
    ),
    Row(
        "accounts:delegation_revoke",
        _delegation_kwargs,
        only("signatory", ok=REDIRECT),
        method="post",
    ),
    Row(
        "extensions:return_extensions",
        _submission_kwargs("ics_a"),
        only(*SEES_SYSTEM_A),
        label="own system",
    ),
    Row(
        "extensions:return_extensions",
        _submission_kwargs("ics_b"),
        only(*ADMIN),
        label="other system",
    ),
    Row(
        "extensions:request",
        _submission_kwargs("ics_a"),
        only(*LEAD, ok=400),
        method="post",
        label="own system, empty",
    ),
    Row(
        "extensions:request",
        _submission_kwargs("ics_b"),
        only(),
        method="post",
        label="other system",
    ),
    Row(
        "extensions:set",
        _submission_kwargs("ics_a"),
        only(*DECIDERS, ok=400),
        method="post",
        label="own region, empty",
    ),
    Row(
        "extensions:set",
        _submission_kwargs("ics_b"),
        only(*ADMIN, ok=400),
        method="post",
        label="other region",
    ),
    Row(
        "extensions:decide",
        _pending_request("ics_a"),
        only(*DECIDERS, ok=400),
        method="post",
        label="own region, empty",
    ),
    Row(
        "extensions:decide",
        _pending_request("ics_b"),
        only(*ADMIN, ok=400),
        method="post",
        label="other region",
    ),
    Row(
        "extensions:withdraw",
        _pending_request("ics_a"),
        only(*LEAD, ok=REDIRECT),
        method="post",
        label="own system",
    ),
    Row(
        "extensions:withdraw",
        _pending_request("ics_b"),
        only(),
        method="post",
        label="other system",
    ),
    Row(
        "submissions:latest_version_notice",
        _submission_kwargs("ics_a"),
        only(*SEES_SYSTEM_A),
        label="own system",
    ),
    Row(
        "submissions:latest_version_notice",
        _submission_kwargs("ics_b"),
        only(*ADMIN),
        label="other system",
    ),
]

ROWS += [
    Row(
        "api:submission_extensions",
        _submission_kwargs("ics_a"),
        only(*SEES_SYSTEM_A, anonymous=UNAUTHORISED),
        label="own system",
    ),
    Row(
        "api:submission_extensions",
        _submission_kwargs("ics_b"),
        only(*ADMIN, anonymous=UNAUTHORISED),
        label="other system",
    ),
    Row(
        "api:submission_extensions",
        _submission_kwargs("ics_a"),
        only(*LEAD, ok=400, anonymous=UNAUTHORISED),
        method="post",
        label="own system, empty",
    ),
    Row(
        "api:extension_decision",
        _pending_request("ics_a"),
        only(*DECIDERS, ok=400, anonymous=UNAUTHORISED),
        method="post",
        label="own region, empty",
    ),
    Row(
        "api:extension_decision",
        _pending_request("ics_b"),
        only(*ADMIN, ok=400, anonymous=UNAUTHORISED),
        method="post",
        label="other region",
    ),
]
