from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role
from tests.factories import PASSWORD, IcsFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db
LOGIN_ERROR = "Enter a correct username and password. Both are case-sensitive."
NEW_PASSWORD = "another-long-password-77"


def _login(client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.fixture
def submitter():
    return user_with_role(
        Role.SUBMITTER,
        organisation=IcsFactory(ods_code="QAA"),
        username="sam",
        email="sam@example.nhs.uk",
    )


def test_login_with_form_redirects_to_work(client, submitter):
    response = _login(client, "sam", PASSWORD)

    assert (response.status_code, response["Location"]) == (302, reverse("shell:home"))
    assert client.get(reverse("shell:home"))["Location"] == "/organisations/QAA/"


def test_login_error_same_for_unknown_user_and_wrong_password(client, submitter):
    unknown = _login(client, "nobody-here", "whatever-password")
    wrong = _login(client, "sam", "whatever-password")

    assert (unknown.status_code, wrong.status_code) == (200, 200)
    assert unknown.context["form"].non_field_errors() == [LOGIN_ERROR]
    assert wrong.context["form"].non_field_errors() == [LOGIN_ERROR]
    assert (
        unknown.content.decode().count(LOGIN_ERROR)
        == wrong.content.decode().count(LOGIN_ERROR)
        == 1
    )


def test_login_lockout_after_five_failures_then_correct_password_refused(client, submitter):
    statuses = [_login(client, "sam", f"wrong-{attempt}").status_code for attempt in range(5)]
    locked = _login(client, "sam", PASSWORD)

    # django-axes answers the fifth failure itself with the lockout page (429 Too Many Requests).
    assert statuses == [200, 200, 200, 200, 429]
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_lockout_is_per_username_and_address(client, submitter):
    UserFactory(username="other")
    for attempt in range(5):
        _login(client, "sam", f"wrong-{attempt}", ip="10.0.0.1")

    assert _login(client, "sam", PASSWORD, ip="10.0.0.1").status_code == 429
    # A colleague behind the same address and the same person elsewhere are not locked out.
    assert _login(client, "other", PASSWORD, ip="10.0.0.1").status_code == 302
    client.logout()
    assert _login(client, "sam", PASSWORD, ip="10.9.9.9").status_code == 302


def test_login_failures_below_limit_reset_on_success(client, submitter):
    for attempt in range(4):
        _login(client, "sam", f"wrong-{attempt}")
    assert _login(client, "sam", PASSWORD).status_code == 302
    client.logout()

    statuses = [_login(client, "sam", f"again-{attempt}").status_code for attempt in range(4)]
    assert statuses == [200, 200, 200, 200]


def test_password_reset_unknown_email_sends_nothing(client, submitter):
    response = client.post(
        reverse("accounts:password_reset"), {"email": "stranger@example.nhs.uk"}, follow=True
    )

    assert response.redirect_chain == [(reverse("accounts:password_reset_done"), 302)]
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []


def test_password_reset_known_email_sends_working_link(client, submitter):
    response = client.post(
        reverse("accounts:password_reset"), {"email": "SAM@example.nhs.uk"}, follow=True
    )

    assert response.redirect_chain == [(reverse("accounts:password_reset_done"), 302)]
    assert "Check your email" in response.content.decode()
    (message,) = mail.outbox
    assert (message.to, message.subject) == (
        ["sam@example.nhs.uk"],
        "Reset your plan submission portal password",
    )
    path = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)

    form_page = client.get(path, follow=True)
    set_password_path = form_page.redirect_chain[-1][0]
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        set_password_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert (done.status_code, done["Location"]) == (
        302,
        reverse("accounts:password_reset_complete"),
    )
    assert _login(client, "sam", NEW_PASSWORD).status_code == 302
    # The link works once.
    client.logout()
    assert "This link has expired" in client.get(path, follow=True).content.decode()


def test_logout_needs_post_and_lands_on_login(client, submitter):
    client.force_login(submitter)

    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))

    assert (response.status_code, response["Location"]) == (302, reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
