"""Validate a file on disk with the same rules the portal runs after an upload."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from planning.models import Collection, Organisation, PlanningRound
from planning.selectors import current_round
from submissions.services import template_context_for
from workbooks.filecheck import inspect_upload
from workbooks.sample import sample_context
from workbooks.types import RejectedFile, TemplateContext
from workbooks.validate import validate_file

MAX_UPLOAD_BYTES = 100 * 1024 * 1024


def context_from_db(
    *,
    collection_code: str,
    organisation_code: str,
    stage: str | None,
    round_name: str | None = None,
) -> tuple[TemplateContext, list[str]]:
    """The template context and accepted formats for an organisation's return in the named round
    (the current round when none is named)."""
    try:
        organisation = Organisation.objects.get(ods_code=organisation_code)
    except Organisation.DoesNotExist:
        raise CommandError(f"No organisation with ODS code {organisation_code}.") from None
    planning_round = (
        PlanningRound.objects.filter(name=round_name).first() if round_name else current_round()
    )
    if planning_round is None:
        raise CommandError(
            f"No planning round called {round_name}." if round_name else "No current round."
        )
    collections = Collection.objects.filter(code=collection_code, planning_round=planning_round)
    if stage:
        collections = collections.filter(stage=stage)
    collection = collections.select_related("planning_round").first()
    if collection is None:
        raise CommandError(
            f"No collection {collection_code}{f' ({stage})' if stage else ''} in "
            f"{planning_round.name}."
        )
    context = template_context_for(collection=collection, organisation=organisation)
    return context, list(collection.accepted_formats)


ROUND_HELP = "Name of the planning round, e.g. 2021/22 (default: the current round)"


class Command(BaseCommand):
    help = "Validate a return file against its collection's rules; exit code 1 if it has errors."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--collection", required=True, help="Collection code, e.g. ACT")
        parser.add_argument(
            "--organisation", required=True, help="ODS code of the submitting organisation"
        )
        parser.add_argument(
            "--stage", help="draft, final or single (default: the first stage of the collection)"
        )
        parser.add_argument("--round", dest="round_name", help=ROUND_HELP)
        parser.add_argument("--json", action="store_true", help="Print the findings as JSON")
        parser.add_argument(
            "--cells", type=int, help="Validate as make_sample_return --cells N padded the template"
        )

    def handle(self, *args, **options):
        context, formats = context_from_db(
            collection_code=options["collection"],
            organisation_code=options["organisation"],
            stage=options["stage"],
            round_name=options["round_name"],
        )
        if options["cells"]:
            context = sample_context(context=context, cells=options["cells"])
        path = Path(options["path"])
        data = path.read_bytes()
        try:
            file_format = inspect_upload(
                data=data, filename=path.name, accepted_formats=formats, max_bytes=MAX_UPLOAD_BYTES
            )
        except RejectedFile as rejected:
            self.stderr.write(rejected.message)
            sys.exit(1)
        result = validate_file(data=data, file_format=file_format, context=context)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "template_version": result.template_version,
                        "cells_read": result.cells_read,
                        "seconds": round(result.seconds, 3),
                        "errors": result.error_count,
                        "warnings": result.warning_count,
                        "findings": [asdict(finding) for finding in result.findings],
                    },
                    indent=2,
                )
            )
        else:
            self._table(result)
        if result.error_count:
            sys.exit(1)

    def _table(self, result) -> None:
        for finding in result.findings:
            location = f"{finding.sheet}!{finding.cell}" if finding.cell else finding.sheet
            self.stdout.write(
                f"{finding.severity:<8} {finding.rule:<22} {location:<22} {finding.value[:20]:<20} "
                f"{finding.message}"
            )
        self.stdout.write(
            f"{result.error_count} errors, {result.warning_count} warnings; {result.cells_read} "
            f"cells read in "
            f"{result.seconds:.3f} s (template version {result.template_version or 'unknown'})."
        )
