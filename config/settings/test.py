"""Tests: the same settings as production code paths, with fast hashing and mail in memory.

DATABASE_URL and REDIS_URL come from the environment: CI points them at the real PostgreSQL and
Redis of the machine (see .ci/run); without them tests use SQLite and the in-memory cache.
"""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "test-media"))  # noqa: F405
if STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):  # noqa: F405
    STORAGES["default"]["OPTIONS"]["location"] = MEDIA_ROOT  # noqa: F405
# Unit tests publish to an in-memory broker; tests with a real worker point Celery at Redis.
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default="memory://")  # noqa: F405
CELERY_BROKER_TRANSPORT_OPTIONS = {}
# Test processes of one run (pytest -n) share the Redis database: each keeps its cache keys, and the
# counters kept in them (password reset limits, API throttles), to itself.
CACHES["default"]["KEY_PREFIX"] = env("PYTEST_XDIST_WORKER", default="")  # noqa: F405
if CACHES["default"]["BACKEND"].endswith("FileBasedCache"):  # noqa: F405
    CACHES["default"]["LOCATION"] = str(  # noqa: F405
        VAR_DIR / "test-cache" / env("PYTEST_XDIST_WORKER", default="main")  # noqa: F405
    )
