from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent


def _client_address(request) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or None


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
    """Append one row to the audit trail. Call it in the same transaction as the change it records."""
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
        ip_address=_client_address(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
        path=(request.path if request is not None else "")[:300],
        before=before,
        after=after,
        detail=detail,
    )
