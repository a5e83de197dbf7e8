"""The validation pipeline with a real Celery worker process on the real Redis and PostgreSQL."""

from __future__ import annotations

import io
import os
import signal

import pytest

from submissions.models import Submission, SubmissionStatus, Version, VersionStatus
from submissions.services import version_create
from submissions.validation import versions_sweep
from tests.worker_support import use_broker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def upload(act_world, data: bytes) -> Version:
    return version_create(submission=act_world.submission, user=act_world.lead, stream=io.BytesIO(data),
                          filename="plan.xlsx").version


def finished(version_id: int) -> Version | None:
    version = Version.objects.get(pk=version_id)
    return version if version.is_finished else None


def test_upload_is_validated_by_a_real_worker(act_world, worker):
    version = upload(act_world, act_world.sample(errors=2))
    done = wait_for(lambda: finished(version.pk))
    assert (done.status, done.error_count, done.attempts) == (VersionStatus.INVALID, 2, 1)
    assert Submission.objects.get(pk=act_world.submission.pk).status == SubmissionStatus.INVALID


def test_worker_killed_mid_task_still_finishes_once(act_world, worker):
    # Padded with made-up member rows, so it has errors: what matters here is that it takes long enough.
    version = upload(act_world, act_world.sample(cells=400_000))
    wait_for(lambda: Version.objects.filter(pk=version.pk, status=VersionStatus.RUNNING).exists(), interval=0.01)
    children = worker.pool_children()
    assert children, "the worker has no pool process"
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    done = wait_for(lambda: finished(version.pk))
    assert (done.status, done.attempts) == (VersionStatus.INVALID, 2)
    assert done.error_count > 0
    assert done.findings.count() == done.error_count + done.warning_count


def test_upload_succeeds_while_the_broker_is_down_and_is_validated_later(act_world, worker, settings):
    use_broker("redis://127.0.0.1:1/0")
    version = upload(act_world, act_world.sample())
    assert Version.objects.get(pk=version.pk).status == VersionStatus.QUEUED
    use_broker(settings.REDIS_URL)
    Version.objects.filter(pk=version.pk).update(queued_at=version.queued_at.replace(year=2020))
    assert versions_sweep()["requeued"] == 1
    done = wait_for(lambda: finished(version.pk))
    assert (done.status, done.attempts) == (VersionStatus.VALID, 1)
