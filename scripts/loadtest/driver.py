"""The surge: a thread per person at work, over plain HTTP on loopback.

Each upload job is what one person does: open the task list, upload (the browser form or the
API), watch the version until its check finishes, then (in the browser) read the result page.
Reviewers keep refreshing their queue meanwhile. Every request is timed into `Sample`s.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .checks import FINAL, SentUpload
from .figures import Sample
from .workload import Job

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Recorder:
    started: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)

    def add(
        self, endpoint: str, began: float, seconds: float, status: int, error: str = ""
    ) -> None:
        self.samples.append(
            Sample(
                endpoint=endpoint,
                started=began - self.started,
                seconds=seconds,
                status=status,
                error=error,
            )
        )


class Client:
    """One person's connection: a session cookie or an API token, and the timing of each request."""

    def __init__(self, base_url: str, recorder: Recorder, *, token: str = ""):
        self.base_url = base_url
        self.recorder = recorder
        self.http = requests.Session()
        # As a browser does, a request is sent once more when the connection dropped before any
        # answer came, which is how a kept-alive connection the server has just closed fails (a
        # race with gunicorn's 2 s keep-alive, not a fault of the portal). Answers, 5xx included,
        # are never retried: they count as they came.
        self.http.mount(
            "http://",
            HTTPAdapter(
                max_retries=Retry(
                    total=1, connect=1, read=1, status=0, other=0, allowed_methods=None
                )
            ),
        )
        if token:
            self.http.headers["Authorization"] = f"Token {token}"

    def _unsecure_cookies(self) -> None:
        """The production settings mark cookies Secure; this loopback run has no TLS to send them
        over, so the client sends them as a browser behind the TLS-terminating proxy would."""
        for cookie in self.http.cookies:
            cookie.secure = False

    def call(self, method: str, path: str, endpoint: str, **kwargs) -> requests.Response | None:
        began = time.monotonic()
        try:
            response = self.http.request(
                method, self.base_url + path, timeout=60, allow_redirects=False, **kwargs
            )
        except requests.RequestException as error:
            self.recorder.add(endpoint, began, time.monotonic() - began, 0, type(error).__name__)
            return None
        self.recorder.add(endpoint, began, time.monotonic() - began, response.status_code)
        self._unsecure_cookies()
        return response

    def login(self, username: str, password: str) -> bool:
        page = self.call("GET", "/accounts/login/", "GET /accounts/login/")
        token = CSRF_INPUT.search(page.text) if page is not None else None
        if token is None:
            return False
        answer = self.call(
            "POST",
            "/accounts/login/",
            "POST /accounts/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": token.group(1),
            },
        )
        return answer is not None and answer.status_code == 302


