from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser as User
from django.db import IntegrityError, transaction
from django.utils import timezone

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
    queue_email: bool = True,
) -> list[Notification]:
    """Record a notification for each recipient and email it after the transaction commits.
    With a dedupe_key, a recipient who already has that key gets nothing: reminders go out once
    even if the task that sends them runs twice. `email=False` records it in the portal only
    (for messages already emailed some other way); `queue_email=False` leaves the emails to the
    caller, which sends many in rate-limited batches (`notifications_queue_in_batches`)."""
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
    if created and email and queue_email:
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


def notifications_queue_in_batches(*, notification_ids: list[int]) -> int:
    """Queue these notifications' emails on the reminders queue in batches of
    NOTIFICATION_EMAIL_BATCH, which its task sends at NOTIFICATION_EMAIL_BATCH_RATE: a thousand
    reminders neither flood the mail server nor hold up any other email. Returns the batches."""
    from .tasks import send_reminder_emails

    size = settings.NOTIFICATION_EMAIL_BATCH
    batches = [notification_ids[i : i + size] for i in range(0, len(notification_ids), size)]
    for batch in batches:
        send_task_on_commit(
            task=send_reminder_emails, args=[batch], sweeper="the periodic email sender"
        )
    return len(batches)
