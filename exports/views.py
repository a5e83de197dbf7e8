from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.selectors import user_scope
from audit.models import AuditAction
from audit.services import audit_record
from core.forms import add_service_errors
from core.permissions import permission_or_404
from planning.models import Collection
from planning.selectors import current_round, rounds_all
from submissions.downloads import content_type_of, streamed_attachment

from . import selectors, services
from .forms import ExportRequestForm
from .models import ExportJob

PAGE_SIZE = 25


def _request_form(request: HttpRequest, data=None) -> ExportRequestForm:
    planning_round = current_round()
    return ExportRequestForm(
        data,
        initial={
            "kind": "consolidation",
            "planning_round": planning_round.pk if planning_round else None,
        },
        rounds=rounds_all().order_by("-starts_on"),
        collections=Collection.objects.select_related("planning_round").order_by(
            "-planning_round__starts_on", "deadline", "code", "stage"
        ),
        regions=selectors.export_regions_for_user(user=request.user).order_by("name"),
        national=user_scope(user=request.user).is_national_admin,
    )


def _list(request: HttpRequest, form: ExportRequestForm, status: int = 200) -> HttpResponse:
    page = Paginator(selectors.exports_for_user(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "exports/list.html",
        {"form": form, "page": page, "jobs": page.object_list},
        status=status,
    )


@permission_or_404("exports.request_export")
def export_list(request: HttpRequest) -> HttpResponse:
    return _list(request, _request_form(request))


@require_POST
@permission_or_404("exports.request_export")
def export_create(request: HttpRequest) -> HttpResponse:
    form = _request_form(request, request.POST)
    if form.is_valid():
        try:
            job = services.export_request(
                user=request.user,
                kind=form.cleaned_data["kind"],
                planning_round=form.cleaned_data["planning_round"],
                collection=form.cleaned_data["collection"],
                region=form.cleaned_data["region"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as refused:
            form.add_error("region", str(refused))
        else:
            return redirect("exports:detail", pk=job.pk)
    return _list(request, form, status=400)


@permission_or_404("exports.request_export")
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.export_get_for_user(user=request.user, pk=pk)
    return render(request, "exports/detail.html", _panel_context(job))


@permission_or_404("exports.request_export")
def export_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of the export page, polled by htmx until the export is finished."""
    job = selectors.export_get_for_user(user=request.user, pk=pk)
    return render(request, "exports/_job_panel.html", _panel_context(job))


def _panel_context(job: ExportJob) -> dict:
    return {
        "job": job,
        "filename": services.export_filename(job=job),
        "keep_days": settings.EXPORT_KEEP_DAYS,
    }


@permission_or_404("exports.request_export")
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    job = selectors.export_get_for_user(user=request.user, pk=pk)
    if not job.is_ready or not job.file:
        raise Http404("This export is not ready")
    filename = services.export_filename(job=job)
    audit_record(
        action=AuditAction.DOWNLOAD,
        actor=request.user,
        obj=job,
        detail=f"Export {filename}",
        request=request,
    )
    return streamed_attachment(
        job.file.open("rb"),
        filename=filename,
        content_type=content_type_of(filename.rsplit(".", 1)[-1]),
    )
