from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.permissions import object_permission_or_404, permission_or_404

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
            "on_behalf": selectors.returns_on_behalf_of_led_systems(
                organisation=organisation, planning_round=planning_round
            )
            if planning_round
            else [],
            "done_count": sum(row.is_done for row in rows),
            "can_act": request.user.has_perm("planning.act_for_organisation", organisation),
            "can_hand_sign_off": request.user.has_perm("planning.hand_sign_off", organisation),
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


@login_required
def sign_off(request: HttpRequest, ods_code: str) -> HttpResponse:
    """A provider's signatory hands the sign-off of its returns to its system, or takes it back."""
    organisation = selectors.organisation_get_for_user(user=request.user, ods_code=ods_code)
    object_permission_or_404(
        user=request.user, permission="planning.hand_sign_off", obj=organisation
    )
    delegations = selectors.sign_off_delegations_of(organisation=organisation)
    in_force = next((d for d in delegations if d.revoked_at is None), None)
    form = forms.SignOffDelegationForm(request.POST or None)
    if request.method == "POST":
        try:
            if in_force is not None:
                services.sign_off_delegation_revoke(
                    delegation=in_force, user=request.user, request=request
                )
                messages.success(
                    request, "Sign-off taken back: only your signatories sign your returns."
                )
                return redirect("planning:sign_off", ods_code=organisation.ods_code)
            if form.is_valid():
                services.sign_off_delegation_grant(
                    organisation=organisation,
                    granted_by=request.user,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
                messages.success(
                    request,
                    f"From today a system lead of {organisation.parent_ics.name} may sign off your returns.",
                )
                return redirect("planning:sign_off", ods_code=organisation.ods_code)
        except ValidationError as error:
            add_service_errors(form, error)
    return render(
        request,
        "planning/sign_off.html",
        {
            "organisation": organisation,
            "in_force": in_force,
            "delegations": delegations,
            "form": form,
        },
        status=400 if form.errors else 200,
    )
