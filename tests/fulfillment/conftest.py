from __future__ import annotations

import pytest

from .factories import warehouses


@pytest.fixture
def wh(db):
    return warehouses()


@pytest.fixture
def published(monkeypatch):
    """The shortage tasks published to the broker: a list of their kwargs."""
    from fulfillment.tasks import record_stock_shortage_task

    calls: list[dict] = []
    monkeypatch.setattr(
        record_stock_shortage_task,
        "apply_async",
        lambda kwargs=None, **options: calls.append(kwargs),
    )
    return calls
