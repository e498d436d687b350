"""Order services: totals, cancelling, issuing, returns, who may do what, and when others hear."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from automation.exceptions import TransitionForbidden, TransitionNotAllowed
from automation.models import Via
from automation.signals import transition_committed
from deals.choices import DeliveryMethod, PaymentMethod
from deals.models import Deal
from orders.exceptions import OrderError
from orders.models import Order, PaymentStatus, Status
from orders.services import (
    order_cancel,
    order_issue,
    order_mark_paid,
    order_recalculate_totals,
    order_receive_back,
    order_request_return,
    order_send_payment_link,
)
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    RefusalReasonFactory,
    ReturnReasonFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reason(db):
    return RefusalReasonFactory(code="changed_mind", name="Передумал")


# --- totals ---------------------------------------------------------------------------------


def test_it_totals_lines_with_their_discounts_the_order_discount_and_delivery(store_a):
    order = OrderFactory(
        store=store_a, items=0, discount_amount=Decimal("400.00"), delivery_cost=Decimal("350.00")
    )
    OrderItemFactory(order=order, price=Decimal("1000.00"), quantity=2, discount=Decimal("100.00"))
    OrderItemFactory(order=order, price=Decimal("500.00"), quantity=1)

    order_recalculate_totals(order=order)

    order.refresh_from_db()
    assert order.items_total == Decimal("2400.00")  # 2 × 1000 − 100 + 500
    assert order.total == Decimal("2350.00")  # 2400 − 400 + 350


def test_it_refuses_an_order_discount_above_the_items_total(store_a):
    order = OrderFactory(store=store_a, items=0)
    OrderItemFactory(order=order, price=Decimal("1000.00"))
    order_recalculate_totals(order=order)
    order.discount_amount = Decimal("1000.01")

    with pytest.raises(OrderError) as exc_info:
        order_recalculate_totals(order=order)

    assert "discount_amount" in exc_info.value.message_dict
    order.refresh_from_db()
    assert (order.items_total, order.total) == (Decimal("1000.00"), Decimal("1000.00"))


# --- cancelling -----------------------------------------------------------------------------


def test_it_requires_a_reason_to_cancel(manager, store_a):
    order = OrderFactory(store=store_a)

    with pytest.raises(OrderError) as exc_info:
        order_cancel(order_id=order.pk, actor=manager, reason=None)

    assert "reason" in exc_info.value.message_dict
    order.refresh_from_db()
    assert order.status == Status.NEW
    assert not order.transitions.exists()


def test_it_refuses_a_reason_that_is_no_longer_in_use(manager, store_a):
    order = OrderFactory(store=store_a)
    retired = RefusalReasonFactory(code="old", name="Старая причина", is_active=False)

    with pytest.raises(OrderError):
        order_cancel(order_id=order.pk, actor=manager, reason=retired)

    order.refresh_from_db()
    assert order.status == Status.NEW


def test_it_cancels_with_the_reason_on_the_order_and_in_the_log(manager, store_a, reason):
    order = OrderFactory(store=store_a)

    order_cancel(order_id=order.pk, actor=manager, reason=reason, comment="Купил в магазине")

    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert (order.cancel_reason, order.cancel_comment) == (reason, "Купил в магазине")
    assert order.closed_at is not None
    log = order.transitions.get()
    assert (log.name, log.actor, log.reason, log.comment) == (
        "cancel",
        manager,
        "Передумал",
        "Купил в магазине",
    )


def test_it_loses_the_deal_with_the_same_reason_when_the_order_is_cancelled(
    manager, store_a, reason
):
    order = OrderFactory(store=store_a)

    order_cancel(order_id=order.pk, actor=manager, reason=reason)

    deal = Deal.objects.get(pk=order.deal_id)
    assert deal.stage == Deal.Stage.LOST
    assert deal.lost_reason == reason
    assert order.number in deal.lost_comment
    assert deal.transitions.get().reason == "Передумал"


def test_it_lets_a_manager_cancel_an_order_awaiting_payment(manager, store_a, reason):
    # The customer never paid the link: no money moved, so no refund and no team lead needed.
    order = OrderFactory(store=store_a, contact__phone="+79990000001")
    order_send_payment_link(order_id=order.pk, actor=manager)

    order_cancel(order_id=order.pk, actor=manager, reason=reason)

    order.refresh_from_db()
    assert order.status == Status.CANCELLED


def test_it_forbids_a_manager_to_cancel_a_paid_order(manager, store_a, reason):
    order = OrderFactory(store=store_a, status=Status.PAID, payment_status=PaymentStatus.PAID)

    with pytest.raises(TransitionForbidden):
        order_cancel(order_id=order.pk, actor=manager, reason=reason)

    order.refresh_from_db()
    assert order.status == Status.PAID
    assert not order.transitions.exists()


def test_it_lets_the_team_lead_cancel_a_paid_order(team_lead, store_a, reason):
    order = OrderFactory(store=store_a, status=Status.PAID, payment_status=PaymentStatus.PAID)

    order_cancel(order_id=order.pk, actor=team_lead, reason=reason)

    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert order.transitions.get().actor == team_lead


# --- payment and issue ----------------------------------------------------------------------


def test_it_forbids_a_manager_to_mark_an_order_paid_by_hand(manager, store_a):
    order = OrderFactory(store=store_a, status=Status.AWAITING_PAYMENT)

    with pytest.raises(TransitionForbidden):
        order_mark_paid(order_id=order.pk, actor=manager)

    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT
    assert order.payment_status == PaymentStatus.UNPAID
    assert not order.transitions.exists()


def test_it_forbids_a_manager_to_move_an_order_of_a_store_she_does_not_work_for(
    other_manager, store_a
):
    order = OrderFactory(store=store_a, payment_method=PaymentMethod.ONLINE)

    with pytest.raises(TransitionForbidden):
        order_send_payment_link(order_id=order.pk, actor=other_manager)

    order.refresh_from_db()
    assert order.status == Status.NEW
    assert not order.transitions.exists()


def test_it_lets_the_payment_callback_mark_an_order_paid_as_the_system(store_a):
    order = OrderFactory(store=store_a, status=Status.AWAITING_PAYMENT)

    order_mark_paid(order_id=order.pk, actor=None, via=Via.WEBHOOK)

    order.refresh_from_db()
    assert (order.status, order.payment_status) == (Status.PAID, PaymentStatus.PAID)
    assert order.paid_at is not None
    log = order.transitions.get()
    assert (log.actor, log.via) == (None, Via.WEBHOOK)


def test_it_wins_the_deal_when_the_order_is_issued(manager, store_a):
    order = OrderFactory(
        store=store_a, status=Status.HANDED_TO_DELIVERY, payment_status=PaymentStatus.PAID
    )

    order_issue(order_id=order.pk, actor=manager)

    order.refresh_from_db()
    assert order.status == Status.ISSUED
    assert order.issued_at is not None
    deal = Deal.objects.get(pk=order.deal_id)
    assert deal.stage == Deal.Stage.WON


@pytest.mark.parametrize("method", [PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.CARD_ON_DELIVERY])
def test_it_marks_an_order_paid_on_receipt_paid_when_issued(manager, store_a, method):
    order = OrderFactory(
        store=store_a,
        status=Status.AWAITING_PICKUP,
        payment_method=method,
        delivery_method=DeliveryMethod.PICKUP,
    )

    order_issue(order_id=order.pk, actor=manager)

    order.refresh_from_db()
    assert (order.status, order.payment_status) == (Status.ISSUED, PaymentStatus.PAID)
    assert order.paid_at == order.issued_at


def test_it_refuses_to_issue_an_unpaid_prepaid_order(manager, store_a):
    order = OrderFactory(
        store=store_a,
        status=Status.AWAITING_PICKUP,
        payment_method=PaymentMethod.ONLINE,
        payment_status=PaymentStatus.PENDING,
    )

    with pytest.raises(TransitionNotAllowed):
        order_issue(order_id=order.pk, actor=manager)

    order.refresh_from_db()
    assert order.status == Status.AWAITING_PICKUP
    assert Deal.objects.get(pk=order.deal_id).stage == Deal.Stage.ORDER_PLACED


# --- returns --------------------------------------------------------------------------------


def _all(order):
    return {item.pk: item.quantity for item in order.items.all()}


def test_it_registers_a_return_within_the_return_period(manager, store_a, settings):
    settings.ORDER_RETURN_PERIOD_DAYS = 7
    issued_at = timezone.now()
    order = OrderFactory(store=store_a, status=Status.ISSUED, issued_at=issued_at)

    with time_machine.travel(issued_at + timedelta(days=6, hours=23), tick=False):
        order_request_return(
            order_id=order.pk, actor=manager, reason=ReturnReasonFactory(), lines=_all(order)
        )

    order.refresh_from_db()
    assert order.status == Status.RETURN_REQUESTED


def test_it_refuses_a_return_after_the_return_period(manager, store_a, settings):
    settings.ORDER_RETURN_PERIOD_DAYS = 7
    issued_at = timezone.now()
    order = OrderFactory(store=store_a, status=Status.ISSUED, issued_at=issued_at)

    with (
        time_machine.travel(issued_at + timedelta(days=7, minutes=1), tick=False),
        pytest.raises(TransitionNotAllowed),
    ):
        order_request_return(
            order_id=order.pk, actor=manager, reason=ReturnReasonFactory(), lines=_all(order)
        )

    order.refresh_from_db()
    assert order.status == Status.ISSUED
    assert not order.transitions.exists()


# --- announcing changes ---------------------------------------------------------------------


@pytest.fixture
def committed():
    """The transition_committed signals received, as (name, source, target, instance pk)."""
    received = []

    def receiver(sender, instance, name, source, target, log, **kwargs):
        received.append((sender, name, source, target, instance.pk, log.pk))

    transition_committed.connect(receiver)
    yield received
    transition_committed.disconnect(receiver)


def test_it_announces_a_transition_only_after_commit(
    manager, store_a, committed, django_capture_on_commit_callbacks
):
    order = OrderFactory(store=store_a, status=Status.NEW)

    with django_capture_on_commit_callbacks(execute=True):
        order_send_payment_link(order_id=order.pk, actor=manager)
        assert committed == []

    log = order.transitions.get()
    assert committed == [
        (Order, "send_payment_link", Status.NEW, Status.AWAITING_PAYMENT, order.pk, log.pk)
    ]


def test_it_announces_nothing_when_the_transition_is_refused(
    manager, store_a, committed, django_capture_on_commit_callbacks
):
    order = OrderFactory(store=store_a, status=Status.AWAITING_PAYMENT)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(TransitionForbidden),
    ):
        order_mark_paid(order_id=order.pk, actor=manager)

    assert callbacks == []
    assert committed == []


def test_it_announces_the_order_and_the_deal_when_a_cancel_loses_the_deal(
    manager, store_a, reason, committed, django_capture_on_commit_callbacks
):
    order = OrderFactory(store=store_a)

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_id=order.pk, actor=manager, reason=reason)

    assert [(sender, name) for sender, name, *_rest in committed] == [
        (Order, "cancel"),
        (Deal, "lose"),
    ]


def test_goods_received_back_cancel_the_order_for_not_picking_it_up(team_lead, store_a):
    order = OrderFactory(store=store_a, status=Status.RETURNING)

    order_receive_back(order_id=order.pk, actor=team_lead)

    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert order.cancel_reason.code == "not_picked_up"
    assert order.transitions.get().reason == order.cancel_reason.name
    order.deal.refresh_from_db()
    assert (order.deal.stage, order.deal.lost_reason) == ("lost", order.cancel_reason)
