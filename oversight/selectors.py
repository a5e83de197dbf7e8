"""The progress dashboard of a planning round: organisations × collections with a status per cell.

Everything is read in a fixed handful of queries (collections, organisations, returns, extensions)
and assembled in Python, so the page costs the same number of queries for one ICS or for England.
Cells are plain dicts with their label, colour and link already worked out: the template
only prints them, because template tags and URL reversing per cell would dominate a 260 × 19 table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, TextChoices
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_scope
from core.formatting import STATUS_COLOURS
from extensions.models import DeadlineExtension, ExtensionRequest, ExtensionStatus
from planning.definitions import erf_collection_code
from planning.history import organisations_in_force_on, placements_on
from planning.models import Organisation, OrganisationType, PlanningRound, Region
from planning.selectors import collections_of_round, placed_sort_key, regions_visible_to
from submissions.models import (
    NOT_SUBMITTED,
    NOT_SUBMITTED_LABEL,
    Submission,
    SubmissionStatus,
    VersionStatus,
    status_as_shown,
)

from .rules import can_open_returns_of


class DashboardStatus(TextChoices):
    """A cell's status: the return's own status, except that lateness outranks the work in
    progress."""

    NOT_STARTED = "not_started", "Not started"
    NOT_SUBMITTED = NOT_SUBMITTED, NOT_SUBMITTED_LABEL
    UPLOADED = "uploaded", "Being checked"
    INVALID = "invalid", "Has errors"
    VALID = "valid", "No errors"
    SUBMITTED = "submitted", "Submitted"
    LATE = "late", "Late"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"


NOT_APPLICABLE = "not_applicable"
NOT_APPLICABLE_LABEL = "Not applicable"
SUBMITTED_LATE_LABEL = "Late"
OVERDUE_LABEL = "Overdue"
_IN_PROGRESS = {
    SubmissionStatus.NOT_STARTED: DashboardStatus.NOT_STARTED,
    SubmissionStatus.UPLOADED: DashboardStatus.UPLOADED,
    SubmissionStatus.VALIDATING: DashboardStatus.UPLOADED,
    SubmissionStatus.INVALID: DashboardStatus.INVALID,
    SubmissionStatus.VALID: DashboardStatus.VALID,
}


_DECIDED = {
    SubmissionStatus.APPROVED: DashboardStatus.APPROVED,
    SubmissionStatus.CHANGES_REQUESTED: DashboardStatus.CHANGES_REQUESTED,
}


def dashboard_status(
    *,
    status: str,
    is_late: bool,
    deadline: dt.datetime,
    now: dt.datetime,
    is_mandatory: bool = True,
    round_closed: bool = False,
) -> tuple[str, str, str]:
    """(dashboard status, label, lateness) of one return. `deadline` is the organisation's,
    extension included. Lateness ("Late" for a return submitted after its deadline, "Overdue" for
    a mandatory one still not in) is shown beside the status, never instead of it; an optional
    return is never overdue, nor is one of a closed round: it was not submitted.

    A decision outranks lateness: an approved return is done and one sent back is the region's
    next conversation, however late it first came in."""
    if status in _DECIDED:
        return _DECIDED[status], _DECIDED[status].label, ""
    if status == SubmissionStatus.SUBMITTED:
        return (
            DashboardStatus.SUBMITTED,
            DashboardStatus.SUBMITTED.label,
            SUBMITTED_LATE_LABEL if is_late else "",
        )
    if round_closed:
        shown, label = status_as_shown(status=status, round_closed=True)
        return shown, label, ""
    in_progress = _IN_PROGRESS[status]
    overdue = is_mandatory and now > deadline
    return in_progress, in_progress.label, OVERDUE_LABEL if overdue else ""


def dashboard_statuses(*, planning_round: PlanningRound) -> list[DashboardStatus]:
    """The statuses a return of the round can show: once the round is closed every return not
    sent is "not submitted", and while it is open none is."""
    if planning_round.is_closed:
        return [status for status in DashboardStatus if status not in _IN_PROGRESS.values()]
    return [status for status in DashboardStatus if status != DashboardStatus.NOT_SUBMITTED]


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


@dataclass
class Column:
    """One collection (a return at one stage), with its counts over the rows in scope."""

    pk: int
    heading: str
    deadline: dt.datetime
    is_mandatory: bool = True
    statuses: list[DashboardStatus] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    owed: int = 0
    done: int = 0

    @property
    def percent(self) -> int | None:
        return _percent(self.done, self.owed)

    @property
    def status_counts(self) -> list[tuple[str, str, int]]:
        return [
            (status.value, status.label, self.counts.get(status.value, 0))
            for status in self.statuses
        ]


@dataclass
class RegionSummary:
    code: str
    name: str
    owed: int = 0
    done: int = 0
    late: int = 0

    @property
    def percent(self) -> int | None:
        return _percent(self.done, self.owed)


@dataclass
class Dashboard:
    planning_round: PlanningRound
    scope_label: str
    region: Region | None
    columns: list[Column]
    rows: list[dict]
    regions: list[RegionSummary]
    shows_erf: bool
    statuses: list[DashboardStatus]
    owed: int = 0
    done: int = 0

    @property
    def percent(self) -> int | None:
        return _percent(self.done, self.owed)


def _link_builder(name: str) -> Callable[[int], str]:
    """A URL maker for one route reversed once: reverse() per cell costs more than the rest of the
    cell."""
    prefix, suffix = reverse(name, kwargs={"pk": 987654321}).split("987654321")
    return lambda pk: f"{prefix}{pk}{suffix}"


def _cell(
    *,
    status: str,
    label: str,
    url: str | None,
    extended_to: dt.datetime | None,
    lateness: str = "",
) -> dict:
    return {
        "status": status,
        "label": f"{label}, {lateness.lower()}" if lateness else label,
        "status_label": label,
        "lateness": lateness,
        "colour": STATUS_COLOURS.get(status, "white"),
        "url": url,
        "extended_to": extended_to,
    }


NOT_APPLICABLE_CELL = _cell(
    status=NOT_APPLICABLE, label=NOT_APPLICABLE_LABEL, url=None, extended_to=None
)


def _row_cells(
    *,
    organisation_id: int,
    columns: list[Column],
    owes: list[bool],
    submissions: dict[tuple[int, int], tuple],
    extensions: dict[tuple[int, int], dt.datetime],
    summary: RegionSummary,
    now: dt.datetime,
    round_closed: bool,
    links: tuple[Callable[[int], str], Callable[[int], str]] | None,
) -> list[dict]:
    """One organisation's cells, adding each owed return to its column's and region's counts.
    `links` (review page, return page) is None when the viewer may not open the returns."""
    cells = []
    for column, owed in zip(columns, owes, strict=True):
        if not owed:
            cells.append(NOT_APPLICABLE_CELL)
            continue
        key = (column.pk, organisation_id)
        submission = submissions.get(key)
        extended_to = extensions.get(key)
        raw_status = submission[1] if submission else SubmissionStatus.NOT_STARTED
        cell_status, label, lateness = dashboard_status(
            status=raw_status,
            is_late=bool(submission and submission[2]),
            deadline=extended_to or column.deadline,
            now=now,
            is_mandatory=column.is_mandatory,
            round_closed=round_closed,
        )
        url = None
        if submission and links:
            url = (
                links[0](submission[0])
                if raw_status in SubmissionStatus.REACHED_REGION
                else links[1](submission[0])
            )
        cells.append(
            _cell(
                status=cell_status,
                label=label,
                url=url,
                extended_to=extended_to,
                lateness=lateness,
            )
        )
        done = raw_status in SubmissionStatus.DONE
        column.owed += 1
        column.done += done
        column.counts[cell_status] = column.counts.get(cell_status, 0) + 1
        if lateness:
            column.counts[DashboardStatus.LATE] = column.counts.get(DashboardStatus.LATE, 0) + 1
        summary.owed += 1
        summary.done += done
        summary.late += bool(lateness)
    return cells


def _erf_totals(
    *, submissions: dict[tuple[int, int], tuple], collection_ids: list[int]
) -> dict[int, Decimal]:
    """Organisation id → ERF six-month total of its latest checked activity return (final before
    draft).
    Reads the total stored on the version at validation: reading workbooks here would cost
    seconds."""
    totals: dict[int, tuple[int, Decimal]] = {}
    for (collection_pk, organisation_pk), (
        _pk,
        _status,
        _late,
        version_status,
        erf_total,
    ) in submissions.items():
        if (
            collection_pk not in collection_ids
            or version_status not in VersionStatus.CHECKED
            or erf_total is None
        ):
            continue
        rank = collection_ids.index(collection_pk)
        best = totals.get(organisation_pk)
        if best is None or rank > best[0]:
            totals[organisation_pk] = (rank, erf_total)
    return {organisation_pk: total for organisation_pk, (_rank, total) in totals.items()}


def dashboard_regions(*, user: User, region: Region | None) -> list[Region]:
    """The regions the dashboard covers: the one chosen, or every region the user may see."""
    return [region] if region is not None else list(regions_visible_to(user=user))


def _scope_label(*, user: User, region: Region | None, regions: list[Region]) -> str:
    if region is not None:
        return region.name
    if user_scope(user=user).is_national_admin:
        return "England"
    return regions[0].name if len(regions) == 1 else "Your regions"


def dashboard_for_user(
    *,
    user: User,
    planning_round: PlanningRound,
    region: Region | None = None,
    collection_id: int | None = None,
    status: str = "",
    now: dt.datetime | None = None,
) -> Dashboard:
    """The round's progress matrix over the regions the user may see (or the one region chosen).

    Counts and percentages cover every organisation in scope for the chosen collection(s); the
    status filter narrows the rows shown, not the counts. The caller checks the user may see
    `region` (oversight.view_region_dashboard) before asking."""
    now = now or timezone.now()
    regions = dashboard_regions(user=user, region=region)
    region_ids = [r.pk for r in regions]
    round_collections = list(collections_of_round(planning_round=planning_round))
    collections = [c for c in round_collections if collection_id is None or c.pk == collection_id]
    statuses = dashboard_statuses(planning_round=planning_round)
    columns = [
        Column(
            pk=c.pk,
            heading=c.title,
            deadline=c.deadline,
            is_mandatory=c.is_mandatory,
            statuses=statuses,
        )
        for c in collections
    ]
    # The round's organisations where they stood on its reference date (ADR 0030).
    placements = placements_on(day=planning_round.reference_date)
    organisations = [
        organisation
        for organisation in organisations_in_force_on(day=planning_round.reference_date).only(
            "pk", "ods_code", "name", "org_type", "trust_kind", "region_id", "parent_ics_id"
        )
        if placements.region_id(organisation) in region_ids
    ]
    # A system and its members stand in the same region, so the systems are among the rows.
    systems = {
        organisation.pk: organisation for organisation in organisations if organisation.is_ics
    }
    submissions = {
        (collection_pk, organisation_pk): (pk, status_, is_late, version_status, erf_total)
        for pk, collection_pk, organisation_pk, status_, is_late, version_status, erf_total in (
            Submission.objects.filter(
                collection__planning_round=planning_round, region_id__in=region_ids
            ).values_list(
                "pk",
                "collection_id",
                "organisation_id",
                "status",
                "is_late",
                "current_version__status",
                "current_version__erf_total",
            )
        )
    }
    extensions = dict(
        ((collection_pk, organisation_pk), deadline)
        for collection_pk, organisation_pk, deadline in DeadlineExtension.objects.filter(
            collection__planning_round=planning_round,
            organisation_id__in=[organisation.pk for organisation in organisations],
        ).values_list("collection_id", "organisation_id", "deadline")
    )
    erf_code = erf_collection_code(planning_round=planning_round)
    erf_collections = [c.pk for c in round_collections if erf_code and c.code == erf_code]
    erf_totals = _erf_totals(submissions=submissions, collection_ids=erf_collections)
    region_by_id = {r.pk: r for r in regions}
    summaries = {r.pk: RegionSummary(code=r.code, name=r.name) for r in regions}
    links = (_link_builder("reviews:detail"), _link_builder("submissions:detail"))

    type_labels = dict(OrganisationType.choices)
    # Admins may open every return; anyone else is asked organisation by organisation.
    opens_all = user_scope(user=user).is_national_admin
    rows = []

    def system_of(organisation: Organisation) -> Organisation | None:
        return systems.get(placements.system_id(organisation))

    organisations.sort(
        key=lambda o: (
            region_by_id[placements.region_id(o)].name,
            *placed_sort_key(o, system=system_of(o)),
        )
    )
    for organisation in organisations:
        region_id = placements.region_id(organisation)
        system = system_of(organisation)
        owes = [collection.is_owed_by(organisation) for collection in collections]
        if not any(owes):
            continue
        cells = _row_cells(
            organisation_id=organisation.id,
            columns=columns,
            owes=owes,
            submissions=submissions,
            extensions=extensions,
            summary=summaries[region_id],
            now=now,
            round_closed=planning_round.is_closed,
            links=links if opens_all or can_open_returns_of(user, organisation) else None,
        )
        if status and not any(
            cell["status"] == status or (status == DashboardStatus.LATE and cell["lateness"])
            for cell in cells
        ):
            continue
        rows.append(
            {
                "ods_code": organisation.ods_code,
                "name": organisation.name,
                "type": type_labels[organisation.org_type],
                "region": region_by_id[region_id].name,
                "ics": system.ods_code if system else "",
                "erf_total": erf_totals.get(organisation.id),
                "cells": cells,
            }
        )
    region_summaries = [summaries[r.pk] for r in regions]
    return Dashboard(
        planning_round=planning_round,
        scope_label=_scope_label(user=user, region=region, regions=regions),
        region=region,
        columns=columns,
        rows=rows,
        regions=region_summaries,
        shows_erf=bool(erf_collections),
        statuses=statuses,
        owed=sum(s.owed for s in region_summaries),
        done=sum(s.done for s in region_summaries),
    )


@dataclass(frozen=True)
class RoundOverview:
    """A national admin's morning: how far the current round has got and what waits on someone."""

    planning_round: PlanningRound
    owed: int
    done: int
    waiting_for_review: int
    extensions_waiting: int

    @property
    def percent(self) -> int | None:
        return _percent(self.done, self.owed)


def round_overview(*, planning_round: PlanningRound) -> RoundOverview:
    returns = Submission.objects.filter(collection__planning_round=planning_round)
    counts = returns.aggregate(
        owed=Count("pk"),
        done=Count("pk", filter=Q(status__in=SubmissionStatus.DONE)),
        waiting=Count("pk", filter=Q(status=SubmissionStatus.SUBMITTED)),
    )
    return RoundOverview(
        planning_round=planning_round,
        owed=counts["owed"],
        done=counts["done"],
        waiting_for_review=counts["waiting"],
        extensions_waiting=ExtensionRequest.objects.filter(
            collection__planning_round=planning_round, status=ExtensionStatus.PENDING
        ).count(),
    )
