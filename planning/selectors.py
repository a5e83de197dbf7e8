from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_scope
from audit.services import audit_access_refused

from .models import (
    Collection,
    Organisation,
    OrganisationType,
    PlanningRound,
    Region,
    RoundStatus,
    SignOffDelegation,
)


def organisations_visible_to(*, user: User) -> QuerySet[Organisation]:
    """Every organisation whose returns the user may read; the basis of every lookup."""
    scope = user_scope(user=user)
    organisations = Organisation.objects.select_related("region", "parent_ics")
    if scope.is_national_admin:
        return organisations.all()
    visible = (
        Q(pk__in=scope.organisation_ids)
        | Q(pk__in=scope.lead_ics_ids)
        | Q(parent_ics_id__in=scope.lead_ics_ids)
        | Q(region_id__in=scope.reviewer_region_ids)
    )
    return organisations.filter(visible)


def organisation_get_for_user(*, user: User, ods_code: str) -> Organisation:
    """The organisation, or 404 when it does not exist or the user may not see it."""
    try:
        return organisations_visible_to(user=user).get(ods_code__iexact=ods_code)
    except Organisation.DoesNotExist:
        audit_access_refused(
            user=user, queryset=Organisation.objects.all(), lookup={"ods_code__iexact": ods_code}
        )
        raise Http404("No such organisation") from None


def organisations_acted_for(*, user: User) -> QuerySet[Organisation]:
    """Organisations the user holds a submitter, signatory or system lead role at."""
    return Organisation.objects.filter(
        pk__in=user_scope(user=user).organisation_ids
    ).select_related("region")


def regions_visible_to(*, user: User) -> QuerySet[Region]:
    scope = user_scope(user=user)
    if scope.is_national_admin:
        return Region.objects.all()
    return Region.objects.filter(pk__in=scope.reviewer_region_ids)


def region_get_for_user(*, user: User, code: str) -> Region:
    try:
        return regions_visible_to(user=user).get(code__iexact=code)
    except Region.DoesNotExist:
        audit_access_refused(
            user=user, queryset=Region.objects.all(), lookup={"code__iexact": code}
        )
        raise Http404("No such region") from None


def current_round() -> PlanningRound | None:
    """The round organisations land on: the current one, else the latest they may see."""
    return (
        PlanningRound.objects.filter(is_current=True).first()
        or PlanningRound.objects.exclude(status=RoundStatus.DRAFT).first()
    )


def round_open_for_reminders(*, today: dt.date) -> PlanningRound | None:
    """The current, published round until its end date; none once it has closed, so nobody is
    reminded of a deadline of a round that is over."""
    return PlanningRound.objects.filter(
        is_current=True, status=RoundStatus.PUBLISHED, ends_on__gte=today
    ).first()


def rounds_all() -> QuerySet[PlanningRound]:
    return PlanningRound.objects.annotate(collection_count=Count("collections"))


def rounds_visible_to(*, user: User) -> QuerySet[PlanningRound]:
    """Draft rounds are the national team's work in progress: nobody else sees them."""
    if user_scope(user=user).is_national_admin:
        return PlanningRound.objects.all()
    return PlanningRound.objects.exclude(status=RoundStatus.DRAFT)


def round_get_for_user(*, user: User, pk: int | str) -> PlanningRound:
    if not str(pk).isdigit():
        raise Http404("No such round")
    try:
        return rounds_visible_to(user=user).get(pk=pk)
    except PlanningRound.DoesNotExist:
        audit_access_refused(user=user, queryset=PlanningRound.objects.all(), lookup={"pk": pk})
        raise Http404("No such round") from None


def collections_of_round(*, planning_round: PlanningRound) -> QuerySet[Collection]:
    """The round's returns in the order people meet them: by deadline, then code and stage."""
    # The round comes along: each row's status depends on whether it is closed.
    return (
        Collection.objects.filter(planning_round=planning_round)
        .select_related("planning_round")
        .order_by("deadline", "code", "stage")
    )


def collections_owed_by(
    *, organisation: Organisation, planning_round: PlanningRound
) -> list[Collection]:
    collections = collections_of_round(planning_round=planning_round)
    return [collection for collection in collections if collection.is_owed_by(organisation)]


_TYPE_ORDER = {
    OrganisationType.ICS: 0,
    OrganisationType.ICB: 0,
    OrganisationType.LMS: 1,
    OrganisationType.CCG: 2,
    OrganisationType.PROVIDER: 3,
    OrganisationType.CANCER_ALLIANCE: 4,
}


def organisation_sort_key(organisation: Organisation) -> tuple[str, int, str]:
    """ICSs first with their members after each; organisations of no ICS last. Needs parent_ics
    loaded."""
    ics = organisation if organisation.is_ics else organisation.parent_ics
    return placed_sort_key(organisation, system=ics)


def placed_sort_key(
    organisation: Organisation, *, system: Organisation | None
) -> tuple[str, int, str]:
    """Systems first with their members after each, given the system the organisation is in."""
    return (system.name if system else "~", _TYPE_ORDER[organisation.org_type], organisation.name)


def submission_visibility(*, user: User) -> Q:
    """Which returns the user may read: their organisations', those of the system and region each
    return was placed in on its round's reference date (so later organisation changes never move
    a return), and, for an ICS's lead CCG, those it submits on the ICS's behalf."""
    scope = user_scope(user=user)
    if scope.is_national_admin:
        # Not Q(): an empty Q vanishes when OR-ed with another condition.
        return Q(pk__isnull=False)
    visible = (
        Q(organisation_id__in=scope.organisation_ids)
        | Q(system_id__in=scope.lead_ics_ids)
        | Q(region_id__in=scope.reviewer_region_ids)
    )
    if scope.organisation_ids:
        visible |= Q(
            collection__lead_ccg_may_submit=True,
            organisation__lead_ccg_id__in=scope.organisation_ids,
        )
    # Of a draft round, only national admins read any return.
    return visible & ~Q(collection__planning_round__status=RoundStatus.DRAFT)


def system_members_visible_to(*, user: User, organisation: Organisation) -> list[Organisation]:
    """The providers, CCGs and LMSs of a system whose returns the user may read, for the system's
    page: a system lead reaches each of them in one click. None for any other organisation."""
    if organisation.org_type != OrganisationType.ICS:
        return []
    return sorted(
        organisations_visible_to(user=user)
        .filter(parent_ics=organisation, is_active=True)
        .select_related("parent_ics"),
        key=organisation_sort_key,
    )


def sign_off_delegated(*, organisation_id: int, system_id: int | None) -> bool:
    """Whether the organisation has handed the sign-off of its returns to the system, from today."""
    return (
        system_id is not None
        and SignOffDelegation.objects.filter(
            organisation_id=organisation_id,
            system_id=system_id,
            revoked_at__isnull=True,
            starts_on__lte=timezone.localdate(),
        ).exists()
    )


def sign_off_delegations_of(*, organisation: Organisation) -> QuerySet[SignOffDelegation]:
    return SignOffDelegation.objects.filter(organisation=organisation).select_related(
        "system", "granted_by", "revoked_by"
    )
