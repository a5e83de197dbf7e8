from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from core.forms import add_service_errors
from core.permissions import permission_or_404
from planning.models import PlanningRound
from planning.selectors import round_get_for_user
from submissions.downloads import content_type_of, streamed_attachment

from . import selectors, services
from .forms import GuidanceItemForm, RegionalContactForm


@login_required
def round_guidance(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's notices, documents, definitions and FAQs, marking what is new since last time."""
    planning_round = round_get_for_user(user=request.user, pk=pk)
    seen_at = selectors.last_visit(user=request.user, planning_round=planning_round)
    response = render(
        request,
        "guidance/round_guidance.html",
        {
            "planning_round": planning_round,
            "sections": selectors.guidance_sections(planning_round=planning_round),
            "seen_at": seen_at,
            "contacts": selectors.regional_contacts_for(
                user=request.user, planning_round=planning_round
            ),
            "may_publish": request.user.has_perm("guidance.publish_guidance"),
        },
    )
    services.guidance_visit_record(user=request.user, planning_round=planning_round)
    return response


@login_required
def guidance_file(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.guidance_item_get_for_user(user=request.user, pk=pk)
    if not item.file:
        return redirect("guidance:round_guidance", pk=item.planning_round_id)
    extension = item.file.name.rsplit(".", 1)[-1]
    return streamed_attachment(
        item.file.open("rb"), filename=item.file_name, content_type=content_type_of(extension)
    )


@permission_or_404("guidance.publish_guidance")
def guidance_publish(request: HttpRequest, pk: int) -> HttpResponse:
    planning_round = get_object_or_404(PlanningRound, pk=pk)
    form = GuidanceItemForm(request.POST or None, request.FILES or None, prefix="item")
    contact_form = RegionalContactForm(
        request.POST if "contact-email" in request.POST else None, prefix="contact"
    )
    if request.method == "POST" and contact_form.is_bound:
        if contact_form.is_valid():
            services.regional_contact_set(
                planning_round=planning_round,
                user=request.user,
                request=request,
                **contact_form.cleaned_data,
            )
            messages.success(request, f"{contact_form.cleaned_data['region']}'s contact saved.")
            return redirect("guidance:publish", pk=pk)
        form = GuidanceItemForm(prefix="item")
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.guidance_publish(
                planning_round=planning_round,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                measure_code=data["measure_code"],
                upload=data["file"],
                user=request.user,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{item.title}” published to {planning_round.name}.")
            return redirect("guidance:round_guidance", pk=pk)
    return render(
        request,
        "guidance/publish.html",
        {
            "planning_round": planning_round,
            "form": form,
            "contact_form": contact_form,
            "contacts": selectors.regional_contacts_for(
                user=request.user, planning_round=planning_round
            ),
        },
    )
