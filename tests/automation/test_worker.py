"""A real Celery worker (in a thread) takes a task from the configured broker and runs it.

In CI the broker is Redis (CELERY_BROKER_URL); elsewhere an in-memory broker stands in so the
test does not touch the demo's filesystem queue.
"""

from __future__ import annotations

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from automation.models import Heartbeat
from automation.tasks import record_heartbeat_task
from orders_office.celery import app
from tests.celery_broker import switch_broker


@pytest.fixture
def broker_url(settings):
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        url = "memory://"
    previous = switch_broker(url)
    yield url
    switch_broker(previous)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_heartbeat_task(broker_url):
    # Wait for the worker's own "done" rather than polling the table: on the in-memory SQLite
    # of the tests (shared cache) a read in this thread while the worker writes makes the
    # worker's write fail with "database table is locked".
    done = threading.Event()

    def finished(sender=None, **kwargs):
        # This very task: the in-memory broker may still hold other tests' heartbeat tasks.
        ours = (kwargs.get("kwargs") or {}).get("name") == "worker-test"
        if sender is not None and sender.name == record_heartbeat_task.name and ours:
            done.set()

    task_postrun.connect(finished, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            record_heartbeat_task.delay(name="worker-test")
            assert done.wait(30), f"the worker did not run the task ({broker_url})"
    finally:
        task_postrun.disconnect(finished)
    heartbeat = Heartbeat.objects.get(name="worker-test")
    assert heartbeat.hostname


def test_tasks_reject_positional_arguments():
    # Tasks take keyword arguments only, so a changed signature fails loudly, not silently.
    with pytest.raises(TypeError):
        record_heartbeat_task.run("positional")


@pytest.fixture
def redis_broker(settings):
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        pytest.skip("needs Redis: set CELERY_BROKER_URL=redis://… (.ci/run does)")
    return settings.CELERY_BROKER_URL


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_flags_an_overdue_order(redis_broker, broker_url, store_a, manager):
    from datetime import timedelta

    from django.utils import timezone

    from automation.models import Notification
    from automation.tasks import sweep_task
    from orders.models import Order
    from tests.factories import OrderFactory

    order = OrderFactory(store=store_a, responsible=manager)
    Order.objects.filter(pk=order.pk).update(
        stage_deadline_at=timezone.now() - timedelta(minutes=1)
    )
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        sweep_task.delay()
        sweep_task.delay()  # a doubled beat tick
        deadline = time.monotonic() + 30
        while not Order.objects.filter(pk=order.pk, overdue_since__isnull=False).exists():
            assert time.monotonic() < deadline, "the worker did not run the sweep"
            time.sleep(0.1)
        time.sleep(1)  # let the second tick finish
    assert Notification.objects.filter(user=manager, level="alert").count() == 1


def test_every_beat_entry_names_a_registered_task(settings):
    # A renamed task would leave beat sending messages no worker accepts.
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
        schedule = entry["schedule"]
        # A crontab entry runs at most daily here: it must expire before the next run.
        every = schedule if isinstance(schedule, int | float) else 24 * 3600
        assert entry["options"]["expires"] < every, name
