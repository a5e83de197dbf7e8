"""The validation pipeline with a real Celery worker process on the real Redis and PostgreSQL."""

from __future__ import annotations

import io
import os
import signal
import time

import pytest

from config import queues
from notifications.models import Notification
from notifications.services import notifications_queue_in_batches
from notifications.tasks import send_notification_emails
from submissions.models import Submission, SubmissionStatus, Version, VersionStatus
from submissions.services import version_create
from submissions.validation import FAILED_MESSAGE, TOO_SLOW_MESSAGE, versions_sweep
from tests.worker_support import queued_messages, use_broker, wait_for

pytestmark = [
    pytest.mark.services,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def upload(act_world, data: bytes) -> Version:
    return version_create(
        submission=act_world.submission,
        user=act_world.lead,
        stream=io.BytesIO(data),
        filename="plan.xlsx",
    ).version


def finished(version_id: int) -> Version | None:
    version = Version.objects.get(pk=version_id)
    return version if version.is_finished else None


def test_upload_is_validated_by_a_real_worker(act_world, worker):
    version = upload(act_world, act_world.sample(errors=2))
    done = wait_for(lambda: finished(version.pk))
    assert (done.status, done.error_count, done.attempts) == (VersionStatus.INVALID, 2, 1)
    assert Submission.objects.get(pk=act_world.submission.pk).status == SubmissionStatus.INVALID


def test_worker_killed_mid_task_still_finishes_once(act_world, worker):
    # Padded with made-up member rows, so it has errors: what matters here is that it takes long
    # enough.
    version = upload(act_world, act_world.sample(cells=400_000))
    wait_for(
        lambda: Version.objects.filter(pk=version.pk, status=VersionStatus.RUNNING).exists(),
        interval=0.01,
    )
    children = worker.pool_children()
    assert children, "the worker has no pool process"
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    done = wait_for(lambda: finished(version.pk))
    assert (done.status, done.attempts) == (VersionStatus.INVALID, 2)
    assert done.error_count > 0
    assert done.findings.count() == done.error_count + done.warning_count


def test_upload_succeeds_while_the_broker_is_down_and_is_validated_later(
    act_world, worker, settings
):
    use_broker("redis://127.0.0.1:1/0")
    version = upload(act_world, act_world.sample())
    assert Version.objects.get(pk=version.pk).status == VersionStatus.QUEUED
    use_broker(settings.REDIS_URL)
    Version.objects.filter(pk=version.pk).update(queued_at=version.queued_at.replace(year=2020))
    assert versions_sweep()["requeued"] == 1
    done = wait_for(lambda: finished(version.pk))
    assert (done.status, done.attempts) == (VersionStatus.VALID, 1)


def restart_with(worker, **env) -> None:
    """The same worker started again with other settings from its environment."""
    worker.stop()
    worker.env.update({name: str(value) for name, value in env.items()})
    worker.start()


def test_validation_past_the_time_limit_ends_failed_once(act_world, worker):
    restart_with(worker, VALIDATION_SOFT_TIME_LIMIT_SECONDS=0.3)
    version = upload(act_world, act_world.sample(cells=400_000))

    done = wait_for(lambda: finished(version.pk))
    assert (done.status, done.attempts) == (VersionStatus.FAILED, 1)
    assert done.message == TOO_SLOW_MESSAGE.format(seconds=0.3)
    assert Submission.objects.get(pk=act_world.submission.pk).status == SubmissionStatus.INVALID


def test_validation_past_the_memory_cap_in_native_code_ends_failed_after_its_attempts(
    act_world, worker, settings
):
    # calamine (Rust) aborts its process when an allocation is refused, so the cap kills the pool
    # child rather than raising MemoryError: each attempt is a crash, and the last one fails the
    # version.
    restart_with(worker, VALIDATION_MEMORY_LIMIT_MB=40)
    version = upload(act_world, act_world.sample(cells=400_000))

    done = wait_for(lambda: finished(version.pk))
    assert (done.status, done.attempts) == (
        VersionStatus.FAILED,
        settings.VALIDATION_MAX_ATTEMPTS + 1,
    )
    assert done.message == FAILED_MESSAGE.format(attempts=settings.VALIDATION_MAX_ATTEMPTS)
    assert done.findings.count() == 0


@pytest.mark.slow
def test_validation_finishes_within_seconds_while_thousands_of_emails_wait(act_world, start_worker):
    validation_worker = start_worker(queues.VALIDATION)
    start_worker(*queues.OTHER_QUEUES)
    validation_worker.wait_ready()
    flood = Notification.objects.bulk_create(
        Notification(recipient=act_world.submitter, kind="test", subject=f"Flood {i}", body="b")
        for i in range(4000)
    )
    for notification in flood[:2000]:
        send_notification_emails.apply_async(args=[[notification.pk]])
    notifications_queue_in_batches(notification_ids=[n.pk for n in flood[2000:]])
    waiting = queued_messages()
    assert waiting[queues.NOTIFICATIONS] > 1000

    version = upload(act_world, act_world.sample())
    began = time.monotonic()
    done = wait_for(lambda: finished(version.pk), timeout=30)

    assert done.status == VersionStatus.VALID
    assert time.monotonic() - began < 10
    # The emails were still waiting when the result came: validation did not queue behind them.
    assert Notification.objects.filter(kind="test", emailed_at__isnull=True).count() > 1000
