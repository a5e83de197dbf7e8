"""`make scaleout`: two web hosts and two worker hosts sharing only PostgreSQL, Redis and S3.

    python scripts/scaleout.py                      # 120 uploads over 60 s (make scaleout)
    python scripts/scaleout.py --uploads 16 --seconds 12   # the CI size (tests/test_scaleout.py)

Uploads go in through web host A (API and browser), are validated on either worker host and are
downloaded byte for byte through web host B; a consolidation export asked for on B is built on a
worker and downloaded through A. Worker host 2 is SIGKILLed (both its workers) while it holds a
validation, and is not started again. Then it checks that nothing was lost, that every stored
file is in the S3 bucket and none on any host's own disk, and prints the figures. Exits 1 if a
check fails. SCALEOUT_PORT (web A; web B and S3 take the next two), SCALEOUT_DATABASE_URL and
SCALEOUT_REDIS_URL choose where it runs. See docs/reliability.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.loadtest.checks import (  # noqa: E402
    FINAL,
    drain,
    emails_read,
    notifications_check,
    notifications_read,
    stored_versions_read,
    uploads_check,
)
from scripts.loadtest.cluster import Cluster  # noqa: E402
from scripts.loadtest.driver import Client, Surge  # noqa: E402
from scripts.loadtest.figures import (  # noqa: E402
    endpoint_figures,
    endpoint_table,
    failures,
    spread,
)
from scripts.loadtest.stack import free_port  # noqa: E402

# Sweepers cut to seconds, as in `make chaos`: the killed host's work is taken up by the other.
FAST_RECOVERY = {
    "VALIDATION_SWEEP_SECONDS": "3",
    "VALIDATION_QUEUED_STALE_SECONDS": "15",
    "VALIDATION_RUNNING_STALE_SECONDS": "20",
    "NOTIFICATION_EMAIL_SWEEP_SECONDS": "5",
    "NOTIFICATION_EMAIL_CLAIM_SECONDS": "30",
    "NOTIFICATION_EMAIL_QUEUED_STALE_SECONDS": "15",
    "EXPORT_QUEUED_STALE_SECONDS": "20",
}


def say(text: str = "") -> None:
    print(text, flush=True)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--uploads", type=int, default=120)
    parser.add_argument("--organisations", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--keep", action="store_true", help="leave the database and files")
    return parser.parse_args()


def cluster_from_env(run_dir: Path) -> Cluster:
    base = os.environ.get("SCALEOUT_PORT")
    ports = (
        {"port": int(base), "web_port_b": int(base) + 1, "s3_port": int(base) + 2}
        if base
        else {"port": free_port(), "web_port_b": free_port(), "s3_port": free_port()}
    )
    redis_url = os.environ.get("SCALEOUT_REDIS_URL", "redis://127.0.0.1:6379/12")
    return Cluster(
        run_dir=run_dir,
        database_url=os.environ.get(
            "SCALEOUT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_scaleout"
        ),
        redis_url=redis_url,
        # Under the test suite the Redis database is shared with other tests' cache keys.
        flush_redis=os.environ.get("SCALEOUT_FLUSH_REDIS", "true") == "true",
        extra_env=FAST_RECOVERY,
        **ports,
    )


class WorkerHostKill:
    """Run alongside the surge: once worker host 2 has finished a validation and holds another,
    SIGKILL both its workers; it is not started again."""

    def __init__(self, cluster: Cluster, *, host: str = "worker-2"):
        self.cluster, self.host = cluster, host
        self.at: float | None = None
        self.in_hand = 0
        self.error = ""

    def __call__(self, started: float) -> None:
        deadline = started + 120
        while time.monotonic() < deadline:
            in_hand = self.cluster.tasks_in_hand(self.host)
            if in_hand and self.cluster.validations_by_host()[self.host]:
                self.in_hand = in_hand
                self.at = time.monotonic() - started
                self.cluster.hosts[self.host].kill()
                return
            time.sleep(0.05)
        self.error = f"{self.host} never held a validation to be killed with"


def main() -> int:
    args = arguments()
    run_dir = ROOT / "var" / "scaleout"
    cluster = cluster_from_env(run_dir)
    password = secrets.token_urlsafe(16)
    problems: list[str] = []
    try:
        began = time.monotonic()
        env = cluster.prepare(password=password)
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connections

        from scripts.loadtest.workload import api_tokens, workload_build

        jobs = workload_build(uploads=args.uploads, organisations=args.organisations)
        browser_users = sorted({job.username for job in jobs if job.channel == "browser"})
        tokens = api_tokens(usernames={job.username for job in jobs if job.channel == "api"})
        connections.close_all()
        cluster.start(env=env)
        surge = Surge(
            base_url=cluster.base_url,
            jobs=jobs,
            tokens=tokens,
            sessions={},
            reviewers=[],
            seconds=args.seconds,
            concurrency=args.concurrency,
            result_timeout=180.0,
        )
        people = {name: Client(cluster.base_url, surge.recorder) for name in browser_users}
        refused = [name for name, client in people.items() if not client.login(name, password)]
        if refused:
            raise RuntimeError(f"could not sign in through web host A as {', '.join(refused)}")
        surge.sessions = people
        say(
            f"scaleout: web hosts A {cluster.base_url} and B {cluster.base_url_b}, worker hosts 1 "
            f"and 2 (a validation worker and a worker for the other queues each), S3 at "
            f"{cluster.s3_url}, ready in {time.monotonic() - began:.0f} s; {len(jobs)} uploads "
            f"through A over {args.seconds:.0f} s"
        )
        surge.recorder.samples.clear()
        kill = WorkerHostKill(cluster)
        elapsed = surge.run(during=kill)
        drained, pending = drain(timeout=180.0)
        connections.close_all()

        samples = surge.recorder.samples
        say(f"\nSurge through web host A: {len(samples)} requests in {elapsed:.1f} s")
        say(endpoint_table(endpoint_figures(samples, elapsed=elapsed)))
        for failure, count in failures(samples).items():
            say(f"  {count} x {failure}")
        if kill.error:
            problems.append(kill.error)
        else:
            say(
                f"Worker host 2 SIGKILLed at {kill.at:.1f} s holding {kill.in_hand} validation(s); "
                "not restarted"
            )
        stored = stored_versions_read()
        to_result = [v.finished_at - v.uploaded_at for v in stored if v.finished_at]
        say(f"Upload to validation result (database): {spread(to_result)}")
        retried = sorted(v.attempts for v in stored if v.attempts > 1)
        say(f"Versions: {len(stored)}; taken up again after the kill: {len(retried)} {retried}")
        say(
            "Validation tasks run by worker host (re-sent ones that found the work done "
            f"included): {cluster.validations_by_host()}; "
            f"drained {drained:.1f} s after the surge"
        )
        problems += uploads_check(sent=surge.sent, stored=stored)
        problems += [
            f"{s.endpoint} answered {s.status or s.error}" for s in samples if s.is_server_error
        ]
        if pending:
            problems.append(f"not drained: {pending}")
        if min(cluster.validations_by_host().values()) == 0:
            problems.append("a worker host validated nothing: the work was not shared")

        problems += downloads_check(cluster=cluster, stored=stored, password=password)
        problems += export_check(cluster=cluster, password=password)
        problems += storage_check(cluster=cluster)

        notifications = notifications_read()
        emails = [
            row
            for directory in cluster.email_dirs()
            for row in emails_read(directory=directory, site_url=cluster.base_url)
        ]
        say(f"Notifications: {len(notifications)}, emails written: {len(emails)}")
        problems += notifications_check(
            notifications=notifications,
            emails=emails,
            finished_version_ids=[v.id for v in stored if v.status in FINAL],
        )
        for process in cluster.processes:
            if not process.alive and not process.name.startswith(kill.host):
                problems.append(f"{process.name} exited (log: {process.log})")
    except Exception as error:  # noqa: BLE001 - any failure to run is a failed run, said plainly
        problems.append(f"the run failed: {error!r} (logs in {run_dir})")
    finally:
        cluster.stop()
    return cluster.finish(keep=args.keep, problems=problems, target="make scaleout")


def downloads_check(*, cluster: Cluster, stored: list, password: str) -> list[str]:
    """Every version's file, downloaded through web host B, is the bytes uploaded through A."""
    from scripts.loadtest.driver import Recorder

    admin = Client(cluster.base_url_b, Recorder())
    if not admin.login("admin", password):
        return ["could not sign in through web host B"]
    problems = []
    for version in stored:
        answer = admin.call("GET", f"/versions/{version.id}/file/", "GET /versions/:id/file/")
        if answer is None or answer.status_code != 200:
            problems.append(
                f"version {version.id}: web host B answered {answer and answer.status_code}"
            )
        elif hashlib.sha256(answer.content).hexdigest() != version.sha256:
            problems.append(
                f"version {version.id}: web host B served other bytes than were uploaded"
            )
    say(
        f"Downloads through web host B: {len(stored) - len(problems)} of {len(stored)} "
        "byte for byte as uploaded through A"
    )
    return problems


