"""Handing work to Celery without ever failing the request that asked for it.

The database row is the record of the work; the broker message is only a nudge. If the broker is
down the row stays queued and the owning sweeper sends it again, so a failed send is logged, not
raised (no upload lost because the broker was down).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger(__name__)


def send_task(*, task, args: list, sweeper: str) -> None:
    try:
        task.apply_async(args=args, retry=False)
    except Exception:  # noqa: BLE001 - any broker failure; `sweeper` sends it again later
        logger.warning(
            "Could not queue %s%s; %s will send it again", task.name, args, sweeper, exc_info=True
        )


def send_task_on_commit(*, task, args: list, sweeper: str) -> None:
    """Send once the current transaction commits, so the worker finds the row it is given."""
    transaction.on_commit(lambda: send_task(task=task, args=args, sweeper=sweeper), robust=True)


@dataclass(frozen=True)
class StuckWork:
    """Rows of work claimed with an attempt counter (validation, exports, version products): what
    the helpers below need to know of them. Each model has `status`, `attempts`, `queued_at`,
    `started_at` and `finished_at`, and `progress` where `tracks_progress`."""

    model: type[models.Model]
    queued: str
    running: str
    queued_stale: dt.timedelta
    running_stale: dt.timedelta
    max_attempts: int
    send: Callable[[int], None]  # queue the row's id again
    fail: Callable[[int, int, str], object]  # (id, attempt, message): end it for good
    failed_message: str  # why it ended, with `{attempts}` for the attempts used
    tracks_progress: bool = True

    def progress_fields(self, percent: int) -> dict:
        return {"progress": percent} if self.tracks_progress else {}


def sweep_stuck_work(*, work: StuckWork, now: dt.datetime) -> dict[str, int]:
    """Re-send work stuck waiting (the broker lost it) or running (a worker died), and fail work
    that has used up its attempts. Each move is a conditional update, so a sweep racing a worker
    that has just finished changes nothing."""
    rows = work.model.objects
    counts = {"requeued": 0, "failed": 0}
    stale_running = rows.filter(status=work.running, started_at__lt=now - work.running_stale)
    for pk, attempts in stale_running.values_list("pk", "attempts"):
        if attempts >= work.max_attempts:
            work.fail(pk, attempts, work.failed_message.format(attempts=attempts))
            counts["failed"] += 1
        elif rows.filter(pk=pk, status=work.running, attempts=attempts).update(
            status=work.queued, queued_at=now
        ):
            work.send(pk)
            counts["requeued"] += 1
    for pk in rows.filter(status=work.queued, queued_at__lt=now - work.queued_stale).values_list(
        "pk", flat=True
    ):
        if rows.filter(pk=pk, status=work.queued).update(queued_at=now):
            work.send(pk)
            counts["requeued"] += 1
    return counts


def work_claim(*, work: StuckWork, pk: int) -> int | None:
    """Mark the row running and count the attempt. Returns the attempt number, or None when the
    row is already finished (a duplicate delivery) or has used up its attempts, in which case it
    is failed for good with `failed_message`."""
    claimed = work.model.objects.filter(pk=pk, status__in=[work.queued, work.running]).update(
        status=work.running,
        attempts=F("attempts") + 1,
        started_at=timezone.now(),
        **work.progress_fields(0),
    )
    if not claimed:
        return None
    attempt = work.model.objects.values_list("attempts", flat=True).get(pk=pk)
    if attempt > work.max_attempts:
        work.fail(pk, attempt, work.failed_message.format(attempts=attempt - 1))
        return None
    return attempt


def work_progress(*, work: StuckWork, pk: int, attempt: int) -> Callable[[int], None]:
    """A progress writer for this attempt: at most one write a second, never 100 (only finishing
    says done), and nothing once another attempt owns the row."""
    last = [0.0]

    def write(percent: int) -> None:
        if time.monotonic() - last[0] >= 1.0 or percent >= 100:
            last[0] = time.monotonic()
            work.model.objects.filter(pk=pk, attempts=attempt).update(
                progress=min(max(percent, 0), 99)
            )

    return write


def work_finish(*, work: StuckWork, pk: int, attempt: int, **fields) -> bool:
    """Write the result only if this attempt still owns the row; False when a newer attempt (sent
    again by the sweeper) owns it, whose result then stands."""
    return bool(
        work.model.objects.filter(pk=pk, status=work.running, attempts=attempt).update(
            finished_at=timezone.now(), **work.progress_fields(100), **fields
        )
    )


def work_requeue(*, work: StuckWork, pk: int, attempt: int) -> None:
    """Put this attempt's row back in the queue and send it now, after an unexpected error, rather
    than leave it running until the sweeper's stale time; the next claim fails it once its
    attempts are used up."""
    if work.model.objects.filter(pk=pk, status=work.running, attempts=attempt).update(
        status=work.queued, queued_at=timezone.now()
    ):
        work.send(pk)
