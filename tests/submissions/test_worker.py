"""The validation pipeline with a real Celery worker process on the real Redis and PostgreSQL."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from submissions.models import Submission, SubmissionStatus, Version, VersionStatus
from submissions.services import version_create
from submissions.validation import versions_sweep

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if "postgresql" not in db["ENGINE"]:
        pytest.skip("a worker process needs a database it can share: run with DATABASE_URL=postgres://…")
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _use_broker(url: str, queue: str) -> None:
    celery_app.conf.broker_url = url
    celery_app.conf.task_default_queue = queue
    celery_app.pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class Worker:
    def __init__(self, *, queue: str, media_root: str, database_url: str):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url,
            "TEST_CELERY_BROKER_URL": settings.REDIS_URL,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "DJANGO_MEDIA_ROOT": media_root,
        }
        self.queue = queue
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=1",
             "-Q", self.queue, "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def pool_children(self) -> list[int]:
        found = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in found.split()]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def worker(settings, tmp_path):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    media_root = str(tmp_path / "shared-media")
    settings.MEDIA_ROOT = media_root
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"],
                                                          "OPTIONS": {"location": media_root}}}
    _use_broker(settings.REDIS_URL, queue)
    running = Worker(queue=queue, media_root=media_root, database_url=_database_url())
    running.start()
    yield running
    running.stop()
    _use_broker(settings.CELERY_BROKER_URL, "celery")


def wait_for(predicate, *, timeout: float = 90.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting")


def upload(world, data: bytes) -> Version:
    return version_create(submission=world.submission, user=world.lead, stream=io.BytesIO(data),
                          filename="plan.xlsx").version


def finished(version_id: int) -> Version | None:
    version = Version.objects.get(pk=version_id)
    return version if version.is_finished else None


def test_upload_is_validated_by_a_real_worker(world, worker):
    version = upload(world, world.sample(errors=2))
    done = wait_for(lambda: finished(version.pk))
    assert (done.status, done.error_count, done.attempts) == (VersionStatus.INVALID, 2, 1)
    assert Submission.objects.get(pk=world.submission.pk).status == SubmissionStatus.INVALID


def test_worker_killed_mid_task_still_finishes_once(world, worker):
    version = upload(world, world.sample(cells=400_000))
    wait_for(lambda: Version.objects.filter(pk=version.pk, status=VersionStatus.RUNNING).exists(), interval=0.01)
    children = worker.pool_children()
    assert children, "the worker has no pool process"
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    done = wait_for(lambda: finished(version.pk))
    assert (done.status, done.attempts) == (VersionStatus.VALID, 2)
    assert done.findings.count() == done.warning_count


def test_upload_succeeds_while_the_broker_is_down_and_is_validated_later(world, worker, settings):
    _use_broker("redis://127.0.0.1:1/0", worker.queue)
    version = upload(world, world.sample())
    assert Version.objects.get(pk=version.pk).status == VersionStatus.QUEUED
    _use_broker(settings.REDIS_URL, worker.queue)
    Version.objects.filter(pk=version.pk).update(queued_at=version.queued_at.replace(year=2020))
    assert versions_sweep()["requeued"] == 1
    done = wait_for(lambda: finished(version.pk))
    assert (done.status, done.attempts) == (VersionStatus.VALID, 1)
