"""Benchmark validation from a real-sized activity return up to a million cells.

The activity return is the collection that carries the round's ERF estimate in the shipped
2021/22 definition: the largest system template."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError
from django.db.models import Count

from planning.definitions import parse_definition, shipped_definition_text
from planning.models import Organisation, OrganisationType
from workbooks.bench import context_to_bytes
from workbooks.sample import input_cell_count, make_sample_return, sample_context
from workbooks.definition import Definition
from workbooks.specs import resolve_spec
from workbooks.types import MemberOrg, TemplateContext

from .validate_file import context_from_db

DEFAULT_SIZES = "real,10000,100000,1000000"


def benchmark_definition() -> Definition:
    definition, problems = parse_definition(text=shipped_definition_text(slug="2021-22"))
    if definition is None:
        raise ValueError(f"The shipped 2021/22 definition has problems: {problems}")
    return definition


def synthetic_context() -> TemplateContext:
    """An ICS of ten providers and five CCGs, for a database without the demo data."""
    definition = benchmark_definition()
    collection = definition.collection(definition.erf_collection)
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


def real_context() -> TemplateContext:
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
                collection_code=benchmark_definition().erf_collection,
                organisation_code=ics.ods_code,
                stage=None,
            )[0]
    except DatabaseError:  # no tables yet: migrate has not run
        pass
    return synthetic_context()


class Command(BaseCommand):
    help = "Time and measure validation of activity returns of increasing size, each in a fresh process."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes",
            default=DEFAULT_SIZES,
            help=f"Comma-separated input-cell counts; 'real' is the unpadded return ({DEFAULT_SIZES})",
        )

    def handle(self, *args, **options):
        base = real_context()
        spec = resolve_spec(context=base)
        self.stdout.write(
            f"{base.collection_code} {spec.version} for {base.organisation_code} ({len(base.members)} members)"
        )
        self.stdout.write(
            f"{'size':>9} {'input cells':>12} {'cells read':>11} {'validate s':>11} {'cells/s':>10} "
            f"{'peak MB':>8} {'calamine s':>11} {'ratio':>6} {'errors':>7} {'warnings':>9} {'build s':>8}"
        )
        with tempfile.TemporaryDirectory() as directory:
            for size in options["sizes"].split(","):
                context = base if size == "real" else sample_context(context=base, cells=int(size))
                started = time.perf_counter()
                data = make_sample_return(context=context)
                built = time.perf_counter() - started
                path = Path(directory) / f"act-{size}.xlsx"
                path.write_bytes(data)
                figures = self._measure(path, context)
                self.stdout.write(
                    f"{size:>9} {input_cell_count(spec=spec, context=context):>12,} {figures['cells']:>11,} "
                    f"{figures['seconds']:>11.3f} {figures['cells'] / figures['seconds']:>10,.0f} "
                    f"{figures['peak_mb']:>8.0f} {figures['calamine_seconds']:>11.3f} "
                    f"{figures['seconds'] / figures['calamine_seconds']:>6.1f} {figures['errors']:>7} "
                    f"{figures['warnings']:>9} {built:>8.1f}"
                )

    def _measure(self, path: Path, context: TemplateContext) -> dict:
        # Our own interpreter running our own module on a file we just wrote: no outside input.
        completed = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "workbooks.bench", str(path)],
            input=context_to_bytes(context),
            capture_output=True,
            check=True,
            cwd=settings.BASE_DIR,
        )
        return json.loads(completed.stdout.decode())
