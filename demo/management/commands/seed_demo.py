from django.core.management.base import BaseCommand

from demo.seed import demo_seed


class Command(BaseCommand):
    help = (
        "Load the reference organisations, the 2021/22 demo round and the demo users; with "
        "--sample-returns, "
        "also upload generated returns for a few systems (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", required=True, help="Password for every demo user.")
        parser.add_argument(
            "--sample-returns",
            action="store_true",
            help="Upload, check, submit and review generated activity, workforce and financial "
            "plans for a few "
            "systems in two regions, so the demo round is partly filled in.",
        )

    def handle(self, *args, password: str, sample_returns: bool, **options):
        counts = demo_seed(password=password, sample_returns=sample_returns)
        self.stdout.write(
            f"Demo ready: {counts['organisations']} organisations, {counts['collections']} "
            f"collections, "
            f"{counts['users']} users, {counts['returns']} sample returns uploaded."
        )
