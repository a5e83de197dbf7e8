from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.queueing import send_task_on_commit

from .models import Notification


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
    for recipient in {
        user.pk: user for user in recipients if user.is_active and user.email
    }.values():
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        recipient=recipient,
                        kind=kind,
                        subject=subject[:200],
                        body=body,
                        url=url[:300],
                        dedupe_key=dedupe_key[:200],
                        emailed_at=emailed_at,
                    )
                )
        except IntegrityError:
            continue
    if created and email:
        from .tasks import send_notification_emails

        ids = [notification.pk for notification in created]
        send_task_on_commit(
            task=send_notification_emails, args=[ids], sweeper="the periodic email sender"
        )
    return created


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
