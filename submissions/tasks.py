from __future__ import annotations

from celery import shared_task
from django.conf import settings

from .erf_estimates import estimate_refresh_run, estimate_refreshes_sweep
from .products import product_build, products_sweep
from .reminders import deadline_reminders_send, reviewer_digests_send
from .validation import version_validate, versions_sweep


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    # The soft limit is the check's own alarm (validation.time_limit); this kills a stuck child.
    time_limit=settings.VALIDATION_TIME_LIMIT_SECONDS,
    ignore_result=True,
)
def validate_version(version_id: int) -> str | None:
    """Thin: the work and its idempotence live in submissions.validation."""
    return version_validate(version_id=version_id)


@shared_task(ignore_result=True)
def sweep_stuck_versions() -> dict[str, int]:
    return versions_sweep()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.VALIDATION_TIME_LIMIT_SECONDS,
    ignore_result=True,
)
def build_version_product(product_id: int) -> str | None:
    """Thin: the work, its limits and its idempotence live in submissions.products."""
    return product_build(product_id=product_id, limited=True)


@shared_task(ignore_result=True)
def sweep_stuck_products() -> dict[str, int]:
    return products_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_deadline_reminders() -> int:
    return deadline_reminders_send()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_reviewer_digests() -> int:
    return reviewer_digests_send()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=540,
    time_limit=600,
    ignore_result=True,
)
def refresh_erf_estimates(refresh_id: int) -> str | None:
    """Thin: the work and its idempotence live in submissions.erf_estimates."""
    return estimate_refresh_run(refresh_id=refresh_id)


@shared_task(ignore_result=True)
def sweep_stuck_erf_refreshes() -> dict[str, int]:
    return estimate_refreshes_sweep()
