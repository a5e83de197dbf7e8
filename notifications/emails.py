from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import Notification


def notifications_email(*, notification_ids: list[int]) -> int:
    """Email each notification not emailed yet; claiming each with a conditional update means a
    task run twice sends each email once."""
    sent = 0
    for notification in Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related(
        "recipient"
    ):
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        link = f"\n\n{settings.SITE_URL.rstrip('/')}{notification.url}" if notification.url else ""
        send_mail(
            subject=notification.subject,
            message=f"{notification.body}{link}\n\nPlan submission portal, NHS England",
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
        sent += 1
    return sent
