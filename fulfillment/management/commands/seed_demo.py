from django.core.management.base import BaseCommand

from fulfillment.demo import DEMO_STEPS
from orders.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    # Here, in the app at the top of the stack (DESIGN §3), because the demo spans every app.
    help = "Load the demo data (stores, catalogue, staff, ~300 deals and orders). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--deals", type=int, default=300, help="how many demo deals")

    def handle(self, *args, deals: int, **options):
        def log(line: str) -> None:
            self.stdout.write(line)

        report = seed_demo(deal_count=deals, log=log)
        for step in DEMO_STEPS:
            step(log)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {report['deals']} deals, {report['orders']} orders, "
                f"{report['products']} products. Staff password: {DEMO_PASSWORD}"
            )
        )
