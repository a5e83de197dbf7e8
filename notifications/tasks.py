from __future__ import annotations

from celery import shared_task

from .emails import notifications_email


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_notification_emails(notification_ids: list[int]) -> int:
    return notifications_email(notification_ids=notification_ids)
