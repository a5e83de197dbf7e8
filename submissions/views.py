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
from core.forms import add_service_errors
from core.permissions import object_permission_or_404, permission_or_404
from erf.returns import erf_estimate_of_version
from planning.models import Collection, ExtensionStatus
from planning.selectors import effective_deadline, extension_history, extension_request_get_for_user
from planning.services import (
    deadline_extension_grant,
    extension_decide,
    extension_request_create,
    extension_withdraw,
)
from triangulation.selectors import triangulation_findings_of_version, triangulation_section
from workbooks.findings_csv import findings_csv
from workbooks.highlight import highlight_workbook
from workbooks.specs import has_workbook_template, spec_versions
from workbooks.types import Finding as FindingData

from . import selectors, services
from .downloads import attachment, content_type_of, streamed_attachment
from .forms import (
    DeadlineChangeForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    SubmitForm,
    TemplateVersionIssueForm,
    UploadForm,
)
from .models import VersionStatus
from .transitions import TransitionConflict


def _panel_context(request: HttpRequest, submission, version, submit_form=None) -> dict:
    can_submit = request.user.has_perm("submissions.submit_submission", submission)
    warnings = list(selectors.warnings_of_version(version=version)) if version else []
    if (
        submit_form is None
        and version
        and version.status == VersionStatus.VALID
        and version.pk == submission.current_version_id
        and submission.status == "valid"
    ):
        submit_form = SubmitForm(initial={"version": version.pk}, warnings=warnings)
    return {
        "submission": submission,
        "version": version,
        "findings_by_sheet": selectors.findings_by_sheet(version=version)
        if version and version.is_finished
        else [],
        "can_submit": can_submit,
        "signing_refusal": selectors.signing_refusal(user=request.user, submission=submission),
        "submit_form": submit_form if can_submit else None,
        "declaration": services.declaration_text(organisation=submission.organisation),
        "is_current": version is not None and version.pk == submission.current_version_id,
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
        "can_upload": request.user.has_perm("submissions.upload_version", submission)
        and submission.status != "approved",
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
        except (ValidationError, TransitionConflict) as error:
            form.add_error(
                "file", error.messages if isinstance(error, ValidationError) else str(error)
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
            except ValidationError as error:
                add_service_errors(form, error)
            except (TransitionConflict, PermissionDenied, services.SubmitRefused) as error:
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
    if version.file_format != "xlsx" or version.status not in (
        VersionStatus.VALID,
        VersionStatus.INVALID,
    ):
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
    history = list(extension_history(collection=collection, organisation=organisation))
    can_decide = request.user.has_perm("planning.decide_extension", organisation)
    pending = [item for item in history if item.status == ExtensionStatus.PENDING]
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
    return render(request, "submissions/extensions.html", context, status=status)


@login_required
def extensions(request: HttpRequest, pk: int) -> HttpResponse:
    """A return's deadline: the extension in force, its history, and asking for or deciding on more time."""
    return _extension_page(request, selectors.submission_get_for_user(user=request.user, pk=pk))


def _apply(
    request: HttpRequest, form, action, *, success: str, then: str, pk: int
) -> HttpResponse | None:
    """Run a service with a valid form's data; on success say so and redirect, else show its errors."""
    if not form.is_valid():
        return None
    try:
        action(**form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    messages.success(request, success)
    return redirect(then, pk=pk)


@require_POST
@login_required
def extension_request(request: HttpRequest, pk: int) -> HttpResponse:
    submission = selectors.submission_get_for_user(user=request.user, pk=pk)
    object_permission_or_404(
        user=request.user, permission="submissions.upload_version", obj=submission
    )
    form = ExtensionRequestForm(request.POST)
    done = _apply(
        request,
        form,
        lambda **data: extension_request_create(
            collection=submission.collection,
            organisation=submission.organisation,
            requested_by=request.user,
            request=request,
            **data,
        ),
        success="Your request has been sent to your regional team.",
        then="submissions:extensions",
        pk=pk,
    )
    return done or _extension_page(request, submission, request_form=form, status=400)


@require_POST
@login_required
def extension_set(request: HttpRequest, pk: int) -> HttpResponse:
    submission = selectors.submission_get_for_user(user=request.user, pk=pk)
    object_permission_or_404(
        user=request.user, permission="planning.decide_extension", obj=submission.organisation
    )
    form = DeadlineChangeForm(request.POST)
    done = _apply(
        request,
        form,
        lambda **data: deadline_extension_grant(
            collection=submission.collection,
            organisation=submission.organisation,
            granted_by=request.user,
            request=request,
            **data,
        ),
        success=f"{submission.organisation.name}'s deadline has changed.",
        then="submissions:extensions",
        pk=pk,
    )
    return done or _extension_page(request, submission, change_form=form, status=400)


@require_POST
@login_required
def extension_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = extension_request_get_for_user(user=request.user, pk=pk)
    submission = selectors.submission_for_collection(
        user=request.user, collection=item.collection, organisation=item.organisation
    )
    object_permission_or_404(
        user=request.user, permission="planning.decide_extension", obj=item.organisation
    )
    form = ExtensionDecisionForm(request.POST, prefix=f"decide-{item.pk}")
    done = _apply(
        request,
        form,
        lambda decision, **data: extension_decide(
            extension_request=item,
            decided_by=request.user,
            request=request,
            grant=decision == "grant",
            **data,
        ),
        success="Decision recorded and the organisation told.",
        then="submissions:extensions",
        pk=submission.pk,
    )
    return done or _extension_page(request, submission, decision_forms={item.pk: form}, status=400)


@require_POST
@login_required
def extension_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = extension_request_get_for_user(user=request.user, pk=pk)
    submission = selectors.submission_for_collection(
        user=request.user, collection=item.collection, organisation=item.organisation
    )
    object_permission_or_404(
        user=request.user, permission="submissions.upload_version", obj=submission
    )
    try:
        extension_withdraw(extension_request=item, user=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("submissions:extensions", pk=submission.pk)


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
