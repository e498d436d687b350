from django.core.management.base import BaseCommand

from orders.segments import contact_stats_refresh_all


class Command(BaseCommand):
    help = "Recompute every contact's purchase figures, segment and rating (docs/segments.md)."

    def handle(self, *args, **options) -> None:
        count = contact_stats_refresh_all()
        self.stdout.write(f"Customer figures refreshed: {count} contacts.")
