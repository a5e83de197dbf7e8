from __future__ import annotations

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.exceptions import Conflict
from extensions.deadlines import effective_deadline
from extensions.models import DeadlineExtension, ExtensionRequest, ExtensionStatus
from extensions.services import (
    deadline_extension_grant,
    extension_decide,
    extension_request_create,
    extension_withdraw,
)
from tests.factories import london


def _ask(
    act_world, *, days: int = 7, reason: str = "Our board meets on 12 May."
) -> ExtensionRequest:
    return extension_request_create(
        collection=act_world.act,
        organisation=act_world.ics,
        requested_by=act_world.lead,
        deadline=london(2021, 5, 6 + days),
        reason=reason,
    )


def test_extension_request_waits_for_the_region(act_world):
    request = _ask(act_world)
    assert (request.status, request.requested_deadline) == (
        ExtensionStatus.PENDING,
        london(2021, 5, 13),
    )
    assert effective_deadline(collection=act_world.act, organisation=act_world.ics) == london(
        2021, 5, 6
    )


def test_extension_request_needs_a_reason_and_a_later_date(act_world):
    with pytest.raises(ValidationError):
        _ask(act_world, reason="  ")
    with pytest.raises(ValidationError):
        _ask(act_world, days=0)


def test_extension_request_only_one_waiting_at_a_time(act_world):
    _ask(act_world)
    with pytest.raises(Conflict, match="already waiting"):
        _ask(act_world, days=3)


def test_extension_decide_grant_moves_the_deadline(act_world):
    request = _ask(act_world)
    extension_decide(
        extension_request=request, decided_by=act_world.reviewer, grant=True, reason="Agreed"
    )
    assert effective_deadline(collection=act_world.act, organisation=act_world.ics) == london(
        2021, 5, 13
    )
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (ExtensionStatus.GRANTED, act_world.reviewer)


def test_extension_decide_can_grant_less_time_than_asked(act_world):
    request = _ask(act_world, days=14)
    extension_decide(
        extension_request=request,
        decided_by=act_world.reviewer,
        grant=True,
        reason="One week only",
        deadline=london(2021, 5, 13),
    )
    assert effective_deadline(collection=act_world.act, organisation=act_world.ics) == london(
        2021, 5, 13
    )


def test_extension_decide_refusal_needs_a_reason_and_keeps_the_deadline(act_world):
    request = _ask(act_world)
    with pytest.raises(ValidationError):
        extension_decide(
            extension_request=request, decided_by=act_world.reviewer, grant=False, reason=""
        )
    extension_decide(
        extension_request=request,
        decided_by=act_world.reviewer,
        grant=False,
        reason="Other ICSs managed",
    )
    assert effective_deadline(collection=act_world.act, organisation=act_world.ics) == london(
        2021, 5, 6
    )
    assert ExtensionRequest.objects.get(pk=request.pk).status == ExtensionStatus.REFUSED


def test_extension_decide_twice_is_a_conflict(act_world):
    request = _ask(act_world)
    extension_decide(
        extension_request=request, decided_by=act_world.reviewer, grant=True, reason=""
    )
    with pytest.raises(Conflict, match="already been decided"):
        extension_decide(
            extension_request=request, decided_by=act_world.reviewer, grant=False, reason="No"
        )


def test_extension_withdraw_lets_the_organisation_ask_again(act_world):
    extension_withdraw(extension_request=_ask(act_world), user=act_world.lead)
    assert _ask(act_world, days=3).status == ExtensionStatus.PENDING


