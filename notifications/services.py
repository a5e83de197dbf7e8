from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User

from .models import Notification

logger = logging.getLogger(__name__)


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    subject: str,
    body: str,
    url: str = "",
    dedupe_key: str = "",
    email: bool = True,
) -> list[Notification]:
    """Record a notification for each recipient and email it after the transaction commits.
    With a dedupe_key, a recipient who already has that key gets nothing: reminders go out once
    even if the task that sends them runs twice. `email=False` records it in the portal only
    (for messages already emailed some other way)."""
    created = []
    emailed_at = None if email else timezone.now()
    for recipient in {user.pk: user for user in recipients if user.is_active and user.email}.values():
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        recipient=recipient, kind=kind, subject=subject[:200], body=body, url=url[:300],
                        dedupe_key=dedupe_key[:200], emailed_at=emailed_at,
                    )
                )
        except IntegrityError:
            continue
    if created and email:
        from .tasks import send_notification_emails

        ids = [notification.pk for notification in created]
        transaction.on_commit(lambda: _enqueue_emails(ids, send_notification_emails), robust=True)
    return created


def _enqueue_emails(ids: list[int], task) -> None:
    try:
        task.apply_async(args=[ids], retry=False)
    except Exception:  # noqa: BLE001 - the periodic sender picks up unsent notifications
        logger.warning("Could not queue emails for notifications %s; the periodic sender will", ids, exc_info=True)


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
