from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db import models

from workbooks.findings_csv import spreadsheet_safe

from .client_address import client_ip
from .context import current_request
from .models import AuditAction, AuditEvent


def _audit_value(value):
    """A field's value as the audit trail keeps it (JSON)."""
    if isinstance(value, dt.datetime):
        # One zone, so the same instant read from a form and from the database compares equal.
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [_audit_value(item) for item in value]
    if isinstance(value, models.Model):
        return str(value)
    return value


def audit_changes_apply(*, instance: models.Model, fields: dict, action: str, actor) -> None:
    """Set `fields` on `instance` and record one event with the before and after of those that
    changed since the row was stored (none when nothing did). Compared with the stored row, as a
    bound ModelForm has already changed the instance by the time it is valid. Call it in the
    transaction that saves the instance."""
    stored = type(instance).objects.get(pk=instance.pk)
    before, after = {}, {}
    for name, value in fields.items():
        old = getattr(stored, name)
        if _audit_value(old) != _audit_value(value):
            before[name], after[name] = _audit_value(old), _audit_value(value)
        setattr(instance, name, value)
    if after:
        audit_record(action=action, actor=actor, obj=instance, before=before, after=after)


def audit_record(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    submission_id: int | None = None,
    organisation_code: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str = "",
    request=None,
) -> AuditEvent:
    """Append one row to the audit trail. Call it in the same transaction as the change it records.
    Without a request, the request being served (if any) says where the action came from."""
    request = request if request is not None else current_request()
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "",
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=str(obj)[:300] if obj is not None else "",
        submission_id=submission_id,
        organisation_code=organisation_code,
        ip_address=client_ip(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
        path=(request.path if request is not None else "")[:300],
        before=before,
        after=after,
        detail=detail,
    )


def audit_submission_event(
    *,
    action: str,
    submission,
    obj: models.Model | None = None,
    actor=None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str = "",
    request=None,
) -> AuditEvent:
    """Record an action on a return (or on one of its versions), so it shows in the return's
    history."""
    return audit_record(
        action=action,
        actor=actor,
        obj=obj if obj is not None else submission,
        submission_id=submission.pk,
        organisation_code=submission.organisation.ods_code,
        before=before,
        after=after,
        detail=detail,
        request=request,
    )


def audit_login_failed(*, credentials: dict, request) -> AuditEvent:
    """Django removes the password from `credentials`; only the name tried is kept."""
    return audit_record(
        action=AuditAction.LOGIN_FAILED,
        request=request,
        detail=f"Username tried: {str(credentials.get('username', ''))[:150]}",
    )


def audit_access_refused(
    *, user, queryset: models.QuerySet, lookup: dict[str, Any]
) -> AuditEvent | None:
    """Record a refused look-up of an object that exists but is hidden from the user; an id that
    matches nothing is not recorded (there is nothing to protect)."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        return None
    submission_id, organisation_code = _subject_of(obj)
    return audit_record(
        action=AuditAction.ACCESS_REFUSED,
        actor=user if getattr(user, "is_authenticated", False) else None,
        obj=obj,
        submission_id=submission_id,
        organisation_code=organisation_code,
    )


def _subject_of(obj: models.Model) -> tuple[int | None, str]:
    """The submission and organisation an object belongs to, for filtering the trail."""
    label = obj._meta.label
    if label == "submissions.Submission":
        return obj.pk, obj.organisation.ods_code
    if label == "submissions.Version":
        return obj.submission_id, obj.submission.organisation.ods_code
    if label == "planning.Organisation":
        return None, obj.ods_code
    return None, ""


# Export -----------------------------------------------------------------------------------------

EXPORT_HEADER = (
    "occurred_at_utc",
    "actor",
    "action",
    "object_type",
    "object_id",
    "object",
    "submission_id",
    "organisation_code",
    "ip_address",
    "path",
    "before",
    "after",
    "detail",
)


class _Echo:
    def write(self, value: str) -> str:
        return value


def audit_csv_rows(*, events: Iterable[AuditEvent]) -> Iterator[str]:
    """The events as CSV lines, streamed, with every cell safe to open in a spreadsheet."""

    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(EXPORT_HEADER)
    for event in events:
        values = [
            event.occurred_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            event.actor_name,
            event.action,
            event.object_type,
            event.object_id,
            event.object_label,
            "" if event.submission_id is None else str(event.submission_id),
            event.organisation_code,
            event.ip_address or "",
            event.path,
            "" if event.before is None else json.dumps(event.before, sort_keys=True, default=str),
            "" if event.after is None else json.dumps(event.after, sort_keys=True, default=str),
            event.detail,
        ]
        yield writer.writerow([spreadsheet_safe(value) for value in values])
