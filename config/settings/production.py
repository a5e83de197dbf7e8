"""Production: every secret and host from the environment; refuses to start without them."""

from .base import *  # noqa: F403

SECRET_KEY = env("DJANGO_SECRET_KEY")  # noqa: F405
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")  # noqa: F405
DEBUG = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)  # noqa: F405
# The container healthcheck calls http://localhost:8000/healthz/ with no TLS in front of it.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)  # noqa: F405
# A kept connection is checked before each request reuses it: after PostgreSQL restarts, every
# gunicorn thread would otherwise answer one 500 on its dead connection
# (tests/test_production_settings.py).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
if env("ANYMAIL_PROVIDER_BACKEND", default=""):  # noqa: F405
    EMAIL_BACKEND = env("ANYMAIL_PROVIDER_BACKEND")  # noqa: F405
    ANYMAIL = env.json("ANYMAIL", default={})  # noqa: F405
