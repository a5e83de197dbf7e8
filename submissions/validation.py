"""Running a version's validation: claimed with a conditional update, so it is idempotent and
safe when a message is delivered twice, a worker dies mid-task, or the sweeper re-sends it."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_submission_event
from workbooks.types import RejectedFile
from workbooks.validate import validate_file

from .models import Finding, Submission, Version, VersionStatus
from .selectors import template_versions_accepted
from .services import enqueue_validation, template_context, version_finished_notify
from .transitions import Action, TransitionConflict, transition

logger = logging.getLogger(__name__)

FAILED_MESSAGE = (
    "We could not check this file after {attempts} attempts. Upload it again; if that fails too, "
    "contact the national planning team."
)


def version_claim(*, version_id: int) -> int | None:
    """Mark the version running and count the attempt. Returns the attempt number, or None when
    the version is already finished (a duplicate delivery) or has used up its attempts."""
    now = timezone.now()
    claimed = Version.objects.filter(
        pk=version_id, status__in=[VersionStatus.QUEUED, VersionStatus.RUNNING]
    ).update(status=VersionStatus.RUNNING, attempts=F("attempts") + 1, started_at=now, progress=0)
    if not claimed:
        return None
    attempts = Version.objects.values_list("attempts", flat=True).get(pk=version_id)
    if attempts > settings.VALIDATION_MAX_ATTEMPTS:
        version_fail(version_id=version_id, attempt=attempts, message=FAILED_MESSAGE.format(attempts=attempts - 1))
        return None
    _move_submission(version_id=version_id, action=Action.START_VALIDATION)
    return attempts


def _move_submission(*, version_id: int, action: str) -> None:
    """Only the latest version of a return moves its status; an older one finishing late is ignored."""
    submission = Submission.objects.filter(current_version_id=version_id).first()
    if submission is None:
        return
    try:
        transition(submission=submission, action=action, guard={"current_version_id": version_id})
    except TransitionConflict:
        logger.info("Version %s: submission %s not moved by %s", version_id, submission.pk, action)


def _finish(*, version_id: int, attempt: int, **fields) -> bool:
    """Write the result only if this attempt still owns the version, and audit it in the same
    transaction: the append-only trail then holds one row per version that finished, which is how
    `make chaos` shows that no version finished twice."""
    finished = bool(
        Version.objects.filter(pk=version_id, status=VersionStatus.RUNNING, attempts=attempt).update(
            finished_at=timezone.now(), progress=100, **fields
        )
    )
    if finished:
        version = Version.objects.select_related("submission__organisation").get(pk=version_id)
        audit_submission_event(
            action=AuditAction.VALIDATION_FINISHED, submission=version.submission, obj=version,
            after={"status": version.status, "attempt": attempt, "errors": version.error_count,
                   "warnings": version.warning_count},
        )
    return finished


def version_fail(*, version_id: int, attempt: int, message: str) -> None:
    with transaction.atomic():
        if _finish(version_id=version_id, attempt=attempt, status=VersionStatus.FAILED, message=message):
            _move_submission(version_id=version_id, action=Action.FAIL_VALIDATION)
            version_finished_notify(version_id=version_id)


def version_validate(*, version_id: int) -> str | None:
    """Validate the version once. Returns its final status, or None if there was nothing to do."""
    attempt = version_claim(version_id=version_id)
    if attempt is None:
        return None
    version = Version.objects.select_related(
        "submission__collection__planning_round", "submission__organisation"
    ).get(pk=version_id)
    last_progress = [0.0]

    def progress(percent: int) -> None:
        # At most one write a second: progress is for people watching, not a log.
        if time.monotonic() - last_progress[0] >= 1.0 or percent >= 100:
            last_progress[0] = time.monotonic()
            Version.objects.filter(pk=version_id, attempts=attempt).update(progress=min(max(percent, 0), 99))

    context = template_context(submission=version.submission)
    with version.file.open("rb") as stream:
        data = stream.read()
    started = time.monotonic()
    try:
        result = validate_file(
            data=data,
            file_format=version.file_format,
            context=context,
            accepted_versions=template_versions_accepted(collection_id=version.submission.collection_id) or None,
            progress=progress,
        )
    except RejectedFile as rejected:
        with transaction.atomic():
            if _finish(version_id=version_id, attempt=attempt, status=VersionStatus.REJECTED,
                       message=rejected.message, validation_seconds=time.monotonic() - started):
                _move_submission(version_id=version_id, action=Action.FAIL_VALIDATION)
                version_finished_notify(version_id=version_id)
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
                )
                for finding in result.findings
            ],
            batch_size=1000,
        )
        finished = _finish(
            version_id=version_id,
            attempt=attempt,
            status=status,
            message="",
            error_count=result.error_count,
            warning_count=result.warning_count,
            cells_read=result.cells_read,
            template_version=result.template_version[:20],
            validation_seconds=result.seconds,
        )
        if not finished:
            # A newer attempt owns the version now; roll back our findings and let it finish.
            transaction.set_rollback(True)
            return None
        _move_submission(
            version_id=version_id,
            action=Action.PASS_VALIDATION if status == VersionStatus.VALID else Action.FAIL_VALIDATION,
        )
        version_finished_notify(version_id=version_id)
    return status


def versions_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Re-send versions stuck waiting (the broker was down) or running (a worker died); fail those
    that have used up their attempts. Run periodically by Celery beat."""
    now = now or timezone.now()
    queued_before = now - dt.timedelta(seconds=settings.VALIDATION_QUEUED_STALE_SECONDS)
    running_before = now - dt.timedelta(seconds=settings.VALIDATION_RUNNING_STALE_SECONDS)
    counts = {"requeued": 0, "failed": 0}
    stale_running = Version.objects.filter(status=VersionStatus.RUNNING, started_at__lt=running_before)
    for version_id, attempts in stale_running.values_list("pk", "attempts"):
        if attempts >= settings.VALIDATION_MAX_ATTEMPTS:
            version_fail(version_id=version_id, attempt=attempts, message=FAILED_MESSAGE.format(attempts=attempts))
            counts["failed"] += 1
        elif Version.objects.filter(pk=version_id, status=VersionStatus.RUNNING, attempts=attempts).update(
            status=VersionStatus.QUEUED, queued_at=now
        ):
            enqueue_validation(version_id=version_id)
            counts["requeued"] += 1
    for version_id in Version.objects.filter(status=VersionStatus.QUEUED, queued_at__lt=queued_before).values_list(
        "pk", flat=True
    ):
        Version.objects.filter(pk=version_id, status=VersionStatus.QUEUED).update(queued_at=now)
        enqueue_validation(version_id=version_id)
        counts["requeued"] += 1
    return counts
