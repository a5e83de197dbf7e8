"""API tokens expire, end with the password or the account, and their owner lists and revokes
them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.admin.sites import site
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.admin import UserAdmin
from accounts.models import Role, User
from audit.models import AuditAction, AuditEvent
from tests.factories import PASSWORD, IcsFactory, api_token, user_with_role

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-new-password-42"


@pytest.fixture
def lead():
    return user_with_role(
        Role.SYSTEM_LEAD,
        organisation=IcsFactory(ods_code="QAA"),
        username="lead",
        email="lead@example.nhs.uk",
    )


def _api(secret: str | None = None) -> APIClient:
    client = APIClient()
    if secret:
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def _works(secret: str) -> bool:
    return _api(secret).get("/api/v1/submissions/").status_code == 200


def _issue(username: str = "lead") -> dict:
    response = _api().post("/api/v1/auth/token/", {"username": username, "password": PASSWORD})
    assert response.status_code == 200
    return response.json()


def test_token_expires_after_the_configured_days(lead, settings, time_machine):
    time_machine.move_to(dt.datetime(2021, 5, 1, 9, 0, tzinfo=dt.UTC), tick=False)
    body = _issue()

    assert body["expires_at"] == "2021-05-31T10:00:00+01:00"
    assert settings.API_TOKEN_TTL_DAYS == 30
    time_machine.move_to(dt.datetime(2021, 5, 31, 8, 59, tzinfo=dt.UTC), tick=False)
    assert _works(body["token"]) is True
    time_machine.move_to(dt.datetime(2021, 5, 31, 9, 1, tzinfo=dt.UTC), tick=False)
    assert _works(body["token"]) is False


def test_each_call_of_the_token_endpoint_issues_a_separate_token(lead):
    first, second = _issue()["token"], _issue()["token"]

    assert first != second
    assert (_works(first), _works(second)) == (True, True)


def test_password_change_revokes_every_token(lead):
    secrets = [api_token(lead), api_token(lead)]

    lead.set_password(NEW_PASSWORD)
    lead.save()

    assert [_works(secret) for secret in secrets] == [False, False]
    assert AuthToken.objects.filter(user=lead).count() == 0
    assert (
        list(
            AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED).values_list(
                "detail", flat=True
            )
        )
        == ["The password was changed."] * 2
    )


def test_password_reset_revokes_every_token_and_is_audited(
    client, lead, django_capture_on_commit_callbacks
):
    secret = api_token(lead)
    client.post(reverse("accounts:password_reset"), {"email": "lead@example.nhs.uk"})
    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert _works(secret) is False
    assert User.objects.get(pk=lead.pk).check_password(NEW_PASSWORD) is True
    assert list(
        AuditEvent.objects.filter(object_type="accounts.User", object_id=str(lead.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        AuditAction.PASSWORD_RESET_REQUESTED,
        AuditAction.TOKEN_REVOKED,
        AuditAction.PASSWORD_RESET_COMPLETED,
    ]


def test_signing_in_does_not_revoke_tokens(client, lead):
    secret = api_token(lead)

    client.post(reverse("accounts:login"), {"username": "lead", "password": PASSWORD})

    assert _works(secret) is True


def test_disabling_the_account_in_django_admin_revokes_every_token(lead):
    admin = user_with_role(Role.NATIONAL_ADMIN, is_staff=True, is_superuser=True)
    secret = api_token(lead)
    request = RequestFactory().post("/admin/")
    request.user = admin
    lead.is_active = False

    UserAdmin(User, site).save_model(request, lead, form=None, change=True)
    User.objects.filter(pk=lead.pk).update(is_active=True)

    assert _works(secret) is False
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED).get().detail == (
        "The account was disabled."
    )


def test_owner_lists_only_their_own_tokens_without_secrets(lead):
    other = user_with_role(Role.SYSTEM_LEAD, organisation=IcsFactory(), username="other")
    api_token(other)
    older = api_token(lead)
    current = api_token(lead)

    body = _api(current).get("/api/v1/auth/tokens/").json()

    assert [(row["id"], row["current"]) for row in body] == [
        (current[:15], True),
        (older[:15], False),
    ]
    assert [secret for secret in (older, current) if secret in str(body)] == []


def test_owner_revokes_a_token_through_the_api(lead):
    kept, revoked = api_token(lead), api_token(lead)

    response = _api(kept).delete(f"/api/v1/auth/tokens/{revoked[:15]}/")

    assert response.status_code == 204
    assert (_works(kept), _works(revoked)) == (True, False)
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_REVOKED)
    assert (event.actor, event.before["token"], event.detail) == (
        lead,
        revoked[:8],
        "Revoked by its owner.",
    )


def test_nobody_revokes_another_persons_token(lead):
    other = user_with_role(Role.SYSTEM_LEAD, organisation=IcsFactory(), username="other")
    theirs = api_token(other)

    response = _api(api_token(lead)).delete(f"/api/v1/auth/tokens/{theirs[:15]}/")

    assert response.status_code == 404
    assert _works(theirs) is True


def test_token_page_lists_and_revokes_the_owners_tokens(
    client, lead, django_assert_max_num_queries
):
    secret = api_token(lead)
    api_token(user_with_role(Role.SYSTEM_LEAD, organisation=IcsFactory(), username="other"))
    client.force_login(lead)

    with django_assert_max_num_queries(8):
        page = client.get(reverse("accounts:api_tokens"))
    revoke = client.post(reverse("accounts:api_token_revoke", kwargs={"key": secret[:15]}))

    assert page.content.decode().count("Revoke<span") == 1
    assert secret[:8] in page.content.decode()
    assert (revoke.status_code, revoke["Location"]) == (302, reverse("accounts:api_tokens"))
    assert _works(secret) is False


def test_token_issue_is_audited_without_the_secret(lead):
    secret = _issue()["token"]

    event = AuditEvent.objects.get(action=AuditAction.TOKEN_ISSUED)
    assert (event.actor, event.after["token"]) == (lead, secret[:8])
    assert secret not in str(event.after)
