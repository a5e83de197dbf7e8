from __future__ import annotations

from celery import shared_task
from django.conf import settings

from .emails import notifications_email, notifications_email_unsent


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_notification_emails(notification_ids: list[int]) -> int:
    return notifications_email(notification_ids=notification_ids)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    rate_limit=settings.NOTIFICATION_EMAIL_BATCH_RATE,
)
def send_reminder_emails(notification_ids: list[int]) -> int:
    """A batch of reminders, on the reminders queue and rate-limited (config/queues.py)."""
    return notifications_email(notification_ids=notification_ids)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_unsent_notification_emails() -> int:
    return notifications_email_unsent()
