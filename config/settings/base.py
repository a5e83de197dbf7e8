"""Settings shared by every environment; everything that differs comes from the environment.

The embedded default (no variables set) is SQLite, files on local disk and Celery on kombu's
filesystem transport, so one command runs the whole portal on a laptop. DATABASE_URL, REDIS_URL
and the S3 variables switch to the production services.
"""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab

from config import queues

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "django_celery_beat",
    "django_htmx",
    "core",
    "shell",
    "accounts",
    "planning",
    "submissions",
    "reviews",
    "audit",
    "notifications",
    "erf",
    "oversight",
    "charts",
    "exports",
    "triangulation",
    "extensions",
    "demo",
    "guidance",
    "api",
]

MIDDLEWARE = [
    # First: nothing below may read a body larger than the upload limit (core.limits).
    "core.limits.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.ErrorTitleMiddleware",
    "axes.middleware.AxesMiddleware",
    "audit.context.AuditRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shell.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; without it a long
    # validation write blocks every page with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "shell:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Uploaded returns are never served from MEDIA_URL: only the authorised download view reads them.
MEDIA_URL = "/media-not-served/"

AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _file_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _file_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": _file_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        # NHS.UK's Frutiger webfont is served from its own CDN; Arial is the fallback.
        "font-src": ["'self'", "https://assets.nhs.uk"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Addresses or networks (CIDR) of the load balancers or proxies that connect to the web processes.
# Only a request from one of them may say who the client is (its X-Forwarded-For); the sign-in
# lockout, the API throttles and the audit trail all use that one address (audit.client_address).
# Empty (the default): X-Forwarded-For is ignored everywhere.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
AXES_CLIENT_IP_CALLABLE = "audit.client_address.client_ip"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
# Username and address together: many NHS staff share one outbound address, so locking the
# address alone would lock out a whole trust, and locking the username alone would let anyone
# lock a system lead out the night before a deadline.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Password reset is open to anyone, so it is limited like the login: per email address (a mailbox
# cannot be flooded; extra requests get the same "check your email" page and send nothing) and
# per client address (one source cannot walk a list of addresses; it gets a 429 whether or not
# any of them has an account). Counted in the cache, so every web process shares the counts.
PASSWORD_RESET_LIMIT_PER_EMAIL = env.int("PASSWORD_RESET_LIMIT_PER_EMAIL", default=3)
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=20)
PASSWORD_RESET_WINDOW_SECONDS = env.int("PASSWORD_RESET_WINDOW_SECONDS", default=3600)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
# Only read by Django's file-based backend, which the load and chaos runs use to count emails sent.
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "sent-emails"))
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Plan submission portal <no-reply@plans.example.nhs.uk>"
)
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Files, not process memory: the API throttles and the password reset limits count in the cache,
    # and every gunicorn worker of the embedded default must see the same counts.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env("DJANGO_CACHE_DIR", default=str(VAR_DIR / "cache")),
        }
    }

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {}
    if REDIS_URL or env("CELERY_BROKER_URL", default="")
    else {
        "data_folder_in": str(VAR_DIR / "broker" / "out"),
        "data_folder_out": str(VAR_DIR / "broker" / "out"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        # Without this kombu writes its broadcast exchange into the working directory.
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_THROTTLE_RATES": {"token": env("API_TOKEN_RATE", default="30/minute")},
}
# API tokens (django-rest-knox): stored only as a hash, one per device or script, each expiring on
# its
# own; revoked when the owner's password changes or is reset, or the account is disabled.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(days=API_TOKEN_TTL_DAYS),
    # The header keeps the "Token …" form the API has always documented.
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Plan submission portal API",
    "DESCRIPTION": "Returns, versions, validation findings and sign-off for NHS operational plans.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI served from our own static files: no CDN, and the CSP stays strict.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_common_answers",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SubmissionStatusEnum": "submissions.models.SubmissionStatus",
        "VersionStatusEnum": "submissions.models.VersionStatus",
        "SeverityEnum": "submissions.models.Severity",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
# The one size limit of a request: the largest file accepted, enforced before any body is read
# (core.limits) and stated on the upload form and in the API schema. The proxy in front of gunicorn
# should refuse the same (README "Deploying").
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=50 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "core.limits.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
VALIDATION_MAX_ATTEMPTS = env.int("VALIDATION_MAX_ATTEMPTS", default=3)
TRIANGULATION_STALE_SECONDS = env.int("TRIANGULATION_STALE_SECONDS", default=300)
TRIANGULATION_MAX_ATTEMPTS = env.int("TRIANGULATION_MAX_ATTEMPTS", default=3)
VALIDATION_QUEUED_STALE_SECONDS = env.int("VALIDATION_QUEUED_STALE_SECONDS", default=120)
VALIDATION_RUNNING_STALE_SECONDS = env.int("VALIDATION_RUNNING_STALE_SECONDS", default=360)
# A marked workbook or a comparison of files up to this size (together) is built in the request;
# larger ones on a worker, with progress shown (submissions.products).
PRODUCT_INLINE_MAX_BYTES = env.int("PRODUCT_INLINE_MAX_BYTES", default=2 * 1024 * 1024)
PRODUCT_MAX_ATTEMPTS = env.int("PRODUCT_MAX_ATTEMPTS", default=3)
EXPORT_MAX_ATTEMPTS = env.int("EXPORT_MAX_ATTEMPTS", default=3)
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=7)
EXPORT_QUEUED_STALE_SECONDS = env.int("EXPORT_QUEUED_STALE_SECONDS", default=300)
# Longer than build_export's hard time limit (1800 s): a slow national zip is not a dead worker.
EXPORT_RUNNING_STALE_SECONDS = env.int("EXPORT_RUNNING_STALE_SECONDS", default=1900)
# Working ERF estimates out again after a baselines import (submissions.erf_estimates): longer
# than refresh_erf_estimates's hard time limit (600 s) before a running one counts as stuck.
ERF_REFRESH_QUEUED_STALE_SECONDS = env.int("ERF_REFRESH_QUEUED_STALE_SECONDS", default=300)
ERF_REFRESH_RUNNING_STALE_SECONDS = env.int("ERF_REFRESH_RUNNING_STALE_SECONDS", default=700)
ERF_REFRESH_MAX_ATTEMPTS = env.int("ERF_REFRESH_MAX_ATTEMPTS", default=3)
# One validation's budget. A million-cell workbook takes about 6 s and 200 MB (make bench); past the
# soft limit the version fails with a message, the hard limit kills a child stuck in native code,
# and the address-space cap turns a blow-up into a MemoryError instead of the machine swapping (or,
# inside calamine's native code, aborts the child: a crash, retried and then failed like any other).
VALIDATION_SOFT_TIME_LIMIT_SECONDS = env.float("VALIDATION_SOFT_TIME_LIMIT_SECONDS", default=120)
VALIDATION_TIME_LIMIT_SECONDS = env.float("VALIDATION_TIME_LIMIT_SECONDS", default=150)
VALIDATION_MEMORY_LIMIT_MB = env.int("VALIDATION_MEMORY_LIMIT_MB", default=1536)
# Short in the load and chaos runs (scripts/loadtest), which wait for the sweepers to recover
# faults.
VALIDATION_SWEEP_SECONDS = env.float("VALIDATION_SWEEP_SECONDS", default=60.0)
NOTIFICATION_EMAIL_SWEEP_SECONDS = env.float("NOTIFICATION_EMAIL_SWEEP_SECONDS", default=300.0)
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-versions": {
        "task": "submissions.tasks.sweep_stuck_versions",
        "schedule": VALIDATION_SWEEP_SECONDS,
    },
    "sweep-stuck-products": {
        "task": "submissions.tasks.sweep_stuck_products",
        "schedule": VALIDATION_SWEEP_SECONDS,
    },
    "sweep-stuck-exports": {"task": "exports.tasks.sweep_stuck_exports", "schedule": 120.0},
    "sweep-stuck-erf-refreshes": {
        "task": "submissions.tasks.sweep_stuck_erf_refreshes",
        "schedule": 120.0,
    },
    "expire-old-exports": {
        "task": "exports.tasks.expire_old_exports",
        "schedule": crontab(minute=20, hour=2),
    },
    "sweep-owed-triangulation": {
        "task": "triangulation.tasks.sweep_owed_triangulation",
        "schedule": 120.0,
    },
    "send-unsent-notification-emails": {
        "task": "notifications.tasks.send_unsent_notification_emails",
        "schedule": NOTIFICATION_EMAIL_SWEEP_SECONDS,
    },
    # CELERY_TIMEZONE is Europe/London: the digest goes at 07:00 London time all year.
    "send-deadline-reminders": {
        "task": "submissions.tasks.send_deadline_reminders",
        "schedule": crontab(minute=5),
    },
    "send-reviewer-digests": {
        "task": "submissions.tasks.send_reviewer_digests",
        "schedule": crontab(hour=7, minute=0),
    },
}
# A notification email claimed longer ago than this by a sender that never finished is retried.
NOTIFICATION_EMAIL_CLAIM_SECONDS = env.int("NOTIFICATION_EMAIL_CLAIM_SECONDS", default=600)
NOTIFICATION_EMAIL_MAX_ATTEMPTS = env.int("NOTIFICATION_EMAIL_MAX_ATTEMPTS", default=5)
# An email never tried whose task is older than this was lost with the broker: the sweeper sends it.
# Younger ones are left to their (maybe rate-limited) task, so the sweeper never jumps the queue.
NOTIFICATION_EMAIL_QUEUED_STALE_SECONDS = env.int(
    "NOTIFICATION_EMAIL_QUEUED_STALE_SECONDS", default=600
)
# Reminders and digests go out in batches, each worker sending at most this many batches a minute
# (Celery's rate_limit): 50 x 6 = 300 emails a minute, below a mail provider's usual send rate.
NOTIFICATION_EMAIL_BATCH = env.int("NOTIFICATION_EMAIL_BATCH", default=50)
NOTIFICATION_EMAIL_BATCH_RATE = env("NOTIFICATION_EMAIL_BATCH_RATE", default="6/m")
# Fail fast when the broker is down: the upload is already safe in the database and the sweeper
# re-sends it.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
# A crashed validation must not take the worker's memory with it.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int(
    "CELERY_WORKER_MAX_MEMORY_PER_CHILD_KB", default=600_000
)
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default=queues.DEFAULT)
CELERY_TASK_ROUTES = queues.TASK_ROUTES
