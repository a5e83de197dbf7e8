from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Prefetch, Q

from planning.definitions import round_definition
from planning.models import Collection, OrganisationType, PlanningRound, Stage
from submissions.models import Submission, Version
from workbooks.rule_titles import rule_title

from .checks import Bands, TriangulationPlan, plan_from_data
from .models import TriangulationBands, TriangulationFinding, TriangulationRun


def bands_for_round(*, planning_round_id: int) -> Bands:
    """The round's bands, or the defaults when no admin has set any."""
    stored = TriangulationBands.objects.filter(planning_round_id=planning_round_id).first()
    bands = stored or TriangulationBands(planning_round_id=planning_round_id)
    return Bands(
        workforce=float(bands.workforce_tolerance),
        cost=float(bands.cost_tolerance),
        pay=float(bands.pay_tolerance),
        commissioner=float(bands.commissioner_tolerance),
    )


def triangulation_plan(*, planning_round_id: int) -> TriangulationPlan | None:
    """What the round's definition compares across a system's returns (None: nothing)."""
    planning_round = PlanningRound.objects.filter(pk=planning_round_id).first()
    definition = round_definition(planning_round=planning_round) if planning_round else None
    return plan_from_data(definition.data.get("triangulation")) if definition else None


def triangulated_codes(*, planning_round_id: int) -> tuple[str, ...]:
    plan = triangulation_plan(planning_round_id=planning_round_id)
    return plan.collections if plan else ()


def triangulated_collections(*, planning_round_id: int, stage: str) -> dict[str, Collection]:
    """The collection of each triangulated return at `stage`: its own stage's if it has one, else
    its
    single-stage one (the system financial plan is returned once and checked with draft and
    final)."""
    found: dict[str, Collection] = {}
    for collection in Collection.objects.filter(
        planning_round_id=planning_round_id,
        code__in=triangulated_codes(planning_round_id=planning_round_id),
        stage__in=[stage, Stage.SINGLE],
    ).select_related("planning_round"):
        if collection.code not in found or collection.stage == stage:
            found[collection.code] = collection
    return found


def triangulation_stages(*, collection: Collection) -> list[str]:
    """The stages whose triangulation a new version of `collection` changes."""
    if collection.stage != Stage.SINGLE:
        return [collection.stage]
    staged = set(
        Collection.objects.filter(
            planning_round_id=collection.planning_round_id,
            code__in=triangulated_codes(planning_round_id=collection.planning_round_id),
        )
        .exclude(stage=Stage.SINGLE)
        .values_list("stage", flat=True)
    )
    return sorted(staged) or [Stage.SINGLE]


def is_triangulated(*, submission: Submission) -> bool:
    return submission.organisation.org_type == OrganisationType.ICS and (
        submission.collection.code
        in triangulated_codes(planning_round_id=submission.collection.planning_round_id)
    )


@dataclass(frozen=True)
class TriangulationSection:
    """What a return page shows under "Checks across your returns"."""

    version: Version
    findings: list[TriangulationFinding]
    compared: bool = True  # the last run of the return's system compared this version
    running: bool = False  # a return of the system changed since the last run; the checks are owed

    @property
    def groups(self) -> list[tuple[str, list[TriangulationFinding]]]:
        """The findings by kind of check, each kind under its title, in the order they were found:
        a system out of line shows one finding per provider, which reads better as a few groups."""
        grouped: dict[str, list[TriangulationFinding]] = {}
        for finding in self.findings:
            grouped.setdefault(finding.rule, []).append(finding)
        return [(rule_title(rule), findings) for rule, findings in grouped.items()]


def triangulation_findings_of_version(*, version: Version) -> list[TriangulationFinding]:
    """The findings that involve the version, with the versions each involves, in two queries. The
    version was looked up through the user's own selector, and a finding only ever involves returns
    of that version's system, so nothing of another organisation is read."""
    involved = Version.objects.select_related("submission__collection").order_by(
        "submission__collection__code"
    )
    return list(
        TriangulationFinding.objects.filter(versions=version)
        .select_related("run")
        .prefetch_related(Prefetch("versions", queryset=involved))
        .order_by("run__stage", "position")
    )


def triangulation_section(
    *, submission: Submission, version: Version | None
) -> TriangulationSection | None:
    """None for returns the checks do not cover, or before anything was uploaded."""
    if version is None or not is_triangulated(submission=submission):
        return None
    runs = TriangulationRun.objects.filter(
        system_id=submission.organisation_id,
        planning_round_id=submission.collection.planning_round_id,
        stage__in=triangulation_stages(collection=submission.collection),
    )
    return TriangulationSection(
        version=version,
        findings=triangulation_findings_of_version(version=version),
        compared=runs.filter(versions=version).exists(),
        running=runs.filter(Q(ran_at__isnull=True) | Q(ran_at__lt=F("requested_at"))).exists(),
    )
