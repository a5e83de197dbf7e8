"""Deadline reminders and the reviewers' daily digest, sent by Celery beat. They read returns, so
they live with them; `notifications` only delivers (ADR 0032).

Each is built from a handful of queries whatever the number of organisations, and each message
carries a dedupe_key so that a task run twice (or hourly) sends it once. The reminder keys
include the deadline: a deadline extension gets reminders of its own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import ORGANISATION_ROLES, Role, RoleAssignment, User
from extensions.models import DeadlineExtension
from notifications.models import Notification
from notifications.services import notifications_queue_in_batches, notify
from planning.selectors import round_open_for_reminders

from .models import Submission, SubmissionStatus


def reminder_stage(*, deadline: dt.datetime, now: dt.datetime) -> str | None:
    """Which reminder is due: 7 days before, 1 day before, or overdue; None while far off.
    The windows do not overlap, so a late first run sends the nearer reminder only."""
    left = deadline - now
    if left <= dt.timedelta(0):
        return "overdue"
    if left <= dt.timedelta(days=1):
        return "1d"
    if left <= dt.timedelta(days=7):
        return "7d"
    return None


def _reminder_text(*, stage: str, submission: Submission, deadline: dt.datetime) -> tuple[str, str]:
    when = timezone.localtime(deadline).strftime("%-d %B %Y at %H:%M")
    name = submission.title
    if stage == "overdue":
        return (
            f"Overdue: {submission.collection.title} was due {when}",
            f"{name} was due {when} and has not been submitted. Submit it as soon as you can; "
            "it will be marked late.",
        )
    days = "7 days" if stage == "7d" else "1 day"
    return (
        f"Reminder: {submission.collection.title} is due in {days}",
        f"{name} is due {when} and has not been submitted yet.",
    )


def deadline_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind the people of every organisation that owes a return of the current round and has not
    submitted it, 7 days and 1 day before its (possibly extended) deadline, and once it is overdue;
    never once the round has closed. The emails go out in rate-limited batches."""
    now = now or timezone.now()
    planning_round = round_open_for_reminders(today=timezone.localdate(now))
    if planning_round is None:
        return 0
    extensions = {
        (collection_id, organisation_id): deadline
        for collection_id, organisation_id, deadline in DeadlineExtension.objects.filter(
            collection__planning_round=planning_round
        ).values_list("collection_id", "organisation_id", "deadline")
    }
    due: list[tuple[Submission, str, dt.datetime, str]] = []
    for submission in (
        Submission.objects.filter(
            collection__planning_round=planning_round, organisation__is_active=True
        )
        .exclude(status__in=SubmissionStatus.DONE)
        .select_related("collection", "organisation")
        .order_by("pk")
    ):
        deadline = extensions.get(
            (submission.collection_id, submission.organisation_id), submission.collection.deadline
        )
        stage = reminder_stage(deadline=deadline, now=now)
        if stage == "overdue" and not submission.collection.is_mandatory:
            continue  # an optional return is never overdue
        if stage is not None:
            due.append(
                (
                    submission,
                    stage,
                    deadline,
                    f"reminder-{stage}:{submission.pk}:{deadline.isoformat()}",
                )
            )
    if not due:
        return 0
    people: dict[int, list[User]] = defaultdict(list)
    for assignment in RoleAssignment.objects.filter(
        organisation_id__in={submission.organisation_id for submission, *_ in due},
        role__in=ORGANISATION_ROLES,
        user__is_active=True,
    ).select_related("user"):
        people[assignment.organisation_id].append(assignment.user)
    already = set(
        Notification.objects.filter(dedupe_key__in=[key for *_, key in due]).values_list(
            "recipient_id", "dedupe_key"
        )
    )
    created: list[Notification] = []
    for submission, stage, deadline, key in due:
        recipients = [
            user for user in people[submission.organisation_id] if (user.pk, key) not in already
        ]
        if not recipients:
            continue
        subject, body = _reminder_text(stage=stage, submission=submission, deadline=deadline)
        created += notify(
            recipients=recipients,
            kind=f"reminder_{stage}",
            subject=subject,
            body=body,
            url=reverse("submissions:detail", kwargs={"pk": submission.pk}),
            dedupe_key=key,
            queue_email=False,
        )
    notifications_queue_in_batches(notification_ids=[n.pk for n in created])
    return len(created)


def reviewer_digests_send(*, now: dt.datetime | None = None) -> int:
    """Once a day, tell each regional reviewer which returns of their region were submitted in the
    last 24 hours and are waiting for review. Nobody gets an empty digest."""
    now = now or timezone.now()
    reviewers: dict[int, User] = {}
    regions_of: dict[int, set[int]] = defaultdict(set)
    for assignment in RoleAssignment.objects.filter(
        role=Role.REGIONAL_REVIEWER, user__is_active=True
    ).select_related("user"):
        reviewers[assignment.user_id] = assignment.user
        regions_of[assignment.user_id].add(assignment.region_id)
    if not reviewers:
        return 0
    waiting: dict[int, list[Submission]] = defaultdict(list)
    for submission in (
        Submission.objects.filter(
            Q(region_id__in=set().union(*regions_of.values())),
            status=SubmissionStatus.SUBMITTED,
            submitted_at__gte=now - dt.timedelta(hours=24),
        )
        .select_related("collection", "organisation")
        .order_by("organisation__name", "collection__code")
    ):
        waiting[submission.region_id].append(submission)
    day = timezone.localdate(now).isoformat()
    created: list[Notification] = []
    for user_id, user in reviewers.items():
        submissions = [
            s for region_id in sorted(regions_of[user_id]) for s in waiting.get(region_id, [])
        ]
        if not submissions:
            continue
        lines = "\n".join(
            f"- {s.collection.title}, {s.organisation.name} ({s.organisation.ods_code}): "
            f"{timezone.localtime(s.submitted_at):%d %b %H:%M}{' (late)' if s.is_late else ''}"
            for s in submissions
        )
        count = len(submissions)
        created += notify(
            recipients=[user],
            kind="digest",
            subject=f"{count} return{'s' if count != 1 else ''} submitted in the last 24 hours to "
            f"review",
            body=f"Returns of your region submitted in the last 24 hours and waiting for "
            f"review:\n{lines}",
            url=reverse("shell:home"),
            dedupe_key=f"digest:{day}",
            queue_email=False,
        )
    notifications_queue_in_batches(notification_ids=[n.pk for n in created])
    return len(created)
