"""Sending notification emails so that none is lost and none is sent twice, even when the
database stops between sending an email and recording it (ADR 0023).

1. Claim: a conditional update (`email_claimed_at`, `email_attempts`) committed before anything is
   sent, so two deliveries of the same task, or a task and the sweeper, send one email.
2. Send, with a Message-ID made from the notification alone: any second copy is the same message
   to the mail provider and the reader's mail program, never a new one.
3. Record `emailed_at`. If the database is unreachable, keep trying, holding the claim, for most of
   NOTIFICATION_EMAIL_CLAIM_SECONDS: a database outage shorter than that sends nothing twice.

A send that fails releases its claim; a claim whose sender died (or could not record for longer
than the claim) is taken over by the periodic sweeper once older than the claim, and that send
reuses the Message-ID: at least once, never lost, and a repeat is recognisably the same message.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import InterfaceError, OperationalError, connection
from django.db.models import F, Q
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)

# Of the claim's lifetime, how long a sender keeps trying to record a sent email before leaving it
# to the sweeper; the rest is margin so the sweeper never takes over from a sender still trying.
RECORD_SHARE_OF_CLAIM = 0.75


def _claimable(*, now: dt.datetime) -> Q:
    stale = now - dt.timedelta(seconds=settings.NOTIFICATION_EMAIL_CLAIM_SECONDS)
    return Q(
        emailed_at__isnull=True, email_attempts__lt=settings.NOTIFICATION_EMAIL_MAX_ATTEMPTS
    ) & (Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=stale))


def notification_message_id(notification: Notification) -> str:
    """The same on every attempt for one notification and different for any other, in any
    database (the creation time is part of it): RFC 5322's identity of the message."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<notification-{notification.pk}.{notification.created_at:%Y%m%d%H%M%S%f}@{domain}>"


def _email(notification: Notification) -> EmailMessage:
    link = f"\n\n{settings.SITE_URL.rstrip('/')}{notification.url}" if notification.url else ""
    return EmailMessage(
        subject=notification.subject,
        body=f"{notification.body}{link}\n\nPlan submission portal, NHS England",
        to=[notification.recipient.email],
        headers={"Message-ID": notification_message_id(notification)},
    )


def _mark_emailed(*, notification_id: int, claimed_at: dt.datetime) -> None:
    Notification.objects.filter(pk=notification_id, email_claimed_at=claimed_at).update(
        emailed_at=timezone.now()
    )


def _record_sent(*, notification_id: int, claimed_at: dt.datetime) -> bool:
    """Record a sent email, retrying through a database outage while the claim still holds."""
    give_up = time.monotonic() + settings.NOTIFICATION_EMAIL_CLAIM_SECONDS * RECORD_SHARE_OF_CLAIM
    pause = 0.5
    while True:
        try:
            _mark_emailed(notification_id=notification_id, claimed_at=claimed_at)
            return True
        except (OperationalError, InterfaceError):
            if time.monotonic() + pause > give_up:
                logger.error(
                    "Emailed notification %s but could not record it; the sweeper will send it "
                    "again with the same Message-ID",
                    notification_id,
                    exc_info=True,
                )
                return False
            logger.warning("Database unreachable recording notification %s", notification_id)
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
            if not connection.in_atomic_block:
                # A broken connection stays broken: the next attempt needs a new one.
                connection.close()


def notification_email(*, notification_id: int, now: dt.datetime | None = None) -> bool:
    """Email one notification if nobody has, or is. Returns True if this call sent it."""
    now = now or timezone.now()
    claimed_at = timezone.now()
    claimed = Notification.objects.filter(_claimable(now=now), pk=notification_id).update(
        email_claimed_at=claimed_at, email_attempts=F("email_attempts") + 1
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        _email(notification).send()
    except Exception:  # noqa: BLE001 - any mail failure: release the claim so the sweeper retries
        logger.warning(
            "Could not email notification %s; it will be retried", notification_id, exc_info=True
        )
        Notification.objects.filter(pk=notification_id, email_claimed_at=claimed_at).update(
            email_claimed_at=None
        )
        return False
    _record_sent(notification_id=notification_id, claimed_at=claimed_at)
    return True


def notifications_email(*, notification_ids: list[int]) -> int:
    """Email each of these notifications not emailed yet; safe to run twice."""
    return sum(notification_email(notification_id=pk) for pk in notification_ids)


def notifications_email_unsent(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Email notifications still unsent: the broker was down, the mail server failed, or a sender
    died holding its claim. Run periodically by Celery beat. An email never tried is left to its
    own task until NOTIFICATION_EMAIL_QUEUED_STALE_SECONDS have passed: reminders queued in
    rate-limited batches are not the sweeper's to send early."""
    now = now or timezone.now()
    lost = now - dt.timedelta(seconds=settings.NOTIFICATION_EMAIL_QUEUED_STALE_SECONDS)
    ids = list(
        Notification.objects.filter(_claimable(now=now))
        .filter(Q(email_attempts__gt=0) | Q(created_at__lt=lost))
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(notification_email(notification_id=pk, now=now) for pk in ids)
