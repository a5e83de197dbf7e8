"""The pure parts of `make load` / `make chaos` (scripts/loadtest), so they cannot rot unseen:
CI does not run the surge itself."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import zipfile
from dataclasses import replace

import pytest
from django.core import mail
from django.core.mail.backends.filebased import EmailBackend

from scripts.loadtest.checks import (
    EmailRow,
    NotificationRow,
    SentUpload,
    StoredVersion,
    emails_read,
    notifications_check,
    stored_versions_read,
    uploads_check,
)
from scripts.loadtest.driver import Client, Recorder
from scripts.loadtest.figures import Sample, endpoint_figures, failures, percentile
from scripts.loadtest.workload import CRASH_MARKER, with_zip_comment
from submissions.models import VersionStatus
from submissions.services import version_create
from submissions.validation import version_validate
from workbooks.filecheck import inspect_upload

SHA = hashlib.sha256(b"plan").hexdigest()


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert [percentile(values, p) for p in (50, 95, 99, 100)] == [50.0, 95.0, 99.0, 100.0]
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([7.0], 99) == 7.0


def test_percentile_refuses_no_values():
    with pytest.raises(ValueError):
        percentile([], 50)


def test_endpoint_figures_count_rate_latency_and_server_errors():
    samples = [
        Sample("GET /", 0.0, 0.1, 200),
        Sample("GET /", 1.0, 0.3, 502),
        Sample("POST /x/", 2.0, 1.0, 0, "ReadTimeout"),
    ]
    rows = {row.endpoint: row for row in endpoint_figures(samples, elapsed=4.0)}
    assert (
        rows["GET /"].count,
        rows["GET /"].per_second,
        rows["GET /"].p50_ms,
        rows["GET /"].max_ms,
        rows["GET /"].server_errors,
    ) == (2, 0.5, 100.0, 300.0, 1)
    assert failures(samples) == {"GET /: 502": 1, "POST /x/: ReadTimeout": 1}


def test_sample_page_views_exclude_api_and_panel_polling():
    kinds = [
        Sample(endpoint, 0, 0, 200).is_page
        for endpoint in (
            "GET /returns/:id/",
            "GET /api/v1/versions/:id/",
            "GET /versions/:id/panel/",
            "POST /returns/:id/upload/",
        )
    ]
    assert kinds == [True, False, False, False]


def sent(**changes) -> SentUpload:
    upload = SentUpload(
        key="u1",
        username="lead-qhm",
        organisation="QHM",
        submission_id=7,
        sha256=SHA,
        size=4,
        channel="api",
        expected="valid",
        http_status=202,
        version_id=1,
    )
    return replace(upload, **changes)


def stored(**changes) -> StoredVersion:
    version = StoredVersion(
        id=1,
        submission_id=7,
        sha256=SHA,
        size=4,
        status="valid",
        attempts=1,
        stored_sha256=SHA,
        finished_events=1,
        uploaded_at=0.0,
        finished_at=1.0,
    )
    return replace(version, **changes)


def test_uploads_check_passes_an_upload_stored_and_finished_once():
    assert uploads_check(sent=[sent()], stored=[stored()]) == []


@pytest.mark.parametrize(
    ("upload", "version", "problem"),
    [
        (sent(http_status=500), stored(), "upload u1 by lead-qhm was not accepted (HTTP 500)"),
        (
            sent(),
            stored(stored_sha256="0" * 64),
            f"version 1: the stored file is not the bytes uploaded ({'0' * 64} != {SHA})",
        ),
        (
            sent(),
            stored(status="running", finished_events=0),
            "version 1: still running after 1 attempts",
        ),
        (sent(), stored(finished_events=2), "version 1: 2 recorded results, not one"),
        (sent(expected="invalid"), stored(), "version 1: ended valid, expected invalid"),
        (sent(version_id=2), stored(), "upload u1: answered version 2, stored as 1"),
    ],
)
def test_uploads_check_names_what_went_wrong(upload, version, problem):
    assert uploads_check(sent=[upload], stored=[version]) == [problem]


def test_uploads_check_finds_a_lost_upload_and_a_version_nobody_sent():
    assert uploads_check(sent=[sent(sha256="a" * 64)], stored=[stored()]) == [
        "upload u1 by lead-qhm was accepted but no version holds its bytes",
        "version 1: in the database but no accepted upload made it",
    ]


def notification(**changes) -> NotificationRow:
    row = NotificationRow(
        id=1,
        email="lead@example.invalid",
        subject="Version 1 of ACT has no errors",
        url="/versions/1/",
        dedupe_key="validation-finished:1",
        emailed=True,
    )
    return replace(row, **changes)


def test_notifications_check_wants_one_notice_and_one_email_each():
    email = EmailRow(
        to="lead@example.invalid", subject="Version 1 of ACT has no errors", url="/versions/1/"
    )
    assert (
        notifications_check(
            notifications=[notification()], emails=[email], finished_version_ids=[1]
        )
        == []
    )
    assert notifications_check(
        notifications=[notification(emailed=False)],
        emails=[email, email],
        finished_version_ids=[1, 2],
    ) == [
        "version 2: 0 'validation finished' notifications, not one",
        "notification 1 ('Version 1 of ACT has no errors' to lead@example.invalid) never marked "
        "emailed",
        "1 email(s) to lead@example.invalid ('Version 1 of ACT has no errors') beyond one per "
        "notification",
    ]
    assert notifications_check(
        notifications=[notification()], emails=[], finished_version_ids=[]
    ) == [
        "1 notification email(s) to lead@example.invalid ('Version 1 of ACT has no errors') never "
        "sent"
    ]


def test_notifications_check_counts_an_email_under_another_message_id_as_extra():
    email = EmailRow(
        to="lead@example.invalid",
        subject="Version 1 of ACT has no errors",
        url="/versions/1/",
        message_id="<notification-1.1@x>",
    )
    assert notifications_check(
        notifications=[notification(message_id="<notification-1.1@x>")],
        emails=[email, replace(email, message_id="<other@x>")],
        finished_version_ids=[1],
    ) == [
        "1 email(s) to lead@example.invalid ('Version 1 of ACT has no errors') beyond one per "
        "notification"
    ]


def test_emails_read_parses_the_file_backend_output_and_unfolds_a_long_subject(tmp_path):
    subject = (
        "Version 3 of Activity and performance (draft) has errors to fix before it can be sent"
    )
    backend = EmailBackend(file_path=str(tmp_path))
    backend.send_messages(
        [
            mail.EmailMessage(
                subject,
                "Body.\n\nhttp://127.0.0.1:9/versions/3/\n",
                to=["lead@example.invalid"],
                headers={"Message-ID": "<notification-3.1@example>"},
            )
        ]
    )
    backend.close()
    assert emails_read(directory=tmp_path, site_url="http://127.0.0.1:9") == [
        EmailRow(
            to="lead@example.invalid",
            subject=subject,
            url="/versions/3/",
            message_id="<notification-3.1@example>",
        )
    ]


def test_stored_versions_read_hashes_the_file_in_storage(act_world, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    data = act_world.sample()
    version = version_create(
        submission=act_world.submission,
        user=act_world.lead,
        stream=io.BytesIO(data),
        filename="plan.xlsx",
    ).version
    assert version_validate(version_id=version.pk) == VersionStatus.VALID
    [row] = stored_versions_read()
    assert (row.sha256, row.stored_sha256, row.status, row.finished_events) == (
        hashlib.sha256(data).hexdigest(),
        hashlib.sha256(data).hexdigest(),
        "valid",
        1,
    )
    (tmp_path / version.file.name).write_bytes(b"tampered")
    assert stored_versions_read()[0].stored_sha256 == hashlib.sha256(b"tampered").hexdigest()


def test_zip_comment_marker_keeps_the_workbook_acceptable(act_world):
    marked = with_zip_comment(act_world.sample(), CRASH_MARKER)
    assert marked.endswith(CRASH_MARKER)
    assert zipfile.ZipFile(io.BytesIO(marked)).comment == CRASH_MARKER
    assert (
        inspect_upload(
            data=marked, filename="crash.xlsx", accepted_formats=["xlsx"], max_bytes=10**7
        )
        == "xlsx"
    )


class _DropsFirstConnection(http.server.BaseHTTPRequestHandler):
    """Closes the first connection without a word, as a server closing a kept-alive connection
    the client is just reusing; answers every later request."""

    requests_seen = 0

    def do_POST(self):  # noqa: N802 - the standard library's name
        type(self).requests_seen += 1
        self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).requests_seen == 1:
            self.close_connection = True
            return
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_client_sends_again_once_when_the_connection_drops_before_an_answer():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _DropsFirstConnection)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    recorder = Recorder()
    try:
        client = Client(f"http://127.0.0.1:{server.server_port}", recorder)
        answer = client.call("POST", "/upload/", "POST /upload/", data={"a": "b"})
    finally:
        server.shutdown()
    assert (answer.status_code, _DropsFirstConnection.requests_seen) == (202, 2)
    assert [sample.status for sample in recorder.samples] == [202]
