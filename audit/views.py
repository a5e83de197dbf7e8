from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from core.permissions import permission_or_404
from submissions.selectors import submission_get_for_user

from .filters import AuditEventFilter
from .models import AuditAction
from .selectors import (
    audit_events_all,
    audit_security_events,
    history_of_submission,
    history_sentence,
)
from .services import audit_csv_rows, audit_record

PAGE_SIZE = 50
# Each event of the whole trail names its object and address, so a row takes three lines.
SEARCH_PAGE_SIZE = 20


@login_required
def submission_history(request: HttpRequest, pk: int) -> HttpResponse:
    """A return's audit history, for everyone who can see the return."""
    submission = submission_get_for_user(user=request.user, pk=pk)
    page = Paginator(history_of_submission(submission_id=submission.pk), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "audit/submission_history.html",
        {
            "submission": submission,
            "page": page,
            "entries": [(event, history_sentence(event)) for event in page.object_list],
        },
    )


@permission_or_404("audit.view_trail")
def audit_search(request: HttpRequest) -> HttpResponse:
    events = AuditEventFilter(request.GET or None, queryset=audit_events_all())
    page = Paginator(events.qs, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/search.html",
        {"filter": events, "page": page, "query": query.urlencode(), "actions": AuditAction},
    )


@permission_or_404("audit.view_trail")
def security_log(request: HttpRequest) -> HttpResponse:
    """Refused look-ups and failed sign-ins: who tried what, kept out of returns' histories."""
    page = Paginator(audit_security_events(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/security_log.html", {"page": page})


@permission_or_404("audit.view_trail")
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered trail as CSV, streamed; the export itself is recorded first."""
    events = AuditEventFilter(request.GET or None, queryset=audit_events_all())
    audit_record(
        action=AuditAction.EXPORT,
        request=request,
        detail=f"Filters: {request.GET.urlencode() or 'none'}",
    )
    response = StreamingHttpResponse(
        audit_csv_rows(events=events.qs.iterator(chunk_size=2000)),
        content_type="text/csv; charset=utf-8",
    )
    name = f"audit-{timezone.now():%Y%m%d-%H%M%S}.csv"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
