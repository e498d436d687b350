from django.core.management.base import BaseCommand

from orders.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the demo data (stores, catalogue, staff, ~300 deals and orders). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--deals", type=int, default=300, help="how many demo deals")

    def handle(self, *args, deals: int, **options):
        report = seed_demo(deal_count=deals, log=lambda line: self.stdout.write(line))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {report['deals']} deals, {report['orders']} orders, "
                f"{report['products']} products. Staff password: {DEMO_PASSWORD}"
            )
        )
