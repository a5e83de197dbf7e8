from pathlib import Path

from django.core.management.base import BaseCommand

from planning.reference_data import REFERENCE_DIR, reference_data_load


class Command(BaseCommand):
    help = "Create or update regions and organisations from the reference CSVs (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=REFERENCE_DIR)

    def handle(self, *args, directory: Path, **options):
        for label, result in reference_data_load(directory=directory).items():
            self.stdout.write(f"{label}: {result}")
            for error in result.errors:
                self.stderr.write(f"  {label} {error}")
