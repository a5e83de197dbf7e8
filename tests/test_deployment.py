"""docker-compose.yml and .env.example describe the production stack."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from config import queues

BASE_DIR = Path(settings.BASE_DIR)
SERVICES = ("web", "worker-validation", "worker", "beat", "db", "redis", "minio", "mailcatcher")
APP_SERVICES = ("web", "worker-validation", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def _command(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def _env_example() -> dict[str, str]:
    names = {}
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            names[name.strip()] = value
    return names


def _env_reads() -> dict[str, set[bool]]:
    """Every variable config/ reads through django-environ -> for each read, whether it gives a
    default."""
    reads: dict[str, set[bool]] = {}
    for path in sorted((BASE_DIR / "config").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            is_env = (isinstance(func, ast.Name) and func.id == "env") or (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "env"
            )
            if is_env and node.args and isinstance(node.args[0], ast.Constant):
                has_default = (
                    any(keyword.arg == "default" for keyword in node.keywords) or len(node.args) > 2
                )
                name = node.args[0].value
                reads.setdefault(name, set()).add(has_default)
    return reads


# Read without a default only inside `if env("NAME", default=""):`, i.e. only when it is set.
OPTIONAL_WHEN_UNSET = {"ANYMAIL_PROVIDER_BACKEND"}


def test_compose_has_every_service(compose):
    assert set(SERVICES) <= set(compose["services"])


@pytest.mark.parametrize("name", SERVICES)
def test_compose_service_has_healthcheck(compose, name):
    healthcheck = compose["services"][name].get("healthcheck", {})

    assert healthcheck.get("test"), f"{name} has no healthcheck"
    assert healthcheck.get("disable") is not True


def test_compose_web_runs_gunicorn_on_wsgi(compose):
    command = _command(compose["services"]["web"])

    assert "gunicorn config.wsgi" in command
    assert "/healthz/" in str(compose["services"]["web"]["healthcheck"]["test"])


@pytest.mark.parametrize(
    ("name", "subcommand"),
    [("worker-validation", "worker"), ("worker", "worker"), ("beat", "beat")],
)
def test_compose_celery_services_run_celery(compose, name, subcommand):
    assert _command(compose["services"][name]).startswith(f"celery -A config {subcommand}")


def _option(command: str, name: str) -> str:
    return next(word for word in command.split() if word.startswith(f"--{name}=")).split("=", 1)[1]


@pytest.mark.parametrize(
    ("name", "consumed"),
    [("worker-validation", [queues.VALIDATION]), ("worker", list(queues.OTHER_QUEUES))],
)
def test_compose_workers_split_validation_from_the_other_queues(compose, name, consumed):
    service = compose["services"][name]
    command = _command(service)
    node = _option(command, "hostname").split("@")[0]

    assert _option(command, "queues").split(",") == consumed
    # The healthcheck pings this worker's own node name, not Celery's default one.
    assert f"-d {node}@$$HOSTNAME" in " ".join(service["healthcheck"]["test"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_services_read_env_file_and_wait_for_backing_services(compose, name):
    service = compose["services"][name]

    assert service["env_file"] == ".env"
    assert {
        dependency: spec["condition"] for dependency, spec in service["depends_on"].items()
    } == {
        "db": "service_healthy",
        "redis": "service_healthy",
        "minio": "service_healthy",
    }


def test_env_example_uses_production_settings_and_services():
    example = _env_example()

    assert example["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert example["DATABASE_URL"].startswith("postgres://")
    assert example["REDIS_URL"].startswith("redis://redis:")
    assert example["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert example["EMAIL_HOST"] == "mailcatcher"


def test_env_reads_are_found():
    # Guards the parser below: it must see the reads it is meant to check.
    reads = _env_reads()

    # base.py gives a development default; production.py reads it again without one.
    assert reads["DJANGO_SECRET_KEY"] == {True, False}
    assert (reads["DATABASE_URL"], reads["DJANGO_DEBUG"]) == ({True}, {True})
    assert len(reads) >= 20
    assert all(reads[name] == {True, False} for name in OPTIONAL_WHEN_UNSET)


def test_env_example_has_every_setting_without_default():
    required = {
        name for name, defaults in _env_reads().items() if False in defaults
    } - OPTIONAL_WHEN_UNSET

    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"} <= required
    assert sorted(required - set(_env_example())) == []


# Tools the app image (python:3.11-slim) lacks unless the Dockerfile installs their Debian package.
SLIM_IMAGE_MISSING_TOOLS = {
    "pgrep": "procps",
    "ps": "procps",
    "pkill": "procps",
    "curl": "curl",
    "wget": "wget",
}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_healthcheck_tools_exist_in_image(compose, name):
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    healthcheck = " ".join(compose["services"][name]["healthcheck"]["test"])
    words = set(healthcheck.replace("'", " ").replace('"', " ").split())

    installed = " ".join(
        line for line in dockerfile.splitlines() if "apt-get install" in line
    ).split()

    missing = {
        tool: package
        for tool, package in SLIM_IMAGE_MISSING_TOOLS.items()
        if tool in words and package not in installed
    }
    assert missing == {}


def test_env_example_allows_localhost_for_container_healthcheck():
    assert "localhost" in _env_example()["DJANGO_ALLOWED_HOSTS"].split(",")


def test_collectstatic_builds_the_production_manifest(settings, tmp_path):
    """The image runs collectstatic with the hashed-name manifest storage; a reference to a file
    that is not vendored (such as a source map) fails it."""
    from django.core.management import call_command

    settings.STATIC_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/nhsuk/nhsuk-frontend-10.6.1.min.css" in manifest
