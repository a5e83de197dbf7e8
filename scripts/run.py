"""`make run`: migrate, load the demo, then serve the portal with real Celery workers (validation
on workers of its own, config/queues.py).

Embedded by default (SQLite, files under var/, Celery on kombu's filesystem transport); set
DATABASE_URL or REDIS_URL to use PostgreSQL or Redis instead. Stays in the foreground and stops
the workers and web server together on Ctrl+C.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from config import queues  # noqa: E402


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def celery_worker(
    name: str, *, queues: tuple[str, ...], concurrency: int, extra: tuple[str, ...] | list = ()
) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            f"--queues={','.join(queues)}",
            f"--hostname={name}@%h",
            f"--concurrency={concurrency}",
            "--loglevel=INFO",
            *extra,
        ],
        cwd=ROOT,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    (ROOT / "var" / "broker" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "broker" / "processed").mkdir(parents=True, exist_ok=True)
    password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
    os.environ.setdefault("SITE_URL", f"http://localhost:{args.port}")

    manage("migrate", "--noinput", "-v", "0")
    manage("seed_demo", "--password", password, "--sample-returns")

    # Validation has worker processes of its own, so an upload's result never waits behind the
    # hourly reminders or an export; the other worker takes every other queue and runs beat.
    workers = [
        celery_worker("validation", queues=(queues.VALIDATION,), concurrency=2),
        celery_worker(
            "other",
            queues=queues.OTHER_QUEUES,
            concurrency=1,
            extra=["--beat", "--schedule", str(ROOT / "var" / "celerybeat-schedule")],
        ),
    ]
    web = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--access-logfile",
            "-",
        ],
        cwd=ROOT,
    )
    time.sleep(1.5)
    print(
        f"""
  Plan submission portal: http://localhost:{args.port}/

  Demo logins (password: {password})
    admin           national admin
    lead-qhm        system lead, North East and North Cumbria ICS (lead-<ICS code> for every ICS)
    submit-rtd      submitter and signatory, a trust (submit-<trust code> for every trust)
    reviewer-y63    regional reviewer, North East and Yorkshire (reviewer-<region code>)

  Press Ctrl+C to stop the web server and the workers.
""",
        flush=True,
    )

    processes = [web, *workers]

    def stop(*_):
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
