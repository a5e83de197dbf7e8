"""One client address for lockout, throttling and audit: X-Forwarded-For only from trusted
proxies."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from api.throttling import ClientAddressScopedRateThrottle
from audit.client_address import client_ip
from audit.models import AuditAction, AuditEvent
from tests.factories import PASSWORD, IcsFactory, UserFactory, user_with_role

PROXY = "10.0.0.1"


def _address(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_forwarded_header_is_ignored_without_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = []

    assert _address(PROXY, "198.51.100.7") == PROXY


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (PROXY, "198.51.100.7", "198.51.100.7"),
        # The client's own entries come first; the proxy appends the address it saw.
        (PROXY, "203.0.113.66, 198.51.100.7", "198.51.100.7"),
        ("10.0.0.9", "198.51.100.7", "10.0.0.9"),
        ("203.0.113.5", "198.51.100.7", "203.0.113.5"),
        (PROXY, "not-an-address", PROXY),
        (PROXY, "", PROXY),
    ],
)
def test_forwarded_header_is_believed_only_from_a_trusted_proxy(
    settings, remote, forwarded, expected
):
    settings.TRUSTED_PROXIES = [PROXY, "192.168.0.0/16"]

    assert _address(remote, forwarded) == expected


def test_trusted_proxies_may_be_networks(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert _address("10.200.3.4", "198.51.100.7") == "198.51.100.7"


@pytest.fixture
def lead(db):
    return user_with_role(Role.SYSTEM_LEAD, organisation=IcsFactory(), username="lead")


def _login(client, username: str, password: str, forwarded: str):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_a_stranger_behind_the_proxy_cannot_lock_a_user_out(client, lead, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    answers = [
        _login(client, "lead", "wrong", "198.51.100.7").status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]

    assert answers[-1] == 429
    assert _login(client, "lead", PASSWORD, "203.0.113.5").status_code == 302


def test_a_forged_forwarded_header_does_not_escape_the_lockout(client, lead, settings):
    settings.TRUSTED_PROXIES = []
    answers = [
        _login(client, "lead", "wrong", f"198.51.100.{attempt}").status_code
        for attempt in range(settings.AXES_FAILURE_LIMIT)
    ]

    assert answers[-1] == 429
    assert _login(client, "lead", PASSWORD, "203.0.113.5").status_code == 429


def test_api_token_throttle_ignores_a_forged_forwarded_header(db, settings, monkeypatch):
    settings.TRUSTED_PROXIES = []
    monkeypatch.setattr(ClientAddressScopedRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    api = APIClient()

    answers = [
        api.post(
            "/api/v1/auth/token/",
            {"username": f"someone-{attempt}", "password": "wrong"},
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",
        ).status_code
        for attempt in range(4)
    ]

    assert answers == [400, 400, 400, 429]


def test_api_token_throttle_counts_each_client_behind_a_trusted_proxy(db, settings, monkeypatch):
    settings.TRUSTED_PROXIES = [PROXY]
    monkeypatch.setattr(ClientAddressScopedRateThrottle, "THROTTLE_RATES", {"token": "1/minute"})
    api = APIClient()

    answers = [
        api.post(
            "/api/v1/auth/token/",
            {"username": "someone", "password": "wrong"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code
        for forwarded in ("198.51.100.1", "198.51.100.2", "198.51.100.1")
    ]

    assert answers == [400, 400, 429]


def test_audit_records_the_address_the_trusted_proxy_saw(client, settings, db):
    settings.TRUSTED_PROXIES = [PROXY]
    UserFactory(username="sam")

    _login(client, "sam", PASSWORD, "203.0.113.66, 198.51.100.7")
    settings.TRUSTED_PROXIES = []
    client.logout()
    _login(client, "sam", PASSWORD, "198.51.100.7")

    assert list(
        AuditEvent.objects.filter(action=AuditAction.LOGIN)
        .order_by("id")
        .values_list("ip_address", flat=True)
    ) == ["198.51.100.7", PROXY]


def test_embedded_cache_is_shared_between_processes(tmp_path):
    """Throttle and reset counts live in the cache: two web processes without Redis must agree."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("REDIS_", "DJANGO_", "PYTEST_"))
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", DJANGO_CACHE_DIR=str(tmp_path))
    script = (
        "import django; django.setup(); from django.core.cache import cache; "
        "cache.add('hits', 0); print(cache.incr('hits'))"
    )

    counts = [
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=django_settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for _ in range(2)
    ]

    assert counts == ["1", "2"]
