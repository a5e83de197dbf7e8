"""Keeping each checked version's stored ERF estimate in step with the national baselines.

A version's estimate is worked out when it is validated, from the baselines held then. When a
national admin loads or changes baselines later, every checked version that reads them (a return
of a round's ERF collection, of a system whose baseline of a scheme month changed) is worked out
again in the background: one `EstimateRefresh` row per import, claimed with an attempt counter and
swept like validations and exports (core.queueing). Running it twice stores the same figures.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import IO

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from core.queueing import (
    StuckWork,
    send_task,
    send_task_on_commit,
    sweep_stuck_work,
    work_claim,
    work_finish,
    work_progress,
    work_requeue,
)
from erf.calculator import Estimate
from erf.models import EstimateRefresh, RefreshStatus
from erf.returns import erf_estimate_of_return
from erf.services import BaselinesImport, national_baselines_import_csv
from planning.definitions import round_definition
from planning.models import PlanningRound

from .models import ReturnValue, Version, VersionStatus
from .selectors import collection_specs

logger = logging.getLogger(__name__)

# A version's file never changes, so its ERF breakdown is read once and kept a week at most.
ESTIMATE_CACHE_SECONDS = 7 * 24 * 3600

SWEEPER = "the stuck ERF estimate sweeper"
FAILED_MESSAGE = "The estimates could not be worked out again after {attempts} attempts."


@transaction.atomic
def erf_baselines_import(
    *, stream: IO[bytes], user: User | None = None, request=None
) -> BaselinesImport:
    """Load the baselines file and, once it commits, have every checked version that reads a
    baseline it added or changed worked out again; the result says how many returns that is."""
    result = national_baselines_import_csv(stream=stream, user=user, request=request)
    if result.errors or not result.changed:
        return result
    versions = versions_reading_baselines(changed=result.changed)
    if versions:
        refresh = EstimateRefresh.objects.create(
            version_ids=sorted(versions),
            return_count=len(set(versions.values())),
            requested_by=user,
        )
        from .tasks import refresh_erf_estimates

        send_task_on_commit(task=refresh_erf_estimates, args=[refresh.pk], sweeper=SWEEPER)
        result.returns_to_update = refresh.return_count
    return result


def versions_reading_baselines(*, changed: Iterable[tuple[int, str]]) -> dict[int, int]:
    """Submission id by version id of every checked version whose estimate reads one of the
    (system id, base-year month) baselines: returns of each round's ERF collection whose sheets
    were read (a cover naming another system gives no estimate, whatever the baselines)."""
    changed = set(changed)
    found: dict[int, int] = {}
    for planning_round in PlanningRound.objects.exclude(definition={}):
        definition = round_definition(planning_round=planning_round)
        if definition.erf is None:
            continue
        base_months = {definition.erf.base_month(month) for month in definition.erf.month_names}
        systems = {system for system, month in changed if month in base_months}
        if not systems:
            continue
        rows = Version.objects.filter(
            Exists(ReturnValue.objects.filter(version=OuterRef("pk"))),
            submission__collection__planning_round=planning_round,
            submission__collection__code=definition.erf_collection,
            submission__organisation_id__in=systems,
            status__in=VersionStatus.CHECKED,
        ).values_list("pk", "submission_id")
        found.update(rows)
    return found


def _work() -> StuckWork:
    """Refreshes as work for core.queueing: read per call, so settings in force apply."""
    from .tasks import refresh_erf_estimates

    return StuckWork(
        model=EstimateRefresh,
        queued=RefreshStatus.QUEUED,
        running=RefreshStatus.RUNNING,
        queued_stale=dt.timedelta(seconds=settings.ERF_REFRESH_QUEUED_STALE_SECONDS),
        running_stale=dt.timedelta(seconds=settings.ERF_REFRESH_RUNNING_STALE_SECONDS),
        max_attempts=settings.ERF_REFRESH_MAX_ATTEMPTS,
        send=lambda pk: send_task(task=refresh_erf_estimates, args=[pk], sweeper="the next sweep"),
        fail=lambda pk, attempt, message: work_finish(
            work=_work(), pk=pk, attempt=attempt, status=RefreshStatus.FAILED, message=message
        ),
        failed_message=FAILED_MESSAGE,
    )


def estimate_refresh_run(*, refresh_id: int) -> str | None:
    """Work out each version's estimate again and store it where it changed. Returns the final
    status, or None when there was nothing to do (already done, or another attempt owns it)."""
    attempt = work_claim(work=_work(), pk=refresh_id)
    if attempt is None:
        return None
    refresh = EstimateRefresh.objects.get(pk=refresh_id)
    progress = work_progress(work=_work(), pk=refresh_id, attempt=attempt)
    try:
        changed = _refresh_versions(refresh=refresh, progress=progress)
    except Exception:
        logger.exception("ERF refresh %s failed on attempt %s", refresh_id, attempt)
        work_requeue(work=_work(), pk=refresh_id, attempt=attempt)
        return None
    if not work_finish(
        work=_work(),
        pk=refresh_id,
        attempt=attempt,
        status=RefreshStatus.DONE,
        changed_count=changed,
        message="",
    ):
        return None
    logger.info(
        "ERF refresh %s: %s of %s estimates changed", refresh_id, changed, len(refresh.version_ids)
    )
    return RefreshStatus.DONE


def _refresh_versions(*, refresh: EstimateRefresh, progress: Callable[[int], None]) -> int:
    """Store each version's estimate again; the number that changed."""
    versions = (
        Version.objects.filter(pk__in=refresh.version_ids, status__in=VersionStatus.CHECKED)
        .select_related("submission__collection__planning_round", "submission__organisation")
        .order_by("pk")
    )
    changed = 0
    for done, version in enumerate(versions.iterator(chunk_size=100)):
        progress(100 * done // len(refresh.version_ids))
        try:
            estimate = estimate_of_stored_file(version)
        except OSError:
            # One unreadable file keeps its old total rather than hold back every other return.
            logger.warning("ERF refresh %s: version %s file unreadable", refresh.pk, version.pk)
            continue
        total = estimate.total if estimate else None
        # Forgotten whether or not the total moved: the thresholds it shows read the baselines.
        estimate_forget(version=version)
        if total != version.erf_total:
            changed += Version.objects.filter(pk=version.pk).update(erf_total=total)
    return changed


def estimate_refreshes_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Send again refreshes stuck waiting (the broker lost them) or running (a worker died); fail
    those that used up their attempts. Run by Celery beat."""
    return sweep_stuck_work(now=now or timezone.now(), work=_work())


def erf_estimate_of_version(*, version) -> Estimate | None:
    """The estimate shown with an activity return's version, once the version has been checked.
    Validation stored its total; a version without one has no complete ERF sheet to break down."""
    if version is None or not version.is_checked or version.erf_total is None:
        return None
    # A version's file never changes, so its breakdown is read once and kept for every later page
    # view; the stored total is part of the key, and working the estimate out again with new
    # baselines forgets the breakdown (`estimate_forget`).
    return cache.get_or_set(
        _cache_key(version),
        lambda: estimate_of_stored_file(version),
        timeout=ESTIMATE_CACHE_SECONDS,
    )


def _cache_key(version) -> str:
    return f"erf-estimate:{version.pk}:{version.sha256}:{version.erf_total}"


def estimate_forget(*, version) -> None:
    cache.delete(_cache_key(version))


def estimate_of_stored_file(version) -> Estimate | None:
    """The estimate of a checked version's stored file against the template version it was made
    from, with the national figures held now."""
    specs = collection_specs(collection=version.submission.collection)
    spec = next((spec for spec in specs if spec.version == version.template_version), None)
    if spec is None:
        return None
    with version.file.open("rb") as stream:
        return erf_estimate_of_return(submission=version.submission, data=stream.read(), spec=spec)
