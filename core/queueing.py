"""Handing work to Celery without ever failing the request that asked for it.

The database row is the record of the work; the broker message is only a nudge. If the broker is
down the row stays queued and the owning sweeper sends it again, so a failed send is logged, not
raised (SPEC §8: no upload lost because the broker was down).
"""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def send_task(*, task, args: list, sweeper: str) -> None:
    try:
        task.apply_async(args=args, retry=False)
    except Exception:  # noqa: BLE001 - any broker failure; `sweeper` sends it again later
        logger.warning("Could not queue %s%s; %s will send it again", task.name, args, sweeper, exc_info=True)


def send_task_on_commit(*, task, args: list, sweeper: str) -> None:
    """Send once the current transaction commits, so the worker finds the row it is given."""
    transaction.on_commit(lambda: send_task(task=task, args=args, sweeper=sweeper), robust=True)
