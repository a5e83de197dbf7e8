from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify

from audit.models import AuditAction
from audit.services import audit_record
from core.permissions import permission_or_404
from planning.selectors import collections_of_round, region_get_for_user, regions_visible_to
from reviews.selectors import round_from_query
from submissions.downloads import attachment, content_type_of

from . import exports
from .forms import DashboardFilterForm
from .selectors import Dashboard, DashboardStatus, dashboard_for_user


def _dashboard(request: HttpRequest) -> tuple[Dashboard, DashboardFilterForm]:
    """The dashboard the GET parameters ask for; a region the user may not see answers 404."""
    planning_round = round_from_query(user=request.user, value=request.GET.get("round"))
    if planning_round is None:
        raise Http404("No such round")
    code = request.GET.get("region", "")
    region = region_get_for_user(user=request.user, code=code) if code else None
    if region is not None and not request.user.has_perm("oversight.view_region_dashboard", region):
        raise Http404("No such region")
    regions = [(r.code, r.name) for r in regions_visible_to(user=request.user)]
    collections = [
        (collection.pk, str(collection))
        for collection in collections_of_round(planning_round=planning_round)
    ]
    form = DashboardFilterForm(request.GET, regions=regions, collections=collections)
    form.is_valid()
    filters = form.cleaned_data
    dashboard = dashboard_for_user(
        user=request.user,
        planning_round=planning_round,
        region=region,
        collection_id=filters.get("collection"),
        status=filters.get("status", ""),
    )
    return dashboard, form


# Organisations a page of the matrix shows: the page stays within a few screens; the downloads
# hold every row.
MATRIX_PAGE_SIZE = 15


@permission_or_404("oversight.view_dashboard")
def dashboard(request: HttpRequest) -> HttpResponse:
    dashboard, form = _dashboard(request)
    page = Paginator(dashboard.rows, MATRIX_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "oversight/dashboard.html",
        {
            "dashboard": dashboard,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "status_choices": DashboardStatus.choices,
        },
    )


def _export_name(request: HttpRequest, dashboard: Dashboard, extension: str) -> str:
    scope = dashboard.region.code if dashboard.region else "all"
    round_name = slugify(dashboard.planning_round.name.replace("/", "-"))
    name = f"progress-{round_name}-{scope}-{timezone.now():%Y%m%d-%H%M}.{extension}"
    audit_record(
        action=AuditAction.DOWNLOAD,
        obj=dashboard.planning_round,
        request=request,
        detail=f"Progress dashboard {name} ({len(dashboard.rows)} organisations)",
    )
    return name


@permission_or_404("oversight.view_dashboard")
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    dashboard, _ = _dashboard(request)
    return attachment(
        exports.dashboard_csv(dashboard=dashboard),
        filename=_export_name(request, dashboard, "csv"),
        content_type=content_type_of("csv"),
    )


@permission_or_404("oversight.view_dashboard")
def dashboard_xlsx(request: HttpRequest) -> HttpResponse:
    dashboard, _ = _dashboard(request)
    return attachment(
        exports.dashboard_xlsx(dashboard=dashboard),
        filename=_export_name(request, dashboard, "xlsx"),
        content_type=content_type_of("xlsx"),
    )
