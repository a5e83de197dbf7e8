"""The Celery app for `make chaos` workers only (`celery -A scripts.loadtest.chaos_worker worker`).

It is the portal's own app with one fault hook around the validator, so the chaos run can
prove two things no healthy file would show: a file whose every check kills the worker process
ends as failed after the allowed attempts, and a check killed mid-task is taken up again.
Production workers run `celery -A config` and never import this module.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
django.setup()

from config.celery import app  # noqa: E402
from submissions import validation  # noqa: E402

from .workload import CRASH_MARKER, SLOW_MARKER  # noqa: E402

__all__ = ["app"]
_validate_file = validation.validate_file


def _validate_with_faults(*, data: bytes, **kwargs):
    tail = data[-64:]
    if CRASH_MARKER in tail:
        # As a segfault or the OOM killer would: no exception, no cleanup, the process is gone.
        os._exit(70)
    if SLOW_MARKER in tail:
        Path(os.environ["LOADTEST_CHAOS_DIR"], f"slow-{os.getpid()}").touch()
        time.sleep(float(os.environ.get("LOADTEST_SLOW_SECONDS", "8")))
    return _validate_file(data=data, **kwargs)


validation.validate_file = _validate_with_faults
