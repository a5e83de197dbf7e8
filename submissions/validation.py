"""Running a version's validation: claimed with a conditional update, so it is idempotent and
safe when a message is delivered twice, a worker dies mid-task, or the sweeper re-sends it."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import resource
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_submission_event
from core.queueing import StuckWork, sweep_stuck_work, work_claim, work_finish, work_progress
from erf.returns import erf_estimate_of_return
from workbooks.specs import spec_for
from workbooks.types import RejectedFile, ValidationResult
from workbooks.validate import validate_file

from .models import Finding, ReturnValue, Submission, Version, VersionStatus
from .selectors import template_versions_accepted
from .services import enqueue_validation, template_context, version_finished_notify
from .signals import return_values_changed
from .transitions import Action, TransitionConflict, transition

logger = logging.getLogger(__name__)
VALUE_BATCH = 5_000

FAILED_MESSAGE = (
    "We could not check this file after {attempts} attempts. Upload it again; if that fails too, "
    "contact the national planning team."
)

TOO_SLOW_MESSAGE = (
    "Checking this file took longer than {seconds:g} seconds, far longer than any plan needs, so "
    "it was "
    "stopped. Delete unused rows, columns and sheets, save it again and upload the new copy."
)
TOO_BIG_MESSAGE = (
    "Checking this file needed more than {megabytes} MB of memory, far more than any plan needs, "
    "so it "
    "was stopped. Delete unused rows, columns and sheets, save it again and upload the new copy."
)


def _address_space_in_use() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


class ValidationTimeout(BaseException):
    """Raised by `time_limit`. A BaseException, not an Exception, so that a parser's broad "this
    file
    is broken" handler cannot swallow it and report a slow file as a damaged one."""


@contextmanager
def time_limit(*, seconds: float) -> Iterator[None]:
    """Raise ValidationTimeout in this thread once `seconds` have passed. Celery's own soft limit
    raises an ordinary Exception, which parsers catch, so the check keeps its own alarm; Celery's
    hard limit stays as the backstop for a child stuck in native code. Signals reach only the main
    thread, which is where a prefork pool child and a management command run tasks."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum, _frame):
        raise ValidationTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def address_space_limit(*, extra_bytes: int) -> Iterator[None]:
    """Let this process map at most `extra_bytes` more while the block runs, so a runaway
    allocation raises MemoryError here instead of taking the worker's machine with it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space_in_use() + extra_bytes
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _work() -> StuckWork:
    """Versions as work for core.queueing: read per call, so settings in force apply."""
    return StuckWork(
        model=Version,
        queued=VersionStatus.QUEUED,
        running=VersionStatus.RUNNING,
        queued_stale=dt.timedelta(seconds=settings.VALIDATION_QUEUED_STALE_SECONDS),
        running_stale=dt.timedelta(seconds=settings.VALIDATION_RUNNING_STALE_SECONDS),
        max_attempts=settings.VALIDATION_MAX_ATTEMPTS,
        send=lambda pk: enqueue_validation(version_id=pk),
        fail=lambda pk, attempt, message: version_fail(
            version_id=pk, attempt=attempt, message=message
        ),
        failed_message=FAILED_MESSAGE,
    )


def version_claim(*, version_id: int) -> int | None:
    """Mark the version running and count the attempt. Returns the attempt number, or None when
    the version is already finished (a duplicate delivery) or has used up its attempts."""
    attempt = work_claim(work=_work(), pk=version_id)
    if attempt is not None:
        _move_submission(version_id=version_id, action=Action.START_VALIDATION)
    return attempt


def _move_submission(*, version_id: int, action: str, facts: dict | None = None) -> bool:
    """Only the latest version of a return moves its status; an older one finishing late is ignored.
    Returns whether the return moved (`transition` then recorded the event)."""
    submission = (
        Submission.objects.filter(current_version_id=version_id)
        .select_related("organisation")
        .first()
    )
    if submission is None:
        return False
    try:
        transition(
            submission=submission,
            action=action,
            actor=None,
            version=Version.objects.get(pk=version_id),
            facts=facts,
            guard={"current_version_id": version_id},
        )
    except TransitionConflict:
        logger.info("Version %s: submission %s not moved by %s", version_id, submission.pk, action)
        return False
    return True


def _finish(*, version_id: int, attempt: int, action: str, **fields) -> bool:
    """Write the result only if this attempt still owns the version, move the return if the version
    is its latest, and audit the finish in the same transaction: one row per version that finished
    (the return's move, when it moves, or the version's own), which is how `make chaos` shows that
    no version finished twice."""
    finished = work_finish(work=_work(), pk=version_id, attempt=attempt, **fields)
    if finished:
        version = Version.objects.select_related("submission__organisation").get(pk=version_id)
        facts = {
            "version_status": version.status,
            "version": version.number,
            "attempt": attempt,
            "errors": version.error_count,
            "warnings": version.warning_count,
        }
        if not _move_submission(version_id=version_id, action=action, facts=facts):
            audit_submission_event(
                action=AuditAction.VALIDATION_FINISHED,
                submission=version.submission,
                obj=version,
                after={"status": version.status} | facts,
            )
    return finished


