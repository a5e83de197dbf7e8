"""Notifications in the portal and by email, each sent once."""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

import pytest
import time_machine
from django.db import InterfaceError, OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.services import invitation_create
from notifications import emails
from notifications.emails import notification_email, notifications_email, notifications_email_unsent
from notifications.models import Notification
from notifications.services import notify
from submissions.services import submission_submit, version_create
from submissions.validation import version_fail, version_validate
from tests.factories import UserFactory, london, user_with_role


def _valid_version(act_world, *, errors: int = 0):
    outcome = version_create(
        submission=act_world.submission,
        user=act_world.submitter,
        stream=io.BytesIO(act_world.sample(errors=errors)),
        filename="plan.xlsx",
    )
    version_validate(version_id=outcome.version.pk)
    outcome.version.refresh_from_db()
    act_world.submission.refresh_from_db()
    return outcome.version


def _kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


# Email sending ------------------------------------------------------------------------------------


def test_notification_email_sent_once_when_the_task_runs_twice(db, mailoutbox):
    user = UserFactory(username="sam")
    (notification,) = notify(
        recipients=[user], kind="test", subject="Hello", body="Body", url="/x/"
    )
    assert notifications_email(notification_ids=[notification.pk]) == 1
    assert notifications_email(notification_ids=[notification.pk]) == 0
    assert notifications_email_unsent() == 0
    assert len(mailoutbox) == 1
    assert (mailoutbox[0].to, mailoutbox[0].subject) == (["sam@example.nhs.uk"], "Hello")
    assert "/x/" in mailoutbox[0].body


def test_notification_email_failure_is_retried_by_the_sweeper(db, mailoutbox):
    (notification,) = notify(recipients=[UserFactory()], kind="test", subject="Hello", body="Body")
    with mock.patch(
        "notifications.emails.EmailMessage.send", side_effect=OSError("mail server down")
    ):
        assert notification_email(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert (
        notification.emailed_at,
        notification.email_claimed_at,
        notification.email_attempts,
    ) == (None, None, 1)
    assert notifications_email_unsent() == 1
    assert notifications_email_unsent() == 0
    assert len(mailoutbox) == 1


def test_notification_email_claimed_by_a_dead_sender_is_retried_after_the_timeout(
    db, mailoutbox, settings
):
    (notification,) = notify(recipients=[UserFactory()], kind="test", subject="Hello", body="Body")
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk).update(email_claimed_at=now, email_attempts=1)
    assert notifications_email_unsent(now=now + dt.timedelta(seconds=60)) == 0
    assert (
        notifications_email_unsent(
            now=now + dt.timedelta(seconds=settings.NOTIFICATION_EMAIL_CLAIM_SECONDS + 1)
        )
        == 1
    )
    assert len(mailoutbox) == 1


def test_notification_email_recorded_after_a_database_outage_is_not_sent_again(
    db, mailoutbox, settings
):
    (notification,) = notify(recipients=[UserFactory()], kind="test", subject="Hello", body="Body")
    record = emails._mark_emailed
    outage = [OperationalError("server closed the connection"), InterfaceError("closed")]

    def mark_after_the_outage(**kwargs):
        if outage:
            raise outage.pop(0)
        record(**kwargs)

    with (
        mock.patch("notifications.emails._mark_emailed", side_effect=mark_after_the_outage),
        mock.patch("notifications.emails.time.sleep"),
    ):
        assert notification_email(notification_id=notification.pk) is True

    later = timezone.now() + dt.timedelta(seconds=settings.NOTIFICATION_EMAIL_CLAIM_SECONDS + 1)
    assert notifications_email_unsent(now=later) == 0
    assert len(mailoutbox) == 1
    assert Notification.objects.get(pk=notification.pk).emailed_at is not None


def test_notification_email_sent_again_after_a_crash_keeps_its_message_id(db, mailoutbox, settings):
    first, second = notify(
        recipients=[UserFactory(), UserFactory()], kind="test", subject="Hello", body="Body"
    )
    # The sender dies between the mail server accepting the email and recording it.
    with mock.patch("notifications.emails._record_sent"):
        assert notification_email(notification_id=first.pk) is True
    later = timezone.now() + dt.timedelta(seconds=settings.NOTIFICATION_EMAIL_CLAIM_SECONDS + 1)
    assert notifications_email_unsent(now=later) == 2

    ids = [message.extra_headers["Message-ID"] for message in mailoutbox]
    assert ids == [
        emails.notification_message_id(first),
        emails.notification_message_id(first),
        emails.notification_message_id(second),
    ]
    assert ids[0] != ids[2]


def test_notification_email_never_tried_is_left_to_its_task_until_it_is_stale(
    db, mailoutbox, settings
):
    (notification,) = notify(recipients=[UserFactory()], kind="test", subject="Hello", body="Body")
    now = timezone.now()
    stale = dt.timedelta(seconds=settings.NOTIFICATION_EMAIL_QUEUED_STALE_SECONDS + 1)
    assert notifications_email_unsent(now=now) == 0
    assert notifications_email_unsent(now=now + stale) == 1
    assert len(mailoutbox) == 1


