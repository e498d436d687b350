"""Two people (or a person and a webhook) acting on the same order at the same moment.

These need PostgreSQL: SQLite serialises whole-database writes, so it cannot show a row lock
holding a second transaction back. Each test runs real transactions in threads, each with its
own connection.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from automation import transitions
from automation.exceptions import ConcurrentChange, TransitionNotAllowed
from deals.numbering import next_number
from orders.models import Order, Status
from orders.services import order_cancel, order_send_payment_link
from tests.factories import OrderFactory, RefusalReasonFactory, StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)

#: Generous: only reached when something is broken, never waited out by a passing test.
TIMEOUT = 10


def _start(name: str, fn: Callable[[], Any], results: dict[str, Any]) -> threading.Thread:
    def run() -> None:
        try:
            results[name] = fn()
        except Exception as exc:
            results[name] = exc
        finally:
            # A thread opens its own connection; leaving it open would block the test
            # database from being dropped.
            connection.close()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def _wait_until_a_transaction_waits_for_a_lock() -> None:
    deadline = time.monotonic() + TIMEOUT
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            assert time.monotonic() < deadline, "the second transaction never reached the lock"
            time.sleep(0.005)


@pytest.fixture
def hold_first_transition(monkeypatch):
    """Makes the transition run by the thread named "first" stop right after it has locked the
    row, until `release` is set; `locked` is set once it holds the lock."""
    locked, release = threading.Event(), threading.Event()
    # run_transition looks the label up right after its SELECT … FOR UPDATE.
    label = transitions.transition_label

    def transition_label(obj, name):
        if threading.current_thread().name == "first":
            locked.set()
            release.wait(TIMEOUT)
        return label(obj, name)

    monkeypatch.setattr(transitions, "transition_label", transition_label)
    yield locked, release
    release.set()


SECOND = {
    "cancel-of-the-state-seen": (
        lambda order, reason: order_cancel(
            order_id=order.pk, actor=None, reason=reason, expected_state=Status.NEW
        ),
        ConcurrentChange,
    ),
    "same-transition-again": (
        lambda order, reason: order_send_payment_link(order_id=order.pk, actor=None),
        TransitionNotAllowed,
    ),
}


@pytest.mark.parametrize("second", SECOND, ids=list(SECOND))
def test_it_lets_only_one_of_two_simultaneous_transitions_through(
    on_postgres, hold_first_transition, second
):
    locked, release = hold_first_transition
    order = OrderFactory(store=StoreFactory(), status=Status.NEW)
    reason = RefusalReasonFactory()
    run_second, refusal = SECOND[second]
    results: dict[str, Any] = {}

    first = _start("first", lambda: order_send_payment_link(order_id=order.pk, actor=None), results)
    assert locked.wait(TIMEOUT), "the first transition never took the row lock"
    other = _start("second", lambda: run_second(order, reason), results)
    try:
        _wait_until_a_transaction_waits_for_a_lock()
    finally:
        release.set()
        first.join(TIMEOUT)
        other.join(TIMEOUT)

    assert isinstance(results["first"], Order)
    assert isinstance(results["second"], refusal)
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT
    assert order.version == 2
    assert [log.name for log in order.transitions.all()] == ["send_payment_link"]


def test_it_never_gives_two_deals_the_same_number(on_postgres):
    threads, per_thread = 8, 5
    barrier = threading.Barrier(threads, timeout=TIMEOUT)
    results: dict[str, Any] = {}

    def draw() -> list[str]:
        barrier.wait()
        # A sequence nobody has used yet: its first row is created in the race too.
        return [next_number("concurrency-test", start=1) for _ in range(per_thread)]

    workers = [_start(f"drawer-{i}", draw, results) for i in range(threads)]
    for worker in workers:
        worker.join(TIMEOUT)

    assert [r for r in results.values() if isinstance(r, Exception)] == []
    drawn = [number for numbers in results.values() for number in numbers]
    assert sorted(map(int, drawn)) == list(range(1, threads * per_thread + 1))


def test_deal_numbers_from_the_database_sequence_are_unique_and_do_not_wait(on_postgres):
    threads, per_thread = 8, 5
    barrier = threading.Barrier(threads, timeout=TIMEOUT)
    results: dict[str, Any] = {}
    held = threading.Event()

    def holder() -> str:
        # A transaction that drew a number and has not committed must not hold others back.
        from django.db import transaction

        with transaction.atomic():
            number = next_number("deal")
            held.set()
            barrier.wait()
            return number

    def draw() -> list[str]:
        held.wait(TIMEOUT)
        barrier.wait()
        return [next_number("deal") for _ in range(per_thread)]

    workers = [_start("holder", holder, results)]
    barrier = threading.Barrier(threads, timeout=TIMEOUT)
    workers += [_start(f"drawer-{i}", draw, results) for i in range(threads - 1)]
    for worker in workers:
        worker.join(TIMEOUT)

    assert [r for r in results.values() if isinstance(r, Exception)] == []
    drawn = [results["holder"]] + [n for k, v in results.items() if k != "holder" for n in v]
    assert len(set(drawn)) == len(drawn) == 1 + (threads - 1) * per_thread
    assert min(map(int, drawn)) >= 10001


def test_two_simultaneous_completions_of_a_return_restock_and_refund_once(
    on_postgres, hold_first_transition
):
    from decimal import Decimal

    from catalog.models import StockLevel
    from orders.models import Refund
    from orders.returns import Verdict, order_complete_return
    from tests.factories import WarehouseFactory, issued_order, open_return

    locked, release = hold_first_transition
    WarehouseFactory()
    order = issued_order(StoreFactory(), status=Status.RETURN_REQUESTED)
    line = open_return(order).lines.get()

    def complete() -> Order:
        return order_complete_return(
            order_id=order.pk, actor=None, inspection={line.pk: Verdict.ACCEPT}
        )

    results: dict[str, Any] = {}
    first = _start("first", complete, results)
    assert locked.wait(TIMEOUT), "the first completion never took the row lock"
    other = _start("second", complete, results)
    try:
        _wait_until_a_transaction_waits_for_a_lock()
    finally:
        release.set()
        first.join(TIMEOUT)
        other.join(TIMEOUT)

    assert isinstance(results["first"], Order)
    assert isinstance(results["second"], TransitionNotAllowed)
    assert StockLevel.objects.get().quantity == 1
    assert [r.amount for r in Refund.objects.all()] == [Decimal("1000.00")]


@pytest.mark.parametrize("give_up", ["payment", "refund"])
def test_giving_up_locks_the_order_before_the_payment_or_refund(on_postgres, give_up):
    """The webhook locks the order, then the payment; giving up in the other order could
    deadlock with it. The order's FOR UPDATE must come before the payment's or refund's UPDATE."""
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    from orders.payments import payment_give_up, refund_give_up
    from tests.factories import PaymentFactory, RefundFactory

    if give_up == "payment":
        row = PaymentFactory(status="created")
        run, table = lambda: payment_give_up(payment_id=row.pk, error="x"), "orders_payment"
    else:
        row = RefundFactory(status="pending", provider_refund_id=None)
        run, table = lambda: refund_give_up(refund_id=row.pk, error="x"), "orders_refund"

    with CaptureQueriesContext(conn) as queries:
        run()

    sql = [q["sql"] for q in queries.captured_queries]
    lock = next(i for i, q in enumerate(sql) if '"orders_order"' in q and "FOR UPDATE" in q)
    update = next(i for i, q in enumerate(sql) if q.startswith(f'UPDATE "{table}"'))
    assert lock < update
