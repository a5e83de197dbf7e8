"""What the charts show, read with a few aggregate queries whatever the number of returns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Min, Q, QuerySet, Sum, When
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_scope
from audit.services import audit_access_refused
from planning.definitions import round_definition
from planning.models import Collection, Organisation, OrganisationType, PlanningRound, Region
from planning.selectors import collections_of_round, organisations_visible_to, regions_visible_to
from submissions.models import ReturnValue, Submission, VersionStatus
from workbooks.definition import ActivityChart
from workbooks.model import OWN_BLOCK


@dataclass(frozen=True)
class ChartScope:
    """Whose returns a chart adds up: one system, some regions, or (region_ids None) the nation."""

    label: str
    system: Organisation | None = None
    region: Region | None = None
    region_ids: frozenset[int] | None = None

    def organisations(self) -> Q:
        """Submissions of the organisations in scope; a system's are its own and its members'."""
        if self.system is not None:
            return Q(system=self.system)
        if self.region_ids is not None:
            return Q(region_id__in=self.region_ids)
        return Q()

    def systems(self) -> Q:
        if self.system is not None:
            return Q(organisation=self.system)
        return self.organisations()


def chart_systems_for_user(*, user: User) -> QuerySet[Organisation]:
    """The systems whose charts the user may see: all, their regions', or the ones they lead."""
    scope = user_scope(user=user)
    systems = organisations_visible_to(user=user).filter(org_type=OrganisationType.ICS)
    if scope.is_national_admin or scope.is_reviewer:
        return systems
    return systems.filter(pk__in=scope.lead_ics_ids)


def chart_regions_for_user(*, user: User) -> QuerySet[Region]:
    return regions_visible_to(user=user)


def chart_scope_for_user(*, user: User, region_code: str = "", system_code: str = "") -> ChartScope:
    """The scope asked for, if the user may see it; 404 otherwise. Without one: the nation for a
    national admin, their regions for a reviewer, their system for a system lead."""
    scope = user_scope(user=user)
    if system_code:
        system = chart_systems_for_user(user=user).filter(ods_code__iexact=system_code).first()
        if system is None:
            audit_access_refused(
                user=user,
                queryset=Organisation.objects.all(),
                lookup={"ods_code__iexact": system_code},
            )
            raise Http404("No such system")
        return ChartScope(
            label=system.name, system=system, region_ids=frozenset({system.region_id})
        )
    if region_code:
        region = chart_regions_for_user(user=user).filter(code__iexact=region_code).first()
        if region is None:
            audit_access_refused(
                user=user, queryset=Region.objects.all(), lookup={"code__iexact": region_code}
            )
            raise Http404("No such region")
        return ChartScope(label=region.name, region=region, region_ids=frozenset({region.pk}))
    if scope.is_national_admin:
        return ChartScope(label="England")
    if scope.is_reviewer:
        regions = list(chart_regions_for_user(user=user))
        if len(regions) == 1:
            return ChartScope(
                label=regions[0].name, region=regions[0], region_ids=frozenset({regions[0].pk})
            )
        return ChartScope(
            label="Your regions", region_ids=frozenset(region.pk for region in regions)
        )
    system = chart_systems_for_user(user=user).order_by("name").first()
    if system is None:
        raise Http404("No charts for you")
    return ChartScope(label=system.name, system=system, region_ids=frozenset({system.region_id}))


def activity_chart_of(*, planning_round: PlanningRound) -> ActivityChart | None:
    """What the round's definition says the activity chart plots."""
    definition = round_definition(planning_round=planning_round)
    return definition.activity_chart if definition else None


def activity_collections(*, planning_round: PlanningRound) -> QuerySet[Collection]:
    chart = activity_chart_of(planning_round=planning_round)
    if chart is None:
        return Collection.objects.none()
    return Collection.objects.filter(planning_round=planning_round, code=chart.collection).order_by(
        "deadline", "stage"
    )


def latest_collection_with_uploads(*, collections: list[Collection]) -> Collection | None:
    """What a chart opens on: the last stage anyone has uploaded to (a round in its draft stage
    shows the drafts, not an empty final), else the last of the round."""
    with_uploads = set(
        Submission.objects.filter(collection__in=collections, current_version__isnull=False)
        .values_list("collection_id", flat=True)
        .distinct()
    )
    return next(
        (c for c in reversed(collections) if c.pk in with_uploads),
        collections[-1] if collections else None,
    )


def chart_collection(
    *, planning_round: PlanningRound, collections: list[Collection], wanted: str
) -> Collection | None:
    """The return a chart shows: the one asked for if the chart draws it; with none asked for, or
    one of another round (the round was changed in the filter), the round's latest stage with
    uploads. None (404) for a return of this round the chart does not draw."""
    chosen = next((c for c in collections if str(c.pk) == wanted), None)
    if chosen is not None:
        return chosen
    of_this_round = (
        wanted.isdigit()
        and round_collections(planning_round=planning_round).filter(pk=wanted).exists()
    )
    return None if of_this_round else latest_collection_with_uploads(collections=collections)


def round_collections(*, planning_round: PlanningRound) -> QuerySet[Collection]:
    return collections_of_round(planning_round=planning_round)


# Planned activity against the baseline -----------------------------------------------------------


@dataclass(frozen=True)
class MonthPoint:
    period: str
    planned: float
    baseline: float | None

    @property
    def percent_of_baseline(self) -> float | None:
        return round(100 * self.planned / self.baseline, 1) if self.baseline else None


@dataclass(frozen=True)
class MeasureSeries:
    code: str
    label: str
    baseline: float | None
    months: tuple[MonthPoint, ...]


