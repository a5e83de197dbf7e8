"""Write a plausible completed return, built on the real template, optionally padded and with
planted errors."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workbooks.sample import make_sample_return

from .validate_file import ROUND_HELP, context_from_db


class Command(BaseCommand):
    help = "Write a sample completed return (valid unless --errors K plants K errors)."

    def add_arguments(self, parser):
        parser.add_argument("--collection", required=True)
        parser.add_argument("--organisation", required=True)
        parser.add_argument("--out", required=True)
        parser.add_argument("--stage")
        parser.add_argument("--round", dest="round_name", help=ROUND_HELP)
        parser.add_argument(
            "--cells", type=int, help="Pad with synthetic member blocks to about N input cells"
        )
        parser.add_argument("--errors", type=int, default=0)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options):
        context, _formats = context_from_db(
            collection_code=options["collection"],
            organisation_code=options["organisation"],
            stage=options["stage"],
            round_name=options["round_name"],
        )
        if not context.specs:
            raise CommandError(
                f"{options['collection']} is taken as a document, not a workbook; there is no "
                f"template."
            )
        data = make_sample_return(
            context=context, cells=options["cells"], errors=options["errors"], seed=options["seed"]
        )
        Path(options["out"]).write_bytes(data)
        padded = f"; validate it with --cells {options['cells']}" if options["cells"] else ""
        self.stdout.write(
            f"Wrote {options['out']} ({len(data):,} bytes, {options['errors']} planted "
            f"errors{padded})."
        )
