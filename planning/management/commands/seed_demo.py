from django.core.management.base import BaseCommand

from planning.demo import demo_seed


class Command(BaseCommand):
    help = "Load the reference organisations, the 2021/22 demo round and the demo users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", required=True, help="Password for every demo user.")

    def handle(self, *args, password: str, **options):
        counts = demo_seed(password=password)
        self.stdout.write(
            f"Demo ready: {counts['organisations']} organisations, {counts['collections']} collections, "
            f"{counts['users']} users."
        )