@dataclass(frozen=True)
class ActivityChartData:
    collection: Collection
    scope: ChartScope
    systems_owed: int
    systems_submitted: int
    systems_draft: int
    series: tuple[MeasureSeries, ...]

    @property
    def systems_included(self) -> int:
        return self.systems_submitted + self.systems_draft

    @property
    def has_values(self) -> bool:
        return any(series.months for series in self.series)


def counted_versions(*, submissions: QuerySet[Submission]) -> QuerySet[Submission]:
    """Each return with `counted_version_id`: the submitted version if there is one, else the latest
    version if it was checked without errors (a draft), else none: a return with errors may not add
    up."""
    return submissions.annotate(
        counted_version_id=Case(
            When(submitted_version__isnull=False, then="submitted_version_id"),
            When(current_version__status=VersionStatus.VALID, then="current_version_id"),
            default=None,
            output_field=IntegerField(),
        )
    )


def activity_against_baseline(*, collection: Collection, scope: ChartScope) -> ActivityChartData:
    """The systems' own total rows of their activity returns, added up by measure and month."""
    chart = activity_chart_of(planning_round=collection.planning_round)
    systems = counted_versions(
        submissions=Submission.objects.filter(
            collection=collection, organisation__org_type=OrganisationType.ICS
        ).filter(scope.systems())
    )
    counts = systems.aggregate(
        owed=Count("pk"),
        submitted=Count("pk", filter=Q(submitted_version__isnull=False)),
        draft=Count(
            "pk",
            filter=Q(submitted_version__isnull=True, current_version__status=VersionStatus.VALID),
        ),
    )
    totals = (
        ReturnValue.objects.filter(
            version_id__in=systems.filter(counted_version_id__isnull=False).values(
                "counted_version_id"
            ),
            sheet=chart.sheet,
            organisation_kind=OWN_BLOCK,
            measure__in=[measure.code for measure in chart.measures],
        )
        .values("measure", "period", "is_baseline")
        .annotate(total=Sum("value"), position=Min("position"))
        .order_by("measure", "position")
    )
    baselines: dict[str, list[float]] = {}
    months: dict[str, list[tuple[str, float]]] = {}
    for row in totals:
        if row["is_baseline"]:
            baselines.setdefault(row["measure"], []).append(row["total"])
        else:
            months.setdefault(row["measure"], []).append((row["period"], row["total"]))
    series = tuple(
        MeasureSeries(
            code=measure.code,
            label=measure.label,
            baseline=_mean(baselines.get(measure.code)),
            months=tuple(
                MonthPoint(
                    period=period,
                    planned=planned,
                    baseline=_baseline_of_month(baselines.get(measure.code), index),
                )
                for index, (period, planned) in enumerate(months.get(measure.code, []))
            ),
        )
        for measure in chart.measures
    )
    return ActivityChartData(
        collection=collection,
        scope=scope,
        systems_owed=counts["owed"],
        systems_submitted=counts["submitted"],
        systems_draft=counts["draft"],
        series=series,
    )


def _baseline_of_month(baselines: list[float] | None, index: int) -> float | None:
    """A monthly baseline compares each month with the same month of the baseline year; a single
    baseline compares every month with it."""
    if not baselines:
        return None
    return baselines[index] if len(baselines) > 1 and index < len(baselines) else baselines[0]


def _mean(values: list[float] | None) -> float | None:
    return sum(values) / len(values) if values else None


# Submissions over time ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    submitted: int
    cumulative: int
    owed: int

    @property
    def percent(self) -> float:
        return round(100 * self.cumulative / self.owed, 1) if self.owed else 0.0


@dataclass(frozen=True)
class SubmissionTimeline:
    collection: Collection
    scope: ChartScope
    owed: int
    submitted: int
    late: int
    days: tuple[DayCount, ...]
    deadline_day: dt.date
    first_day: dt.date
    last_day: dt.date


# The chart opens two weeks before the deadline, or earlier when returns came in earlier.
TIMELINE_LEAD_DAYS = 14


def submissions_over_time(*, collection: Collection, scope: ChartScope) -> SubmissionTimeline:
    """Returns signed off by London calendar day, cumulatively, out of the returns owed. A return
    counts from its latest sign-off (submitted_at), including those since sent back or approved."""
    london = timezone.get_default_timezone()
    owed = Submission.objects.filter(collection=collection).filter(scope.organisations())
    counts = owed.aggregate(
        owed=Count("pk"),
        submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
        late=Count("pk", filter=Q(submitted_at__isnull=False, is_late=True)),
    )
    per_day = (
        owed.filter(submitted_at__isnull=False)
        .annotate(day=TruncDate("submitted_at", tzinfo=london))
        .values("day")
        .annotate(count=Count("pk"))
        .order_by("day")
    )
    days: list[DayCount] = []
    cumulative = 0
    for row in per_day:
        cumulative += row["count"]
        days.append(
            DayCount(
                day=row["day"], submitted=row["count"], cumulative=cumulative, owed=counts["owed"]
            )
        )
    deadline_day = collection.deadline.astimezone(london).date()
    first_day = min(
        [deadline_day - dt.timedelta(days=TIMELINE_LEAD_DAYS), *(d.day for d in days[:1])]
    )
    last_day = max([deadline_day + dt.timedelta(days=1), *(d.day for d in days[-1:])])
    return SubmissionTimeline(
        collection=collection,
        scope=scope,
        owed=counts["owed"],
        submitted=counts["submitted"],
        late=counts["late"],
        days=tuple(days),
        deadline_day=deadline_day,
        first_day=first_day,
        last_day=last_day,
    )
