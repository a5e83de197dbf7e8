"""The extensions API answers a state refusal with 409 and the message the browser shows."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.test import APIClient

from extensions.services import extension_decide, extension_request_create
from tests.factories import london


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_asking_again_while_a_request_waits_is_a_conflict(act_world):
    url = reverse("api:submission_extensions", kwargs={"pk": act_world.submission.pk})
    body = {"deadline": london(2021, 5, 13).isoformat(), "reason": "Board meets later"}

    first = _api(act_world.lead).post(url, body, format="json")
    second = _api(act_world.lead).post(url, body, format="json")

    assert (first.status_code, second.status_code) == (201, 409)
    assert second.json() == {
        "detail": "A request is already waiting for a decision. Withdraw it to ask again."
    }


def test_deciding_a_decided_request_is_a_conflict(act_world):
    item = extension_request_create(
        collection=act_world.act,
        organisation=act_world.ics,
        requested_by=act_world.lead,
        deadline=london(2021, 5, 13),
        reason="Board",
    )
    extension_decide(
        extension_request=item, decided_by=act_world.reviewer, grant=False, reason="No"
    )

    response = _api(act_world.reviewer).post(
        reverse("api:extension_decision", kwargs={"pk": item.pk}),
        {"decision": "grant", "reason": "Yes"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This request has already been decided or withdrawn. Reload the page."
    }
