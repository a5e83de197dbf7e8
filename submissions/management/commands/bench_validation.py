"""Benchmark validation of the activity return, from real-sized up to a million cells, against a
bare python-calamine read of the same file measured in the same run.

The activity return is the collection of the round definition whose template pads out with member
blocks: the one a large system's return grows with. Times on a shared machine vary, so every
target is a ratio within one run, except the real-sized return and building the sample, which are
absolute."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.db.models import Count

from planning.definitions import SHIPPED_DIR, parse_definition, shipped_definition_text
from planning.models import Organisation, OrganisationType
from workbooks.bench import context_to_bytes
from workbooks.definition import Definition
from workbooks.model import GridSheet
from workbooks.sample import input_cell_count, make_sample_return, sample_context
from workbooks.specs import resolve_spec
from workbooks.types import MemberOrg, TemplateContext

from .validate_file import context_from_db

DEFAULT_SIZES = "real,10000,100000,1000000"
TIME_RATIO = 1.5  # whole validation against the bare read
MEMORY_RATIO = 1.3  # validation's peak against the bare read's, each in its own process
REAL_SECONDS = 0.1
MARK_RATIO = 3.0  # marked workbook against validation
SAMPLE_SECONDS = 30.0
PLANTED_ERRORS = 100
REPEATS = 3


def benchmark_definition(*, slug: str) -> Definition:
    definition, problems = parse_definition(text=shipped_definition_text(slug=slug))
    if definition is None:
        raise CommandError(f"The shipped definition {slug} has problems: {problems}")
    return definition


def activity_collection(*, definition: Definition) -> str:
    """The collection whose template has the largest member blocks."""

    def block_cells(code: str) -> int:
        spec = definition.template_of(code)
        return max(
            (
                len(sheet.measures) * len(sheet.value_headers)
                for sheet in (spec.sheets if spec else ())
                if isinstance(sheet, GridSheet) and sheet.member_kinds
            ),
            default=0,
        )

    best = max(definition.collections, key=lambda item: block_cells(item.code), default=None)
    if best is None or not block_cells(best.code):
        raise CommandError(f"No collection of {definition.name} has a template with member blocks.")
    return best.code


def synthetic_context(*, definition: Definition) -> TemplateContext:
    """An ICS of ten providers and five CCGs, for a database without the demo data."""
    collection = definition.collection(activity_collection(definition=definition))
    members = tuple(
        MemberOrg(f"RX{index:03d}", f"Synthetic NHS Trust {index}", "provider")
        for index in range(1, 11)
    )
    members += tuple(
        MemberOrg(f"0{index}X", f"NHS Synthetic CCG {index}", "ccg") for index in range(1, 6)
    )
    return TemplateContext(
        collection_code=collection.code,
        collection_name=collection.name,
        stage=collection.stages[0].stage,
        round_name=definition.name,
        organisation_code="QXX",
        organisation_name="Synthetic ICS",
        members=members,
        specs=(definition.templates[collection.template],),
    )


def real_context(*, definition: Definition) -> TemplateContext:
    """The demo ICS with the most providers and CCGs, or the synthetic one."""
    try:
        ics = (
            Organisation.objects.filter(org_type=OrganisationType.ICS)
            .annotate(member_count=Count("members"))
            .order_by("-member_count", "ods_code")
            .first()
        )
        if ics is not None:
            return context_from_db(
                collection_code=activity_collection(definition=definition),
                organisation_code=ics.ods_code,
                stage=None,
            )[0]
    except (DatabaseError, CommandError):  # no tables yet, or no such collection in the database
        pass
    return synthetic_context(definition=definition)


def _child(*args: str, context: TemplateContext | None = None) -> dict:
    # Our own interpreter running our own module on a file we just wrote: no outside input.
    completed = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "workbooks.bench", *args],
        input=context_to_bytes(context) if context else b"",
        capture_output=True,
        check=True,
        cwd=settings.BASE_DIR,
        # As the workers run it (config/celery.py): no BLAS thread pool spinning beside the check.
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    return json.loads(completed.stdout.decode())


def _best(runs: list[dict]) -> dict:
    return {key: min(run[key] for run in runs) for key in runs[0]}


def _verdict(holds: bool) -> str:
    return "met" if holds else "NOT MET"


class Command(BaseCommand):
    help = (
        "Time and measure validation of activity returns of increasing size, each in a fresh "
        "process."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes",
            default=DEFAULT_SIZES,
            help=f"Comma-separated input-cell counts; 'real' is the unpadded return "
            f"({DEFAULT_SIZES})",
        )
        parser.add_argument(
            "--definition",
            default=sorted(path.stem for path in SHIPPED_DIR.glob("*.yaml"))[0],
            help="The shipped round definition to take the activity template from",
        )

    def handle(self, *args, **options):
        base = real_context(definition=benchmark_definition(slug=options["definition"]))
        spec = resolve_spec(context=base)
        self.stdout.write(
            f"{base.collection_code} {spec.version} for {base.organisation_code} "
            f"({len(base.members)} members)"
        )
        self.stdout.write(
            f"{'size':>9} {'input cells':>12} {'cells read':>11} {'validate s':>11} "
            f"{'cpu s':>7} {'cpu s/M':>8} {'peak MB':>8} {'read s':>7} {'read cpu':>8} "
            f"{'read MB':>8} {'time x':>7} {'cpu x':>6} {'mem x':>6} {'errors':>7} "
            f"{'warnings':>9} {'build s':>8} {'mark s':>7} {'mark cpu':>8}"
        )
        sizes = options["sizes"].split(",")
        largest = max((size for size in sizes if size != "real"), key=int, default=None)
        rows = {}
        with tempfile.TemporaryDirectory() as directory:
            for size in sizes:
                context = base if size == "real" else sample_context(context=base, cells=int(size))
                started = time.perf_counter()
                # Padded returns carry planted errors, so the marked workbook has cells to mark.
                planted = 0 if size == "real" else PLANTED_ERRORS
                data = make_sample_return(context=context, errors=planted, seed=1)
                built = time.perf_counter() - started
                path = Path(directory) / f"act-{size}.xlsx"
                path.write_bytes(data)
                del data
                flags = ("--mark",) if size == largest else ()
                reads, checks = [], []
                # Read and check taken in turns, each figure the best of its runs: on a shared
                # machine the other sessions' load only ever adds time.
                for _ in range(REPEATS):
                    reads.append(_child("read", str(path)))
                    checks.append(_child("validate", str(path), *flags, context=context))
                read, figures = _best(reads), _best(checks)
                figures.update(built=built, read=read)
                rows[size] = figures
                self.stdout.write(
                    f"{size:>9} {input_cell_count(spec=spec, context=context):>12,} "
                    f"{figures['cells']:>11,} {figures['seconds']:>11.3f} {figures['cpu']:>7.3f} "
                    f"{figures['cpu'] * 1e6 / max(figures['cells'], 1):>8.3f} "
                    f"{figures['peak_mb']:>8.0f} {read['seconds']:>7.3f} {read['cpu']:>8.3f} "
                    f"{read['peak_mb']:>8.0f} {figures['seconds'] / read['seconds']:>7.2f} "
                    f"{figures['cpu'] / read['cpu']:>6.2f} "
                    f"{figures['peak_mb'] / read['peak_mb']:>6.2f} {figures['errors']:>7} "
                    f"{figures['warnings']:>9} {built:>8.1f} "
                    f"{figures.get('mark_seconds', 0):>7.1f} {figures.get('mark_cpu', 0):>8.1f}"
                )
        self._targets(rows, largest)

    def _targets(self, rows: dict, largest: str | None) -> None:
        self.stdout.write("Targets:")
        if "real" in rows:
            seconds = rows["real"]["seconds"]
            self.stdout.write(
                f"  real-sized return validated in {seconds:.3f} s "
                f"(under {REAL_SECONDS} s): {_verdict(seconds < REAL_SECONDS)}"
            )
        if largest is None:
            return
        figures = rows[largest]
        read = figures["read"]
        self.stdout.write(
            f"  (time is CPU time, the best of {REPEATS} runs each; wall clock on this shared "
            f"machine: validation {figures['seconds']:.2f} s against the read's "
            f"{read['seconds']:.2f} s, {figures['seconds'] / read['seconds']:.2f}x; marked "
            f"workbook {figures['mark_seconds']:.2f} s, "
            f"{figures['mark_seconds'] / figures['seconds']:.2f}x)"
        )
        checks = (
            (
                f"validation of {largest} cells against the bare read, time",
                figures["cpu"] / read["cpu"],
                TIME_RATIO,
            ),
            (
                f"validation of {largest} cells against the bare read, peak memory",
                figures["peak_mb"] / read["peak_mb"],
                MEMORY_RATIO,
            ),
            (
                f"marked workbook of {largest} cells against its validation, time",
                figures["mark_cpu"] / figures["cpu"],
                MARK_RATIO,
            ),
        )
        for label, ratio, target in checks:
            self.stdout.write(
                f"  {label}: {ratio:.2f}x (at most {target}x): {_verdict(ratio <= target)}"
            )
        self.stdout.write(
            f"  sample return of {largest} cells built in {figures['built']:.1f} s "
            f"(under {SAMPLE_SECONDS:.0f} s): {_verdict(figures['built'] < SAMPLE_SECONDS)}"
        )
        per_million = ", ".join(
            f"{size}: {rows[size]['cpu'] * 1e6 / max(rows[size]['cells'], 1):.3f} s"
            for size in rows
            if size != "real"
        )
        self.stdout.write(f"  CPU time per million cells read: {per_million}")
