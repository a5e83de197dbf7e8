from __future__ import annotations

from django.db.models import QuerySet

from .models import AuditEvent


def audit_events_all() -> QuerySet[AuditEvent]:
    """The whole trail, newest first. Rows carry the actor's name, so no join is needed."""
    return AuditEvent.objects.order_by("-occurred_at", "-id")


def audit_events_of_submission(*, submission_id: int) -> QuerySet[AuditEvent]:
    """A return's history: every event recorded against it or one of its versions."""
    return audit_events_all().filter(submission_id=submission_id)
