from django.core.management.base import BaseCommand

from automation.sweep import sweep


class Command(BaseCommand):
    help = (
        "Run one automation sweep now: overdue marks, warnings, reminders and due trigger "
        "actions. Safe next to the beat job (cron-friendly)."
    )

    def handle(self, *args, **options):
        self.stdout.write(str(sweep()))
