from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser as User
from django.db.models import QuerySet

from .models import Notification


def notifications_for_user(*, user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first; nobody sees anyone else's."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
