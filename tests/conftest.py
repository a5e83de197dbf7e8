from __future__ import annotations

import os

import pytest
from django.conf import settings

IN_CI = os.environ.get("CI") == "true"


def pytest_configure(config):
    # WhiteNoise warns once per client that STATIC_ROOT (filled by collectstatic) does not exist.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")
    # CI must exercise the real services: a silently skipped PostgreSQL or Redis run is a failure.
    if IN_CI:
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            pytest.exit(f"CI must run on PostgreSQL, not {engine}; set DATABASE_URL", returncode=3)
        if not settings.REDIS_URL:
            pytest.exit("CI must run with REDIS_URL set", returncode=3)


def pytest_collection_modifyitems(config, items):
    if IN_CI:
        return
    if not settings.REDIS_URL:
        skip = pytest.mark.skip(reason="needs REDIS_URL (always set in CI)")
        for item in items:
            if "services" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {**settings.STORAGES["default"], "OPTIONS": {"location": settings.MEDIA_ROOT}},
        }


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def world(db):
    """Two regions, each with an ICS, a trust, a CCG and an LMS, a Cancer Alliance in region A,
    a current round, and a user of every role at "A" and at "B" (see tests/world.py)."""
    from tests.world import build_world

    return build_world()
