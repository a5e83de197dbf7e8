"""Access ends as soon as a person is disabled or moved, and pages carry no inline script."""

from __future__ import annotations

import re

from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import RoleAssignment, User
from tests.factories import PASSWORD, api_token


def test_disabled_user_loses_their_session_at_once(client, act_world):
    client.force_login(act_world.lead)
    page = reverse("submissions:detail", kwargs={"pk": act_world.submission.pk})
    assert client.get(page).status_code == 200
    User.objects.filter(pk=act_world.lead.pk).update(is_active=False)
    response = client.get(page)
    assert (response.status_code, response["Location"].split("?")[0]) == (
        302,
        reverse("accounts:login"),
    )


def test_disabled_user_loses_their_api_token_at_once(act_world):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(act_world.lead)}")
    assert api.get("/api/v1/submissions/").status_code == 200
    User.objects.filter(pk=act_world.lead.pk).update(is_active=False)
    assert api.get("/api/v1/submissions/").status_code == 401


def test_user_moved_to_another_organisation_loses_the_old_one_at_once(client, act_world):
    client.force_login(act_world.lead)
    page = reverse("submissions:detail", kwargs={"pk": act_world.submission.pk})
    assert client.get(page).status_code == 200
    RoleAssignment.objects.filter(user=act_world.lead).update(organisation=act_world.other_ics)
    assert client.get(page).status_code == 404
    assert (
        client.get(
            reverse("submissions:detail", kwargs={"pk": act_world.other_submission.pk})
        ).status_code
        == 200
    )


def test_pages_have_no_inline_script_and_a_strict_policy(client, act_world):
    client.force_login(act_world.lead)
    response = client.get(reverse("submissions:detail", kwargs={"pk": act_world.submission.pk}))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    scripts = re.findall(r"<script\b([^>]*)>", response.content.decode())
    assert scripts != []
    assert [attributes for attributes in scripts if "src=" not in attributes] == []


def test_api_token_endpoint_is_covered_by_the_lockout(act_world, settings):
    api = APIClient()
    wrong = {"username": "lead-qhm", "password": "wrong"}
    answers = [
        api.post("/api/v1/auth/token/", wrong).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert answers == [400] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    locked = api.post("/api/v1/auth/token/", {"username": "lead-qhm", "password": PASSWORD})
    assert (locked.status_code, "token" in locked.json()) == (429, False)
    assert "Too many failed attempts" in locked.json()["detail"]
