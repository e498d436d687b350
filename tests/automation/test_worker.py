"""A real Celery worker (in a thread) takes a task from the configured broker and runs it.

In CI the broker is Redis (CELERY_BROKER_URL); elsewhere an in-memory broker stands in so the
test does not touch the demo's filesystem queue.
"""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from automation.models import Heartbeat
from automation.tasks import record_heartbeat_task
from orders_office.celery import app


@pytest.fixture
def broker_url(settings):
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        url = "memory://"
    previous = app.conf.broker_url
    app.conf.broker_url = url
    yield url
    app.conf.broker_url = previous


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_heartbeat_task(broker_url):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        record_heartbeat_task.delay(name="worker-test")
        deadline = time.monotonic() + 30
        while not Heartbeat.objects.filter(name="worker-test").exists():
            assert time.monotonic() < deadline, f"the worker did not run the task ({broker_url})"
            time.sleep(0.1)
    heartbeat = Heartbeat.objects.get(name="worker-test")
    assert heartbeat.hostname


def test_tasks_reject_positional_arguments():
    # Tasks take keyword arguments only, so a changed signature fails loudly, not silently.
    with pytest.raises(TypeError):
        record_heartbeat_task.run("positional")
