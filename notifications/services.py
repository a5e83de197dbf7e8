from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from accounts.models import User

from .models import Notification


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    subject: str,
    body: str,
    url: str = "",
    dedupe_key: str = "",
) -> list[Notification]:
    """Record a notification for each recipient and email it after the transaction commits.
    With a dedupe_key, a recipient who already has that key gets nothing: reminders go out once
    even if the task that sends them runs twice."""
    created = []
    for recipient in {user.pk: user for user in recipients if user.is_active and user.email}.values():
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        recipient=recipient, kind=kind, subject=subject, body=body, url=url, dedupe_key=dedupe_key
                    )
                )
        except IntegrityError:
            continue
    if created:
        from .tasks import send_notification_emails

        ids = [notification.pk for notification in created]
        transaction.on_commit(lambda: _enqueue_emails(ids, send_notification_emails), robust=True)
    return created


def _enqueue_emails(ids: list[int], task) -> None:
    try:
        task.apply_async(args=[ids], retry=False)
    except Exception:  # noqa: BLE001 - the periodic sender picks up unsent notifications
        pass
