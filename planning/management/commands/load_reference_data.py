from pathlib import Path

from django.core.management.base import BaseCommand

from planning.reference_data import REFERENCE_DIR, organisations_import_csv, reference_data_load


class Command(BaseCommand):
    help = (
        "Create or update regions and organisations from the reference CSVs (idempotent), then "
        "apply a file of dated organisation changes if one is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=REFERENCE_DIR)
        parser.add_argument(
            "--changes", type=Path, help="e.g. data/reference/organisation_changes_2022-07-01.csv"
        )

    def handle(self, *args, directory: Path, changes: Path | None, **options):
        for label, result in reference_data_load(directory=directory).items():
            self.stdout.write(f"{label}: {result}")
            for error in result.errors:
                self.stderr.write(f"  {label} {error}")
        if changes:
            with open(changes, "rb") as stream:
                label, result = organisations_import_csv(stream=stream)
            self.stdout.write(f"{label}: {result}")
