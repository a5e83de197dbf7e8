from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from audit.models import AuditAction
from audit.services import audit_submission_event
from core.exceptions import Conflict
from core.forms import add_service_errors
from core.limits import upload_limit_text
from core.permissions import object_permission_or_404, permission_or_404
from extensions.deadlines import effective_deadline
from guidance.selectors import definition_for_finding, measure_definition_items
from planning.definitions import template_format
from planning.models import Collection
from triangulation.selectors import triangulation_findings_of_version, triangulation_section
from workbooks.findings_csv import findings_csv
from workbooks.rule_titles import rule_title
from workbooks.types import Finding as FindingData

from . import selectors, services
from .downloads import attachment, content_type_of, streamed_attachment
from .erf_estimates import erf_estimate_of_version
from .forms import (
    CheckAnswersForm,
    ExplanationsForm,
    TemplateVersionIssueForm,
    UploadForm,
)
from .models import ProductKind
from .products import product_for
from .transitions import Action, state_allows

FINDINGS_PAGE_SIZE = 50


def _panel_context(request: HttpRequest, submission, version) -> dict:
    can_submit = request.user.has_perm("submissions.submit_submission", submission)
    is_submittable = version is not None and not selectors.submit_refusal(
        submission=submission, version=version
    )
    return {
        "submission": submission,
        "version": version,
        "findings_summary": selectors.findings_summary(version=version)
        if version and version.is_finished
        else [],
        "can_submit": can_submit,
        "is_submittable": is_submittable,
        "may_submit_version": can_submit and is_submittable,
        "signing_refusal": selectors.signing_refusal(user=request.user, submission=submission),
        "is_current": version is not None and version.pk == submission.current_version_id,
    }


def _page_context(request: HttpRequest, submission) -> dict:
    """Everything on the return page that follows its newest version."""
    version = submission.current_version
    panel = _panel_context(request, submission, version)
    versions = list(selectors.versions_of_submission(submission=submission))
    return {
        **panel,
        "versions": versions,
        "return_list": [submission],
        "submittable_ids": {
            v.pk
            for v in versions
            if panel["can_submit"]
            and not selectors.submit_refusal(submission=submission, version=v)
        },
        "erf": erf_estimate_of_version(version=version),
        "erf_version": version,
        "key_figures": selectors.version_key_figures(version=version),
    }


@login_required
def submission_detail(request: HttpRequest, pk: int, upload_form=None, status=200) -> HttpResponse:
    submission = selectors.submission_get_for_user(user=request.user, pk=pk)
    if request.method == "GET":
        audit_submission_event(
            action=AuditAction.VIEW_RETURN, submission=submission, request=request
        )
    context = {
        **_page_context(request, submission),
        "deadline": effective_deadline(
            collection=submission.collection, organisation=submission.organisation
        ),
        "upload_form": upload_form or UploadForm(),
        "can_upload": request.user.has_perm("submissions.upload_version_now", submission),
        "reopenable": state_allows(status=submission.status, action=Action.REOPEN),
        "template_format": template_format(collection=submission.collection),
        "upload_limit": upload_limit_text(),
        "triangulation": triangulation_section(
            submission=submission, version=submission.current_version
        ),
    }
    return render(request, "submissions/submission_detail.html", context, status=status)


@require_POST
@login_required
def version_upload(request: HttpRequest, pk: int) -> HttpResponse:
    submission = selectors.submission_get_for_user(user=request.user, pk=pk)
    object_permission_or_404(
        user=request.user, permission="submissions.upload_version", obj=submission
    )
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = services.version_create(
                submission=submission, user=request.user, stream=upload, filename=upload.name
            )
        except (ValidationError, Conflict) as error:
            form.add_error(
                "file", error.messages if isinstance(error, ValidationError) else error.message
            )
        else:
            (messages.info if outcome.duplicate else messages.success)(request, outcome.message)
            return redirect("submissions:detail", pk=submission.pk)
    return submission_detail(request, pk=pk, upload_form=form, status=400)


def _submitting(request: HttpRequest, pk: int):
    """The version a signatory is submitting and its return; 404 for anyone else."""
    version = selectors.version_get_for_user(user=request.user, pk=pk)
    submission = selectors.submission_get_for_user(user=request.user, pk=version.submission_id)
    object_permission_or_404(
        user=request.user, permission="submissions.submit_submission", obj=submission
    )
    return submission, version


def _explanations_key(version) -> str:
    return f"submit-explanations-{version.pk}"


def _refused(request: HttpRequest, submission, version) -> HttpResponse | None:
    """Back to the version's page saying why, when it cannot be submitted (any more)."""
    refusal = selectors.submit_refusal(submission=submission, version=version)
    if not refusal:
        return None
    messages.error(request, refusal)
    return redirect("submissions:version_detail", pk=version.pk)


