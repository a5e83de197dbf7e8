from __future__ import annotations

from celery import shared_task

from .building import export_build, exports_expire, exports_sweep


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=1500,
    time_limit=1800,
    ignore_result=True,
)
def build_export(job_id: int) -> str | None:
    """Thin: the work and its idempotence live in exports.building."""
    return export_build(job_id=job_id)


@shared_task(ignore_result=True)
def sweep_stuck_exports() -> dict[str, int]:
    return exports_sweep()


@shared_task(ignore_result=True)
def expire_old_exports() -> int:
    return exports_expire()
