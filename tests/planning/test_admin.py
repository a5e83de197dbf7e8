"""Django admin changes rounds and collections through the portal's audited services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.forms import CheckboxInput
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditAction, AuditEvent
from planning.models import Organisation, PlanningRound, SignOffDelegation
from planning.services import sign_off_delegation_grant
from tests.factories import (
    PlanningRoundFactory,
    UserFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def _form_data(response) -> dict:
    """The admin form's current values, as the browser would post them back."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, CheckboxInput):
            if value:
                data[name] = "on"
        elif isinstance(value, dt.datetime):
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = f"{local:%Y-%m-%d}", f"{local:%H:%M}"
        elif value is not None:
            data[name] = value
    return data


def _actions(action: str) -> list[tuple]:
    return [
        (event.actor_name, event.before, event.after)
        for event in AuditEvent.objects.filter(action=action).order_by("id")
    ]


def test_collection_changed_in_admin_is_audited(admin_client, collection):
    url = reverse("admin:planning_collection_change", args=[collection.pk])
    data = {**_form_data(admin_client.get(url)), "name": "Activity and performance"}

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert _actions(AuditAction.COLLECTION_CHANGED) == [
        ("admin", {"name": collection.name}, {"name": "Activity and performance"})
    ]


def test_round_becomes_current_in_admin_only_through_the_audited_action(admin_client, collection):
    other = PlanningRoundFactory(name="2022/23")
    change = admin_client.get(reverse("admin:planning_planninground_change", args=[other.pk]))

    admin_client.post(
        reverse("admin:planning_planninground_changelist"),
        {"action": "make_current", "_selected_action": [other.pk]},
    )

    assert "is_current" not in change.context["adminform"].form.fields
    assert list(PlanningRound.objects.filter(is_current=True)) == [other]
    assert _actions(AuditAction.ROUND_MADE_CURRENT) == [
        ("admin", {"current": "2021/22"}, {"current": "2022/23"})
    ]


def test_admin_takes_sign_off_back_through_the_service_and_refuses_anyone_else(client, act_world):
    trust = Organisation.objects.get(ods_code="RTD")
    signatory = user_with_role(Role.SIGNATORY, organisation=trust, username="rtd-signatory")
    delegation = sign_off_delegation_grant(
        organisation=trust, granted_by=signatory, reason="Board minute 21/34"
    )
    url = reverse("admin:planning_signoffdelegation_changelist")
    action = {"action": "revoke", "_selected_action": [delegation.pk]}

    client.force_login(UserFactory(username="staff-only", is_staff=True, is_superuser=True))
    refused = [str(m) for m in client.post(url, action, follow=True).context["messages"]]
    client.force_login(user_with_role(Role.NATIONAL_ADMIN, is_staff=True, is_superuser=True))
    revoked = [str(m) for m in client.post(url, action, follow=True).context["messages"]]

    assert refused == [
        f"{delegation}: Only a signatory of The Newcastle upon Tyne Hospitals NHS Foundation "
        "Trust (or a national admin) can hand its sign-off to its system or take it back."
    ]
    assert revoked == [f"{delegation}: sign-off taken back."]
    assert SignOffDelegation.objects.get(pk=delegation.pk).revoked_at is not None