def version_fail(*, version_id: int, attempt: int, message: str) -> None:
    with transaction.atomic():
        if _finish(
            version_id=version_id,
            attempt=attempt,
            action=Action.FAIL_VALIDATION,
            status=VersionStatus.FAILED,
            message=message,
        ):
            version_finished_notify(version_id=version_id)


def version_validate(*, version_id: int) -> str | None:
    """Validate the version once. Returns its final status, or None if there was nothing to do."""
    attempt = version_claim(version_id=version_id)
    if attempt is None:
        return None
    version = Version.objects.select_related(
        "submission__collection__planning_round", "submission__organisation"
    ).get(pk=version_id)
    progress = work_progress(work=_work(), pk=version_id, attempt=attempt)

    context = template_context(submission=version.submission)
    with version.file.open("rb") as stream:
        data = stream.read()
    accepted_versions = (
        template_versions_accepted(collection_id=version.submission.collection_id) or None
    )
    started = time.monotonic()
    try:
        with (
            time_limit(seconds=settings.VALIDATION_SOFT_TIME_LIMIT_SECONDS),
            address_space_limit(extra_bytes=settings.VALIDATION_MEMORY_LIMIT_MB * 1024 * 1024),
        ):
            result = validate_file(
                data=data,
                file_format=version.file_format,
                context=context,
                accepted_versions=accepted_versions,
                progress=progress,
            )
    except (MemoryError, ValidationTimeout) as stopped:
        # The same file would pass the same limit again: fail now rather than spend every attempt on
        # it.
        if isinstance(stopped, MemoryError):
            message = TOO_BIG_MESSAGE.format(megabytes=settings.VALIDATION_MEMORY_LIMIT_MB)
        else:
            message = TOO_SLOW_MESSAGE.format(seconds=settings.VALIDATION_SOFT_TIME_LIMIT_SECONDS)
        logger.warning(
            "Version %s: validation stopped by its limit: %s", version_id, type(stopped).__name__
        )
        version_fail(version_id=version_id, attempt=attempt, message=message)
        return VersionStatus.FAILED
    except RejectedFile as rejected:
        with transaction.atomic():
            if _finish(
                version_id=version_id,
                attempt=attempt,
                action=Action.FAIL_VALIDATION,
                status=VersionStatus.REJECTED,
                message=rejected.message,
                validation_seconds=time.monotonic() - started,
            ):
                version_finished_notify(version_id=version_id)
                # The return no longer has a checked current version: its cross-return findings go.
                return_values_changed.send(sender=Version, version=version)
        return VersionStatus.REJECTED

    status = VersionStatus.INVALID if result.error_count else VersionStatus.VALID
    with transaction.atomic():
        Finding.objects.filter(version_id=version_id).delete()
        Finding.objects.bulk_create(
            [
                Finding(
                    version_id=version_id,
                    severity=finding.severity,
                    rule=finding.rule[:50],
                    sheet=finding.sheet[:100],
                    cell=finding.cell[:20],
                    value=finding.value[:1000],
                    message=finding.message,
                    measure=finding.measure[:100],
                )
                for finding in result.findings
            ],
            batch_size=1000,
        )
        _store_values(version_id=version_id, result=result)
        finished = _finish(
            version_id=version_id,
            attempt=attempt,
            action=Action.PASS_VALIDATION
            if status == VersionStatus.VALID
            else Action.FAIL_VALIDATION,
            status=status,
            message="",
            error_count=result.error_count,
            warning_count=result.warning_count,
            cells_read=result.cells_read,
            template_version=result.template_version[:20],
            validation_seconds=result.seconds,
            erf_total=_erf_total(version=version, data=data, result=result),
        )
        if not finished:
            # A newer attempt owns the version now; roll back our findings and let it finish.
            transaction.set_rollback(True)
            return None
        version_finished_notify(version_id=version_id)
        return_values_changed.send(sender=Version, version=version)
    return status


def _store_values(*, version_id: int, result: ValidationResult) -> None:
    # Batches from a generator: bulk_create would otherwise hold every row of a huge return at once.
    ReturnValue.objects.filter(version_id=version_id).delete()
    values = result.values()
    while batch := list(itertools.islice(values, VALUE_BATCH)):
        ReturnValue.objects.bulk_create(
            [ReturnValue(version_id=version_id, **value._asdict()) for value in batch]
        )


def _erf_total(*, version: Version, data: bytes, result: ValidationResult) -> Decimal | None:
    # No grids read means the cover did not match this return: its ERF sheet is not this system's.
    if not result.grids:
        return None
    context = template_context(submission=version.submission)
    spec = spec_for(specs=context.specs, version=result.template_version)
    if spec is None:
        return None
    estimate = erf_estimate_of_return(submission=version.submission, data=data, spec=spec)
    return estimate.total if estimate else None


def versions_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Re-send versions stuck waiting (the broker was down) or running (a worker died); fail those
    that have used up their attempts. Run periodically by Celery beat."""
    return sweep_stuck_work(now=now or timezone.now(), work=_work())
