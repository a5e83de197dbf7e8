"""The surge's users and files, prepared inside Django (the run's own database) before it starts.

Each upload is a distinct, real return built from the organisation's own template context, so it
validates exactly as a person's would: most are clean, some carry planted errors. System leads
upload their system returns, providers' submitters their provider returns; every other user goes
through the browser (a session and the upload form), the rest through the API with a token.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass

# Markers the chaos worker (scripts/loadtest/chaos_worker.py) looks for at the end of a file: the
# zip comment, so the workbook itself stays valid and passes every upload check.
CRASH_MARKER = b"LOADTEST-CRASH-WORKER"
SLOW_MARKER = b"LOADTEST-SLOW-VALIDATION"

# Whatever the current round asks for: its workbook returns still open to a first upload (a draft
# or a single stage), uploaded by the systems' leads and the providers' submitters.
OPEN_STAGES = ("draft", "single")


@dataclass(frozen=True)
class Job:
    key: str
    username: str
    organisation: str
    submission_id: int
    channel: str  # "api" or "browser"
    filename: str
    data: bytes
    expected: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def with_zip_comment(data: bytes, comment: bytes) -> bytes:
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.comment = comment
    return buffer.getvalue()


def _pairs(*, organisations: int) -> list[tuple]:
    """(user, submission) pairs, one per organisation first, then their second returns, and so on,
    so that any prefix of the list spreads over as many organisations as it can."""
    from accounts.models import User
    from planning.models import OrganisationType
    from submissions.models import Submission

    wanted = [(OrganisationType.ICS, "lead-"), (OrganisationType.PROVIDER, "submit-")]
    rounds: list[list[tuple]] = []
    chosen = 0
    for org_type, prefix in wanted:
        submissions = (
            Submission.objects.filter(
                collection__planning_round__is_current=True,
                collection__stage__in=OPEN_STAGES,
                collection__accepted_formats__contains=["xlsx"],
                organisation__org_type=org_type,
            )
            .select_related("collection__planning_round", "organisation")
            .order_by("organisation__ods_code", "collection__code")
        )
        by_org: dict[str, list[Submission]] = {}
        for submission in submissions:
            by_org.setdefault(submission.organisation.ods_code, []).append(submission)
        users = {user.username: user for user in User.objects.filter(username__startswith=prefix)}
        for code, owned in by_org.items():
            user = users.get(f"{prefix}{code.lower()}")
            if user is None or chosen >= organisations:
                continue
            chosen += 1
            for index, submission in enumerate(owned):
                while len(rounds) <= index:
                    rounds.append([])
                rounds[index].append((user, submission))
    return [pair for round_ in rounds for pair in round_]


def _sample(submission, *, seed: int, errors: int) -> bytes:
    from submissions.models import TemplateVersion
    from submissions.services import template_context
    from workbooks.sample import make_sample_return

    issued = (
        TemplateVersion.objects.filter(collection=submission.collection)
        .order_by("-issued_at", "-version")
        .first()
    )
    context = template_context(
        submission=submission, template_version=issued.version if issued else ""
    )
    return make_sample_return(context=context, seed=seed, errors=errors)


def workload_build(
    *,
    uploads: int,
    organisations: int,
    error_every: int = 5,
    browser_every: int = 2,
    chaos: bool = False,
) -> list[Job]:
    """`uploads` jobs over up to `organisations` organisations; every `error_every`-th file has two
    planted errors. With `chaos`, two more: one that crashes its worker on every attempt and one
    slow enough to be killed mid-task."""
    pairs = _pairs(organisations=organisations)
    if not pairs:
        raise RuntimeError("the demo round has no returns to upload to")
    users = sorted({user.username for user, _ in pairs})
    browser_users = set(users[::browser_every])
    jobs = []
    for index in range(uploads):
        user, submission = pairs[index % len(pairs)]
        errors = 2 if index % error_every == error_every - 1 else 0
        jobs.append(
            Job(
                key=f"u{index:04d}",
                username=user.username,
                organisation=submission.organisation.ods_code,
                submission_id=submission.pk,
                channel="browser" if user.username in browser_users else "api",
                filename=f"{submission.collection.code}-{submission.organisation.ods_code}-{index}.xlsx",
                data=_sample(submission, seed=index, errors=errors),
                expected="invalid" if errors else "valid",
            )
        )
    if chaos:
        # Early in the surge so the faults that follow meet them; on the API, to returns the surge
        # leaves alone unless it is larger than the pairs available.
        for position, key, (user, submission), marker, expected in (
            (3, "crash", pairs[-1], CRASH_MARKER, "failed"),
            (6, "slow", pairs[-2], SLOW_MARKER, "valid"),
        ):
            data = with_zip_comment(_sample(submission, seed=10_000 + len(key), errors=0), marker)
            jobs.insert(
                position,
                Job(
                    key=key,
                    username=user.username,
                    organisation=submission.organisation.ods_code,
                    submission_id=submission.pk,
                    channel="api",
                    filename=f"{key}.xlsx",
                    data=data,
                    expected=expected,
                ),
            )
    return jobs


def api_tokens(*, usernames: set[str]) -> dict[str, str]:
    """An API token per user, as an administrator would issue them before the morning."""
    from accounts.models import User
    from accounts.services import api_token_issue

    return {
        user.username: api_token_issue(user=user)[1]
        for user in User.objects.filter(username__in=usernames)
    }


def reviewer_usernames() -> list[str]:
    from accounts.models import User

    return sorted(
        User.objects.filter(username__startswith="reviewer-").values_list("username", flat=True)
    )


def email_flood(*, emails: int) -> int:
    """What the hourly reminder run did to a fresh `make run` (ADR 0022): thousands of emails
    queued at once, half as single emails on the notifications queue, half as reminder batches
    on the reminders queue. Each goes to a person of the demo, so the run's email checks count
    them like any other. Returns how many were queued."""
    from accounts.models import User
    from notifications.models import Notification
    from notifications.services import notifications_queue_in_batches
    from notifications.tasks import send_notification_emails

    people = list(User.objects.filter(is_active=True).exclude(email="").order_by("pk"))
    flood = Notification.objects.bulk_create(
        Notification(
            recipient=people[index % len(people)],
            kind="reminder_overdue",
            subject=f"Overdue: load-run reminder {index}",
            body="A return was due and has not been submitted.",
        )
        for index in range(emails)
    )
    singles, batched = flood[: emails // 2], flood[emails // 2 :]
    for notification in singles:
        send_notification_emails.apply_async(args=[[notification.pk]])
    notifications_queue_in_batches(notification_ids=[n.pk for n in batched])
    return len(flood)
