from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.selectors import user_scope
from core.permissions import permission_or_404
from planning.models import Collection, PlanningRound
from planning.selectors import rounds_all
from reviews.selectors import round_from_query

from . import selectors
from .forms import ChartFilterForm
from .svg import bar_chart, step_chart


@dataclass(frozen=True)
class ChartRequest:
    planning_round: PlanningRound
    collection: Collection
    scope: selectors.ChartScope
    form: ChartFilterForm


def _chart_request(request: HttpRequest, *, collections_of) -> ChartRequest:
    """The round, collection and scope asked for in the query string; 404 for any the user may not
    see."""
    user = request.user
    scope = selectors.chart_scope_for_user(
        user=user,
        region_code=request.GET.get("region", "").strip(),
        system_code=request.GET.get("system", "").strip(),
    )
    planning_round = round_from_query(user=request.user, value=request.GET.get("round"))
    if planning_round is None:
        raise Http404("No such round")
    collections = list(collections_of(planning_round=planning_round))
    wanted = request.GET.get("collection", "")
    collection = selectors.chart_collection(
        planning_round=planning_round, collections=collections, wanted=wanted
    )
    if collection is None:
        raise Http404("No such return in this round")
    form = ChartFilterForm(
        initial={
            "round": planning_round.pk,
            "collection": collection.pk,
            "region": scope.region.code if scope.region else "",
            "system": scope.system.ods_code if scope.system else "",
        },
        rounds=rounds_all().order_by("-starts_on"),
        collections=collections,
        regions=selectors.chart_regions_for_user(user=user).order_by("name"),
        systems=selectors.chart_systems_for_user(user=user).order_by("name"),
        national=user_scope(user=user).is_national_admin,
    )
    return ChartRequest(
        planning_round=planning_round, collection=collection, scope=scope, form=form
    )


@permission_or_404("charts.view_charts")
def activity(request: HttpRequest) -> HttpResponse:
    asked = _chart_request(request, collections_of=selectors.activity_collections)
    data = selectors.activity_against_baseline(collection=asked.collection, scope=asked.scope)
    charts = [
        (
            series,
            bar_chart(
                labels=[m.period for m in series.months],
                values=[m.planned for m in series.months],
                reference=series.baseline,
            ),
        )
        for series in data.series
    ]
    return render(request, "charts/activity.html", {"asked": asked, "data": data, "charts": charts})


@permission_or_404("charts.view_charts")
def submissions(request: HttpRequest) -> HttpResponse:
    asked = _chart_request(request, collections_of=selectors.round_collections)
    timeline = selectors.submissions_over_time(collection=asked.collection, scope=asked.scope)
    chart = step_chart(
        points=[(d.day, d.cumulative) for d in timeline.days],
        first_day=timeline.first_day,
        last_day=timeline.last_day,
        deadline_day=timeline.deadline_day,
        owed=timeline.owed,
    )
    return render(
        request, "charts/submissions.html", {"asked": asked, "timeline": timeline, "chart": chart}
    )
