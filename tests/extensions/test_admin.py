"""Django admin grants, changes and removes deadlines through the extensions' audited service."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditAction, AuditEvent
from extensions.models import DeadlineExtension, ExtensionRequest, ExtensionStatus
from notifications.models import Notification
from tests.factories import (
    london,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def _decisions() -> list[tuple]:
    return [
        (event.actor_name, event.before, event.after)
        for event in AuditEvent.objects.filter(action=AuditAction.EXTENSION_DECIDED).order_by("id")
    ]


def test_extension_granted_in_admin_is_audited_recorded_and_notified(admin_client, collection, ics):
    response = admin_client.post(
        reverse("admin:extensions_deadlineextension_add"),
        {
            "collection": collection.pk,
            "organisation": ics.pk,
            "deadline_0": "2021-05-13",
            "deadline_1": "12:00",
            "reason": "Board meets later",
        },
    )

    assert response.status_code == 302
    extension = DeadlineExtension.objects.get()
    assert (extension.deadline, extension.granted_by.username) == (london(2021, 5, 13), "admin")
    assert list(ExtensionRequest.objects.values_list("status", "decision_reason")) == [
        (ExtensionStatus.GRANTED, "Board meets later")
    ]
    assert _decisions() == [
        (
            "admin",
            {"deadline": "2021-05-06T11:00:00+00:00"},
            {"deadline": "2021-05-13T12:00:00+01:00", "reason": "Board meets later"},
        )
    ]
    assert Notification.objects.filter(kind="extension_decided").count() == 1


def test_extension_changed_and_removed_in_admin_are_audited(admin_client, collection, ics):
    admin = user_with_role(Role.NATIONAL_ADMIN, username="someone")
    extension = DeadlineExtension.objects.create(
        collection=collection,
        organisation=ics,
        deadline=london(2021, 5, 13),
        reason="Board",
        granted_by=admin,
    )
    url = reverse("admin:extensions_deadlineextension_change", args=[extension.pk])
    admin_client.post(
        url, {"deadline_0": "2021-05-20", "deadline_1": "12:00", "reason": "Board moved"}
    )
    admin_client.post(
        reverse("admin:extensions_deadlineextension_delete", args=[extension.pk]), {"post": "yes"}
    )

    assert DeadlineExtension.objects.count() == 0
    assert [dt.datetime.fromisoformat(after["deadline"]) for _, _, after in _decisions()] == [
        london(2021, 5, 20),
        london(2021, 5, 6),
    ]


def test_extension_admin_refuses_what_the_portal_refuses(admin_client, collection, ics):
    response = admin_client.post(
        reverse("admin:extensions_deadlineextension_add"),
        {
            "collection": collection.pk,
            "organisation": ics.pk,
            "deadline_0": "2021-09-01",
            "deadline_1": "12:00",
            "reason": "Much later",
        },
    )

    assert response.status_code == 200
    assert "Extensions can be at most" in str(response.context["adminform"].form.non_field_errors())
    assert DeadlineExtension.objects.count() == 0
    assert _decisions() == []
