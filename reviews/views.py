from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.exceptions import Conflict
from core.forms import add_service_errors
from core.permissions import object_permission_or_404, permission_or_404
from planning.models import Collection
from submissions import selectors as submission_selectors
from submissions.erf_estimates import erf_estimate_of_version
from submissions.models import ProductKind
from submissions.products import comparison_changes, product_for
from triangulation.selectors import triangulation_section

from . import selectors, services
from .filters import ReviewQueueFilter
from .forms import CommentForm, DecisionForm, ReopenForm
from .rules import needs_endorsement

QUEUE_PAGE_SIZE = 50


@permission_or_404("reviews.see_queue")
def queue(request: HttpRequest) -> HttpResponse:
    planning_round = selectors.round_from_query(user=request.user, value=request.GET.get("round"))
    if planning_round is None:
        raise Http404
    if not request.GET:
        # The queue opens on the reviewer's own work; "Clear filters" shows every return.
        return redirect(f"{reverse('reviews:queue')}?round={planning_round.pk}&waiting=on")
    submissions = selectors.review_queue_for_user(user=request.user).filter(
        collection__planning_round=planning_round
    )
    collections = sorted(
        set(Collection.objects.filter(planning_round=planning_round).values_list("code", flat=True))
    )
    icss = [
        (ics.ods_code, ics.name) for ics in selectors.queue_icss(user=request.user).order_by("name")
    ]
    queue_filter = ReviewQueueFilter(
        request.GET, queryset=submissions, collections=collections, icss=icss
    )
    rows = queue_filter.qs if queue_filter.is_valid() else submissions.none()
    page = Paginator(rows, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reviews/queue.html",
        {
            "planning_round": planning_round,
            "filter": queue_filter,
            "rows": page.object_list,
            "page": page,
            "query": query.urlencode(),
            "counts": selectors.queue_status_counts(queue=submissions),
        },
    )


def _review_context(
    request: HttpRequest, submission, *, decision_form=None, reopen_form=None, comment_form=None
):
    version = submission.submitted_version
    versions = list(selectors.related_versions(submission=submission))
    return {
        "submission": submission,
        "version": version,
        "key_figures": submission_selectors.version_key_figures(version=version),
        "erf": erf_estimate_of_version(version=version),
        "erf_version": version,
        "triangulation": triangulation_section(submission=submission, version=version),
        "findings_by_sheet": submission_selectors.findings_by_sheet(version=version)
        if version
        else [],
        "versions": versions,
        "can_compare": sum(v.is_checked for v in versions) > 1,
        "decisions": selectors.decisions_of_submission(submission=submission),
        "threads": selectors.comment_threads(submission=submission),
        "needs_endorsement": needs_endorsement(submission),
        "endorsement": selectors.endorsement_of_version(version=version),
        "can_decide": request.user.has_perm("reviews.decide", submission),
        "can_decide_now": version is not None
        and request.user.has_perm("reviews.decide_now", submission),
        "can_reopen_now": request.user.has_perm("reviews.reopen_now", submission),
        "decision_form": decision_form
        or DecisionForm(initial={"version": version.pk if version else None}),
        "reopen_form": reopen_form or ReopenForm(),
        "comment_form": comment_form
        or CommentForm(initial={"version": version.pk if version else None}),
    }


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = selectors.submission_get_for_reviewer(user=request.user, pk=pk)
    return render(request, "reviews/review_detail.html", _review_context(request, submission))


@require_POST
@login_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    submission = selectors.submission_get_for_reviewer(user=request.user, pk=pk)
    object_permission_or_404(user=request.user, permission="reviews.decide", obj=submission)
    form = DecisionForm(request.POST)
    status = None
    if form.is_valid():
        try:
            services.decision_record(
                submission=submission,
                version=submission_selectors.version_named(
                    submission=submission, pk=form.cleaned_data["version"]
                ),
                reviewer=request.user,
                kind=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
                request=request,
            )
        except (ValidationError, Conflict) as error:
            add_service_errors(form, error)
        except PermissionDenied as refused:
            form.add_error(None, str(refused))
            status = 403
        else:
            messages.success(
                request, f"Decision recorded: {submission.get_status_display().lower()}."
            )
            return redirect("reviews:detail", pk=submission.pk)
    return render(
        request,
        "reviews/review_detail.html",
        _review_context(request, submission, decision_form=form),
        status=status or (409 if form.errors.get("__all__") else 400),
    )