def test_deadline_extension_grant_can_shorten_and_remove(act_world):
    deadline_extension_grant(
        collection=act_world.act,
        organisation=act_world.ics,
        deadline=london(2021, 5, 20),
        reason="System incident",
        granted_by=act_world.reviewer,
    )
    deadline_extension_grant(
        collection=act_world.act,
        organisation=act_world.ics,
        deadline=london(2021, 5, 10),
        reason="Shortened after review",
        granted_by=act_world.reviewer,
    )
    assert effective_deadline(collection=act_world.act, organisation=act_world.ics) == london(
        2021, 5, 10
    )
    deadline_extension_grant(
        collection=act_world.act,
        organisation=act_world.ics,
        deadline=london(2021, 5, 6),
        reason="Back to the national date",
        granted_by=act_world.reviewer,
    )
    assert not DeadlineExtension.objects.filter(organisation=act_world.ics).exists()
    history = ExtensionRequest.objects.filter(organisation=act_world.ics).order_by("id")
    assert [item.decided_deadline for item in history] == [
        london(2021, 5, 20),
        london(2021, 5, 10),
        london(2021, 5, 6),
    ]


def test_extension_decisions_are_emailed_to_the_organisation(
    act_world, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    request = _ask(act_world)
    with django_capture_on_commit_callbacks(execute=True):
        extension_decide(
            extension_request=request, decided_by=act_world.reviewer, grant=True, reason="Agreed"
        )
    assert any(act_world.lead.email in message.to for message in mail.outbox)


def test_extensions_page_shows_history_and_the_deadline_in_force(client, act_world):
    request = _ask(act_world)
    extension_decide(
        extension_request=request, decided_by=act_world.reviewer, grant=True, reason="Agreed"
    )
    client.force_login(act_world.lead)
    with time_machine.travel(london(2021, 5, 12, 9)):
        page = client.get(
            reverse("extensions:return_extensions", kwargs={"pk": act_world.submission.pk})
        ).content.decode()
    assert "13 May 2021 at midday (BST)" in page
    assert "Due tomorrow" in page
    assert "Our board meets on 12 May." in page


def test_extensions_page_lets_the_reviewer_decide(client, act_world):
    request = _ask(act_world)
    client.force_login(act_world.reviewer)
    response = client.post(
        reverse("extensions:decide", kwargs={"pk": request.pk}),
        {
            f"decide-{request.pk}-decision": "grant",
            f"decide-{request.pk}-deadline_day": "10",
            f"decide-{request.pk}-deadline_month": "5",
            f"decide-{request.pk}-deadline_year": "2021",
        },
    )
    assert response.status_code == 302
    assert effective_deadline(collection=act_world.act, organisation=act_world.ics) == london(
        2021, 5, 10
    )


def test_extension_request_page_form_takes_a_date_as_noon(client, act_world):
    client.force_login(act_world.lead)
    response = client.post(
        reverse("extensions:request", kwargs={"pk": act_world.submission.pk}),
        {"deadline_day": "12", "deadline_month": "5", "deadline_year": "2021", "reason": "Board"},
    )
    assert response.status_code == 302
    assert ExtensionRequest.objects.get().requested_deadline == london(2021, 5, 12)


def test_extension_request_page_uses_the_date_input_and_says_what_is_wrong(client, act_world):
    client.force_login(act_world.lead)
    url = reverse("extensions:request", kwargs={"pk": act_world.submission.pk})
    page = client.get(
        reverse("extensions:return_extensions", kwargs={"pk": act_world.submission.pk})
    )
    assert 'name="deadline_day"' in page.content.decode()
    response = client.post(
        url, {"deadline_day": "31", "deadline_month": "2", "deadline_year": "2021", "reason": "B"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_deadline_0">New deadline must be a real date</a>' in page
    assert "<title>Error: " in page


def test_extension_queue_lists_the_regions_waiting_requests_with_counts(
    client, act_world, django_assert_max_num_queries
):
    _ask(act_world)
    client.force_login(act_world.reviewer)
    url = reverse("extensions:queue")
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert "Waiting for a decision: 1" in page
    assert f'href="/returns/{act_world.submission.pk}/extensions/"' in page
    assert '<a href="?status=granted">Granted: 0</a>' in page
    client.force_login(act_world.lead)
    assert client.get(url).status_code == 404
