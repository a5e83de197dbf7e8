"""Deadline reminders and the reviewers' daily digest: each sent once, in bounded queries."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from extensions.services import deadline_extension_grant
from notifications.models import Notification
from notifications.tasks import send_reminder_emails
from planning.models import PlanningRound, RoundStatus
from submissions.models import Submission, SubmissionStatus
from submissions.reminders import deadline_reminders_send, reviewer_digests_send
from tests.factories import TrustFactory, london, user_with_role

# Reminders ---------------------------------------------------------------------------------------


def _reminded(act_world) -> list[str]:
    return sorted(
        Notification.objects.filter(kind__startswith="reminder")
        .values_list("kind", "recipient__username")
        .distinct()
    )


@pytest.mark.parametrize(
    ("when", "kind"),
    [
        (london(2021, 4, 29, 13), "reminder_7d"),
        (london(2021, 5, 5, 13), "reminder_1d"),
        (london(2021, 5, 6, 12, 1), "reminder_overdue"),
    ],
)
def test_deadline_reminders_sent_once_at_each_stage_even_when_run_twice(act_world, when, kind):
    deadline_reminders_send(now=when)
    deadline_reminders_send(now=when + dt.timedelta(hours=1))
    mine = Notification.objects.filter(kind=kind, recipient=act_world.lead)
    # The lead owes two returns (ACT and NAR): one reminder for each.
    assert mine.count() == 2
    assert set(Notification.objects.values_list("kind", flat=True)) == {kind}
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {
        "lead-qhm",
        "submitter-qhm",
        "lead-qmj",
    }  # members of both ICSs; not the reviewer


def test_deadline_reminders_none_while_far_off_or_for_submitted_returns(act_world):
    assert deadline_reminders_send(now=london(2021, 4, 20)) == 0
    Submission.objects.filter(organisation=act_world.ics).update(status=SubmissionStatus.SUBMITTED)
    Submission.objects.filter(organisation=act_world.other_ics).update(
        status=SubmissionStatus.APPROVED
    )
    assert deadline_reminders_send(now=london(2021, 5, 5, 13)) == 0
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "closed",
    [{"ends_on": dt.date(2021, 5, 5)}, {"is_current": False, "status": RoundStatus.CLOSED}],
    ids=["ended", "closed"],
)
def test_deadline_reminders_none_for_a_closed_round(act_world, closed):
    PlanningRound.objects.filter(pk=act_world.act.planning_round_id).update(**closed)

    assert deadline_reminders_send(now=london(2021, 5, 6, 13)) == 0
    assert not Notification.objects.exists()


def test_deadline_reminders_emailed_in_rate_limited_batches_on_the_reminders_queue(
    act_world, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_EMAIL_BATCH = 2
    with (
        mock.patch("notifications.tasks.send_notification_emails.apply_async") as single,
        mock.patch("notifications.tasks.send_reminder_emails.apply_async") as batched,
        django_capture_on_commit_callbacks(execute=True),
    ):
        sent = deadline_reminders_send(now=london(2021, 5, 6, 13))

    reminders = list(Notification.objects.order_by("pk").values_list("pk", flat=True))
    batches = [call.kwargs["args"][0] for call in batched.call_args_list]
    assert (sent, single.call_count) == (len(reminders), 0)
    assert batches == [reminders[i : i + 2] for i in range(0, len(reminders), 2)]
    assert send_reminder_emails.rate_limit == settings.NOTIFICATION_EMAIL_BATCH_RATE


def test_deadline_reminders_start_again_after_an_extension(act_world):
    deadline_reminders_send(now=london(2021, 5, 6, 13))
    admin = user_with_role(Role.NATIONAL_ADMIN, username="admin")
    deadline_extension_grant(
        collection=act_world.act,
        organisation=act_world.ics,
        deadline=london(2021, 5, 13),
        reason="Board moved",
        granted_by=admin,
    )
    deadline_reminders_send(now=london(2021, 5, 6, 14))
    deadline_reminders_send(now=london(2021, 5, 12, 13))
    act = Notification.objects.filter(
        recipient=act_world.lead, url__endswith=f"/{act_world.submission.pk}/"
    )
    assert sorted(act.values_list("kind", flat=True)) == [
        "reminder_1d",
        "reminder_7d",
        "reminder_overdue",
    ]


def test_deadline_reminders_queries_bounded_whatever_the_number_of_organisations(act_world):
    def queries(now) -> int:
        with CaptureQueriesContext(connection) as context:
            deadline_reminders_send(now=now)
        return len(
            [
                q
                for q in context.captured_queries
                if "INSERT" not in q["sql"] and "SAVEPOINT" not in q["sql"]
            ]
        )

    small = queries(london(2021, 4, 20))
    for i in range(30):
        TrustFactory(ods_code=f"R{i:02d}", parent_ics=act_world.ics)
        Submission.objects.create(
            collection=act_world.act,
            organisation=act_world.ics.__class__.objects.get(ods_code=f"R{i:02d}"),
        )
    assert queries(london(2021, 4, 21)) == small
    assert queries(london(2021, 5, 5, 13)) <= 6


# Digest ------------------------------------------------------------------------------------------


def test_reviewer_digest_once_a_day_with_the_last_days_submissions(act_world):
    Submission.objects.filter(pk=act_world.submission.pk).update(
        status=SubmissionStatus.SUBMITTED, submitted_at=london(2021, 5, 5, 15)
    )
    Submission.objects.filter(pk=act_world.other_submission.pk).update(
        status=SubmissionStatus.SUBMITTED, submitted_at=london(2021, 5, 5, 15)
    )
    assert reviewer_digests_send(now=london(2021, 5, 6, 7)) == 1
    assert reviewer_digests_send(now=london(2021, 5, 6, 8)) == 0
    (digest,) = Notification.objects.filter(kind="digest")
    assert digest.recipient == act_world.reviewer
    assert "QHM" in digest.body and "QMJ" not in digest.body
    # The next day, nothing new was submitted: no empty digest.
    assert reviewer_digests_send(now=london(2021, 5, 7, 7)) == 0


def test_deadline_reminder_names_the_return_without_its_code(act_world):
    deadline_reminders_send(now=london(2021, 5, 6, 13))

    reminder = Notification.objects.get(
        recipient=act_world.lead,
        dedupe_key__startswith=f"reminder-overdue:{act_world.submission.pk}:",
    )
    assert (reminder.subject, reminder.body) == (
        "Overdue: Activity and performance (draft) was due 6 May 2021 at 12:00",
        "Activity and performance (draft) for North East and North Cumbria was due 6 May 2021 at "
        "12:00 and has not been submitted. Submit it as soon as you can; it will be marked late.",
    )
