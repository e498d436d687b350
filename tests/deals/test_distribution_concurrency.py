"""Deals distributed at the same moment never push a manager over their cap.

These need PostgreSQL: SQLite serialises whole-database writes, so it cannot show a row lock
holding a second transaction back. Each test runs real transactions in threads, each with its
own connection (the pattern of tests/orders/test_concurrency.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from deals import distribution
from deals.choices import AssignmentStrategy
from deals.distribution import deal_distribute, distribute_queue
from deals.models import Deal, DealAssignment
from orders.roles import MANAGER
from tests.factories import DealFactory, StoreFactory, UserFactory

from ..orders.test_concurrency import TIMEOUT, _start, _wait_until_a_transaction_waits_for_a_lock
from .conftest import NOON, make_profile

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hold_first_distribution(monkeypatch):
    """Makes the distribution run by the thread named "first" stop right after it has locked
    the managers' profiles, until `release` is set; `locked` is set once it holds the locks."""
    locked, release = threading.Event(), threading.Event()
    count = distribution.open_deal_counts

    def open_deal_counts(user_ids):
        if threading.current_thread().name == "first":
            locked.set()
            release.wait(TIMEOUT)
        return count(user_ids)

    monkeypatch.setattr(distribution, "open_deal_counts", open_deal_counts)
    yield locked, release
    release.set()


@pytest.fixture
def one_slot_left():
    """Store «dom» with one manager whose cap of 2 open deals has one slot left."""
    store = StoreFactory(code="dom")
    anna = UserFactory(username="anna", groups=[MANAGER], stores=[store])
    make_profile(anna, max_open_deals=2)
    DealFactory(store=store, responsible=anna)
    return store, anna


def test_two_deals_at_once_with_one_slot_left_one_is_assigned_one_queued(
    on_postgres, hold_first_distribution, one_slot_left
):
    locked, release = hold_first_distribution
    store, anna = one_slot_left
    first_deal, second_deal = DealFactory(store=store), DealFactory(store=store)
    results: dict[str, Any] = {}

    first = _start("first", lambda: deal_distribute(deal=first_deal, now=NOON), results)
    assert locked.wait(TIMEOUT), "the first distribution never locked the profiles"
    second = _start("second", lambda: deal_distribute(deal=second_deal, now=NOON), results)
    try:
        # The second one must wait for the first one's locks before it counts open deals.
        _wait_until_a_transaction_waits_for_a_lock()
    finally:
        release.set()
        first.join(TIMEOUT)
        second.join(TIMEOUT)

    assert results["first"].strategy == AssignmentStrategy.ROUND_ROBIN
    assert results["second"].strategy == AssignmentStrategy.QUEUED
    first_deal.refresh_from_db()
    second_deal.refresh_from_db()
    assert (first_deal.responsible, second_deal.responsible) == (anna, None)
    assert second_deal.queued_since == NOON
    assert Deal.objects.filter(responsible=anna).count() == 2


def test_many_deals_at_once_fill_the_cap_exactly(on_postgres):
    store = StoreFactory(code="dom")
    anna = UserFactory(username="anna", groups=[MANAGER], stores=[store])
    vera = UserFactory(username="vera", groups=[MANAGER], stores=[store])
    make_profile(anna, max_open_deals=2)
    make_profile(vera, max_open_deals=2)
    deals = [DealFactory(store=store) for _ in range(8)]
    barrier = threading.Barrier(len(deals), timeout=TIMEOUT)
    results: dict[str, Any] = {}

    def distribute(deal: Deal) -> Callable[[], Any]:
        def run():
            barrier.wait()
            return deal_distribute(deal=deal, now=NOON)

        return run

    threads = [_start(f"deal-{d.pk}", distribute(d), results) for d in deals]
    for thread in threads:
        thread.join(TIMEOUT)

    assert [r for r in results.values() if isinstance(r, Exception)] == []
    assert Deal.objects.filter(responsible=anna).count() == 2
    assert Deal.objects.filter(responsible=vera).count() == 2
    assert Deal.objects.filter(queued_since__isnull=False, responsible__isnull=True).count() == 4
    assert DealAssignment.objects.filter(strategy=AssignmentStrategy.QUEUED).count() == 4


def test_a_queue_run_and_a_new_deal_at_once_share_the_last_slot(
    on_postgres, hold_first_distribution, one_slot_left
):
    locked, release = hold_first_distribution
    store, anna = one_slot_left
    waiting = DealFactory(store=store, queued_since=NOON)
    arriving = DealFactory(store=store)
    results: dict[str, Any] = {}

    first = _start("first", lambda: distribute_queue(now=NOON), results)
    assert locked.wait(TIMEOUT), "the queue run never locked the profiles"
    second = _start("second", lambda: deal_distribute(deal=arriving, now=NOON), results)
    try:
        _wait_until_a_transaction_waits_for_a_lock()
    finally:
        release.set()
        first.join(TIMEOUT)
        second.join(TIMEOUT)

    assert results["first"] == 1
    assert results["second"].strategy == AssignmentStrategy.QUEUED
    waiting.refresh_from_db()
    arriving.refresh_from_db()
    assert (waiting.responsible, arriving.responsible) == (anna, None)
