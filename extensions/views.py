from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.exceptions import Conflict
from core.forms import add_service_errors
from core.permissions import object_permission_or_404, permission_or_404
from extensions.deadlines import effective_deadline
from submissions.selectors import (
    submission_for_collection,
    submission_get_for_user,
    submission_ids_for,
)

from . import selectors, services
from .forms import DeadlineChangeForm, ExtensionDecisionForm, ExtensionRequestForm
from .models import ExtensionStatus


def _extension_page(
    request: HttpRequest,
    submission,
    *,
    request_form=None,
    change_form=None,
    decision_forms=None,
    status: int = 200,
) -> HttpResponse:
    collection, organisation = submission.collection, submission.organisation
    history = list(selectors.extension_history(collection=collection, organisation=organisation))
    can_decide = request.user.has_perm("planning.decide_extension", organisation)
    pending = [item for item in history if item.is_pending]
    decision_forms = decision_forms or {}
    context = {
        "submission": submission,
        "deadline": effective_deadline(collection=collection, organisation=organisation),
        "history": history,
        "pending": [
            (item, decision_forms.get(item.pk) or ExtensionDecisionForm(prefix=f"decide-{item.pk}"))
            for item in pending
        ]
        if can_decide
        else [],
        "can_request": request.user.has_perm("submissions.upload_version", submission)
        and not pending,
        "can_withdraw": request.user.has_perm("submissions.upload_version", submission),
        "can_decide": can_decide,
        "request_form": request_form or ExtensionRequestForm(),
        "change_form": change_form or DeadlineChangeForm(),
    }
    return render(request, "extensions/return_extensions.html", context, status=status)


@login_required
def return_extensions(request: HttpRequest, pk: int) -> HttpResponse:
    """A return's deadline: the extension in force, its history, and asking for or deciding on more
    time."""
    return _extension_page(request, submission_get_for_user(user=request.user, pk=pk))


def _apply(
    request: HttpRequest, form, action, *, success: str, then: str, pk: int
) -> HttpResponse | None:
    """Run a service with a valid form's data; on success say so and redirect, else show its
    errors."""
    if not form.is_valid():
        return None
    try:
        action(**form.cleaned_data)
    except (ValidationError, Conflict) as error:
        add_service_errors(form, error)
        return None
    messages.success(request, success)
    return redirect(then, pk=pk)


@require_POST
@login_required
def extension_request(request: HttpRequest, pk: int) -> HttpResponse:
    submission = submission_get_for_user(user=request.user, pk=pk)
    object_permission_or_404(
        user=request.user, permission="submissions.upload_version", obj=submission
    )
    form = ExtensionRequestForm(request.POST)
    done = _apply(
        request,
        form,
        lambda **data: services.extension_request_create(
            collection=submission.collection,
            organisation=submission.organisation,
            requested_by=request.user,
            request=request,
            **data,
        ),
        success="Your request has been sent to your regional team.",
        then="extensions:return_extensions",
        pk=pk,
    )
    return done or _extension_page(request, submission, request_form=form, status=400)


@require_POST
@login_required
def extension_set(request: HttpRequest, pk: int) -> HttpResponse:
    submission = submission_get_for_user(user=request.user, pk=pk)
    object_permission_or_404(
        user=request.user, permission="planning.decide_extension", obj=submission.organisation
    )
    form = DeadlineChangeForm(request.POST)
    done = _apply(
        request,
        form,
        lambda **data: services.deadline_extension_grant(
            collection=submission.collection,
            organisation=submission.organisation,
            granted_by=request.user,
            request=request,
            **data,
        ),
        success=f"{submission.organisation.name}'s deadline has changed.",
        then="extensions:return_extensions",
        pk=pk,
    )
    return done or _extension_page(request, submission, change_form=form, status=400)


@require_POST
@login_required
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.extension_request_get_for_user(user=request.user, pk=pk)
    submission = submission_for_collection(
        user=request.user, collection=item.collection, organisation=item.organisation
    )
    object_permission_or_404(
        user=request.user, permission="planning.decide_extension", obj=item.organisation
    )
    form = ExtensionDecisionForm(request.POST, prefix=f"decide-{item.pk}")
    done = _apply(
        request,
        form,
        lambda decision, **data: services.extension_decide(
            extension_request=item,
            decided_by=request.user,
            request=request,
            grant=decision == "grant",
            **data,
        ),
        success="Decision recorded and the organisation told.",
        then="extensions:return_extensions",
        pk=submission.pk,
    )
    return done or _extension_page(request, submission, decision_forms={item.pk: form}, status=400)


@require_POST
@login_required
def extension_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.extension_request_get_for_user(user=request.user, pk=pk)
    submission = submission_for_collection(
        user=request.user, collection=item.collection, organisation=item.organisation
    )
    object_permission_or_404(
        user=request.user, permission="submissions.upload_version", obj=submission
    )
    try:
        services.extension_withdraw(extension_request=item, user=request.user, request=request)
    except Conflict as conflict:
        messages.error(request, conflict.message)
    return redirect("extensions:return_extensions", pk=submission.pk)


@permission_or_404("reviews.see_queue")
def extension_queue(request: HttpRequest) -> HttpResponse:
    """Reviewers' extension requests: those waiting for a decision first, counts by status as
    links, each request linked to its return's deadline page where it is decided."""
    requests = selectors.extension_requests_for_reviewer(user=request.user)
    status = request.GET.get("status") or ExtensionStatus.PENDING
    if status not in ExtensionStatus.values:
        status = ExtensionStatus.PENDING
    page = Paginator(requests.filter(status=status), 50).get_page(request.GET.get("page"))
    returns = submission_ids_for(
        pairs=[(item.collection_id, item.organisation_id) for item in page.object_list]
    )
    return render(
        request,
        "extensions/queue.html",
        {
            "counts": selectors.extension_status_counts(requests=requests),
            "status": status,
            "page": page,
            "query": f"status={status}",
            "rows": [
                (item, returns.get((item.collection_id, item.organisation_id)))
                for item in page.object_list
            ],
        },
    )
