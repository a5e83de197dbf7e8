from __future__ import annotations

from celery import shared_task

from .services import triangulation_run, triangulation_sweep


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=180)
def run_triangulation(system_id: int, planning_round_id: int, stage: str) -> int:
    """Thin: the work, its idempotence and its locking live in triangulation.services."""
    return triangulation_run(system_id=system_id, planning_round_id=planning_round_id, stage=stage)


@shared_task(ignore_result=True)
def sweep_owed_triangulation() -> int:
    return triangulation_sweep()
