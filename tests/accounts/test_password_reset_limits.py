"""Password reset is limited per email address and per client address without saying who has an
account."""

from __future__ import annotations

import time

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role
from tests.factories import IcsFactory, user_with_role

pytestmark = pytest.mark.django_db
KNOWN = "sam@example.nhs.uk"
UNKNOWN = "stranger@example.nhs.uk"


@pytest.fixture
def submitter():
    return user_with_role(
        Role.SUBMITTER, organisation=IcsFactory(ods_code="QAA"), username="sam", email=KNOWN
    )


def _reset(client, email: str, ip: str = "10.0.0.1"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=ip)


def _answer(response) -> tuple[int, str]:
    return response.status_code, response.get("Location", "")


def test_password_reset_sends_at_most_three_emails_an_hour_to_one_address(client, submitter):
    answers = [
        _answer(_reset(client, KNOWN if attempt % 2 else KNOWN.upper())) for attempt in range(5)
    ]

    assert answers == [(302, reverse("accounts:password_reset_done"))] * 5
    assert [message.to for message in mail.outbox] == [[KNOWN]] * 3


def test_password_reset_answers_alike_for_known_and_unknown_addresses_past_the_limit(
    client, submitter
):
    known = [_answer(_reset(client, KNOWN)) for _ in range(5)]
    unknown = [_answer(_reset(client, UNKNOWN)) for _ in range(5)]

    assert known == unknown
    done = client.get(reverse("accounts:password_reset_done"))
    assert "If an account uses that address" in done.content.decode()


def test_password_reset_from_one_client_address_is_refused_after_twenty_whoever_is_asked(
    client, submitter
):
    answers = [_reset(client, f"person{n}@example.nhs.uk").status_code for n in range(20)]
    refused_unknown = _reset(client, UNKNOWN)
    refused_known = _reset(client, KNOWN)

    assert answers == [302] * 20
    assert (refused_unknown.status_code, refused_known.status_code) == (429, 429)
    assert refused_unknown.content == refused_known.content
    assert "Too many reset requests" in refused_known.content.decode()
    assert mail.outbox == []
    # The same person asking from another network is not blocked by the first one's requests.
    assert _answer(_reset(client, KNOWN, ip="10.9.9.9")) == (
        302,
        reverse("accounts:password_reset_done"),
    )
    assert [message.to for message in mail.outbox] == [[KNOWN]]


def test_password_reset_limit_ends_with_its_window(client, submitter, settings):
    settings.PASSWORD_RESET_WINDOW_SECONDS = 1
    for _ in range(4):
        _reset(client, KNOWN)
    assert len(mail.outbox) == 3

    time.sleep(1.2)
    _reset(client, KNOWN)

    assert len(mail.outbox) == 4


def test_password_reset_still_works_for_a_person_locked_out_of_login(client, submitter):
    for attempt in range(5):
        client.post(
            reverse("accounts:login"),
            {"username": "sam", "password": f"wrong-{attempt}"},
            REMOTE_ADDR="10.0.0.1",
        )

    assert _answer(_reset(client, KNOWN)) == (302, reverse("accounts:password_reset_done"))
    assert [message.to for message in mail.outbox] == [[KNOWN]]