@require_POST
@login_required
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    submission = selectors.submission_get_for_reviewer(user=request.user, pk=pk)
    object_permission_or_404(user=request.user, permission="reviews.reopen", obj=submission)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.submission_reopen(
                submission=submission,
                reviewer=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except (ValidationError, Conflict) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Return reopened: the organisation can upload a new version.")
            return redirect("reviews:detail", pk=submission.pk)
    return render(
        request,
        "reviews/review_detail.html",
        _review_context(request, submission, reopen_form=form),
        status=400,
    )


@require_POST
@login_required
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Both sides post here; each goes back to the page they wrote on."""
    submission = submission_selectors.submission_get_for_user(user=request.user, pk=pk)
    object_permission_or_404(user=request.user, permission="reviews.comment", obj=submission)
    on_review_page = request.user.has_perm("reviews.view_review", submission)
    form = CommentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            version, parent = selectors.comment_references(
                submission=submission, version_id=data["version"], parent_id=data["parent"]
            )
            services.comment_add(
                submission=submission,
                author=request.user,
                text=data["text"],
                version=version,
                sheet=data["sheet"],
                cell=data["cell"],
                parent=parent,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Comment added.")
            return redirect(
                "reviews:detail" if on_review_page else "submissions:detail", pk=submission.pk
            )
    if on_review_page:
        return render(
            request,
            "reviews/review_detail.html",
            _review_context(request, submission, comment_form=form),
            status=400,
        )
    messages.error(
        request,
        "Your comment was not added: "
        + " ".join(message for messages_ in form.errors.values() for message in messages_),
    )
    return redirect("submissions:detail", pk=submission.pk)


@require_POST
@login_required
def endorse(request: HttpRequest, pk: int) -> HttpResponse:
    submission = submission_selectors.submission_get_for_user(user=request.user, pk=pk)
    object_permission_or_404(user=request.user, permission="reviews.endorse", obj=submission)
    version_pk = request.POST.get("version", "")
    version = submission_selectors.version_of_submission(submission=submission, pk=version_pk)
    if version is None:
        messages.error(
            request,
            "That version is no longer the one submitted. Reload the page and endorse the "
            "submitted version.",
        )
    else:
        try:
            services.endorsement_record(
                submission=submission, version=version, user=request.user, request=request
            )
        except (services.DecisionConflict, PermissionDenied) as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request, f"Version {version.number} endorsed. The regional team can now approve it."
            )
    return redirect("submissions:detail", pk=submission.pk)


def _comparison_context(request: HttpRequest, pk: int) -> dict:
    submission = selectors.submission_get_for_reviewer(user=request.user, pk=pk)
    versions = list(selectors.comparable_versions(submission=submission))
    if not versions:
        raise Http404
    choice = selectors.comparison_default(submission=submission, versions=versions)
    chosen = "a" in request.GET or "b" in request.GET
    old = selectors.comparable_version_get(
        submission=submission, pk=request.GET.get("a") or choice.old.pk
    )
    new = selectors.comparable_version_get(
        submission=submission, pk=request.GET.get("b") or choice.new.pk
    )
    is_workbook = old.file_format == "xlsx" and new.file_format == "xlsx"
    product = (
        product_for(kind=ProductKind.COMPARISON, version=new, other=old)
        if is_workbook and old.pk != new.pk
        else None
    )
    done = product is not None and product.is_ready
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "submission": submission,
        "versions": versions,
        "old": old,
        "new": new,
        "note": "" if chosen else choice.note,
        "product": product,
        "comparison": selectors.comparison_page(
            submission=submission,
            version=new,
            changes=comparison_changes(product=product),
            total=product.change_count,
            number=request.GET.get("page"),
        )
        if done
        else None,
        "is_workbook": is_workbook,
        "query": request.GET.urlencode(),
        "page_query": query.urlencode(),
    }


@login_required
def compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Two versions cell by cell; two large files are compared in the background meanwhile."""
    return render(request, "reviews/compare.html", _comparison_context(request, pk))


@login_required
def compare_panel(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "reviews/_comparison_panel.html", _comparison_context(request, pk))
