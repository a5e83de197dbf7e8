"""`make load` and `make chaos`: a deadline surge against the production-shaped stack on this
machine.

    python scripts/load.py            # make load: >=300 uploads from >=100 organisations in under
    2 minutes
    python scripts/load.py --chaos    # make chaos: a smaller surge while a worker, Redis and
    PostgreSQL fail

Starts its own PostgreSQL database and Redis db (LOAD_DATABASE_URL, LOAD_REDIS_URL), the stack, the
demo round; drives the surge over loopback; prints figures; checks the database and the stored
files; tears everything down. Exits 1 if a check fails. See docs/reliability.md.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from concurrent.futures import ThreadPoolExecutor
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
from scripts.loadtest.driver import Client, Surge  # noqa: E402
from scripts.loadtest.faults import Faults  # noqa: E402
from scripts.loadtest.figures import (  # noqa: E402
    endpoint_figures,
    endpoint_table,
    failures,
    percentile,
    spread,
)
from scripts.loadtest.stack import Stack  # noqa: E402

PAGE_P95_LIMIT_MS = 500.0
# Validation has its own queue and workers: the email flood must not hold a result up.
RESULT_P95_LIMIT_S = 10.0
UPLOAD_ENDPOINTS = {"POST /returns/:id/upload/", "POST /api/v1/submissions/:id/versions/"}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chaos", action="store_true", help="inject faults during a smaller surge")
    parser.add_argument("--uploads", type=int, help="uploads in the surge (load 320, chaos 120)")
    parser.add_argument(
        "--organisations", type=int, help="organisations uploading (load 150, chaos 80)"
    )
    parser.add_argument(
        "--seconds", type=float, help="window the uploads are spread over (load 90, chaos 60)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=64, help="people working at once, at most"
    )
    parser.add_argument(
        "--faults",
        default="worker,redis,postgres",
        help="with --chaos: which faults, comma-separated (worker, redis, postgres)",
    )
    parser.add_argument(
        "--flood",
        type=int,
        help="emails queued at once as the surge starts (load 2000, chaos 0)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="leave the database and files for inspection"
    )
    args = parser.parse_args()
    args.uploads = args.uploads or (120 if args.chaos else 320)
    args.organisations = args.organisations or (80 if args.chaos else 150)
    args.seconds = args.seconds or (60.0 if args.chaos else 90.0)
    args.flood = (0 if args.chaos else 2000) if args.flood is None else args.flood
    return args


def mode_env(*, chaos: bool, chaos_dir: Path) -> dict[str, str]:
    if not chaos:
        # Production's stale thresholds: in a healthy surge nothing should need the sweeper. The
        # flood's reminder batches go out at a batch a second, so the run drains in minutes.
        return {
            "VALIDATION_SWEEP_SECONDS": "10",
            "NOTIFICATION_EMAIL_SWEEP_SECONDS": "10",
            "NOTIFICATION_EMAIL_BATCH_RATE": "60/m",
        }
    return {
        "VALIDATION_SWEEP_SECONDS": "3",
        "VALIDATION_QUEUED_STALE_SECONDS": "15",
        "VALIDATION_RUNNING_STALE_SECONDS": "25",
        "NOTIFICATION_EMAIL_SWEEP_SECONDS": "5",
        # Longer than a PostgreSQL restart: a sender that emailed keeps trying to record it
        # meanwhile.
        "NOTIFICATION_EMAIL_CLAIM_SECONDS": "45",
        "NOTIFICATION_EMAIL_QUEUED_STALE_SECONDS": "15",
        "LOADTEST_CHAOS_DIR": str(chaos_dir),
        "LOADTEST_SLOW_SECONDS": "8",
    }


def say(text: str = "") -> None:
    print(text, flush=True)


def main() -> int:
    args = arguments()
    mode = "chaos" if args.chaos else "load"
    run_dir = ROOT / "var" / "load" / mode
    chaos_dir = run_dir / "chaos"
    stack = Stack(
        run_dir=run_dir,
        database_url=os.environ.get(
            "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_load"
        ),
        redis_url=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/12"),
        celery_app="scripts.loadtest.chaos_worker" if args.chaos else "config",
        extra_env=mode_env(chaos=args.chaos, chaos_dir=chaos_dir),
    )
    password = secrets.token_urlsafe(16)
    problems: list[str] = []
    try:
        setup_began = time.monotonic()
        env = stack.prepare(password=password)
        chaos_dir.mkdir()
        os.environ.update(env)
        import django

        django.setup()
        from scripts.loadtest.surge_round import surge_round_install
        from scripts.loadtest.workload import api_tokens, reviewer_usernames, workload_build

        surge_round_install()
        jobs = workload_build(
            uploads=args.uploads, organisations=args.organisations, chaos=args.chaos
        )
        browser_users = sorted({job.username for job in jobs if job.channel == "browser"})
        tokens = api_tokens(usernames={job.username for job in jobs if job.channel == "api"})
        from django.db import connections

        connections.close_all()
        stack.start(env=env)
        surge = Surge(
            base_url=stack.base_url,
            jobs=jobs,
            tokens=tokens,
            sessions={},
            reviewers=[],
            seconds=args.seconds,
            concurrency=args.concurrency,
            result_timeout=240.0 if args.chaos else 150.0,
            # Pauses of 2, 4, … 12 s: 42 s in all, longer than a PostgreSQL restart on a loaded
            # machine (up to 20 s seen), as an API client with backoff or a person would wait.
            upload_retries=6 if args.chaos else 0,
        )
        people = {
            name: Client(stack.base_url, surge.recorder)
            for name in [*browser_users, *reviewer_usernames()]
        }
        with ThreadPoolExecutor(max_workers=8) as pool:
            refused = [
                name
                for name, ok in zip(
                    people,
                    pool.map(lambda name: people[name].login(name, password), people),
                    strict=True,
                )
                if not ok
            ]
        if refused:
            raise RuntimeError(f"could not sign in as {', '.join(refused)}")
        surge.sessions = {name: people[name] for name in browser_users}
        surge.reviewers = [people[name] for name in people if name.startswith("reviewer-")]
        organisations = len({job.organisation for job in jobs})
        say(
            f"{mode}: stack up at {stack.base_url} (gunicorn "
            f"{stack.web_workers}x{stack.web_threads} gthread, "
            f"2 validation workers, 1 for the other queues, beat) in "
            f"{time.monotonic() - setup_began:.0f} s; "
            f"{len(jobs)} uploads from "
            f"{organisations} organisations ({len(browser_users)} people in the browser, "
            f"{len(tokens)} on the "
            f"API, {len(surge.reviewers)} reviewers watching the queue) over {args.seconds:.0f} s"
        )

        surge.recorder.samples.clear()
        faults = (
            Faults(stack=stack, chaos_dir=chaos_dir, kinds=tuple(args.faults.split(",")))
            if args.chaos
            else None
        )
        flooded: list[int] = []
        elapsed = surge.run(
            during=faults.run if faults else (lambda _: flooded.append(flood(emails=args.flood)))
        )
        if args.flood:
            say(f"Email flood: {sum(flooded)} emails queued as the surge began")
        for process in stack.processes:
            if not process.alive:
                problems.append(f"{process.name} exited during the surge (log: {process.log})")
        drained, pending = drain(timeout=240.0 if args.chaos else 120.0)
        connections.close_all()

        samples = surge.recorder.samples
        uploads = [sample for sample in samples if sample.endpoint in UPLOAD_ENDPOINTS]
        window = (
            (max(s.started + s.seconds for s in uploads) - min(s.started for s in uploads))
            if uploads
            else 0.0
        )
        say(
            f"\nSurge: {len(samples)} requests in {elapsed:.1f} s = {len(samples) / elapsed:.1f} "
            f"req/s; "
            f"{len(uploads)} upload requests within {window:.1f} s; drained {drained:.1f} s after "
            f"the last answer"
        )
        say(endpoint_table(endpoint_figures(samples, elapsed=elapsed)))
        for failure, count in failures(samples).items():
            say(f"  {count} x {failure}")
        pages = [sample.seconds * 1000 for sample in samples if sample.is_page]
        page_p95 = percentile(pages, 95) if pages else 0.0
        say(
            f"Page views: {len(pages)}, p50 {percentile(pages, 50) if pages else 0:.0f} ms, p95 "
            f"{page_p95:.0f} ms"
        )

        stored = stored_versions_read()
        by_id = {version.id: version for version in stored}
        to_result = [
            version.finished_at - version.uploaded_at for version in stored if version.finished_at
        ]
        seen = [
            upload.result_seen_after
            for upload in surge.sent
            if upload.result_seen_after is not None
        ]
        say(f"Upload to validation result (database): {spread(to_result)}")
        say(
            f"Upload to result seen by the uploader (polling every {surge.poll_every:.0f} s): "
            f"{spread(seen)}"
        )
        attempts = sorted(version.attempts for version in stored)
        say(
            f"Versions: {len(stored)}; by status "
            + ", ".join(
                f"{status} {sum(v.status == status for v in stored)}"
                for status in sorted({v.status for v in stored})
            )
            + f"; attempts max {attempts[-1] if attempts else 0}, "
            f"{sum(a > 1 for a in attempts)} needed more than one"
        )

        problems += uploads_check(sent=surge.sent, stored=stored)
        notifications = notifications_read()
        emails = emails_read(directory=stack.email_dir, site_url=stack.base_url)
        say(f"Notifications: {len(notifications)}, emails written: {len(emails)}")
        problems += notifications_check(
            notifications=notifications,
            emails=emails,
            finished_version_ids=[v.id for v in stored if v.status in FINAL],
        )
        if pending:
            problems.append(f"not drained after the surge: {pending}")
        errors = [sample for sample in samples if sample.is_server_error]
        if args.chaos:
            problems += chaos_checks(faults=faults, surge=surge, by_id=by_id, errors=errors)
        else:
            if errors:
                problems.append(f"{len(errors)} requests answered 5xx or failed to connect")
            if len(uploads) < 300 or window > 120:
                problems.append(
                    f"{len(uploads)} uploads in {window:.0f} s: the surge is 300 within 120 s"
                )
            if organisations < 100:
                problems.append(f"uploads came from {organisations} organisations, not 100")
            result_p95 = percentile(to_result, 95) if to_result else 0.0
            if result_p95 >= RESULT_P95_LIMIT_S:
                problems.append(
                    f"upload-to-result p95 {result_p95:.1f} s is not under "
                    f"{RESULT_P95_LIMIT_S:.0f} s"
                )
            if page_p95 >= PAGE_P95_LIMIT_MS:
                problems.append(
                    f"page p95 {page_p95:.0f} ms is not under {PAGE_P95_LIMIT_MS:.0f} ms"
                )
    except Exception as error:  # noqa: BLE001 - any failure to run is a failed run, said plainly
        problems.append(f"the run failed: {error!r} (logs in {run_dir})")
    finally:
        stack.stop()
    return stack.finish(keep=args.keep, problems=problems, target=f"make {mode}")


def flood(*, emails: int) -> int:
    from django.db import connection

    from scripts.loadtest.workload import email_flood

    try:
        return email_flood(emails=emails) if emails else 0
    finally:
        connection.close()


def chaos_checks(*, faults: Faults, surge: Surge, by_id: dict, errors: list) -> list[str]:
    from django.conf import settings

    problems = list(faults.errors)
    say("\nFaults:")
    for fault in faults.done:
        say(
            f"  at {fault.started:5.1f} s  {fault.name}: down {fault.seconds:.1f} s "
            f"{fault.note}".rstrip()
        )
    if "redis" in faults.kinds and not faults.lost_messages:
        problems.append("the Redis restart lost no queued work, so it proved nothing")
    if len(faults.done) != len(faults.kinds):
        problems.append(f"{len(faults.done)} of {len(faults.kinds)} faults were injected")
    during = [sample for sample in errors if sample.started <= faults.over_at + 2.0]
    after = [sample for sample in errors if sample.started > faults.over_at + 2.0]
    say(
        f"Requests answered 5xx or refused: {len(during)} while a fault lasted, {len(after)} "
        f"afterwards"
    )
    if after:
        problems.append(f"{len(after)} requests failed after the last fault had ended")
    retried = [upload for upload in surge.sent if upload.http_status in (200, 202, 302)]
    say(f"Uploads accepted: {len(retried)} of {len(surge.sent)}")
    special = {
        upload.key: by_id.get(upload.version_id)
        for upload in surge.sent
        if upload.key in ("crash", "slow")
    }
    limit = settings.VALIDATION_MAX_ATTEMPTS
    crash, slow = special.get("crash"), special.get("slow")
    if crash is None or crash.status != "failed" or crash.attempts not in (limit, limit + 1):
        problems.append(
            f"the file that kills its worker ended {crash and crash.status} after "
            f"{crash and crash.attempts} claims; expected failed after {limit} attempts"
        )
    else:
        say(
            f"File that kills its worker every time: failed after {limit} attempts (claim "
            f"{crash.attempts} gave up)"
        )
    if slow is None or slow.status != "valid" or slow.attempts < 2:
        problems.append(
            f"the check killed mid-task ended {slow and slow.status} after "
            f"{slow and slow.attempts} "
            "attempts; expected valid on a later attempt"
        )
    else:
        say(f"Check killed mid-task: valid on attempt {slow.attempts}")
    return problems


if __name__ == "__main__":
    sys.exit(main())