@dataclass
class Surge:
    base_url: str
    jobs: list[Job]
    tokens: dict[str, str]
    sessions: dict[str, Client]
    reviewers: list[Client]
    seconds: float
    concurrency: int
    result_timeout: float
    upload_retries: int = 0
    poll_every: float = 1.0
    think: float = 1.0  # mean pause between one page and the next, as a person reads
    recorder: Recorder = field(default_factory=Recorder)
    sent: list[SentUpload] = field(default_factory=list)
    _done: threading.Event = field(default_factory=threading.Event)

    def run(self, *, during: Callable[[float], None] | None = None) -> float:
        """Send every job at its moment in the window; returns seconds from start to the last
        answer.
        `during` runs alongside from the start, given the surge's time.monotonic() origin."""
        self.recorder.started = time.monotonic()
        spacing = self.seconds / max(len(self.jobs), 1)
        watchers = [
            threading.Thread(target=self._review, args=(client,), daemon=True)
            for client in self.reviewers
        ]
        extra = (
            threading.Thread(target=during, args=(self.recorder.started,), daemon=True)
            if during
            else None
        )
        for thread in [*watchers, *([extra] if extra else [])]:
            thread.start()
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            for index, job in enumerate(self.jobs):
                pool.submit(self._job, job, self.recorder.started + index * spacing)
        self._done.set()
        for thread in watchers:
            thread.join()
        if extra:
            extra.join()
        return time.monotonic() - self.recorder.started

    def _client(self, job: Job) -> Client:
        if job.channel == "browser":
            return self.sessions[job.username]
        return Client(self.base_url, self.recorder, token=self.tokens[job.username])

    def _job(self, job: Job, due: float) -> None:
        time.sleep(max(0.0, due - time.monotonic()))
        client = self._client(job)
        upload = SentUpload(
            key=job.key,
            username=job.username,
            organisation=job.organisation,
            submission_id=job.submission_id,
            sha256=job.sha256,
            size=len(job.data),
            channel=job.channel,
            expected=job.expected,
            sent_at=time.time(),
        )
        self.sent.append(upload)
        began = time.monotonic()
        for attempt in range(self.upload_retries + 1):
            if attempt:
                time.sleep(2.0 * attempt)
            upload.http_status, upload.version_id = (
                self._browser_upload(client, job)
                if job.channel == "browser"
                else self._api_upload(client, job)
            )
            if 0 < upload.http_status < 500:
                break
        if upload.http_status not in (200, 202, 302):
            return
        version_id = self._await_result(client, job, upload, began)
        if version_id is not None and job.channel == "browser":
            self._pause()
            client.call("GET", f"/versions/{version_id}/", "GET /versions/:id/")

    def _api_upload(self, client: Client, job: Job) -> tuple[int, int | None]:
        answer = client.call(
            "POST",
            f"/api/v1/submissions/{job.submission_id}/versions/",
            "POST /api/v1/submissions/:id/versions/",
            files={
                "file": (
                    job.filename,
                    job.data,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            },
        )
        if answer is None:
            return 0, None
        return answer.status_code, answer.json().get("id") if answer.status_code in (
            200,
            202,
        ) else None

    def _pause(self) -> None:
        time.sleep(random.uniform(0.5, 1.5) * self.think)  # noqa: S311 - pacing, not secrets

    def _browser_upload(self, client: Client, job: Job) -> tuple[int, int | None]:
        home = client.call("GET", "/", "GET /")
        if home is not None and home.status_code == 302:
            client.call("GET", home.headers["Location"], "GET /organisations/:code/")
        self._pause()
        page = client.call("GET", f"/returns/{job.submission_id}/", "GET /returns/:id/")
        self._pause()
        if page is None or page.status_code != 200:
            return (page.status_code if page is not None else 0), None
        token = CSRF_INPUT.search(page.text)
        answer = client.call(
            "POST",
            f"/returns/{job.submission_id}/upload/",
            "POST /returns/:id/upload/",
            data={"csrfmiddlewaretoken": token.group(1) if token else ""},
            files={"file": (job.filename, job.data)},
        )
        if answer is None:
            return 0, None
        if answer.status_code != 302:
            return answer.status_code, None
        # The return's page after the upload lists the new version by the file's name.
        page = client.call("GET", f"/returns/{job.submission_id}/", "GET /returns/:id/")
        row = (
            re.search(rf'href="/versions/(\d+)/file/">{re.escape(job.filename)}<', page.text)
            if page is not None and page.status_code == 200
            else None
        )
        return answer.status_code, int(row.group(1)) if row else None

    def _await_result(
        self, client: Client, job: Job, upload: SentUpload, began: float
    ) -> int | None:
        """Poll as the page and an API client would, until the check has finished or time is up."""
        while time.monotonic() - began < self.result_timeout:
            time.sleep(self.poll_every)
            if upload.version_id is None:
                return None
            if job.channel == "api":
                answer = client.call(
                    "GET", f"/api/v1/versions/{upload.version_id}/", "GET /api/v1/versions/:id/"
                )
                finished = (
                    answer is not None
                    and answer.status_code == 200
                    and answer.json()["status"] in FINAL
                )
            else:
                # What the page does: fetch the panel every second until it stops asking to be
                # refreshed.
                answer = client.call(
                    "GET",
                    f"/versions/{upload.version_id}/panel/",
                    "GET /versions/:id/panel/",
                    headers={"HX-Request": "true"},
                )
                finished = (
                    answer is not None
                    and answer.status_code == 200
                    and 'hx-trigger="every 1s"' not in answer.text
                )
            if finished:
                upload.result_seen_after = time.monotonic() - began
                return upload.version_id
        return None

    def _review(self, client: Client) -> None:
        while not self._done.wait(5.0):
            client.call("GET", "/review/", "GET /review/")