@login_required
def submit_explain(request: HttpRequest, pk: int) -> HttpResponse:
    """First step of submitting a version: one explanation per group of warnings."""
    submission, version = _submitting(request, pk)
    if refused := _refused(request, submission, version):
        return refused
    groups = selectors.warning_groups(version=version)
    if not groups:
        return redirect("submissions:submit_check", pk=version.pk)
    form = ExplanationsForm(
        request.POST if request.method == "POST" else None,
        groups=groups,
        min_length=services.MIN_EXPLANATION_LENGTH,
        initial=request.session.get(_explanations_key(version)),
    )
    if request.method == "POST" and form.is_valid():
        request.session[_explanations_key(version)] = form.texts()
        return redirect("submissions:submit_check", pk=version.pk)
    return render(
        request,
        "submissions/submit_explain.html",
        {"submission": submission, "version": version, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
def submit_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Check your answers: the version, its findings, the explanations and the declaration."""
    submission, version = _submitting(request, pk)
    if refused := _refused(request, submission, version):
        return refused
    groups = selectors.warning_groups(version=version)
    texts = request.session.get(_explanations_key(version), {})
    if len(texts) < len(groups):
        return redirect("submissions:submit_explain", pk=version.pk)
    form = CheckAnswersForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submission_submit(
                submission=submission,
                version=version,
                user=request.user,
                declaration=form.cleaned_data["declaration"],
                explanations={
                    finding.pk: texts[ExplanationsForm.field_name(index)]
                    for index, group in enumerate(groups)
                    for finding in group.findings
                },
            )
        except (ValidationError, Conflict) as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            request.session.pop(_explanations_key(version), None)
            return redirect("submissions:submitted", pk=submission.pk)
    return render(
        request,
        "submissions/submit_check.html",
        {
            "submission": submission,
            "version": version,
            "form": form,
            "explained": [
                (group, texts[ExplanationsForm.field_name(index)])
                for index, group in enumerate(groups)
            ],
            "newest": submission.current_version,
            "replacing": submission.submitted_version,
            "declaration": services.declaration_text(organisation=submission.organisation),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def submission_confirmation(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation page after submitting: the reference and what happens next."""
    submission = selectors.submission_get_for_user(user=request.user, pk=pk)
    if submission.submitted_version is None:
        return redirect("submissions:detail", pk=submission.pk)
    return render(
        request,
        "submissions/submitted.html",
        {
            "submission": submission,
            "reference": selectors.submission_reference(submission=submission),
        },
    )


@login_required
def version_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of the return page: progress while checking, findings when done. The poll
    that sees the newest version finished also brings the status, the message, the notices and
    the versions table up to date, out of band, so the whole page tells the same story."""
    version = selectors.version_get_for_user(user=request.user, pk=pk)
    submission = selectors.submission_get_for_user(user=request.user, pk=version.submission_id)
    panel = render(
        request, "submissions/_version_panel.html", _panel_context(request, submission, version)
    )
    if (
        version.is_finished
        and version.pk == submission.current_version_id
        and request.headers.get("HX-Request")
    ):
        updates = render(
            request,
            "submissions/_page_updates.html",
            {
                **_page_context(request, submission),
                "checked_message": services.version_finished_text(version=version),
            },
        )
        panel.content += updates.content
    return panel


@login_required
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.version_get_for_user(user=request.user, pk=pk)
    submission = selectors.submission_get_for_user(user=request.user, pk=version.submission_id)
    audit_submission_event(
        action=AuditAction.VIEW_RETURN, submission=submission, obj=version, request=request
    )
    return render(
        request, "submissions/version_detail.html", _panel_context(request, submission, version)
    )


@login_required
def version_findings(request: HttpRequest, pk: int) -> HttpResponse:
    """One kind of finding of a version (a sheet and a rule), fifty to a page."""
    version = selectors.version_get_for_user(user=request.user, pk=pk)
    sheet, rule = request.GET.get("sheet", ""), request.GET.get("rule", "")
    page = Paginator(
        selectors.findings_of_kind(version=version, sheet=sheet, rule=rule), FINDINGS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    definitions = measure_definition_items(
        planning_round=version.submission.collection.planning_round
    )
    for finding in page.object_list:
        finding.definition = definition_for_finding(
            definitions=definitions, rule=finding.rule, message=finding.message
        )
    return render(
        request,
        "submissions/version_findings.html",
        {
            "version": version,
            "submission": version.submission,
            "sheet": sheet,
            "title": rule_title(rule),
            "page": page,
            "query": urlencode({"sheet": sheet, "rule": rule}),
        },
    )


@login_required
def template_download(request: HttpRequest, pk: int) -> HttpResponse:
    submission = selectors.submission_get_for_user(user=request.user, pk=pk)
    try:
        filename, data = services.template_for_submission(submission=submission)
    except ValidationError:
        raise Http404 from None
    audit_submission_event(
        action=AuditAction.DOWNLOAD,
        submission=submission,
        request=request,
        detail=f"Template {filename}",
    )
    return attachment(
        data, filename=filename, content_type=content_type_of(filename.rsplit(".", 1)[1])
    )


@login_required
def version_file(request: HttpRequest, pk: int) -> FileResponse:
    version = selectors.version_get_for_user(user=request.user, pk=pk)
    audit_submission_event(
        action=AuditAction.DOWNLOAD,
        submission=version.submission,
        obj=version,
        request=request,
        detail=f"Uploaded file {version.original_name}",
    )
    return streamed_attachment(
        version.file.open("rb"),
        filename=version.download_name(),
        content_type=content_type_of(version.file_format),
    )


ACROSS_RETURNS = "Across returns"


def _triangulation_data(version) -> list[FindingData]:
    """Checks across the system's returns, as CSV rows: no sheet or cell of their own; the value
    column carries the figures compared."""
    return [
        FindingData(
            severity=f.severity,
            rule=f.rule,
            sheet=ACROSS_RETURNS,
            cell=f.organisation_code,
            value="; ".join(f"{label}: {value}" for label, value in f.figures),
            message=f.message,
        )
        for f in triangulation_findings_of_version(version=version)
    ]


@login_required
def version_findings_csv(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.version_get_for_user(user=request.user, pk=pk)
    if not version.is_finished:
        raise Http404
    name = version.download_name("-findings.csv")
    audit_submission_event(
        action=AuditAction.DOWNLOAD,
        submission=version.submission,
        obj=version,
        request=request,
        detail=f"Findings CSV {name}",
    )
    findings = selectors.finding_data_of_version(version=version) + _triangulation_data(version)
    return attachment(
        findings_csv(findings=findings).encode("utf-8-sig"),
        filename=name,
        content_type=content_type_of("csv"),
    )


def _marked_workbook(request: HttpRequest, pk: int):
    version = selectors.version_get_for_user(user=request.user, pk=pk)
    if version.file_format != "xlsx" or not version.is_checked:
        raise Http404
    return version, product_for(kind=ProductKind.MARKED, version=version)


@login_required
def version_highlighted(request: HttpRequest, pk: int) -> HttpResponse:
    """The workbook with its findings marked; while a large one is prepared, a page saying so."""
    version, product = _marked_workbook(request, pk)
    if not product.is_ready:
        return render(
            request,
            "submissions/marked_workbook.html",
            {"version": version, "product": product},
            status=200 if product.is_finished else 202,
        )
    name = version.download_name("-findings.xlsx")
    audit_submission_event(
        action=AuditAction.DOWNLOAD,
        submission=version.submission,
        obj=version,
        request=request,
        detail=f"Highlighted workbook {name}",
    )
    return streamed_attachment(
        product.file.open("rb"), filename=name, content_type=content_type_of("xlsx")
    )


@login_required
def version_highlighted_panel(request: HttpRequest, pk: int) -> HttpResponse:
    version, product = _marked_workbook(request, pk)
    return render(
        request,
        "submissions/_marked_workbook_panel.html",
        {"version": version, "product": product},
    )


@permission_or_404("planning.manage_rounds")
def template_versions(request: HttpRequest, round_pk: int, pk: int) -> HttpResponse:
    """Announce the newest template layout as a mid-round fix and choose which older ones are
    still accepted."""
    collection = get_object_or_404(Collection, pk=pk, planning_round_id=round_pk)
    issued = sorted(
        collection.template_versions.select_related("issued_by"),
        key=lambda template: selectors.template_layout_key(template.version),
        reverse=True,
    )
    issued_names = [template.version for template in issued]
    # Only the newest layout, issued from the round's definition, can be announced as the fix.
    available = issued_names[:1]
    issued_names = issued_names[1:]
    form = TemplateVersionIssueForm(request.POST or None, available=available, issued=issued_names)
    if request.method == "POST" and form.is_valid():
        try:
            services.template_version_issue(
                collection=collection, issued_by=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"{collection.title} template {form.cleaned_data['version']} issued."
            )
            return redirect("submissions:template_versions", round_pk=round_pk, pk=pk)
    return render(
        request,
        "submissions/template_versions.html",
        {"collection": collection, "issued": issued, "form": form, "available": available},
    )


@login_required
def latest_version_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled while someone reads a version they may submit: says so if a colleague uploaded a
    newer one."""
    submission = selectors.submission_get_for_user(user=request.user, pk=pk)
    seen = request.GET.get("seen", "")
    newer = submission.current_version if str(submission.current_version_id) != seen else None
    return render(
        request,
        "submissions/_latest_version_notice.html",
        {"submission": submission, "newer": newer},
    )
