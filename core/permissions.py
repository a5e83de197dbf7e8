from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from audit.models import AuditAction
from audit.services import audit_record


def permission_or_404(permission: str):
    """Require a signed-in user holding a global permission; anyone else gets 404, not 403,
    so the page's existence does not leak."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perm(permission):
                audit_record(
                    action=AuditAction.ACCESS_REFUSED, request=request, detail=f"Needs {permission}"
                )
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def object_permission_or_404(*, user, permission: str, obj) -> None:
    """Require a django-rules object permission; without it the object answers 404 as if it did
    not exist, like an object outside the user's selectors."""
    if not user.has_perm(permission, obj):
        raise Http404
