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


# What a person did to a return, not what they looked at: page views and downloads stay in the
# audit trail search for national admins.
_NOT_HISTORY = (
    AuditAction.VIEW_RETURN,
    AuditAction.DOWNLOAD,
    AuditAction.ACCESS_REFUSED,
    AuditAction.VALIDATION_STARTED,
)
_CHECKED = {
    "valid": "no errors",
    "invalid": "errors to fix",
}
_DECIDED = {
    "review.approve": "approved version {version}",
    "review.request_changes": "asked for changes to version {version}",
    "review.reopen": "reopened the return",
    "review.endorse": "endorsed version {version}",
}


def _count(number: object, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def history_sentence(event: AuditEvent) -> str:
    """One event of a return's history as a person would write it."""
    who = event.actor_name or "The portal"
    after = event.after or {}
    version = after.get("version")
    if event.action == AuditAction.UPLOAD:
        if version is None:
            return f"{who} uploaded a file identical to an earlier version, so no version was made."
        return f"{who} uploaded version {version}."
    if event.action == AuditAction.UPLOAD_REJECTED:
        return f"{who}'s upload was refused: {event.detail}"
    if event.action == AuditAction.VALIDATION_FINISHED:
        checked = f"Version {version}" if version else "A version"
        status = after.get("version_status", after.get("status"))
        if status in _CHECKED:
            return (
                f"{checked} was checked: {_CHECKED[status]} "
                f"({_count(after.get('errors', 0), 'error')}, "
                f"{_count(after.get('warnings', 0), 'warning')})."
            )
        return f"{checked} could not be checked."
    if event.action == AuditAction.SUBMIT:
        late = " after the deadline" if after.get("is_late") else ""
        return f"{who} submitted version {version}{late}."
    if event.action in _DECIDED:
        reason = f": {event.detail}" if event.detail else "."
        return f"{who} {_DECIDED[event.action].format(version=version)}{reason}"
    if event.action == "review.comment":
        return f"{who} commented: {event.detail}"
    if event.action == AuditAction.EXTENSION_REQUESTED:
        return f"{who} asked for more time: {after.get('reason', '')}"
    if event.action == AuditAction.EXTENSION_DECIDED:
        outcome = "granted" if after.get("deadline") else "refused"
        return f"{who} {outcome} more time{': ' + after['reason'] if after.get('reason') else '.'}"
    detail = f": {event.detail}" if event.detail else "."
    return f"{who}: {event.action_label.lower()}{detail}"


def history_of_submission(*, submission_id: int) -> QuerySet[AuditEvent]:
    """A return's history for the people working on it: what was done, newest first."""
    return audit_events_of_submission(submission_id=submission_id).exclude(action__in=_NOT_HISTORY)
