"""Organisations as they stood on a day (ADR 0030).

An organisation's own fields hold its relationships from the latest change on; an
OrganisationLink row holds an earlier one for the days it held. So a relationship on a day is the
link covering that day where there is one, and the organisation's field otherwise."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from .models import (
    SYSTEM_TYPES,
    LinkKind,
    Organisation,
    OrganisationLink,
    OrganisationType,
    in_force_on,
)


def organisations_in_force_on(*, day: dt.date) -> QuerySet[Organisation]:
    return Organisation.objects.filter(in_force_on(day), is_active=True)


@dataclass(frozen=True)
class Placements:
    """The system and region of organisations on one day."""

    day: dt.date
    systems: dict[int, int] = field(default_factory=dict)
    regions: dict[int, int] = field(default_factory=dict)

    def system_id(self, organisation: Organisation) -> int | None:
        """The system it belongs to, or itself for a system."""
        if organisation.org_type in SYSTEM_TYPES:
            return organisation.pk
        return self.systems.get(organisation.pk, organisation.parent_ics_id)

    def region_id(self, organisation: Organisation) -> int:
        return self.regions.get(organisation.pk, organisation.region_id)


def placements_on(*, day: dt.date, organisation_ids: Iterable[int] | None = None) -> Placements:
    """Every system and region that differed on the day from the organisations' fields, in one
    query."""
    links = OrganisationLink.objects.filter(
        in_force_on(day), kind__in=[LinkKind.SYSTEM, LinkKind.REGION]
    )
    if organisation_ids is not None:
        links = links.filter(organisation_id__in=list(organisation_ids))
    placements = Placements(day=day)
    for organisation_id, kind, other_id, region_id in links.values_list(
        "organisation_id", "kind", "other_id", "region_id"
    ):
        if kind == LinkKind.SYSTEM:
            placements.systems[organisation_id] = other_id
        else:
            placements.regions[organisation_id] = region_id
    return placements


def placement_of(*, organisation: Organisation, day: dt.date) -> tuple[int | None, int]:
    """The (system id, region id) of one organisation on the day."""
    placements = placements_on(day=day, organisation_ids=[organisation.pk])
    return placements.system_id(organisation), placements.region_id(organisation)


def members_on(
    *, system: Organisation, day: dt.date, types: Iterable[str] = (OrganisationType.PROVIDER,)
) -> QuerySet[Organisation]:
    """The organisations of the given types that belonged to the system on the day."""
    held_then = OrganisationLink.objects.filter(in_force_on(day), kind=LinkKind.SYSTEM)
    belongs = Q(pk__in=held_then.filter(other=system).values("organisation_id")) | (
        Q(parent_ics=system) & ~Q(pk__in=held_then.values("organisation_id"))
    )
    return organisations_in_force_on(day=day).filter(belongs, org_type__in=list(types))
