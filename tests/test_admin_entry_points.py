"""Django admin never goes round the portal's services. On the portal's own records it offers only
what a service does (each action leaving exactly one audit event per record it changes) and
refuses the rest: no delete, change or add the portal has no audited way to do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from knox.models import AuthToken

from accounts.models import Role, RoleAssignment, User
from audit.models import AuditEvent
from extensions.services import deadline_extension_grant
from planning.models import Collection, Organisation, PlanningRound, RoundStatus
from planning.services import sign_off_delegation_grant
from submissions.models import SubmissionStatus
from tests.factories import PlanningRoundFactory, api_token, grant, user_with_role
from tests.returns_world import ReturnWorld
from tests.reviews.support import put_in_state, submit
from triangulation.models import TriangulationBands

PORTAL_APPS = {
    "accounts",
    "audit",
    "extensions",
    "knox",
    "planning",
    "reviews",
    "submissions",
    "triangulation",
}

# What Django admin lets a superuser do with each portal record: (add, change, delete). Every
# True goes through the portal's audited service; reference data (regions, organisations) is
# edited here but its dated relationships only by import.
OFFERED = {
    "accounts.User": (True, True, False),
    "accounts.RoleAssignment": (True, True, True),
    "accounts.Invitation": (False, False, False),
    "knox.AuthToken": (False, False, True),
    "audit.AuditEvent": (False, False, False),
    "planning.Region": (True, True, False),
    "planning.Organisation": (True, True, False),
    "planning.PlanningRound": (False, True, False),
    "planning.Collection": (False, True, False),
    "planning.SignOffDelegation": (False, False, False),
    "extensions.DeadlineExtension": (True, True, True),
    "submissions.Submission": (False, False, False),
    "submissions.Version": (False, False, False),
    "submissions.Finding": (False, False, False),
    "submissions.TemplateVersion": (True, False, False),
    "reviews.Decision": (False, False, False),
    "reviews.Comment": (False, False, False),
    "reviews.Endorsement": (False, False, False),
    "reviews.SubmittedReturn": (False, False, False),
    "triangulation.TriangulationBands": (True, True, False),
}


def _superuser_request():
    request = RequestFactory().get("/")
    request.user = User(username="superuser", is_staff=True, is_superuser=True)
    return request


def test_admin_offers_on_portal_records_only_what_a_service_does():
    request = _superuser_request()

    offered = {
        model._meta.label: (
            model_admin.has_add_permission(request),
            model_admin.has_change_permission(request),
            model_admin.has_delete_permission(request),
        )
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PORTAL_APPS
    }

    assert offered == OFFERED


@pytest.fixture
def staff(act_world) -> Client:
    """The region's reviewer, also a national admin with Django admin: the superuser flag never
    stands in for a portal role, so the person acting holds both."""
    user = grant(act_world.reviewer, Role.NATIONAL_ADMIN)
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))
    return client


def _two_roles(world: ReturnWorld) -> list[int]:
    return list(
        RoleAssignment.objects.filter(user__in=[world.submitter, world.outsider]).values_list(
            "pk", flat=True
        )
    )


def _two_tokens(world: ReturnWorld) -> list[int]:
    api_token(world.lead)
    api_token(world.submitter)
    return list(AuthToken.objects.values_list("pk", flat=True))


def _an_extension(world: ReturnWorld) -> list[int]:
    extension = deadline_extension_grant(
        collection=world.act,
        organisation=world.ics,
        deadline=world.act.deadline + dt.timedelta(days=3),
        reason="Board meets late.",
        granted_by=world.reviewer,
    )
    return [extension.pk]


def _a_published_round(world: ReturnWorld) -> list[int]:
    return [PlanningRoundFactory(name="2022/23", status=RoundStatus.PUBLISHED).pk]


def _a_sign_off_delegation(world: ReturnWorld) -> list[int]:
    trust = Organisation.objects.get(ods_code="RTD")
    signatory = user_with_role(Role.SIGNATORY, organisation=trust, username="rtd-signatory")
    delegation = sign_off_delegation_grant(
        organisation=trust, granted_by=signatory, reason="Board minute 21/34"
    )
    return [delegation.pk]


def _a_submitted_return(world: ReturnWorld) -> list[int]:
    submit(submission=world.submission, user=world.lead, data=world.sample())
    return [world.submission.pk]


def _an_approved_return(world: ReturnWorld) -> list[int]:
    version = submit(submission=world.submission, user=world.lead, data=world.sample())
    put_in_state(submission=world.submission, state=SubmissionStatus.APPROVED, version=version)
    return [world.submission.pk]


# Each action Django admin offers on portal records: what it is given, the form's own fields,
# and the audit events it must leave (one per record).
ACTIONS: dict[tuple[str, str], tuple[Callable[[ReturnWorld], list[int]], dict, list[str]]] = {
    ("accounts.RoleAssignment", "delete_selected"): (
        _two_roles,
        {"post": "yes"},
        ["role_removed", "role_removed"],
    ),
    ("knox.AuthToken", "delete_selected"): (
        _two_tokens,
        {"post": "yes"},
        ["token_revoked", "token_revoked"],
    ),
    ("extensions.DeadlineExtension", "delete_selected"): (
        _an_extension,
        {"post": "yes"},
        ["extension_decided"],
    ),
    ("planning.PlanningRound", "make_current"): (
        _a_published_round,
        {},
        ["round_made_current"],
    ),
    ("planning.SignOffDelegation", "revoke"): (
        _a_sign_off_delegation,
        {},
        ["sign_off_delegation_revoked"],
    ),
    ("reviews.SubmittedReturn", "approve"): (
        _a_submitted_return,
        {},
        ["review.approve"],
    ),
    ("submissions.Submission", "reopen"): (
        _an_approved_return,
        {"apply": "Reopen", "reason": "The trust merged."},
        ["review.reopen"],
    ),
}


def test_every_admin_action_on_portal_records_is_in_the_table():
    request = _superuser_request()

    offered = {
        (model._meta.label, action)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PORTAL_APPS
        for action in model_admin.get_actions(request)
    }

    assert offered == set(ACTIONS)


def _changelist(label: str) -> str:
    app_label, model = label.split(".")
    return reverse(f"admin:{app_label}_{model.lower()}_changelist")


@pytest.mark.parametrize(("label", "action"), list(ACTIONS))
def test_admin_action_leaves_one_audit_event_per_record(act_world, staff, label, action):
    select, form, expected = ACTIONS[(label, action)]
    selected = select(act_world)
    since = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    response = staff.post(
        _changelist(label), {"action": action, "_selected_action": selected, **form}
    )

    assert response.status_code == 302
    assert (
        list(
            AuditEvent.objects.filter(id__gt=since).order_by("id").values_list("action", flat=True)
        )
        == expected
    )


def test_admin_bands_added_and_changed_each_leave_one_audit_event(act_world, staff):
    planning_round = PlanningRound.objects.get(name="2021/22")
    bands = {
        "workforce_tolerance": "5",
        "cost_tolerance": "5",
        "pay_tolerance": "5",
        "commissioner_tolerance": "5",
    }
    since = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    added = staff.post(
        reverse("admin:triangulation_triangulationbands_add"),
        {"planning_round": planning_round.pk, **bands, "workforce_tolerance": "12"},
    )
    stored = TriangulationBands.objects.get(planning_round=planning_round)
    changed = staff.post(
        reverse("admin:triangulation_triangulationbands_change", args=[stored.pk]),
        {**bands, "workforce_tolerance": "15"},
    )

    assert (added.status_code, changed.status_code) == (302, 302)
    events = AuditEvent.objects.filter(id__gt=since).order_by("id")
    assert [(event.action, event.after) for event in events] == [
        (
            "triangulation_bands_changed",
            {
                "workforce_tolerance": 12.0,
                "cost_tolerance": 5.0,
                "pay_tolerance": 5.0,
                "commissioner_tolerance": 5.0,
            },
        ),
        ("triangulation_bands_changed", {"workforce_tolerance": 15.0}),
    ]
    assert TriangulationBands.objects.get().workforce_tolerance == Decimal("15")


# Records Django admin refuses to delete, one of each from the world.
UNDELETABLE = {
    "accounts.User": lambda world: world.submitter,
    "planning.Organisation": lambda world: world.ics,
    "planning.Region": lambda world: world.region,
    "planning.PlanningRound": lambda world: world.act.planning_round,
    "submissions.Submission": lambda world: world.submission,
    "submissions.TemplateVersion": lambda world: world.act.template_versions.first(),
}


@pytest.mark.parametrize("label", list(UNDELETABLE))
def test_admin_refuses_to_delete_what_the_portal_never_deletes(act_world, staff, label):
    record = UNDELETABLE[label](act_world)
    app_label, model = label.split(".")
    since = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    response = staff.post(
        reverse(f"admin:{app_label}_{model.lower()}_delete", args=[record.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert type(record).objects.filter(pk=record.pk).exists()
    assert not AuditEvent.objects.filter(id__gt=since).exists()


def _editable_fields(model, record) -> set[str]:
    return set(admin.site._registry[model].get_form(_superuser_request(), record).base_fields)


def test_admin_round_edits_only_the_name(act_world):
    """A round's definition and dates change on the portal's round pages, which check them."""
    editable = _editable_fields(PlanningRound, act_world.act.planning_round)

    assert editable == {"name"}


def test_admin_collection_edits_only_what_the_portal_collection_page_offers(act_world):
    editable = _editable_fields(Collection, act_world.act)

    assert editable == {
        "name",
        "deadline",
        "submitted_by",
        "trust_kinds",
        "accepted_formats",
        "closes_at_deadline",
        "is_mandatory",
        "lead_ccg_may_submit",
        "description",
    }