def export_check(*, cluster: Cluster, password: str) -> list[str]:
    """A consolidation asked for on web host B, built on a worker host, downloaded through A."""
    from django.db import connections

    from exports.models import ExportJob, ExportStatus
    from planning.definitions import erf_collection_code
    from planning.models import PlanningRound
    from scripts.loadtest.driver import CSRF_INPUT, Recorder

    # The demo's first round (2021/22) has submitted activity returns: its ERF collection's.
    first_round = PlanningRound.objects.order_by("pk").first()
    collection = (
        first_round.collections.filter(code=erf_collection_code(planning_round=first_round))
        .order_by("pk")
        .first()
    )
    on_b, on_a = Client(cluster.base_url_b, Recorder()), Client(cluster.base_url, Recorder())
    if not (on_b.login("admin", password) and on_a.login("admin", password)):
        return ["could not sign in as the national admin"]
    page = on_b.call("GET", "/exports/", "GET /exports/")
    token = CSRF_INPUT.search(page.text) if page is not None else None
    answer = on_b.call(
        "POST",
        "/exports/request/",
        "POST /exports/request/",
        data={
            "csrfmiddlewaretoken": token.group(1) if token else "",
            "kind": "consolidation",
            "planning_round": collection.planning_round_id,
            "collection": collection.pk,
            "region": "",
        },
    )
    if answer is None or answer.status_code != 302:
        return [f"web host B did not take the export request ({answer and answer.status_code})"]
    job_id = int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = ExportJob.objects.get(pk=job_id)
        if job.status in ExportStatus.FINISHED:
            break
        connections.close_all()
        time.sleep(1)
    if job.status != ExportStatus.DONE:
        return [f"export {job_id} ended {job.status}"]
    with job.file.open("rb") as stream:
        stored = hashlib.sha256(stream.read()).hexdigest()
    download = on_a.call("GET", f"/exports/{job_id}/download/", "GET /exports/:id/download/")
    if download is None or download.status_code != 200:
        return [f"web host A answered {download and download.status_code} for export {job_id}"]
    if hashlib.sha256(download.content).hexdigest() != stored:
        return [f"export {job_id}: web host A served other bytes than the bucket holds"]
    if job.file.name not in cluster.bucket_keys():
        return [f"export {job_id}: its file {job.file.name} is not in the S3 bucket"]
    say(
        f"Export asked for on B, built on a worker host, downloaded through A: "
        f"{len(download.content)} bytes, identical to the object in S3"
    )
    return []


def storage_check(*, cluster: Cluster) -> list[str]:
    """Every version's file is an object in the bucket; no host kept a file on its own disk."""
    from submissions.models import Version

    keys = cluster.bucket_keys()
    names = set(Version.objects.values_list("file", flat=True))
    problems = [f"{name} is not in the S3 bucket" for name in sorted(names - keys)]
    for host in cluster.hosts.values():
        problems += [f"{host.name} stored {path} on its own disk" for path in host.local_files()]
    say(
        f"S3 bucket: {len(keys)} objects ({len(names)} uploaded versions, the rest exports); "
        f"files on the hosts' own disks: "
        f"{sum(len(h.local_files()) for h in cluster.hosts.values())}"
    )
    return problems


if __name__ == "__main__":
    sys.exit(main())
