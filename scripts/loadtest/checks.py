"""What a run must leave behind, checked against the database, the file storage and the emails sent.

`uploads_check` and `notifications_check` are pure (plain rows in, problems out) so they are unit
tested; `*_read` gather those rows from Django and the email directory after the run.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

FINAL = {"valid", "invalid", "rejected", "failed"}
ACCEPTED_HTTP = {200, 202, 302}


@dataclass
class SentUpload:
    """One upload as the driver sent it and what the portal answered."""

    key: str
    username: str
    organisation: str
    submission_id: int
    sha256: str
    size: int
    channel: str  # "api" or "browser"
    expected: str  # the final status the file must get: "valid", "invalid" or "failed"
    http_status: int = 0  # 0: never answered (connection refused or reset)
    version_id: int | None = None
    sent_at: float = 0.0  # wall clock, seconds since the epoch
    result_seen_after: float | None = None  # seconds until polling saw a final status


@dataclass(frozen=True)
class StoredVersion:
    id: int
    submission_id: int
    sha256: str
    size: int
    status: str
    attempts: int
    stored_sha256: str  # of the file as read back from storage; "" if it is missing
    finished_events: int  # audit rows recording its result
    uploaded_at: float
    finished_at: float | None


@dataclass(frozen=True)
class NotificationRow:
    id: int
    email: str
    subject: str
    url: str
    dedupe_key: str
    emailed: bool
    message_id: str = ""  # the Message-ID its email must carry (notifications.emails)


@dataclass(frozen=True)
class EmailRow:
    to: str
    subject: str
    url: str
    message_id: str = ""


def uploads_check(*, sent: list[SentUpload], stored: list[StoredVersion]) -> list[str]:
    """Every accepted upload is a version stored byte for byte with exactly one final result of the
    kind its file deserves; every version in the database came from an upload the driver sent."""
    problems = []
    by_content = {(version.submission_id, version.sha256): version for version in stored}
    claimed: set[int] = set()
    for upload in sent:
        version = by_content.get((upload.submission_id, upload.sha256))
        if upload.http_status not in ACCEPTED_HTTP:
            problems.append(
                f"upload {upload.key} by {upload.username} was not accepted (HTTP "
                f"{upload.http_status})"
            )
            if version is not None:
                # Stored although the answer was lost: it must still finish like any other.
                claimed.add(version.id)
            continue
        if version is None:
            problems.append(
                f"upload {upload.key} by {upload.username} was accepted but no version holds its "
                f"bytes"
            )
            continue
        claimed.add(version.id)
        if upload.version_id is not None and upload.version_id != version.id:
            problems.append(
                f"upload {upload.key}: answered version {upload.version_id}, stored as {version.id}"
            )
        if version.size != upload.size:
            problems.append(
                f"version {version.id}: {version.size} bytes recorded, {upload.size} sent"
            )
        if version.status in FINAL and version.status != upload.expected:
            problems.append(
                f"version {version.id}: ended {version.status}, expected {upload.expected}"
            )
    for version in stored:
        if version.stored_sha256 != version.sha256:
            problems.append(
                f"version {version.id}: the stored file is not the bytes uploaded "
                f"({version.stored_sha256 or 'missing'} != {version.sha256})"
            )
        if version.status not in FINAL:
            problems.append(
                f"version {version.id}: still {version.status} after {version.attempts} attempts"
            )
        if version.finished_events != (1 if version.status in FINAL else 0):
            problems.append(
                f"version {version.id}: {version.finished_events} recorded results, not one"
            )
        if version.id not in claimed:
            problems.append(f"version {version.id}: in the database but no accepted upload made it")
    return problems


def notifications_check(
    *, notifications: list[NotificationRow], emails: list[EmailRow], finished_version_ids: list[int]
) -> list[str]:
    """Each finished version told its uploader once; each notification was emailed exactly once,
    under its own Message-ID (so a copy with the same Message-ID counts as a second email)."""
    problems = []
    keys = Counter(row.dedupe_key for row in notifications)
    for version_id in finished_version_ids:
        count = keys[f"validation-finished:{version_id}"]
        if count != 1:
            problems.append(
                f"version {version_id}: {count} 'validation finished' notifications, not one"
            )
    sent = Counter(emails)
    expected = Counter(
        EmailRow(to=row.email, subject=row.subject, url=row.url, message_id=row.message_id)
        for row in notifications
    )
    for row in notifications:
        if not row.emailed:
            problems.append(
                f"notification {row.id} ({row.subject!r} to {row.email}) never marked emailed"
            )
    for message, count in sorted((sent - expected).items(), key=str):
        problems.append(
            f"{count} email(s) to {message.to} ({message.subject!r}) beyond one per notification"
        )
    for message, count in sorted((expected - sent).items(), key=str):
        problems.append(
            f"{count} notification email(s) to {message.to} ({message.subject!r}) never sent"
        )
    return problems


def emails_read(*, directory: Path, site_url: str) -> list[EmailRow]:
    """The messages Django's file-based email backend wrote: one file per connection, each
    message followed by a line of 79 dashes."""
    rows = []
    separator = b"\n" + b"-" * 79 + b"\n"
    for path in sorted(directory.glob("*.log")) if directory.exists() else []:
        for chunk in path.read_bytes().split(separator):
            if not chunk.strip():
                continue
            # The default policy unfolds long headers: a subject over 78 characters is written
            # on several lines and would otherwise never match its notification.
            message = email.message_from_bytes(chunk.lstrip(b"\n"), policy=email.policy.default)
            body = message.get_payload(decode=True).decode("utf-8", "replace")
            link = next(
                (line.strip() for line in body.splitlines() if line.strip().startswith(site_url)),
                "",
            )
            rows.append(
                EmailRow(
                    to=message["To"],
                    subject=str(message["Subject"]),
                    url=link.removeprefix(site_url.rstrip("/")),
                    message_id=message["Message-ID"] or "",
                )
            )
    return rows


def stored_versions_read() -> list[StoredVersion]:
    """Every version in the (run's own) database, with its file read back from storage."""
    from audit.models import AuditEvent
    from submissions.models import Version

    events = Counter(
        AuditEvent.objects.filter(
            action="validation_finished", object_type="submissions.Version"
        ).values_list("object_id", flat=True)
    )
    rows = []
    for version in Version.objects.order_by("pk"):
        try:
            with version.file.open("rb") as stream:
                stored = hashlib.sha256(stream.read()).hexdigest()
        except FileNotFoundError:
            stored = ""
        rows.append(
            StoredVersion(
                id=version.pk,
                submission_id=version.submission_id,
                sha256=version.sha256,
                size=version.size,
                status=version.status,
                attempts=version.attempts,
                stored_sha256=stored,
                finished_events=events[str(version.pk)],
                uploaded_at=version.uploaded_at.timestamp(),
                finished_at=version.finished_at.timestamp() if version.finished_at else None,
            )
        )
    return rows


def notifications_read() -> list[NotificationRow]:
    from notifications.emails import notification_message_id
    from notifications.models import Notification

    return [
        NotificationRow(
            id=row.pk,
            email=row.recipient.email,
            subject=row.subject,
            url=row.url,
            dedupe_key=row.dedupe_key,
            emailed=row.emailed_at is not None,
            message_id=notification_message_id(row),
        )
        for row in Notification.objects.select_related("recipient").order_by("pk")
    ]


def drain(*, timeout: float) -> tuple[float, str]:
    """Wait until no version is waiting or being checked and no email is unsent; returns how long
    it took and what was still pending if time ran out."""
    from django.db import OperationalError, connections

    from notifications.models import Notification
    from submissions.models import Version

    began = time.monotonic()
    pending = "unknown"
    while time.monotonic() - began < timeout:
        try:
            open_versions = Version.objects.exclude(status__in=FINAL).count()
            unsent = Notification.objects.filter(emailed_at__isnull=True).count()
        except OperationalError:
            connections.close_all()
            time.sleep(1)
            continue
        pending = f"{open_versions} versions not finished, {unsent} emails unsent"
        if not open_versions and not unsent:
            return time.monotonic() - began, ""
        time.sleep(1)
    return time.monotonic() - began, pending
