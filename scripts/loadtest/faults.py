"""Faults injected during the chaos surge, each timed so the report can say what happened when.

Redis and PostgreSQL are the machine's shared servers: they are restarted with exactly the
commands the machine's operators use, and only briefly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

from config import queues

from .stack import Process, Stack

REDIS_STOP = ["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"]
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]


def _pg_cluster(action: str) -> list[str]:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    return [
        "pg_ctlcluster",
        "--skip-systemctl-redirect",
        version,
        "main",
        action,
        *(["-m", "fast"] if action == "stop" else []),
    ]


@dataclass
class Fault:
    name: str
    started: float  # seconds since the surge began
    seconds: float  # how long the component was down
    note: str = ""


@dataclass
class Faults:
    stack: Stack
    chaos_dir: Path
    started: float = 0.0  # the surge's time.monotonic() origin, given when it begins
    redis_at: float = 20.0
    postgres_at: float = 40.0
    postgres_down: float = 4.0
    kinds: tuple[str, ...] = ("worker", "redis", "postgres")
    done: list[Fault] = field(default_factory=list)
    lost_messages: int = 0
    errors: list[str] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.started

    def run(self, started: float) -> None:
        """Kill a worker mid-task, then restart Redis, then stop PostgreSQL, in that order."""
        self.started = started
        try:
            if "worker" in self.kinds:
                self.kill_worker_mid_task()
            if "redis" in self.kinds:
                self._sleep_until(self.redis_at)
                self.restart_redis()
            if "postgres" in self.kinds:
                self._sleep_until(self.postgres_at)
                self.stop_postgres()
        except Exception as error:  # noqa: BLE001 - reported as a failed check, never left unsaid
            self.errors.append(f"fault injection failed: {error!r}")

    def _sleep_until(self, moment: float) -> None:
        time.sleep(max(0.0, moment - self.now()))

    def kill_worker_mid_task(self, timeout: float = 60) -> None:
        """Wait for the slow file's check to start, then SIGKILL that whole worker and start it
        again."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            marks = list(self.chaos_dir.glob("slow-*"))
            if marks:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("the slow check never started")
        pid = int(marks[0].name.removeprefix("slow-"))
        worker = self._worker_of(pid)
        began = self.now()
        worker.kill()
        time.sleep(1.0)
        back = self.stack.worker_restart(worker)
        self.done.append(
            Fault(
                f"SIGKILL {worker.name} (pool child {pid} mid-check)",
                began,
                self.now() - began,
                f"consuming again {back:.1f} s after restart",
            )
        )

    def _worker_of(self, pid: int) -> Process:
        group = os.getpgid(pid)
        for worker in self.stack.workers:
            if worker.alive and worker.popen.pid == group:
                return worker
        raise RuntimeError(f"process {pid} belongs to no worker of this run")

    def restart_redis(self, backlog_seconds: float = 5.0) -> None:
        """Pause every worker so uploads queue up in Redis, restart Redis (which keeps nothing, so
        those messages are gone), then let the workers go on: only the sweeper can recover them."""
        client = redis.Redis(host="127.0.0.1", port=6379)
        before = client.info("server")["run_id"]
        workers = [worker for worker in self.stack.workers if worker.alive]
        for worker in workers:
            os.killpg(worker.popen.pid, signal.SIGSTOP)
        try:
            time.sleep(backlog_seconds)
            queue = redis.Redis.from_url(self.stack.redis_url)
            self.lost_messages = sum(queue.llen(name) for name in queues.ALL_QUEUES) + queue.hlen(
                "unacked"
            )
            began = self.now()
            subprocess.run(REDIS_STOP, check=False, capture_output=True)
            time.sleep(1.0)
            subprocess.run(REDIS_START, check=True, capture_output=True)
            while True:
                try:
                    after = client.info("server")["run_id"]
                    break
                except redis.ConnectionError:
                    time.sleep(0.1)
        finally:
            for worker in workers:
                os.killpg(worker.popen.pid, signal.SIGCONT)
        if after == before:
            raise RuntimeError("Redis did not restart")
        self.done.append(
            Fault(
                "Redis restarted",
                began,
                self.now() - began,
                f"with {self.lost_messages} messages queued or unacknowledged, all lost "
                f"(workers paused {backlog_seconds:.0f} s before, to let work queue up)",
            )
        )

    def stop_postgres(self) -> None:
        began = self.now()
        subprocess.run(_pg_cluster("stop"), check=True, capture_output=True)
        time.sleep(self.postgres_down)
        subprocess.run(_pg_cluster("start"), check=True, capture_output=True)
        while True:
            try:
                psycopg.connect(self.stack.database_url, connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                time.sleep(0.2)
        self.done.append(Fault("PostgreSQL stopped and started", began, self.now() - began))

    @property
    def over_at(self) -> float:
        """When the last fault ended, in surge seconds."""
        return max((fault.started + fault.seconds for fault in self.done), default=0.0)
