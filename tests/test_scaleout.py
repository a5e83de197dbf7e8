"""`make scaleout` at CI size: two web hosts and two worker hosts, each in a directory of its own,
sharing only PostgreSQL, Redis and S3 (moto's server); an upload through web host A is validated on
either worker host and downloaded byte for byte through web host B while worker host 2 is killed."""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from tests.worker_support import ROOT, real_workers_turn

pytestmark = [pytest.mark.slow, pytest.mark.services]


def test_scaleout_loses_nothing_across_hosts_while_a_worker_host_dies(tmp_path):
    if "postgresql" not in connection.settings_dict["ENGINE"] or not settings.REDIS_URL:
        pytest.skip("needs the real PostgreSQL and Redis: run with DATABASE_URL and REDIS_URL")
    database = urlsplit(os.environ["DATABASE_URL"])
    name = f"{database.path.lstrip('/')}_scaleout{os.environ.get('PYTEST_XDIST_WORKER', '')}"
    env = {
        **os.environ,
        "SCALEOUT_DATABASE_URL": database._replace(path=f"/{name}").geturl(),
        "SCALEOUT_REDIS_URL": settings.REDIS_URL,
        # Other tests keep cache keys in this Redis database: only the queues are emptied.
        "SCALEOUT_FLUSH_REDIS": "false",
    }
    env.pop("SCALEOUT_PORT", None)
    with real_workers_turn(settings.REDIS_URL):
        run = subprocess.run(
            [
                sys.executable,
                "scripts/scaleout.py",
                "--uploads",
                "16",
                "--organisations",
                "12",
                "--seconds",
                "12",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    print(run.stdout[-6000:], run.stderr[-3000:])
    assert run.returncode == 0
    assert "PASSED" in run.stdout
    assert "Downloads through web host B: 16 of 16 byte for byte" in run.stdout
