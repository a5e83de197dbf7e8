from __future__ import annotations

from django.db.models import QuerySet

from .models import AuditAction, AuditEvent

# Attempts by people who may not act (refused look-ups, failed sign-ins): for national admins'
# security log only, never in a return's history, which its organisation reads and which would
# otherwise show the names of other organisations' people who tried to open it.
SECURITY_ACTIONS = (AuditAction.ACCESS_REFUSED, AuditAction.LOGIN_FAILED)


def audit_events_all() -> QuerySet[AuditEvent]:
    """The whole trail, newest first. Rows carry the actor's name, so no join is needed."""
    return AuditEvent.objects.order_by("-occurred_at", "-id")


def audit_events_of_submission(*, submission_id: int) -> QuerySet[AuditEvent]:
    """A return's history: every event recorded against it or one of its versions, except the
    security log's refusals."""
    return (
        audit_events_all().filter(submission_id=submission_id).exclude(action__in=SECURITY_ACTIONS)
    )


def audit_security_events() -> QuerySet[AuditEvent]:
    """Refused look-ups and failed sign-ins, newest first."""
    return audit_events_all().filter(action__in=SECURITY_ACTIONS)
