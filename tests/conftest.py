from __future__ import annotations

import importlib
import os
from contextlib import contextmanager

import pytest
from django.conf import settings

pytest_plugins = ["tests.returns_world", "tests.worker_support"]

IN_CI = os.environ.get("CI") == "true"


def _let_test_flushes_empty_the_sqlite_audit_trail() -> None:
    """Django empties the database after each transactional test with a flush; on PostgreSQL that is
    a TRUNCATE, which the append-only trigger does not see, but on SQLite it is a DELETE, which the
    triggers refuse. In tests only, a flush lifts them for its own statements and puts them back."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    DatabaseOperations = DatabaseWrapper.ops_class

    triggers = importlib.import_module("audit.migrations.0003_append_only_trigger_sqlite")
    sql_flush = DatabaseOperations.sql_flush

    def flush_around_triggers(self, style, tables, **kwargs):
        statements = sql_flush(self, style, tables, **kwargs)
        if "audit_auditevent" not in tables:
            return statements
        return [*triggers.DROP, *statements, *triggers.CREATE]

    DatabaseOperations.sql_flush = flush_around_triggers


def pytest_configure(config):
    _let_test_flushes_empty_the_sqlite_audit_trail()
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
            "default": {
                **settings.STORAGES["default"],
                "OPTIONS": {"location": settings.MEDIA_ROOT},
            },
        }


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    if isinstance(cache, RedisCache):
        # Only the cache's own keys: clear() is FLUSHDB, which would also drop the Celery broker's
        # queued messages (same Redis database) under a real-worker test in another test process.
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=cache.make_key("*")))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()
    yield


@pytest.fixture
def world(db):
    """Two regions, each with an ICS, a trust, a CCG and an LMS, a Cancer Alliance in region A,
    a current round, and a user of every role at "A" and at "B" (see tests/world.py)."""
    from tests.world import build_world

    return build_world()


@pytest.fixture
def collection(db):
    """The current round's ACT collection, owed by ICSs, due 6 May 2021 (one collection, for
    Django admin's pages)."""
    from tests.factories import CollectionFactory, PlanningRoundFactory, london

    return CollectionFactory(
        planning_round=PlanningRoundFactory(name="2021/22", is_current=True),
        code="ACT",
        deadline=london(2021, 5, 6),
        submitted_by=["ics"],
    )


@pytest.fixture
def ics(db):
    """An ICS (QAA) with its system lead, lead-qaa, its only person."""
    from accounts.models import Role
    from tests.factories import IcsFactory, user_with_role

    ics = IcsFactory(ods_code="QAA")
    user_with_role(Role.SYSTEM_LEAD, organisation=ics, username="lead-qaa")
    return ics


@contextmanager
def module_transaction(django_db_blocker):
    """Data built once for a module inside a transaction that is rolled back after the module.

    Each test's own `db` fixture nests a savepoint inside it, so tests still cannot see each
    other's changes. Not for tests that use `transactional_db` or `live_server`.
    """
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    """The world of tests/world.py, built once per module; request `db` too in the test."""
    from tests.world import build_world

    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            world = build_world()
        yield world
