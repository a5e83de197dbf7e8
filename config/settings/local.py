"""The embedded default used by `make run`: SQLite, local files, filesystem broker."""

from .base import *  # noqa: F403

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
DEBUG = env.bool("DJANGO_DEBUG", default=False)  # noqa: F405
# Serve static files straight from the source folders: no collectstatic step for `make run`.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
