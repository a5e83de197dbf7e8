from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.permissions import permission_or_404

from . import forms, selectors, services
from .models import Collection, PlanningRound


def _round_from_request(request: HttpRequest) -> PlanningRound | None:
    round_id = request.GET.get("round")
    if round_id:
        if not round_id.isdigit():
            raise Http404
        return get_object_or_404(PlanningRound, pk=round_id)
    return selectors.current_round()


@login_required
def organisation_returns(request: HttpRequest, ods_code: str) -> HttpResponse:
    """The "Your returns" task list: every return the organisation owes in the round."""
    organisation = selectors.organisation_get_for_user(user=request.user, ods_code=ods_code)
    planning_round = _round_from_request(request)
    rows = (
        selectors.returns_for_organisation(organisation=organisation, planning_round=planning_round)
        if planning_round
        else []
    )
    return render(
        request,
        "planning/organisation_returns.html",
        {
            "organisation": organisation,
            "planning_round": planning_round,
            "rounds": PlanningRound.objects.all(),
            "rows": rows,
            "row_submissions": [row.submission for row in rows],
            "system_members": selectors.system_members_visible_to(
                user=request.user, organisation=organisation
            ),
            "on_behalf": selectors.returns_on_behalf_of_led_systems(
                organisation=organisation, planning_round=planning_round
            )
            if planning_round
            else [],
            "done_count": sum(row.is_done for row in rows),
            "can_act": request.user.has_perm("planning.act_for_organisation", organisation),
        },
    )


@permission_or_404("planning.manage_rounds")
def region_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "planning/region_list.html",
        {"regions": selectors.regions_visible_to(user=request.user)},
    )


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A reviewer's landing page: the region's organisations, grouped by ICS."""
    region = selectors.region_get_for_user(user=request.user, code=code)
    planning_round = selectors.current_round()
    rows = selectors.region_organisations(region=region, planning_round=planning_round)
    return render(
        request,
        "planning/region_detail.html",
        {"region": region, "rows": rows, "planning_round": planning_round},
    )


@permission_or_404("planning.manage_rounds")
def round_list(request: HttpRequest) -> HttpResponse:
    return render(request, "planning/round_list.html", {"rounds": selectors.rounds_all()})


@permission_or_404("planning.manage_rounds")
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    planning_round = get_object_or_404(PlanningRound, pk=pk)
    return render(
        request,
        "planning/round_detail.html",
        {"planning_round": planning_round, "collections": planning_round.collections.all()},
    )


@permission_or_404("planning.manage_rounds")
def round_copy(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(PlanningRound, pk=pk)
    form = forms.RoundCopyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_round = services.round_copy(source=source, **form.cleaned_data)
        messages.success(request, f"{new_round.name} created from {source.name}.")
        return redirect("planning:round_detail", pk=new_round.pk)
    return render(request, "planning/round_copy.html", {"form": form, "source": source})


@require_POST
@permission_or_404("planning.manage_rounds")
def round_make_current(request: HttpRequest, pk: int) -> HttpResponse:
    planning_round = get_object_or_404(PlanningRound, pk=pk)
    services.round_make_current(planning_round=planning_round)
    messages.success(request, f"{planning_round.name} is now the current round.")
    return redirect("planning:round_detail", pk=planning_round.pk)


@permission_or_404("planning.manage_rounds")
def collection_edit(request: HttpRequest, round_pk: int, pk: int) -> HttpResponse:
    collection = get_object_or_404(Collection, pk=pk, planning_round_id=round_pk)
    form = forms.CollectionForm(request.POST or None, instance=collection)
    if request.method == "POST" and form.is_valid():
        services.collection_update(collection=collection, **form.cleaned_data)
        messages.success(request, f"{collection.code} saved.")
        return redirect("planning:round_detail", pk=round_pk)
    return render(
        request, "planning/collection_form.html", {"form": form, "collection": collection}
    )
