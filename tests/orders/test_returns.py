"""Returns (orders.returns): registering part of an order, the inspection, completing with
restock and refund of the accepted lines only, rejecting, and the figures for reports."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from automation.exceptions import TransitionForbidden, TransitionNotAllowed
from automation.models import Notification, Task
from catalog.models import StockLevel
from deals.choices import PaymentMethod
from integrations.errors import PermanentError
from orders.exceptions import OrderError
from orders.models import Order, OrderReturn, Refund, ReturnLine, Status
from orders.returns import (
    Verdict,
    order_complete_return,
    order_reject_return,
    order_request_return,
    return_record_inspection,
    return_stats,
    returnable_quantities,
    unit_share,
)
from orders.returns_models import Condition, ReturnMethod
from tests.factories import (
    OrderItemFactory,
    ReturnReasonFactory,
    StoreFactory,
    WarehouseFactory,
    issued_order,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reason(db):
    return ReturnReasonFactory()


@pytest.fixture
def main_warehouse(db):
    return WarehouseFactory(code="main", name="Основной склад", priority=1)


def _items(order: Order) -> list:
    return list(order.items.order_by("pk"))


def _request(order, actor, lines, reason, **kwargs) -> OrderReturn:
    order_request_return(order_id=order.pk, actor=actor, lines=lines, reason=reason, **kwargs)
    return order.returns.get(status=OrderReturn.Status.REQUESTED)


def _verdicts(order_return: OrderReturn, *verdicts: str) -> dict[int, str]:
    return dict(
        zip(order_return.lines.order_by("pk").values_list("pk", flat=True), verdicts, strict=False)
    )


# --- registering ----------------------------------------------------------------------------


def test_a_return_of_some_lines_and_part_of_a_line_is_registered(store_a, manager, reason):
    order = issued_order(store_a, lines=[(Decimal("500.00"), 3), (Decimal("200.00"), 1)])
    pan, lid = _items(order)

    order_return = _request(order, manager, {pan.pk: 2}, reason, comment="Велики")

    order.refresh_from_db()
    assert order.status == Status.RETURN_REQUESTED
    assert [(line.order_item, line.quantity) for line in order_return.lines.all()] == [(pan, 2)]
    assert (order_return.reason, order_return.created_by) == (reason, manager)
    assert returnable_quantities(order) == {pan.pk: 1, lid.pk: 1}
    log = order.transitions.get(name="request_return")
    assert (log.reason, log.comment) == (reason.name, "Велики")


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ("empty", "lines"),
        ("zero", "lines"),
        ("negative", "lines"),
        ("too_many", "lines"),
        ("foreign", "lines"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_written(store_a, manager, reason, lines, field):
    order = issued_order(store_a, lines=[(Decimal("500.00"), 2)])
    (item,) = _items(order)
    other = OrderItemFactory()
    lines = {
        "empty": {},
        "zero": {item.pk: 0},
        "negative": {item.pk: -1},
        "too_many": {item.pk: 3},
        "foreign": {other.pk: 1},
    }[lines]

    with pytest.raises(OrderError) as exc_info:
        order_request_return(order_id=order.pk, actor=manager, lines=lines, reason=reason)

    assert field in exc_info.value.message_dict
    order.refresh_from_db()
    assert order.status == Status.ISSUED
    assert not order.transitions.exists()
    assert not OrderReturn.objects.exists()


def test_more_than_bought_names_the_sku_and_what_is_left(store_a, manager, reason):
    order = issued_order(store_a, lines=[(Decimal("500.00"), 2)])
    (item,) = _items(order)

    with pytest.raises(OrderError) as exc_info:
        order_request_return(order_id=order.pk, actor=manager, lines={item.pk: 3}, reason=reason)

    text = " ".join(exc_info.value.messages)
    assert item.sku in text
    assert "не больше 2" in text


def test_a_reason_is_required_and_must_be_in_use(store_a, manager):
    order = issued_order(store_a)
    (item,) = _items(order)
    retired = ReturnReasonFactory(code="old", name="Старая", is_active=False)

    for reason in (None, retired):
        with pytest.raises(OrderError) as exc_info:
            order_request_return(
                order_id=order.pk, actor=manager, lines={item.pk: 1}, reason=reason
            )
        assert "reason" in exc_info.value.message_dict
    assert not OrderReturn.objects.exists()


def test_a_courier_pick_up_gives_the_manager_a_task_with_the_address_and_window(
    store_a, manager, reason
):
    order = issued_order(store_a, responsible=manager)
    (item,) = _items(order)
    start = timezone.now() + timedelta(days=1)

    order_return = _request(
        order,
        manager,
        {item.pk: 1},
        reason,
        method=ReturnMethod.COURIER_PICKUP,
        pickup_from=start,
        pickup_until=start + timedelta(hours=3),
    )

    task = order_return.task
    assert (task.assignee, task.subject) == (manager, order)
    assert task.due_at == start + timedelta(hours=3)
    steps = list(task.checklist.values_list("text", flat=True))
    assert any(order.delivery_address in step for step in steps)
    assert any(item.sku in step for step in steps)
    assert order_return.pickup_address == order.delivery_address


def test_a_courier_pick_up_without_a_window_is_refused(store_a, manager, reason):
    order = issued_order(store_a)
    (item,) = _items(order)

    with pytest.raises(OrderError) as exc_info:
        order_request_return(
            order_id=order.pk,
            actor=manager,
            lines={item.pk: 1},
            reason=reason,
            method=ReturnMethod.COURIER_PICKUP,
        )

    assert "pickup_from" in exc_info.value.message_dict
    assert not Task.objects.exists()


def test_a_return_after_the_return_period_is_refused(store_a, manager, reason, settings):
    settings.ORDER_RETURN_PERIOD_DAYS = 7
    order = issued_order(store_a)
    Order.objects.filter(pk=order.pk).update(issued_at=timezone.now() - timedelta(days=8))
    (item,) = _items(order)

    with pytest.raises(TransitionNotAllowed):
        order_request_return(order_id=order.pk, actor=manager, lines={item.pk: 1}, reason=reason)

    assert not OrderReturn.objects.exists()


# --- inspection -----------------------------------------------------------------------------


def test_the_warehouse_records_the_inspection_into_the_history(
    store_a, manager, warehouse_user, reason
):
    order = issued_order(store_a, lines=[(Decimal("500.00"), 1), (Decimal("200.00"), 1)])
    order_return = _request(order, manager, {i.pk: 1 for i in _items(order)}, reason)

    return_record_inspection(
        return_id=order_return.pk,
        results=_verdicts(order_return, Verdict.ACCEPT, Verdict.REFUSE),
        notes={order_return.lines.last().pk: "следы носки"},
        actor=warehouse_user,
    )

    first, second = order_return.lines.order_by("pk")
    assert (first.condition, first.accepted) == (Condition.NO_DEFECT, True)
    assert (second.accepted, second.inspection_note) == (False, "следы носки")
    entry = order.transitions.get(name="return_inspected")
    assert "не принят (следы носки)" in entry.comment


def test_a_manager_may_not_record_the_inspection(store_a, manager, reason):
    order = issued_order(store_a)
    order_return = _request(order, manager, {_items(order)[0].pk: 1}, reason)

    with pytest.raises(TransitionForbidden):
        return_record_inspection(
            return_id=order_return.pk, results=_verdicts(order_return, Verdict.ACCEPT),
            actor=manager,
        )  # fmt: skip

    assert order_return.lines.get().condition == Condition.PENDING


# --- completing -----------------------------------------------------------------------------


def test_completing_restocks_good_lines_and_refunds_only_accepted_ones(
    store_a, manager, team_lead, reason, main_warehouse, yoo, enqueued,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    order = issued_order(
        store_a, lines=[(Decimal("1000.00"), 2), (Decimal("300.00"), 1), (Decimal("250.00"), 1)]
    )
    good, broken, worn = _items(order)
    order_return = _request(order, manager, {good.pk: 1, broken.pk: 1, worn.pk: 1}, reason)

    with django_capture_on_commit_callbacks(execute=True):
        order_complete_return(
            order_id=order.pk,
            actor=team_lead,
            inspection=_verdicts(
                order_return, Verdict.ACCEPT, Verdict.ACCEPT_DEFECT, Verdict.REFUSE
            ),
        )
    enqueued.run()

    order.refresh_from_db()
    order_return.refresh_from_db()
    assert order.status == Status.RETURNED
    assert order_return.status == OrderReturn.Status.COMPLETED
    # 1 of 2 × 1000 and the defective 300 come back as money; the refused 250 does not.
    assert order_return.refund_total == Decimal("1300.00")
    assert order.refunds.get().amount == Decimal("1300.00")
    assert order.refunds.get().status == Refund.Status.SUCCEEDED
    assert order.payment_status == Order.PaymentStatus.PARTIALLY_REFUNDED
    # Only the line without a defect goes back on the shelf.
    stock = dict(StockLevel.objects.values_list("product_id", "quantity"))
    assert stock == {good.product_id: 1}
    assert order_return.restock_warehouse == main_warehouse
    assert [line.restocked for line in order_return.lines.order_by("pk")] == [True, False, False]


def test_the_refund_is_the_price_after_line_and_order_discounts_to_the_kopeck(
    store_a, manager, team_lead, reason, main_warehouse, enqueued
):
    # 3 × 333.33 with a 100 ₽ order discount spread over 999.99 + 500: each unit paid
    # 333.33 − its share; three returns of one unit add up exactly to the line's paid amount.
    order = issued_order(
        store_a, lines=[(Decimal("333.33"), 3), (Decimal("500.00"), 1)], discount=Decimal("100")
    )
    triple, _single = _items(order)
    refunds = []
    for _step in range(3):
        order_return = _request(order, manager, {triple.pk: 1}, reason)
        order_complete_return(
            order_id=order.pk,
            actor=team_lead,
            inspection=_verdicts(order_return, Verdict.ACCEPT),
        )
        order_return.refresh_from_db()
        refunds.append(order_return.refund_total)
        # A further return of the same order: the matrix closes it, so reopen as issued.
        Order.objects.filter(pk=order.pk).update(status=Status.ISSUED)

    # 999.99 less 66.67 (its share of 100 over 1499.99) = 933.32, paid for 3 units.
    assert sum(refunds) == Decimal("933.32")
    assert refunds == [Decimal("311.10"), Decimal("311.11"), Decimal("311.11")]
    with pytest.raises(OrderError):
        order_request_return(order_id=order.pk, actor=manager, lines={triple.pk: 1}, reason=reason)


def test_unit_share_never_loses_or_invents_a_kopeck():
    for net in (1, 7, 10000, 93332, 99999):
        for bought in (1, 2, 3, 7):
            for first in range(bought + 1):
                total = unit_share(net, bought, 0, first) + unit_share(
                    net, bought, first, bought - first
                )
                assert total == Decimal(net).scaleb(-2)


def test_a_return_of_an_order_paid_in_cash_is_refunded_by_hand(
    store_a, manager, team_lead, reason, main_warehouse
):
    order = issued_order(store_a, paid=False, payment_method=PaymentMethod.CASH_ON_DELIVERY)
    order_return = _request(order, manager, {_items(order)[0].pk: 1}, reason)

    order_complete_return(
        order_id=order.pk, actor=team_lead, inspection=_verdicts(order_return, Verdict.ACCEPT)
    )

    order_return.refresh_from_db()
    assert not Refund.objects.exists()
    assert (order_return.refund_online, order_return.refund_by_hand) == (
        Decimal("0.00"),
        Decimal("1000.00"),
    )
    entry = order.transitions.get(name="refund_by_hand")
    assert "1 000,00 ₽" in entry.comment


@pytest.mark.parametrize("verdicts", [(), (Verdict.REFUSE,)], ids=["not inspected", "refused"])
def test_completing_without_an_accepted_inspected_line_is_refused_and_changes_nothing(
    store_a, manager, team_lead, reason, main_warehouse, enqueued, verdicts
):
    order = issued_order(store_a)
    order_return = _request(order, manager, {_items(order)[0].pk: 1}, reason)

    with pytest.raises(OrderError) as exc_info:
        order_complete_return(
            order_id=order.pk, actor=team_lead, inspection=_verdicts(order_return, *verdicts)
        )

    assert "inspection" in exc_info.value.message_dict
    order.refresh_from_db()
    assert order.status == Status.RETURN_REQUESTED
    assert order_return.lines.get().accepted is None  # the inspection given was rolled back
    assert not StockLevel.objects.exists()
    assert not Refund.objects.exists()
    assert enqueued == []


def test_a_manager_may_not_complete_a_return(store_a, manager, reason, main_warehouse):
    order = issued_order(store_a)
    order_return = _request(order, manager, {_items(order)[0].pk: 1}, reason)

    with pytest.raises(TransitionForbidden):
        order_complete_return(
            order_id=order.pk, actor=manager, inspection=_verdicts(order_return, Verdict.ACCEPT)
        )

    assert not StockLevel.objects.exists()


def test_a_refund_yookassa_refuses_alerts_the_team_lead(
    store_a, manager, team_lead, reason, main_warehouse, yoo, enqueued,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    yoo.errors["create_refund"] = [PermanentError("yookassa HTTP 400 invalid_request")]
    order = issued_order(store_a)
    order_return = _request(order, manager, {_items(order)[0].pk: 1}, reason)

    with django_capture_on_commit_callbacks(execute=True):
        order_complete_return(
            order_id=order.pk, actor=team_lead, inspection=_verdicts(order_return, Verdict.ACCEPT)
        )
    enqueued.run()

    assert order.refunds.get().status == Refund.Status.ERROR
    assert Notification.objects.filter(user=team_lead, level="alert").exists()


# --- rejecting ------------------------------------------------------------------------------


def test_rejecting_needs_a_reason_and_returns_the_order_to_issued(
    store_a, manager, team_lead, reason
):
    order = issued_order(store_a, responsible=manager)
    start = timezone.now() + timedelta(hours=2)
    order_return = _request(
        order, manager, {_items(order)[0].pk: 1}, reason,
        method=ReturnMethod.COURIER_PICKUP, pickup_from=start,
        pickup_until=start + timedelta(hours=2),
    )  # fmt: skip

    with pytest.raises(OrderError):
        order_reject_return(order_id=order.pk, actor=team_lead, comment="  ")
    order_reject_return(order_id=order.pk, actor=team_lead, comment="Следы эксплуатации")

    order.refresh_from_db()
    order_return.refresh_from_db()
    assert order.status == Status.ISSUED
    assert order_return.status == OrderReturn.Status.REJECTED
    assert order_return.rejection_comment == "Следы эксплуатации"
    assert order_return.task.done_at is not None
    # Rejected units went back to the customer: they may be asked for again.
    assert returnable_quantities(order) == {_items(order)[0].pk: 1}


# --- figures --------------------------------------------------------------------------------


def test_return_stats_counts_exactly_per_store(store_a, manager, team_lead, main_warehouse):
    size = ReturnReasonFactory(code="size", name="Размер")
    defect = ReturnReasonFactory(code="broken", name="Брак")
    other_store = StoreFactory(code="other")
    completed = issued_order(store_a, lines=[(Decimal("400.00"), 2)])
    rejected = issued_order(store_a)
    waiting = issued_order(store_a)
    issued_order(store_a)  # issued, never returned
    foreign = issued_order(other_store)

    order_return = _request(completed, manager, {_items(completed)[0].pk: 2}, size)
    order_complete_return(
        order_id=completed.pk, actor=team_lead, inspection=_verdicts(order_return, Verdict.ACCEPT)
    )
    _request(rejected, manager, {_items(rejected)[0].pk: 1}, defect)
    order_reject_return(order_id=rejected.pk, actor=team_lead, comment="Нет брака")
    _request(waiting, manager, {_items(waiting)[0].pk: 1}, size)
    _request(foreign, team_lead, {_items(foreign)[0].pk: 1}, defect)

    now = timezone.now()
    stats = return_stats(
        start=now - timedelta(days=2), end=now + timedelta(minutes=1), store=store_a
    )

    assert (stats.registered, stats.open, stats.completed, stats.rejected) == (3, 1, 1, 1)
    assert (stats.units_accepted, stats.units_restocked) == (2, 2)
    assert (stats.refund_total, stats.refund_online, stats.refund_by_hand) == (
        Decimal("800.00"),
        Decimal("800.00"),
        Decimal("0.00"),
    )
    assert stats.orders_issued == 4
    assert stats.return_rate == Decimal("25.0")
    assert [(r.reason, r.returns, r.refunded) for r in stats.by_reason] == [
        ("Размер", 2, Decimal("800.00")),
        ("Брак", 1, Decimal("0.00")),
    ]
    everywhere = return_stats(start=now - timedelta(days=2), end=now + timedelta(minutes=1))
    assert everywhere.registered == 4
    assert ReturnLine.objects.count() == 4


def test_a_completed_return_updates_the_customers_figures(
    store_a, manager, team_lead, reason, main_warehouse, django_capture_on_commit_callbacks
):
    order = issued_order(store_a, paid=False, payment_method=PaymentMethod.CASH_ON_DELIVERY)
    order_return = _request(order, manager, {_items(order)[0].pk: 1}, reason)

    with django_capture_on_commit_callbacks(execute=True):
        order_complete_return(
            order_id=order.pk, actor=team_lead, inspection=_verdicts(order_return, Verdict.ACCEPT)
        )

    contact = order.contact
    contact.refresh_from_db()
    # The refund is taken off what the customer spent; a return costs half a star.
    assert contact.issued_orders_count == 1
    assert contact.total_spent == order.total - Decimal("1000.00")
    assert contact.rating == 3  # 3 + 0.5 (issued) - 0.5 (return)
