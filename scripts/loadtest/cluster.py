"""Two web hosts and two worker hosts that share only PostgreSQL, Redis and S3 (`make scaleout`).

Each host is a directory of its own: its working directory, static files, temporary files,
outgoing mail and a MEDIA_ROOT that must stay empty, because every stored file goes to the S3
bucket (moto's server on loopback, as MinIO or AWS would be in production). The hosts see the
code (the image) and nothing else of each other. Worker hosts run a validation worker and a worker
for the other queues each (config/queues.py); beat runs on worker host 1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from config import queues

from .stack import BIN, ROOT, Process, Stack, free_port

BUCKET = "plan-returns"


@dataclass
class Host:
    name: str
    directory: Path
    processes: list[Process] = field(default_factory=list)

    @property
    def media_root(self) -> Path:
        return self.directory / "media"

    @property
    def email_dir(self) -> Path:
        return self.directory / "emails"

    def env(self, base: dict[str, str]) -> dict[str, str]:
        return {
            **base,
            # The code, as an image would hold it; nothing else of the repository's tree.
            "PYTHONPATH": str(ROOT),
            "DJANGO_MEDIA_ROOT": str(self.media_root),
            "DJANGO_STATIC_ROOT": str(self.directory / "static"),
            "EMAIL_FILE_PATH": str(self.email_dir),
            "TMPDIR": str(self.directory / "tmp"),
        }

    def make(self) -> None:
        for sub in ("media", "emails", "static", "tmp"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)

    def local_files(self) -> list[Path]:
        """Files the host stored on its own disk instead of S3 (there must be none)."""
        return [path for path in self.media_root.rglob("*") if path.is_file()]

    def kill(self) -> None:
        for process in self.processes:
            process.kill()


@dataclass
class Cluster(Stack):
    s3_port: int = field(default_factory=free_port)
    web_port_b: int = field(default_factory=free_port)
    hosts: dict[str, Host] = field(default_factory=dict)
    s3: Process | None = None

    @property
    def s3_url(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    @property
    def base_url_b(self) -> str:
        return f"http://127.0.0.1:{self.web_port_b}"

    def env(self) -> dict[str, str]:
        return {
            **super().env(),
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": self.s3_url,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "scaleout",
            "AWS_SECRET_ACCESS_KEY": "scaleout-secret",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        }

    def bucket(self):
        return boto3.resource(
            "s3",
            endpoint_url=self.s3_url,
            region_name="us-east-1",
            aws_access_key_id="scaleout",
            aws_secret_access_key="scaleout-secret",
        ).Bucket(BUCKET)

    def bucket_keys(self) -> set[str]:
        return {item.key for item in self.bucket().objects.all()}

    def prepare(self, *, password: str) -> dict[str, str]:
        """S3 up with its bucket, a fresh database migrated with the demo round, and each host's
        directory with its own static files."""
        if self.run_dir.exists():
            shutil.rmtree(self.run_dir)
        self.run_dir.mkdir(parents=True)
        self.hosts = {
            name: Host(name, self.run_dir / name)
            for name in ("web-a", "web-b", "worker-1", "worker-2")
        }
        for host in self.hosts.values():
            host.make()
        self.s3 = Process(
            "s3",
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.s3_port)],
            self.run_dir / "s3.log",
            dict(os.environ),
            cwd=self.run_dir,
        )
        self.s3.start()
        self._wait(lambda: self._answers(f"{self.s3_url}/"), "the S3 server")
        self.bucket().create()
        env = self.env()
        self.database_create()
        self.manage("migrate", "--noinput", env=env)
        self.manage("seed_demo", "--password", password, env=env)
        for name in ("web-a", "web-b"):
            host = self.hosts[name]
            subprocess.run(
                [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput"],
                cwd=host.directory,
                env=host.env(env),
                check=True,
                stdout=(self.run_dir / "setup.log").open("ab"),
                stderr=subprocess.STDOUT,
            )
        return env

    def start(self, *, env: dict[str, str]) -> None:
        web_a, web_b = self.hosts["web-a"], self.hosts["web-b"]
        for host, port in ((web_a, self.port), (web_b, self.web_port_b)):
            host.processes = [self._gunicorn(host, port, env)]
        for index in (1, 2):
            host = self.hosts[f"worker-{index}"]
            host.processes = [
                self._celery(host, "validation", env, "worker", f"--queues={queues.VALIDATION}"),
                self._celery(
                    host, "other", env, "worker", f"--queues={','.join(queues.OTHER_QUEUES)}"
                ),
            ]
        worker_1 = self.hosts["worker-1"]
        worker_1.processes.append(self._celery(worker_1, "beat", env, "beat"))
        self.workers = [
            process
            for host in self.hosts.values()
            for process in host.processes
            if "worker" in process.args
        ]
        self.processes = [process for host in self.hosts.values() for process in host.processes]
        for process in self.processes:
            process.start()
        self._wait(
            lambda: self._answers(f"{self.base_url}/healthz/")
            and self._answers(f"{self.base_url_b}/healthz/")
            and all(self.worker_ready(worker) for worker in self.workers),
            "the hosts",
            timeout=120,
        )

    def _gunicorn(self, host: Host, port: int, env: dict[str, str]) -> Process:
        return Process(
            f"{host.name}/gunicorn",
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                # gunicorn reads ./gunicorn.conf.py only from its working directory, the host's.
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "2",
                "--worker-class",
                "gthread",
                "--timeout",
                "60",
                "--access-logfile",
                str(host.directory / "access.log"),
            ],
            host.directory / "gunicorn.log",
            host.env(env),
            cwd=host.directory,
        )

    def _celery(self, host: Host, role: str, env: dict[str, str], *args: str) -> Process:
        node = [f"--hostname={role}@{host.name}"] if args[0] == "worker" else []
        return Process(
            f"{host.name}/{role}",
            [
                str(BIN / "celery"),
                "-A",
                "config",
                *args,
                *(["--concurrency=1", "--pool=prefork"] if args[0] == "worker" else []),
                *node,
                "--loglevel=INFO",
            ],
            host.directory / f"{role}.log",
            host.env(env),
            cwd=host.directory,
        )

    @staticmethod
    def _answers(url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                return response.status < 500
        except urllib.error.HTTPError as error:
            return error.code < 500
        except OSError:
            return False

    def _wait(self, ready, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            dead = [process.name for process in self.processes if not process.alive]
            if dead:
                raise RuntimeError(f"{', '.join(dead)} exited while starting; see {self.run_dir}")
            if ready():
                return
            time.sleep(0.5)
        raise RuntimeError(f"{what} did not start within {timeout:.0f} s; see {self.run_dir}")

    def _validation_log(self, host: str) -> list[str]:
        log = self.hosts[host].directory / "validation.log"
        return [
            line
            for line in log.read_text(errors="replace").splitlines()
            if "submissions.tasks.validate_version[" in line
        ]

    def validations_by_host(self) -> dict[str, int]:
        """Checks each worker host finished, from its validation worker's own log."""
        return {
            name: sum(" succeeded in " in line for line in self._validation_log(name))
            for name in self.hosts
            if name.startswith("worker-")
        }

    def tasks_in_hand(self, host: str) -> int:
        """Validation tasks the host's worker has received and not finished."""
        lines = self._validation_log(host)
        received = sum(line.endswith("] received") for line in lines)
        return received - sum(" succeeded in " in line or " raised " in line for line in lines)

    def email_dirs(self) -> list[Path]:
        return [host.email_dir for host in self.hosts.values()]

    def stop(self) -> None:
        super().stop()
        if self.s3 is not None:
            self.s3.stop()

    def remove_files(self) -> None:
        for host in self.hosts.values():
            shutil.rmtree(host.media_root, ignore_errors=True)
            shutil.rmtree(host.email_dir, ignore_errors=True)
