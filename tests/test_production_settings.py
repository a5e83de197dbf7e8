"""config/settings/production.py passes Django's deployment checks with a realistic environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def _database_url() -> str:
    # The database the tests run on when it is a server (CI: PostgreSQL), otherwise a throwaway
    # SQLite file.
    return os.environ.get("DATABASE_URL") or "sqlite:////tmp/portal-deploy-check.sqlite3"


def _production_env(**overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "AWS_", "EMAIL_", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="plans.example.nhs.uk,localhost",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://plans.example.nhs.uk",
        SITE_URL="https://plans.example.nhs.uk",
        DATABASE_URL=_database_url(),
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_check_a_kept_database_connection_before_reuse():
    """Kept connections die when PostgreSQL restarts; unchecked, each would fail its next
    request."""
    result = _manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.db import connection; "
        "print(connection.settings_dict['CONN_MAX_AGE'], "
        "connection.settings_dict['CONN_HEALTH_CHECKS'])",
        env=_production_env(),
    )

    assert result.stdout.split() == ["60", "True"], result.stderr


def test_production_settings_refuse_to_start_without_secret_key():
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_refuse_to_start_without_allowed_hosts():
    env = _production_env()
    del env["DJANGO_ALLOWED_HOSTS"]

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


HEALTHZ_PROBE = """
import django
django.setup()
from django.test import Client
response = Client().get("/healthz/", HTTP_HOST="localhost:8000")
print(response.status_code, response.get("Location", ""))
"""


def test_production_healthz_answers_plain_http_for_container_healthcheck():
    # docker-compose's web healthcheck fetches http://localhost:8000/healthz/ inside the container,
    # where
    # there is no TLS: with SECURE_SSL_REDIRECT on, a redirect to https would make web never
    # healthy.
    env = _production_env(
        DATABASE_URL="sqlite:////tmp/portal-healthz-check.sqlite3", DJANGO_ALLOWED_HOSTS="localhost"
    )

    result = subprocess.run(
        [sys.executable, "-c", HEALTHZ_PROBE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200"]


def test_production_other_pages_still_redirect_to_https():
    env = _production_env(
        DATABASE_URL="sqlite:////tmp/portal-healthz-check.sqlite3", DJANGO_ALLOWED_HOSTS="localhost"
    )
    probe = HEALTHZ_PROBE.replace("/healthz/", "/accounts/login/")

    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.stdout.split() == ["301", "https://localhost:8000/accounts/login/"]
