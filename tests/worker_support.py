"""Real Celery worker processes for tests, on the real Redis and the test PostgreSQL database.

`worker` is one worker consuming every queue; `start_worker` starts workers of given queues, as
production runs them (config/queues.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import kombu.pools
import pytest
import redis
from django.conf import settings
from django.db import connection

from config import queues
from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]


def _database_url() -> str:
    db = connection.settings_dict
    if "postgresql" not in db["ENGINE"]:
        pytest.skip(
            "a worker process needs a database it can share: run with DATABASE_URL=postgres://…"
        )
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def use_broker(url: str) -> None:
    """Point this process's Celery app at another broker, dropping pooled connections to the old
    one."""
    celery_app.conf.broker_url = url
    celery_app.conf.broker_write_url = url
    celery_app.conf.broker_read_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu.pools.reset()


class Worker:
    def __init__(
        self,
        *,
        media_root: str,
        database_url: str,
        log_path: Path,
        queues: tuple[str, ...] = queues.ALL_QUEUES,
    ):
        self.queues = queues
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url,
            "TEST_CELERY_BROKER_URL": settings.REDIS_URL,
            "DJANGO_MEDIA_ROOT": media_root,
        }
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                f"--queues={','.join(self.queues)}",
                f"--hostname={self.log_path.stem}@%h",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until the worker says it is consuming its queues."""
        wait_for(lambda: b" ready." in self.log_path.read_bytes(), timeout=timeout, interval=0.2)

    def pool_children(self) -> list[int]:
        found = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in found.split()]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def queued_messages() -> dict[str, int]:
    """How many messages wait on each queue of the broker this process publishes to."""
    with celery_app.connection_for_write() as connection_:
        client = connection_.default_channel.client
        return {name: client.llen(name) for name in queues.ALL_QUEUES}


@contextmanager
def real_workers_turn(redis_url: str) -> Iterator[None]:
    """The test processes of one run (pytest -n) share the broker's queues: a worker started for
    one would take, or purge, another's tasks and look for their versions in the wrong database.
    So tests with real workers take turns."""
    turn = redis.Redis.from_url(redis_url).lock(
        "portal-tests:real-worker", timeout=900, blocking_timeout=1800
    )
    if not turn.acquire():
        pytest.fail("another test process kept the real worker for 30 minutes")
    try:
        yield
    finally:
        turn.release()


@contextmanager
def _workers_turn(settings, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Hold the real-worker turn with Celery on Redis and empty queues; gives (media root,
    database URL) for the workers to share with the test."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    media_root = str(tmp_path / "shared-media")
    settings.MEDIA_ROOT = media_root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": media_root}},
    }
    database_url = _database_url()
    with real_workers_turn(settings.REDIS_URL):
        use_broker(settings.REDIS_URL)
        try:
            # Messages left by an earlier, interrupted run would be validated against a database
            # that is gone.
            with celery_app.connection_for_write() as connection_:
                for name in queues.ALL_QUEUES:
                    connection_.default_channel.queue_purge(name)
            yield media_root, database_url
        finally:
            use_broker(settings.CELERY_BROKER_URL)


@pytest.fixture
def worker(settings, tmp_path):
    """One worker consuming every queue."""
    with _workers_turn(settings, tmp_path) as (media_root, database_url):
        running = Worker(
            media_root=media_root, database_url=database_url, log_path=tmp_path / "worker.log"
        )
        running.start()
        yield running
        running.stop()
        # Shown by pytest only when the test failed: the worker's own account of what it did.
        print(running.log_path.read_text(errors="replace")[-5000:])


@pytest.fixture
def start_worker(settings, tmp_path):
    """Start workers of the given queues (`start_worker("validation")`); all stop at the end."""
    with _workers_turn(settings, tmp_path) as (media_root, database_url):
        started: list[Worker] = []

        def start(*names: str) -> Worker:
            running = Worker(
                media_root=media_root,
                database_url=database_url,
                log_path=tmp_path / f"worker-{len(started) + 1}-{'-'.join(names)}.log",
                queues=names,
            )
            running.start()
            started.append(running)
            return running

        yield start
        for running in started:
            running.stop()
            print(f"{running.log_path.name}:", running.log_path.read_text(errors="replace")[-3000:])


def wait_for(predicate, *, timeout: float = 90.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting")
