from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.models import AuditAction
from audit.services import audit_record
from core.forms import add_service_errors
from core.permissions import object_permission_or_404, permission_or_404
from submissions import rounds
from submissions import selectors as submission_selectors
from submissions.downloads import attachment, content_type_of
from submissions.services import template_for

from . import forms, selectors, services
from .definitions import parse_definition, round_erf_scheme
from .models import Collection, Organisation, PlanningRound
from .round_states import (
    RoundAction,
    round_actions_allowed,
    round_may_be_made_current,
    round_transition,
)


def _round_from_request(request: HttpRequest) -> PlanningRound | None:
    round_id = request.GET.get("round")
    if round_id:
        return selectors.round_get_for_user(user=request.user, pk=round_id)
    return selectors.current_round()


@login_required
def organisation_returns(request: HttpRequest, ods_code: str) -> HttpResponse:
    """The "Your returns" task list: every return the organisation owes in the round."""
    organisation = selectors.organisation_get_for_user(user=request.user, ods_code=ods_code)
    planning_round = _round_from_request(request)
    rows = (
        submission_selectors.returns_for_organisation(
            organisation=organisation, planning_round=planning_round
        )
        if planning_round
        else []
    )
    return render(
        request,
        "planning/organisation_returns.html",
        {
            "organisation": organisation,
            "planning_round": planning_round,
            "rounds": selectors.rounds_visible_to(user=request.user),
            "rows": rows,
            "row_submissions": [row.submission for row in rows],
            "system_members": selectors.system_members_visible_to(
                user=request.user, organisation=organisation
            ),
            "on_behalf": submission_selectors.returns_on_behalf_of_led_systems(
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


# A region has a hundred or more organisations: a few pages rather than a dozen screens.
REGION_PAGE_SIZE = 40


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A reviewer's landing page: the region's organisations, grouped by ICS."""
    region = selectors.region_get_for_user(user=request.user, code=code)
    planning_round = selectors.current_round()
    rows = submission_selectors.region_organisations(region=region, planning_round=planning_round)
    page = Paginator(rows, REGION_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "planning/region_detail.html",
        {
            "region": region,
            "rows": page.object_list,
            "page": page,
            "planning_round": planning_round,
        },
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
        {
            "planning_round": planning_round,
            "collections": planning_round.collections.all(),
            "actions": round_actions_allowed(planning_round=planning_round),
            "may_make_current": round_may_be_made_current(planning_round=planning_round),
            "RoundAction": RoundAction,
            "erf_scheme": round_erf_scheme(planning_round=planning_round),
        },
    )


@permission_or_404("planning.manage_rounds")
def round_copy(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(PlanningRound, pk=pk)
    rolls = bool(source.definition_source)
    form = forms.RoundCopyForm(request.POST or None, rolls_definition=rolls)
    if request.method == "POST" and form.is_valid():
        copy = rounds.round_roll_forward if rolls else rounds.round_copy
        try:
            new_round = copy(source=source, user=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            return render(
                request,
                "planning/round_copy.html",
                {"form": form, "source": source, "rolls": rolls, "problems": error.messages},
            )
        messages.success(
            request,
            f"{new_round.name} created from {source.name} as a draft: organisations will see it "
            "once you publish it.",
        )
        return redirect("planning:round_detail", pk=new_round.pk)
    return render(
        request, "planning/round_copy.html", {"form": form, "source": source, "rolls": rolls}
    )


@require_POST
@permission_or_404("planning.manage_rounds")
def round_make_current(request: HttpRequest, pk: int) -> HttpResponse:
    planning_round = get_object_or_404(PlanningRound, pk=pk)
    try:
        services.round_make_current(
            planning_round=planning_round, user=request.user, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{planning_round.name} is now the current round.")
    return redirect("planning:round_detail", pk=planning_round.pk)


_ROUND_CHANGE_PAGES = {
    RoundAction.PUBLISH: (
        "Publish",
        "Once published, every organisation that owes one of its returns sees the round, "
        "its returns and their templates. Publishing cannot be undone.",
        "is published: organisations can now see it",
    ),
    RoundAction.CLOSE: (
        "Close",
        "A closed round stays readable as history. Make another round current first.",
        "is closed",
    ),
}


@permission_or_404("planning.manage_rounds")
def round_change(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Confirm, then publish or close a round."""
    planning_round = get_object_or_404(PlanningRound, pk=pk)
    if action not in _ROUND_CHANGE_PAGES:
        raise Http404
    verb, explanation, done = _ROUND_CHANGE_PAGES[action]
    error = ""
    if request.method == "POST":
        try:
            round_transition(
                planning_round=planning_round, action=action, user=request.user, request=request
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, f"{planning_round.name} {done}.")
            return redirect("planning:round_detail", pk=planning_round.pk)
    return render(
        request,
        "planning/round_change.html",
        {
            "planning_round": planning_round,
            "verb": verb,
            "explanation": explanation,
            "error": error,
            "allowed": action in round_actions_allowed(planning_round=planning_round),
            "collections": selectors.collections_of_round(planning_round=planning_round),
        },
    )


@permission_or_404("planning.manage_rounds")
def collection_edit(request: HttpRequest, round_pk: int, pk: int) -> HttpResponse:
    collection = get_object_or_404(Collection, pk=pk, planning_round_id=round_pk)
    form = forms.CollectionForm(request.POST or None, instance=collection)
    if request.method == "POST" and form.is_valid():
        rounds.collection_update(
            collection=collection, changed_by=request.user, **form.cleaned_data
        )
        messages.success(request, f"{collection.title} saved.")
        return redirect("planning:round_detail", pk=round_pk)
    return render(
        request,
        "planning/collection_form.html",
        {"form": form, "collection": collection},
        status=400 if form.is_bound else 200,
    )


# Round definitions -------------------------------------------------------------------------------


def _definition_page(request: HttpRequest, *, planning_round: PlanningRound | None) -> HttpResponse:
    """Check a definition (nothing changes), show every problem or the check-your-answers page,
    then create the draft round or install the edited definition."""
    initial = {"text": planning_round.definition_source} if planning_round else {}
    form = forms.DefinitionForm(request.POST or None, request.FILES or None, initial=initial)
    fix_form = forms.DefinitionFixForm(request.POST or None)
    context = {"planning_round": planning_round, "form": form, "fix_form": fix_form}
    if request.method != "POST" or not form.is_valid():
        return render(request, "planning/round_definition.html", context)
    text = form.cleaned_data["text"]
    definition, problems = parse_definition(text=text)
    if problems:
        # The text, uploaded or typed, goes in the box to be fixed there.
        context |= {"problems": problems, "form": forms.DefinitionForm(initial={"text": text})}
        return render(request, "planning/round_definition.html", context)
    fixes = (
        rounds.definition_template_fixes(planning_round=planning_round, definition=definition)
        if planning_round
        else []
    )
    if "confirm" in request.POST and fix_form.is_valid():
        try:
            installed = _install(request, planning_round=planning_round, text=text, fixes=fix_form)
        except ValidationError as error:
            context["problems"] = getattr(error, "problems", None) or error.messages
        else:
            return redirect("planning:round_detail", pk=installed.pk)
    return render(
        request,
        "planning/round_definition_check.html",
        {
            **context,
            "definition": definition,
            "text": text,
            "fixes": fixes,
            "deadlines": _definition_deadlines(definition),
        },
    )


def _install(request: HttpRequest, *, planning_round, text: str, fixes) -> PlanningRound:
    if planning_round is None:
        created = rounds.round_create_from_definition(text=text, user=request.user, request=request)
        messages.success(
            request,
            f"{created.name} is set up as a draft: only national admins see it until you "
            "publish it.",
        )
        return created
    rounds.round_definition_update(
        planning_round=planning_round,
        text=text,
        note=fixes.cleaned_data["note"],
        keep_earlier=fixes.cleaned_data["keep_earlier"],
        user=request.user,
        request=request,
    )
    messages.success(request, f"{planning_round.name} now follows the edited definition.")
    return planning_round


def _definition_deadlines(definition) -> list[tuple]:
    return [
        (item, stage, rounds.london_datetime(stage.deadline))
        for item in definition.collections
        for stage in item.stages
    ]


@permission_or_404("planning.manage_rounds")
def round_define(request: HttpRequest) -> HttpResponse:
    return _definition_page(request, planning_round=None)


@permission_or_404("planning.manage_rounds")
def round_definition_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _definition_page(request, planning_round=get_object_or_404(PlanningRound, pk=pk))


@permission_or_404("planning.manage_rounds")
def template_preview(request: HttpRequest, round_pk: int, pk: int) -> HttpResponse:
    """An admin downloads the template any organisation owing the return would get."""
    collection = get_object_or_404(Collection, pk=pk, planning_round_id=round_pk)
    owing = [
        organisation
        for organisation in Organisation.objects.filter(is_active=True).order_by("name")
        if collection.is_owed_by(organisation)
    ]
    code = request.GET.get("organisation", "")
    chosen = next((o for o in owing if o.ods_code == code), None)
    if chosen is not None:
        try:
            filename, data = template_for(collection=collection, organisation=chosen)
        except ValidationError:
            raise Http404 from None
        audit_record(
            action=AuditAction.DOWNLOAD,
            obj=collection,
            organisation_code=chosen.ods_code,
            detail=f"Template preview {filename}",
            request=request,
        )
        extension = filename.rsplit(".", 1)[-1]
        return attachment(data, filename=filename, content_type=content_type_of(extension))
    return render(
        request,
        "planning/template_preview.html",
        {"collection": collection, "owing": owing, "not_found": bool(code)},
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
                    f"From today a system lead of {organisation.parent_ics.name} may sign off "
                    "your returns.",
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
