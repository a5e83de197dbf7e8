"""Time the progress dashboard at national scale (under 200 ms, bounded queries).

Builds the synthetic national data set (oversight.national_scale) inside a transaction, renders the
national and one regional dashboard through the full request stack, prints the figures and rolls
everything back, so the database is left as it was."""

from __future__ import annotations

import logging
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from oversight.national_scale import national_scale_build

TARGET_MS = 200


class _Rollback(Exception):
    pass


class _QueryCounter:
    """Counts the queries of one request (DEBUG-independent, unlike connection.queries)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class Command(BaseCommand):
    help = (
        "Render the progress dashboard at national scale and print ms per render and query counts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--repeat", type=int, default=10, help="Renders timed per page (default 10)"
        )

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                self._run(repeat=options["repeat"])
                raise _Rollback
        except _Rollback:
            pass

    def _run(self, *, repeat: int) -> None:
        started = time.perf_counter()
        data = national_scale_build(prefix="BENCH")
        self.stdout.write(
            f"national-scale data built in {time.perf_counter() - started:.1f} s "
            f"({connection.vendor})"
        )
        url = f"{reverse('oversight:dashboard')}?round={data.current_round.pk}"
        pages = [
            ("national", data.admin, url),
            (
                f"region {data.regions[0].code}",
                data.reviewer,
                f"{url}&region={data.regions[0].code}",
            ),
            (
                "national xlsx",
                data.admin,
                url.replace(reverse("oversight:dashboard"), reverse("oversight:dashboard_xlsx")),
            ),
        ]
        self.stdout.write(
            f"{'page':<16} {'rows':>5} {'queries':>8} {'median ms':>10} {'max ms':>8}  target"
        )
        # force_login goes through django-axes, which logs every login at INFO.
        logging.getLogger("axes").setLevel(logging.WARNING)
        for name, user, page_url in pages:
            client = Client()
            client.force_login(user)
            queries = _QueryCounter()
            with connection.execute_wrapper(queries):
                response = client.get(page_url)
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code}")
            rows = response.content.count(b"data-organisation=") if name != "national xlsx" else "-"
            timings = []
            for _ in range(repeat):
                tick = time.perf_counter()
                client.get(page_url)
                timings.append((time.perf_counter() - tick) * 1000)
            median = statistics.median(timings)
            # The target is the page's; the export is timed for information.
            verdict = (
                "-"
                if name.endswith("xlsx")
                else "ok"
                if median < TARGET_MS
                else f"OVER {TARGET_MS} ms"
            )
            self.stdout.write(
                f"{name:<16} {rows:>5} {queries.count:>8} {median:>10.1f} {max(timings):>8.1f}  "
                f"{verdict}"
            )