def test_notify_with_a_dedupe_key_creates_one_per_recipient(db):
    user = UserFactory()
    assert (
        len(notify(recipients=[user, user], kind="t", subject="s", body="b", dedupe_key="k")) == 1
    )
    assert notify(recipients=[user], kind="t", subject="s", body="b", dedupe_key="k") == []


# Events -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("errors", "status"), [(0, "valid"), (2, "invalid")])
def test_validation_finished_notifies_the_uploader_once(act_world, errors, status):
    version = _valid_version(act_world, errors=errors)
    version_validate(version_id=version.pk)
    (notification,) = Notification.objects.filter(kind="validation_finished")
    assert notification.recipient == act_world.submitter
    assert version.status == status
    assert notification.url == reverse("submissions:version_detail", kwargs={"pk": version.pk})


def test_validation_failure_notifies_the_uploader_only_on_the_final_attempt(act_world, settings):
    outcome = version_create(
        submission=act_world.submission,
        user=act_world.submitter,
        stream=io.BytesIO(act_world.sample()),
        filename="plan.xlsx",
    )
    from submissions.validation import version_claim

    attempt = version_claim(version_id=outcome.version.pk)
    assert not Notification.objects.exists()
    version_fail(version_id=outcome.version.pk, attempt=attempt, message="Could not be checked.")
    version_fail(version_id=outcome.version.pk, attempt=attempt, message="Could not be checked.")
    assert _kinds(act_world.submitter) == ["validation_finished"]
    assert "could not be checked" in Notification.objects.get().subject


def test_submission_notifies_the_organisation_and_the_regions_reviewers(act_world):
    other_reviewer = user_with_role(
        Role.REGIONAL_REVIEWER, region=act_world.other_ics.region, username="rev-b"
    )
    version = _valid_version(act_world)
    with time_machine.travel(london(2021, 5, 5)):
        submission_submit(
            submission=act_world.submission,
            version=version,
            user=act_world.lead,
            declaration=True,
            explanations={f.pk: "Explained in one sentence." for f in version.findings.all()},
        )
    links = dict(
        Notification.objects.filter(kind="submitted").values_list("recipient__username", "url")
    )
    return_page, review_page = (
        f"/returns/{act_world.submission.pk}/",
        f"/review/{act_world.submission.pk}/",
    )
    assert links == {
        "lead-qhm": return_page,
        "submitter-qhm": return_page,
        "reviewer-y63": review_page,
    }
    assert _kinds(other_reviewer) == [] and _kinds(act_world.outsider) == []


def test_invitation_of_an_existing_user_is_recorded_but_not_emailed_twice(
    act_world, mailoutbox, django_capture_on_commit_callbacks
):
    admin = user_with_role(Role.NATIONAL_ADMIN, username="admin")
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            email=act_world.outsider.email.upper(),
            role=Role.SUBMITTER,
            organisation=act_world.ics,
            invited_by=admin,
        )
        invitation_create(
            email="brand.new@example.nhs.uk",
            role=Role.SUBMITTER,
            organisation=act_world.ics,
            invited_by=admin,
        )
    (notification,) = Notification.objects.filter(kind="invitation")
    assert notification.recipient == act_world.outsider and notification.emailed_at is not None
    assert sorted(message.to[0] for message in mailoutbox) == [
        "brand.new@example.nhs.uk",
        "lead-qmj@example.nhs.uk",
    ]


# Pages --------------------------------------------------------------------------------------------


def test_notifications_page_shows_own_newest_first_and_marks_all_read(client, db):
    user, other = UserFactory(username="sam"), UserFactory(username="kim")
    with time_machine.travel(london(2021, 5, 1)):
        notify(recipients=[user], kind="t", subject="First", body="b")
    notify(recipients=[user], kind="t", subject="Second", body="b")
    notify(recipients=[other], kind="t", subject="Not yours", body="b")
    client.force_login(user)
    page = client.get(reverse("notifications:list"))
    assert [n.subject for n in page.context["page"]] == ["Second", "First"]
    assert "Not yours" not in page.content.decode()
    assert page.content.decode().count("Unread</strong>") == 2

    response = client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).exists()


def test_header_shows_the_unread_count_in_one_query(client, db):
    user = UserFactory(username="sam")
    notify(recipients=[user], kind="t", subject="One", body="b")
    notify(recipients=[user], kind="t", subject="Two", body="b")
    client.force_login(user)
    with CaptureQueriesContext(connection) as context:
        content = client.get(reverse("notifications:list")).content.decode()
    assert '2<span class="nhsuk-u-visually-hidden"> unread</span>' in content
    assert (
        len(
            [
                q
                for q in context.captured_queries
                if "read_at" in q["sql"] and "COUNT" in q["sql"].upper()
            ]
        )
        == 1
    )


def test_notifications_page_queries_bounded_whatever_the_data_size(client, db):
    user = UserFactory(username="sam")
    client.force_login(user)
    counts = []
    for n in (3, 120):
        for i in range(n):
            notify(recipients=[user], kind="t", subject=f"N{i}", body="b")
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("notifications:list")).status_code == 200
        counts.append(len(context.captured_queries))
    # session, user, roles, header roles, unread count, page count, page rows, and the perms
    # fall-through
    assert counts[0] == counts[1] <= 10
