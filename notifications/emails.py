"""Sending notification emails so that none is lost and none is sent twice in ordinary faults.

Each email is claimed with a conditional update (`email_claimed_at`) before sending and marked
`emailed_at` only after the mail server accepted it. A send that fails releases its claim; a
claim whose sender died is taken over by the periodic sweeper once it is older than
NOTIFICATION_EMAIL_CLAIM_SECONDS. Two deliveries of the same task therefore send one email.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)


def _claimable(*, now: dt.datetime) -> Q:
    stale = now - dt.timedelta(seconds=settings.NOTIFICATION_EMAIL_CLAIM_SECONDS)
    return Q(
        emailed_at__isnull=True, email_attempts__lt=settings.NOTIFICATION_EMAIL_MAX_ATTEMPTS
    ) & (Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=stale))


def notification_email(*, notification_id: int, now: dt.datetime | None = None) -> bool:
    """Email one notification if nobody has, or is. Returns True if this call sent it."""
    now = now or timezone.now()
    claimed = Notification.objects.filter(_claimable(now=now), pk=notification_id).update(
        email_claimed_at=now, email_attempts=F("email_attempts") + 1
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    link = f"\n\n{settings.SITE_URL.rstrip('/')}{notification.url}" if notification.url else ""
    try:
        send_mail(
            subject=notification.subject,
            message=f"{notification.body}{link}\n\nPlan submission portal, NHS England",
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
    except Exception:  # noqa: BLE001 - any mail failure: release the claim so the sweeper retries
        logger.warning(
            "Could not email notification %s; it will be retried", notification_id, exc_info=True
        )
        Notification.objects.filter(pk=notification_id, email_claimed_at=now).update(
            email_claimed_at=None
        )
        return False
    Notification.objects.filter(pk=notification_id, email_claimed_at=now).update(
        emailed_at=timezone.now()
    )
    return True


def notifications_email(*, notification_ids: list[int]) -> int:
    """Email each of these notifications not emailed yet; safe to run twice."""
    return sum(notification_email(notification_id=pk) for pk in notification_ids)


def notifications_email_unsent(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Email notifications still unsent: the broker was down, the mail server failed, or a sender
    died holding its claim. Run periodically by Celery beat."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(_claimable(now=now))
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(notification_email(notification_id=pk, now=now) for pk in ids)
