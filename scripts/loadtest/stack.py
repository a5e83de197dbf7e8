"""The production-shaped stack on this machine, loopback only: gunicorn (several gthread workers),
two separate Celery worker processes for the validation queue and one for every other queue
(concurrency 1 each, config/queues.py) and beat, on a PostgreSQL database and a Redis database of
the run's own, created fresh and dropped afterwards."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

from config import queues

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    """LOAD_PORT if set (machines shared by several people give each a range), else any free one."""
    if os.environ.get("LOAD_PORT"):
        return int(os.environ["LOAD_PORT"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Process:
    name: str
    args: list[str]
    log: Path
    env: dict[str, str]
    popen: subprocess.Popen | None = None
    cwd: Path = ROOT

    def start(self) -> None:
        # Its own session, so a kill reaches the Celery pool child too, and Ctrl+C in the terminal
        # reaches only the driver, which then stops everything in order.
        self.popen = subprocess.Popen(
            self.args,
            cwd=self.cwd,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the process and everything it started, as the kernel's OOM killer would."""
        if self.alive:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def stop(self, timeout: float = 20) -> None:
        if not self.alive:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class Stack:
    run_dir: Path
    database_url: str
    redis_url: str
    celery_app: str = "config"
    web_workers: int = 4
    web_threads: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    # A Redis database of the run's own is flushed; one shared with tests only loses its queues.
    flush_redis: bool = True
    processes: list[Process] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def media_root(self) -> Path:
        return self.run_dir / "media"

    @property
    def email_dir(self) -> Path:
        return self.run_dir / "emails"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on loopback: no TLS in front, so no redirect to it.
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CELERY_BROKER_URL": self.redis_url,
            "DJANGO_MEDIA_ROOT": str(self.media_root),
            "DJANGO_STATIC_ROOT": str(ROOT / "var" / "load-static"),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.email_dir),
            "SITE_URL": self.base_url,
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    # Setup and teardown --------------------------------------------------------------------------

    def _admin_url(self) -> tuple[str, str]:
        parts = urlsplit(self.database_url)
        return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")

    def database_create(self) -> None:
        admin_url, name = self._admin_url()
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        self.redis_reset()

    def redis_reset(self) -> None:
        client = redis.Redis.from_url(self.redis_url)
        if self.flush_redis:
            client.flushdb()
        else:
            client.delete(*queues.ALL_QUEUES, "unacked", "unacked_index", "unacked_mutex")

    def database_drop(self) -> None:
        admin_url, name = self._admin_url()
        for _ in range(10):
            try:
                with psycopg.connect(admin_url, autocommit=True) as connection:
                    connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                break
            except psycopg.OperationalError:
                time.sleep(1)
        try:
            self.redis_reset()
        except redis.RedisError:
            pass

    def manage(self, *args: str, env: dict[str, str]) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=(self.run_dir / "setup.log").open("ab"),
            stderr=subprocess.STDOUT,
        )

    def prepare(self, *, password: str) -> dict[str, str]:
        """A fresh database and Redis db, migrated, with static files and the demo round."""
        if self.run_dir.exists():
            shutil.rmtree(self.run_dir)
        self.media_root.mkdir(parents=True)
        self.email_dir.mkdir()
        env = self.env()
        self.database_create()
        self.manage("migrate", "--noinput", env=env)
        self.manage("collectstatic", "--noinput", env=env)
        self.manage("seed_demo", "--password", password, env=env)
        return env

    # Processes -----------------------------------------------------------------------------------

    def start(self, *, env: dict[str, str]) -> None:
        logs = self.run_dir
        self.web = Process(
            "web",
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.web_workers),
                "--threads",
                str(self.web_threads),
                "--worker-class",
                "gthread",
                "--timeout",
                "60",
                "--access-logfile",
                str(logs / "access.log"),
            ],
            logs / "web.log",
            env,
        )
        self.workers = [
            self.worker_process(f"worker{index}", queues=(queues.VALIDATION,), env=env)
            for index in (1, 2)
        ] + [self.worker_process("worker-other", queues=queues.OTHER_QUEUES, env=env)]
        self.beat = Process(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel=INFO",
                "--schedule",
                str(logs / "celerybeat-schedule"),
            ],
            logs / "beat.log",
            env,
        )
        self.processes = [self.web, *self.workers, self.beat]
        for process in self.processes:
            process.start()
        self.wait_ready()

    def worker_process(self, name: str, *, queues: tuple[str, ...], env: dict[str, str]) -> Process:
        return Process(
            name,
            [
                str(BIN / "celery"),
                "-A",
                self.celery_app,
                "worker",
                "--concurrency=1",
                "--pool=prefork",
                f"--queues={','.join(queues)}",
                f"--hostname={name}@%h",
                "--loglevel=INFO",
            ],
            self.run_dir / f"{name}.log",
            env,
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            dead = [process.name for process in self.processes if not process.alive]
            if dead:
                raise RuntimeError(f"{', '.join(dead)} exited while starting; see {self.run_dir}")
            if self.web_ready() and all(self.worker_ready(worker) for worker in self.workers):
                return
            time.sleep(0.5)
        raise RuntimeError(f"the stack did not start within {timeout:.0f} s; see {self.run_dir}")

    def web_ready(self) -> bool:
        try:
            # noqa: S310 - loopback
            with urllib.request.urlopen(f"{self.base_url}/healthz/", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    @staticmethod
    def worker_ready(worker: Process, *, since: int = 0) -> bool:
        return b" ready." in worker.log.read_bytes()[since:]

    def worker_restart(self, worker: Process, *, timeout: float = 60) -> float:
        """Start a killed worker again; returns seconds until it was consuming."""
        since = worker.log.stat().st_size
        started = time.monotonic()
        worker.start()
        while time.monotonic() - started < timeout:
            if self.worker_ready(worker, since=since):
                return time.monotonic() - started
            time.sleep(0.2)
        raise RuntimeError(f"{worker.name} did not come back within {timeout:.0f} s")

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def finish(self, *, keep: bool, problems: list[str], target: str) -> int:
        """After the stack has stopped: drop its data (unless kept) and say whether the run
        passed."""
        if not keep:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: BLE001, S110 - Django may never have been set up
                pass
            self.database_drop()
            self.remove_files()
        print(flush=True)
        if problems:
            print(f"FAILED: {len(problems)} problem(s)", flush=True)
            for problem in problems[:50]:
                print(f"  - {problem}", flush=True)
            return 1
        print(f"PASSED: every check of `{target}` held (logs in {self.run_dir})", flush=True)
        return 0

    def remove_files(self) -> None:
        """Uploaded files and emails go with the database; the logs stay for reading."""
        shutil.rmtree(self.media_root, ignore_errors=True)
        shutil.rmtree(self.email_dir, ignore_errors=True)
