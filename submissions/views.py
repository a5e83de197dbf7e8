from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.models import AuditAction
from audit.services import audit_submission_event
from core.exceptions import Conflict
from core.forms import add_service_errors
from core.permissions import object_permission_or_404, permission_or_404
from erf.returns import erf_estimate_of_version
from planning.models import Collection
from planning.selectors import effective_deadline
from triangulation.selectors import triangulation_findings_of_version, triangulation_section
from workbooks.findings_csv import findings_csv
from workbooks.highlight import highlight_workbook
from workbooks.specs import has_workbook_template, spec_versions
from workbooks.types import Finding as FindingData

from . import selectors, services
from .downloads import attachment, content_type_of, streamed_attachment
from .forms import SubmitForm, TemplateVersionIssueForm, UploadForm
from .models import VersionStatus
from .transitions import Action, state_allows


def _panel_context(request: HttpRequest, submission, version, submit_form=None) -> dict:
    can_submit = request.user.has_perm("submissions.submit_submission", submission)
    warnings = list(selectors.warnings_of_version(version=version)) if version else []
    # The table lets a return be submitted only when its latest upload is valid.
    submittable = (
        version is not None
        and version.pk == submission.current_version_id
        and state_allows(status=submission.status, action=Action.SUBMIT)
    )
    if submit_form is None and submittable:
        submit_form = SubmitForm(initial={"version": version.pk}, warnings=warnings)
    return {
        "submission": submission,
        "version": version,
        "findings_by_sheet": selectors.findings_by_sheet(version=version)
        if version and version.is_finished
        else [],
        "can_submit": can_submit,
        "submit_form": submit_form if can_submit else None,
        "declaration": services.declaration_text(organisation=submission.organisation),
        "is_current": version is not None and version.pk == submission.current_version_id,
        "submittable": submittable,
    }


@login_required
def submission_detail(
    request: HttpRequest, pk: int, upload_form=None, submit_form=None, status=200
) -> HttpResponse:
    submission = selectors.submission_get_for_user(user=request.user, pk=pk)
    if request.method == "GET":
        audit_submission_event(
            action=AuditAction.VIEW_RETURN, submission=submission, request=request
        )
    version = submission.current_version
    context = {
        **_panel_context(request, submission, version, submit_form),
        "deadline": effective_deadline(
            collection=submission.collection, organisation=submission.organisation
        ),
        "versions": selectors.versions_of_submission(submission=submission),
        "upload_form": upload_form or UploadForm(),
        "can_upload": request.user.has_perm("submissions.upload_version_now", submission),
        # Said next to the upload button: a new upload withdraws a submission awaiting a decision.
        "awaiting_decision": state_allows(status=submission.status, action=Action.APPROVE),
        "reopenable": state_allows(status=submission.status, action=Action.REOPEN),
        "has_template": has_workbook_template(collection_code=submission.collection.code),
        "upload_limit_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        "erf": erf_estimate_of_version(version=version),
        "erf_version": version,
        "triangulation": triangulation_section(submission=submission, version=version),
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


@require_POST
@login_required
def submission_submit(request: HttpRequest, pk: int) -> HttpResponse:
    submission = selectors.submission_get_for_user(user=request.user, pk=pk)
    object_permission_or_404(
        user=request.user, permission="submissions.submit_submission", obj=submission
    )
    version = submission.current_version
    if version is None:
        raise Http404
    form = SubmitForm(request.POST, warnings=list(selectors.warnings_of_version(version=version)))
    if form.is_valid():
        if form.cleaned_data["version"] != version.pk:
            form.add_error(
                None,
                "A newer version was uploaded while you were looking at this one. Check it before you submit.",
            )
        else:
            try:
                services.submission_submit(
                    submission=submission,
                    version=version,
                    user=request.user,
                    declaration=form.cleaned_data["declaration"],
                    explanations=form.explanations(),
                )
            except (ValidationError, Conflict) as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{submission.collection} submitted.")
                return redirect("submissions:detail", pk=submission.pk)
    return submission_detail(request, pk=pk, submit_form=form, status=400)


@login_required
def version_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of the return page: progress while checking, findings when done."""
    version = selectors.version_get_for_user(user=request.user, pk=pk)
    submission = selectors.submission_get_for_user(user=request.user, pk=version.submission_id)
    return render(
        request, "submissions/_version_panel.html", _panel_context(request, submission, version)
    )


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
    return attachment(data, filename=filename, content_type=content_type_of("xlsx"))


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
        filename=version.original_name,
        content_type=content_type_of(version.file_format),
    )


def _finding_data(version) -> list[FindingData]:
    return [
        FindingData(
            severity=f.severity,
            rule=f.rule,
            sheet=f.sheet,
            cell=f.cell,
            value=f.value,
            message=f.message,
        )
        for f in selectors.findings_of_version(version=version)
    ]


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
    name = f"{version.submission.collection.code}-{version.submission.organisation.ods_code}-v{version.number}-findings.csv"
    audit_submission_event(
        action=AuditAction.DOWNLOAD,
        submission=version.submission,
        obj=version,
        request=request,
        detail=f"Findings CSV {name}",
    )
    findings = _finding_data(version) + _triangulation_data(version)
    return attachment(
        findings_csv(findings=findings).encode("utf-8-sig"),
        filename=name,
        content_type=content_type_of("csv"),
    )


@login_required
def version_highlighted(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.version_get_for_user(user=request.user, pk=pk)
    if version.file_format != "xlsx" or version.status not in VersionStatus.CHECKED:
        raise Http404
    with version.file.open("rb") as stream:
        data = highlight_workbook(data=stream.read(), findings=_finding_data(version))
    name = f"{version.submission.collection.code}-{version.submission.organisation.ods_code}-v{version.number}-findings.xlsx"
    audit_submission_event(
        action=AuditAction.DOWNLOAD,
        submission=version.submission,
        obj=version,
        request=request,
        detail=f"Highlighted workbook {name}",
    )
    return attachment(data, filename=name, content_type=content_type_of("xlsx"))


@permission_or_404("planning.manage_rounds")
def template_versions(request: HttpRequest, round_pk: int, pk: int) -> HttpResponse:
    """Issue a new template version mid-round and choose which older ones are still accepted."""
    collection = get_object_or_404(Collection, pk=pk, planning_round_id=round_pk)
    issued = list(collection.template_versions.select_related("issued_by"))
    issued_names = [template.version for template in issued]
    available = [v for v in spec_versions(collection_code=collection.code) if v not in issued_names]
    form = TemplateVersionIssueForm(request.POST or None, available=available, issued=issued_names)
    if request.method == "POST" and form.is_valid():
        try:
            services.template_version_issue(
                collection=collection, issued_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"{collection.code} template {form.cleaned_data['version']} issued."
            )
            return redirect("submissions:template_versions", round_pk=round_pk, pk=pk)
    return render(
        request,
        "submissions/template_versions.html",
        {"collection": collection, "issued": issued, "form": form, "available": available},
    )


@login_required
def latest_version_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled while someone reads a version they may submit: says so if a colleague uploaded a newer one."""
    submission = selectors.submission_get_for_user(user=request.user, pk=pk)
    seen = request.GET.get("seen", "")
    newer = submission.current_version if str(submission.current_version_id) != seen else None
    return render(
        request,
        "submissions/_latest_version_notice.html",
        {"submission": submission, "newer": newer},
    )
