"""Every task keeps a publish the broker refused (sent again later) and retries a run that lost
the database (orders_office.task_base)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.db import OperationalError
from django.utils import timezone

from automation.models import UnsentTask
from automation.tasks import record_heartbeat_task, run_due_firings_task
from orders_office.celery import app
from tests.celery_broker import switch_broker

pytestmark = pytest.mark.django_db

#: Nothing listens there: a publish fails as it does while Redis is down.
DOWN_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down():
    previous = switch_broker(DOWN_BROKER)
    yield
    switch_broker(previous)


def test_a_publish_the_broker_refuses_is_kept_not_raised(broker_down):
    result = record_heartbeat_task.apply_async(kwargs={"name": "outage"}, countdown=30)

    assert result is None
    row = UnsentTask.objects.get()
    assert row.task == "automation.tasks.record_heartbeat_task"
    assert row.kwargs == {"name": "outage"}
    assert row.args == []
    assert timedelta(seconds=29) < row.due_at - timezone.now() <= timedelta(seconds=30)
    assert row.expires_at is None
    assert row.error.startswith("OperationalError")


def test_an_on_commit_publish_during_an_outage_does_not_fail_the_request(
    broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run_due_firings_task.delay_on_commit()

    assert len(callbacks) == 1
    assert UnsentTask.objects.get().task == "automation.tasks.run_due_firings_task"


def test_a_publish_that_works_keeps_nothing():
    assert run_due_firings_task.delay() is not None
    assert UnsentTask.objects.count() == 0


def _task(name, **fields):
    return UnsentTask.objects.create(
        task=name, kwargs={"name": "x"}, due_at=fields.pop("due_at", timezone.now()), **fields
    )


def test_the_kept_tasks_are_sent_again_in_order_and_forgotten(monkeypatch):
    from automation.outbox import unsent_tasks_resend

    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, **kw: sent.append((name, kw["kwargs"])))
    now = timezone.now()
    _task("automation.tasks.record_heartbeat_task", due_at=now)
    _task("automation.tasks.sweep_task", due_at=now)
    later = _task("automation.tasks.sweep_task", due_at=now + timedelta(minutes=5))
    _task("automation.tasks.sweep_task", due_at=now, expires_at=now - timedelta(seconds=1))

    assert unsent_tasks_resend(now=now) == 2

    assert sent == [
        ("automation.tasks.record_heartbeat_task", {"name": "x"}),
        ("automation.tasks.sweep_task", {"name": "x"}),
    ]
    assert list(UnsentTask.objects.values_list("pk", flat=True)) == [later.pk]


def test_resending_stops_while_the_broker_still_refuses(broker_down):
    from automation.outbox import unsent_tasks_resend

    _task("automation.tasks.record_heartbeat_task")
    _task("automation.tasks.sweep_task")

    assert unsent_tasks_resend() == 0
    assert UnsentTask.objects.count() == 2


@app.task(name="tests.lose_the_database")
def lose_the_database() -> None:
    raise OperationalError("server closed the connection unexpectedly")


def test_a_task_that_lost_the_database_runs_again_later(monkeypatch):
    retried = {}

    def retry(**kwargs):
        retried.update(kwargs)
        return Retry("again")

    monkeypatch.setattr(lose_the_database, "retry", retry)
    lose_the_database.push_request(id="t-1", retries=0, called_directly=False, is_eager=False)
    try:
        with pytest.raises(Retry):
            lose_the_database()
    finally:
        lose_the_database.pop_request()

    assert retried["countdown"] == 15
    assert retried["max_retries"] == 8
    assert isinstance(retried["exc"], OperationalError)


def test_a_direct_call_that_lost_the_database_raises():
    with pytest.raises(OperationalError):
        lose_the_database()


def test_a_task_put_back_when_its_worker_is_killed(settings):
    # acks_late alone acknowledges a task whose worker process was killed (recorded failed).
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
