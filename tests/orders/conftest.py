"""Fixtures of the money tests: YooKassa in memory and the Celery queue run by hand."""

from __future__ import annotations

import pytest

from orders import tasks
from tests.factories import FakeYooKassa


@pytest.fixture
def yoo(monkeypatch):
    return FakeYooKassa().install(monkeypatch)


@pytest.fixture
def enqueued(monkeypatch):
    """(task, kwargs) of every task put on the queue, instead of a broker; `run()` runs them
    eagerly (retries included) in order, and what they enqueue in turn."""

    class Queue(list):
        def run(self) -> None:
            while self:
                task, kwargs = self.pop(0)
                task.apply(kwargs=kwargs)

    queue = Queue()
    for task in (tasks.create_payment_and_send_link_task, tasks.send_refund_task):
        monkeypatch.setattr(task, "delay", lambda task=task, **kw: queue.append((task, kw)))
    return queue
