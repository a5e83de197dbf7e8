from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet, Subquery
from django.http import Http404

from accounts.models import User
from accounts.selectors import user_scope
from planning.models import Organisation, PlanningRound
from planning.selectors import rounds_visible_to

from .models import GuidanceItem, GuidanceKind, GuidanceVisit, RegionalContact


def guidance_of_round(*, planning_round: PlanningRound) -> QuerySet[GuidanceItem]:
    return GuidanceItem.objects.filter(planning_round=planning_round)


def last_visit(*, user: User, planning_round: PlanningRound) -> dt.datetime | None:
    return (
        GuidanceVisit.objects.filter(user=user, planning_round=planning_round)
        .values_list("seen_at", flat=True)
        .first()
    )


@dataclass(frozen=True)
class GuidanceSection:
    kind: str
    heading: str
    items: list[GuidanceItem]

    @property
    def is_definitions(self) -> bool:
        return self.kind == GuidanceKind.DEFINITION


_SECTIONS = (
    (GuidanceKind.NOTICE, "Notices"),
    (GuidanceKind.DOCUMENT, "Documents"),
    (GuidanceKind.DEFINITION, "Technical definitions of the measures"),
    (GuidanceKind.FAQ, "Frequently asked questions"),
)


def guidance_sections(*, planning_round: PlanningRound) -> list[GuidanceSection]:
    items = list(guidance_of_round(planning_round=planning_round))
    return [
        GuidanceSection(
            kind=kind,
            heading=heading,
            items=sorted(
                (item for item in items if item.kind == kind),
                key=lambda item: item.measure_code if kind == GuidanceKind.DEFINITION else "",
            ),
        )
        for kind, heading in _SECTIONS
    ]


def new_guidance_count(*, user: User, planning_round: PlanningRound) -> int:
    """How many items were published since the user last read the round's guidance (one query)."""
    seen_at = GuidanceVisit.objects.filter(user=user, planning_round=planning_round).values(
        "seen_at"
    )[:1]
    return (
        guidance_of_round(planning_round=planning_round)
        .annotate(seen_at=Subquery(seen_at))
        .filter(Q(seen_at__isnull=True) | Q(published_at__gt=F("seen_at")))
        .count()
    )


def measure_definitions(*, planning_round: PlanningRound) -> dict[str, str]:
    """Each measure's technical definition in the round, by measure code."""
    return dict(
        GuidanceItem.objects.filter(
            planning_round=planning_round, kind=GuidanceKind.DEFINITION
        ).values_list("measure_code", "body")
    )


def regional_contacts_for(
    *, user: User, planning_round: PlanningRound
) -> QuerySet[RegionalContact]:
    """The planning contact of each region the user's organisations belong to (every region's
    for national admins and reviewers)."""
    contacts = RegionalContact.objects.filter(planning_round=planning_round).select_related(
        "region"
    )
    scope = user_scope(user=user)
    if scope.is_national_admin:
        return contacts
    region_ids = set(scope.reviewer_region_ids) | set(
        Organisation.objects.filter(pk__in=scope.organisation_ids).values_list(
            "region_id", flat=True
        )
    )
    return contacts.filter(region_id__in=region_ids)


def guidance_item_get_for_user(*, user: User, pk: int) -> GuidanceItem:
    try:
        return GuidanceItem.objects.select_related("planning_round").get(
            pk=pk, planning_round__in=rounds_visible_to(user=user)
        )
    except GuidanceItem.DoesNotExist:
        raise Http404("No such guidance") from None


def definition_for_finding(*, definitions: list[GuidanceItem], rule: str, message: str) -> str:
    """The technical definition of the measure a finding is about: its rule starts with the
    measure's code, or its message names the measure."""
    code = rule.split(".", 1)[0]
    lowered = message.lower()
    for item in definitions:
        if item.measure_code == code or item.title.lower() in lowered:
            return f"{item.title} ({item.measure_code}): {item.body}"
    return ""


def measure_definition_items(*, planning_round: PlanningRound) -> list[GuidanceItem]:
    return list(
        GuidanceItem.objects.filter(planning_round=planning_round, kind=GuidanceKind.DEFINITION)
    )
