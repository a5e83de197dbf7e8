"""Oversized requests are refused before anything reads their body (core.limits)."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import URLResolver, get_resolver, reverse
from hypothesis import given
from hypothesis import settings as fuzz_settings
from hypothesis import strategies as st

from core.limits import request_max_bytes
from submissions.models import Version

ROOT = Path(__file__).resolve().parents[2]
GIGABYTE = 1024**3
BOUNDARY = "limit-test-boundary"


class EndlessBody(io.RawIOBase):
    """A request body that never ends and counts what was read from it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        buffer[:] = b"x" * len(buffer)
        self.read_bytes += len(buffer)
        return len(buffer)


def _post_declaring(client, url: str, *, length: int | str, body: EndlessBody):
    return client.generic(
        "POST",
        url,
        data=b"",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": body},
    )


@pytest.fixture
def temp_dir(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "spool")
    (tmp_path / "spool").mkdir()
    return tmp_path / "spool"


@pytest.mark.parametrize("where", ["login", "upload form", "API versions"])
def test_huge_declared_length_is_refused_with_413_before_the_body_is_read(
    client, act_world, temp_dir, where
):
    if where == "upload form":
        client.force_login(act_world.lead)
    url = {
        "login": reverse("accounts:login"),
        "upload form": reverse("submissions:upload", args=[act_world.submission.pk]),
        "API versions": reverse("api:version_create", args=[act_world.submission.pk]),
    }[where]
    body = EndlessBody()
    started = time.monotonic()

    response = _post_declaring(client, url, length=GIGABYTE, body=body)

    assert response.status_code == 413
    assert time.monotonic() - started < 2
    assert body.read_bytes == 0
    assert list(temp_dir.iterdir()) == []
    assert Version.objects.count() == 0


def test_refusal_says_the_limit_in_plain_english(client, settings):
    settings.UPLOAD_MAX_BYTES = 50 * 1024 * 1024

    page = _post_declaring(client, reverse("accounts:login"), length=GIGABYTE, body=EndlessBody())
    api = _post_declaring(
        client, "/api/v1/submissions/1/versions/", length=GIGABYTE, body=EndlessBody()
    )

    assert "larger than 50 MB, the largest file the portal accepts" in page.content.decode()
    assert api.json() == {
        "detail": "The request is larger than 50 MB, the largest file the portal accepts. "
        "Nothing was saved."
    }


def test_unreadable_declared_length_is_refused(client):
    response = _post_declaring(client, reverse("accounts:login"), length="lots", body=EndlessBody())

    assert response.status_code == 413


def test_request_just_under_the_limit_reaches_the_upload_check(client, act_world, settings):
    settings.UPLOAD_MAX_BYTES = 4096
    client.force_login(act_world.lead)
    upload = SimpleUploadedFile("plan.xlsx", b"x" * 5000)

    response = client.post(
        reverse("submissions:upload", args=[act_world.submission.pk]), {"file": upload}
    )

    assert response.status_code == 400
    assert (
        "The file is larger than 4 KB, the largest the portal accepts." in response.content.decode()
    )
    assert Version.objects.count() == 0


def test_body_longer_than_the_limit_is_cut_while_it_is_parsed(settings, temp_dir):
    """A body the middleware could not measure (a chunked one, or one behind a server that passes
    the stream on) stops at the limit in the upload handler; no handler after it sees the rest."""
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    payload = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="plan.xlsx"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + b"x" * (20 * 1024 * 1024)
    body = io.BytesIO(payload)
    request = RequestFactory().generic(
        "POST",
        "/returns/1/upload/",
        data=b"",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(len(payload)),
        **{"wsgi.input": body},
    )

    files = request.FILES

    assert "file" not in files
    assert request.upload_cut_at_limit is True
    assert body.tell() < 2 * 1024 * 1024 + 64 * 1024
    assert list(temp_dir.iterdir()) == []


@pytest.fixture
def gunicorn_server(tmp_path):
    """The production web server (gunicorn.conf.py, gthread) on a port of our own."""
    port = 8101
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen(
        [gunicorn, "config.wsgi", "-b", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=10)


def _status_of(connection: socket.socket) -> int:
    head = connection.recv(4096)
    return int(head.split(b" ", 2)[1])


def test_gunicorn_answers_413_to_a_huge_declared_body_within_seconds(gunicorn_server):
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", gunicorn_server), timeout=10) as connection:
        connection.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            + f"Content-Length: {GIGABYTE}\r\n\r\n".encode()
            + b"x" * 65536
        )
        status = _status_of(connection)

    assert status == 413
    assert time.monotonic() - started < 5


def test_gunicorn_stops_reading_a_chunked_body_without_storing_it(gunicorn_server):
    """Django reads no body without a declared length; the server answers and drops the rest
    instead of taking in the 1 GB the client offers."""
    chunk = b"x" * (1024 * 1024)
    sent = 0
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", gunicorn_server), timeout=10) as connection:
        connection.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        try:
            while sent < GIGABYTE:
                connection.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sent += len(chunk)
        except OSError:
            pass
        status = _status_of(connection)

    assert status in (403, 413)
    assert sent < 64 * 1024 * 1024
    assert time.monotonic() - started < 10


def _every_url() -> list[str]:
    """One concrete path per URL pattern of the portal, ids filled with 1."""
    paths = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            else:
                paths.append("/" + re.sub(r"<[^>]+>", "1", route).lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns, "")
    return paths


@fuzz_settings(max_examples=80, derandomize=True, database=None, deadline=None)
@given(
    path=st.sampled_from(_every_url()),
    method=st.sampled_from(["POST", "PUT", "PATCH"]),
    excess=st.integers(min_value=1, max_value=2**40),
)
def test_any_url_refuses_any_body_over_the_limit_without_reading_it(path, method, excess):
    from django.test import Client

    body = EndlessBody()
    response = Client().generic(
        method,
        path,
        data=b"",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(request_max_bytes() + excess),
        **{"wsgi.input": body},
    )

    assert (response.status_code, body.read_bytes) == (413, 0)
