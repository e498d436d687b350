"""Orders competing for the same stock at the same moment. PostgreSQL only: SQLite serialises
whole-database writes, so it cannot show a row lock holding a second transaction back."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.db.models import F

from catalog.models import StockLevel
from fulfillment import reservation
from orders.exceptions import OrderError
from orders.models import Order, Status
from orders.services import order_start_assembly
from tests.orders.test_concurrency import (
    TIMEOUT,
    _start,
    _wait_until_a_transaction_waits_for_a_lock,
)

from .factories import confirmed_order, level, product, stock, warehouses

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hold_first_reservation(monkeypatch):
    """The thread named "first" stops after it has locked the stock rows (its plan is made)
    until `release` is set; `locked` is set once it holds the locks."""
    locked, release = threading.Event(), threading.Event()
    reserve = reservation.reserve

    def held(order, plan, levels):
        if threading.current_thread().name == "first":
            locked.set()
            release.wait(TIMEOUT)
        return reserve(order, plan, levels)

    monkeypatch.setattr(reservation, "reserve", held)
    # fulfillment.hooks imported the function itself.
    monkeypatch.setattr("fulfillment.hooks.reserve", held)
    yield locked, release
    release.set()


def test_two_orders_for_the_last_units_never_both_get_them(
    on_postgres, store_a, hold_first_reservation
):
    locked, release = hold_first_reservation
    warehouses()
    pan = product("HOME-PAN")
    stock(pan, main=2, shop=1)
    first, second = (confirmed_order(store_a, [(pan, 2)]) for _ in range(2))
    results: dict[str, Any] = {}

    a = _start("first", lambda: order_start_assembly(order_id=first.pk, actor=None), results)
    assert locked.wait(TIMEOUT), "the first start never locked the stock"
    b = _start("second", lambda: order_start_assembly(order_id=second.pk, actor=None), results)
    try:
        # The second waits for the stock rows the first holds: it cannot plan on stale numbers.
        _wait_until_a_transaction_waits_for_a_lock()
    finally:
        release.set()
        a.join(TIMEOUT)
        b.join(TIMEOUT)

    assert isinstance(results["first"], Order)
    assert isinstance(results["second"], OrderError)
    assert level(pan, "main") == (2, 2)
    assert level(pan, "shop") == (1, 0)
    assert Order.objects.get(pk=second.pk).status == Status.CONFIRMED


def test_many_orders_at_once_get_exactly_what_there_is(on_postgres, store_a):
    warehouses()
    pan = product("HOME-PAN")
    stock(pan, main=3, shop=2)
    orders = [confirmed_order(store_a, [(pan, 1)]) for _ in range(8)]
    barrier = threading.Barrier(len(orders), timeout=TIMEOUT)
    results: dict[str, Any] = {}

    def start(order_id: int):
        barrier.wait()
        return order_start_assembly(order_id=order_id, actor=None)

    threads = [_start(f"order-{o.pk}", lambda pk=o.pk: start(pk), results) for o in orders]
    for thread in threads:
        thread.join(TIMEOUT)

    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["Order"] * 5 + ["OrderError"] * 3
    assert StockLevel.objects.filter(reserved__gt=F("quantity")).count() == 0
    assert level(pan, "main") == (3, 3)
    assert level(pan, "shop") == (2, 2)


def test_orders_locking_the_same_rows_in_opposite_line_order_do_not_deadlock(on_postgres, store_a):
    warehouses()
    pan, mug = product("HOME-PAN"), product("HOME-MUG")
    stock(pan, main=50, shop=50)
    stock(mug, main=50, shop=50)
    pairs = 6
    orders = [
        confirmed_order(store_a, [(pan, 1), (mug, 1)] if n % 2 else [(mug, 1), (pan, 1)])
        for n in range(2 * pairs)
    ]
    barrier = threading.Barrier(len(orders), timeout=TIMEOUT)
    results: dict[str, Any] = {}

    def start(order_id: int):
        barrier.wait()
        return order_start_assembly(order_id=order_id, actor=None)

    threads = [_start(f"order-{o.pk}", lambda pk=o.pk: start(pk), results) for o in orders]
    for thread in threads:
        thread.join(TIMEOUT)

    # A deadlock would surface as an OperationalError in one of them.
    assert [r for r in results.values() if not isinstance(r, Order)] == []
    assert level(pan, "main") == (50, 2 * pairs)
    assert level(mug, "main") == (50, 2 * pairs)
    connection.close()
