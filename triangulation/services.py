"""Running the checks across one system's returns and keeping their findings current."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_changes_apply
from core.queueing import send_task, send_task_on_commit
from planning.models import Organisation
from submissions.models import ReturnValue, Submission, Version, VersionStatus

from .checks import Number, ReturnNumbers, TriangulationPlan, check_system
from .models import TriangulationBands, TriangulationFinding, TriangulationRun
from .selectors import (
    bands_for_round,
    is_triangulated,
    triangulated_collections,
    triangulation_plan,
    triangulation_stages,
)


def triangulation_enqueue(*, version: Version) -> None:
    """Record that the checks of every stage the version's return is part of are owed, and ask a
    worker to run them once this transaction commits. The record is what counts: if the broker
    loses the message, `triangulation_sweep` sends it again."""
    submission = version.submission
    if not is_triangulated(submission=submission):
        return
    from .tasks import run_triangulation

    planning_round_id = submission.collection.planning_round_id
    for stage in triangulation_stages(collection=submission.collection):
        run, _ = TriangulationRun.objects.get_or_create(
            system_id=submission.organisation_id, planning_round_id=planning_round_id, stage=stage
        )
        TriangulationRun.objects.filter(pk=run.pk).update(requested_at=timezone.now(), attempts=0)
        send_task_on_commit(
            task=run_triangulation,
            args=[submission.organisation_id, planning_round_id, stage],
            sweeper="the triangulation sweeper",
        )


def triangulation_sweep(*, now: dt.datetime | None = None) -> int:
    """Send again every run owed for longer than TRIANGULATION_STALE_SECONDS, unless it has already
    started TRIANGULATION_MAX_ATTEMPTS times since it was asked for (a run that kills its worker
    must not loop; the next new version asks again). Returns how many."""
    from .tasks import run_triangulation

    now = now or timezone.now()
    owed = TriangulationRun.objects.filter(
        Q(ran_at__isnull=True) | Q(ran_at__lt=F("requested_at")),
        requested_at__lt=now - dt.timedelta(seconds=settings.TRIANGULATION_STALE_SECONDS),
        attempts__lt=settings.TRIANGULATION_MAX_ATTEMPTS,
    ).values_list("system_id", "planning_round_id", "stage")
    sent = 0
    for system_id, planning_round_id, stage in owed:
        send_task(
            task=run_triangulation,
            args=[system_id, planning_round_id, stage],
            sweeper="the next sweep",
        )
        sent += 1
    return sent


def _current_returns(
    *, system_id: int, planning_round_id: int, stage: str, plan: TriangulationPlan
) -> list[ReturnNumbers]:
    collections = triangulated_collections(planning_round_id=planning_round_id, stage=stage)
    sheets, measures = plan.sheets, plan.measures
    submissions = Submission.objects.filter(
        organisation_id=system_id,
        collection__in=collections.values(),
        current_version__status__in=VersionStatus.CHECKED,
    ).select_related("collection")
    versions = {
        submission.current_version_id: submission.collection.code for submission in submissions
    }
    numbers: dict[int, list[Number]] = {version_id: [] for version_id in versions}
    rows = ReturnValue.objects.filter(
        version_id__in=versions,
        sheet__in=sheets.values(),
        measure__in={measure for codes in measures.values() for measure in codes},
    ).values_list(
        "version_id",
        "sheet",
        "organisation_code",
        "organisation_kind",
        "measure",
        "period",
        "is_baseline",
        "value",
    )
    for version_id, sheet, code, kind, measure, period, is_baseline, value in rows.iterator(
        chunk_size=5000
    ):
        if sheet == sheets[versions[version_id]]:
            numbers[version_id].append(Number(code, kind, measure, period, is_baseline, value))
    return [
        ReturnNumbers(collection_code=code, version_id=version_id, numbers=numbers[version_id])
        for version_id, code in versions.items()
    ]


def triangulation_run(*, system_id: int, planning_round_id: int, stage: str) -> int:
    """Check the system's current checked returns at the stage and replace the stored findings.
    Idempotent; two runs of the same system and stage queue on the run row's lock, and the later
    one reads what the earlier committed. Returns the number of findings."""
    system = Organisation.objects.get(pk=system_id)
    # Counted outside the run's transaction, so a run that dies still counts.
    TriangulationRun.objects.filter(
        system_id=system_id, planning_round_id=planning_round_id, stage=stage
    ).update(attempts=F("attempts") + 1)
    with transaction.atomic():
        run, _ = TriangulationRun.objects.get_or_create(
            system_id=system_id, planning_round_id=planning_round_id, stage=stage
        )
        run = TriangulationRun.objects.select_for_update().get(pk=run.pk)
        # Taken after the lock: a return that changes from here on is newer than this run.
        started = timezone.now()
        plan = triangulation_plan(planning_round_id=planning_round_id)
        returns = (
            _current_returns(
                system_id=system_id, planning_round_id=planning_round_id, stage=stage, plan=plan
            )
            if plan
            else []
        )
        codes = {number.organisation_code for numbers in returns for number in numbers.numbers}
        names = dict(
            Organisation.objects.filter(ods_code__in=codes).values_list("ods_code", "name")
        )
        names[system.ods_code] = system.name
        found = (
            check_system(
                returns=returns,
                bands=bands_for_round(planning_round_id=planning_round_id),
                names=names,
                system_code=system.ods_code,
                plan=plan,
            )
            if plan
            else []
        )
        by_collection = {numbers.collection_code: numbers.version_id for numbers in returns}

        run.findings.all().delete()
        stored = TriangulationFinding.objects.bulk_create(
            [
                TriangulationFinding(
                    run=run,
                    position=position,
                    severity=finding.severity,
                    rule=finding.rule,
                    organisation_code=finding.organisation_code,
                    organisation_name=names.get(
                        finding.organisation_code, finding.organisation_code
                    )[:300],
                    message=finding.message,
                    figures=[list(pair) for pair in finding.figures],
                )
                for position, finding in enumerate(found)
            ]
        )
        links = TriangulationFinding.versions.through
        links.objects.bulk_create(
            [
                links(triangulationfinding_id=row.pk, version_id=by_collection[code])
                for row, finding in zip(stored, found, strict=True)
                for code in finding.collections
            ]
        )
        run.versions.set(by_collection.values())
        TriangulationRun.objects.filter(pk=run.pk).update(ran_at=started)
    return len(found)


_BAND_FIELDS = ("workforce_tolerance", "cost_tolerance", "pay_tolerance", "commissioner_tolerance")


@transaction.atomic
def triangulation_bands_save(*, bands: TriangulationBands, changed_by: User) -> TriangulationBands:
    """Save a round's bands (made or edited in Django admin), audited with before and after; a
    round's first bands are recorded against the defaults they replace."""
    fields = {name: getattr(bands, name) for name in _BAND_FIELDS}
    if bands.pk is None:
        # Stored first with what the round used until now, the defaults, to compare against.
        bands.pk = TriangulationBands.objects.create(planning_round_id=bands.planning_round_id).pk
    audit_changes_apply(
        instance=bands,
        fields=fields,
        action=AuditAction.TRIANGULATION_BANDS_CHANGED,
        actor=changed_by,
    )
    bands.save()
    return bands
