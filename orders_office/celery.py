"""The Celery application: settings come from Django's, under the CELERY_ prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_office.settings")

# Every task keeps a publish the broker refused and retries a run that lost the database.
app = Celery("orders_office", task_cls="orders_office.task_base:Task")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
