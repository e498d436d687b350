"""Deal.furthest_step follows the deal and its order along every path, and never goes back
(deals.services.deal_reach_step, Order.funnel_step)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from automation.models import Via
from deals.choices import DeliveryMethod, PaymentMethod
from deals.models import Deal, DealItem, FunnelStep
from deals.services import (
    deal_create,
    deal_create_placed,
    deal_lose,
    deal_reach_step,
    deal_take_into_work,
)
from orders.models import Order, Status
from orders.payments import order_record_invoice_payment
from orders.services import (
    order_cancel,
    order_confirm,
    order_create_for_deal,
    order_issue,
    order_mark_paid,
    order_place_from_deal,
    order_send_payment_link,
)
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    DealItemFactory,
    OrderFactory,
    ProductFactory,
    RefusalReasonFactory,
)

pytestmark = pytest.mark.django_db


def step_of(deal_or_order) -> int:
    deal_id = deal_or_order.deal_id if isinstance(deal_or_order, Order) else deal_or_order.pk
    return Deal.objects.values_list("furthest_step", flat=True).get(pk=deal_id)


@pytest.fixture
def reason(db):
    return RefusalReasonFactory(code="changed_mind", name="Передумал")


@pytest.fixture
def complete_deal(store_a, manager):
    """A new deal ready to be placed: a customer, a line, courier delivery, paid online."""
    deal = DealFactory(
        store=store_a,
        responsible=manager,
        payment_method=PaymentMethod.ONLINE,
        delivery_method=DeliveryMethod.COURIER,
    )
    DealItemFactory(deal=deal, quantity=1, price=Decimal("1000.00"))
    return deal


def test_a_new_deal_is_at_the_first_step(store_a, manager):
    deal = deal_create(store=store_a, channel="phone", contact=ContactFactory(), actor=manager)

    assert (deal.furthest_step, step_of(deal)) == (FunnelStep.DEAL, FunnelStep.DEAL)


def test_taking_the_deal_into_work_reaches_in_progress(complete_deal, manager):
    deal_take_into_work(deal_id=complete_deal.pk, actor=manager)

    assert step_of(complete_deal) == FunnelStep.IN_PROGRESS


def test_placing_the_order_reaches_order_placed(complete_deal, manager):
    order = order_place_from_deal(deal_id=complete_deal.pk, actor=manager)

    assert order.status == Status.NEW
    assert step_of(complete_deal) == FunnelStep.ORDER_PLACED


def test_sending_the_payment_link_stays_at_order_placed_and_paying_reaches_paid(
    complete_deal, manager
):
    order = order_place_from_deal(deal_id=complete_deal.pk, actor=manager)

    order_send_payment_link(order_id=order.pk, actor=manager)
    assert step_of(complete_deal) == FunnelStep.ORDER_PLACED

    order_mark_paid(order_id=order.pk, actor=None, via=Via.WEBHOOK)
    assert step_of(complete_deal) == FunnelStep.PAID_OR_CONFIRMED


def test_confirming_a_cash_on_delivery_order_reaches_paid_or_confirmed(store_a, manager):
    order = OrderFactory(store=store_a, payment_method=PaymentMethod.CASH_ON_DELIVERY)
    assert step_of(order) == FunnelStep.ORDER_PLACED

    order_confirm(order_id=order.pk, actor=manager)

    assert step_of(order) == FunnelStep.PAID_OR_CONFIRMED


def test_an_invoice_paid_by_hand_reaches_paid_without_a_transition(store_a, team_lead):
    order = OrderFactory(
        store=store_a, payment_method=PaymentMethod.INVOICE, company=CompanyFactory()
    )

    order_record_invoice_payment(order_id=order.pk, actor=team_lead)

    order.refresh_from_db()
    assert order.status == Status.NEW
    assert step_of(order) == FunnelStep.PAID_OR_CONFIRMED


def test_issuing_reaches_issued_and_winning_the_deal_keeps_it(store_a, manager):
    order = OrderFactory(
        store=store_a,
        status=Status.AWAITING_PICKUP,
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
        delivery_method=DeliveryMethod.PICKUP,
    )

    order_issue(order_id=order.pk, actor=manager)

    deal = Deal.objects.get(pk=order.deal_id)
    assert (deal.stage, deal.furthest_step) == (Deal.Stage.WON, FunnelStep.ISSUED)


def test_losing_a_deal_in_work_keeps_in_progress(complete_deal, manager, reason):
    deal_take_into_work(deal_id=complete_deal.pk, actor=manager)

    deal_lose(deal_id=complete_deal.pk, actor=manager, reason=reason)

    deal = Deal.objects.get(pk=complete_deal.pk)
    assert (deal.stage, deal.furthest_step) == (Deal.Stage.LOST, FunnelStep.IN_PROGRESS)


def test_cancelling_a_confirmed_order_keeps_paid_or_confirmed(store_a, manager, reason):
    order = OrderFactory(store=store_a, payment_method=PaymentMethod.CASH_ON_DELIVERY)
    order_confirm(order_id=order.pk, actor=manager)

    order_cancel(order_id=order.pk, actor=manager, reason=reason)

    deal = Deal.objects.get(pk=order.deal_id)
    assert (deal.stage, deal.furthest_step) == (Deal.Stage.LOST, FunnelStep.PAID_OR_CONFIRMED)


def test_cancelling_a_new_order_keeps_order_placed(store_a, manager, reason):
    order = OrderFactory(store=store_a)

    order_cancel(order_id=order.pk, actor=manager, reason=reason)

    assert step_of(order) == FunnelStep.ORDER_PLACED


def test_the_step_never_goes_back_even_from_a_stale_instance(store_a):
    deal = DealFactory(store=store_a)
    stale = Deal.objects.get(pk=deal.pk)
    deal_reach_step(deal=deal, step=FunnelStep.PAID_OR_CONFIRMED)

    deal_reach_step(deal=deal, step=FunnelStep.IN_PROGRESS)
    deal_reach_step(deal=stale, step=FunnelStep.ORDER_PLACED)  # thinks it is still at 0

    assert deal.furthest_step == FunnelStep.PAID_OR_CONFIRMED
    assert step_of(deal) == FunnelStep.PAID_OR_CONFIRMED


def test_saving_a_deal_read_before_its_order_moved_keeps_the_step(store_a, manager):
    order = OrderFactory(store=store_a, payment_method=PaymentMethod.CASH_ON_DELIVERY)
    opened = Deal.objects.get(pk=order.deal_id)  # a change form, read at «Заказ оформлен»
    order_confirm(order_id=order.pk, actor=manager)

    opened.comment = "Перезвонить"
    opened.save()

    deal = Deal.objects.get(pk=order.deal_id)
    assert (deal.comment, deal.furthest_step) == ("Перезвонить", FunnelStep.PAID_OR_CONFIRMED)


@pytest.mark.parametrize(
    ("fields", "step"),
    [
        ({"status": Status.NEW}, FunnelStep.ORDER_PLACED),
        ({"status": Status.AWAITING_PAYMENT}, FunnelStep.ORDER_PLACED),
        ({"status": Status.CONFIRMED}, FunnelStep.PAID_OR_CONFIRMED),
        ({"status": Status.PAID}, FunnelStep.PAID_OR_CONFIRMED),
        ({"status": Status.ASSEMBLING}, FunnelStep.ORDER_PLACED),
        ({"status": Status.CANCELLED, "paid_at": "set"}, FunnelStep.PAID_OR_CONFIRMED),
        ({"status": Status.RETURNED, "issued_at": "set"}, FunnelStep.ISSUED),
    ],
)
def test_the_step_an_order_shows(fields, step):
    values = {key: timezone.now() if value == "set" else value for key, value in fields.items()}

    assert Order(**values).funnel_step() == step


def test_an_order_from_the_website_arrives_at_order_placed(store_a):
    line = DealItem(product=ProductFactory(), quantity=1, price=Decimal("1000.00"))

    deal = deal_create_placed(
        store=store_a,
        channel="site",
        contact=ContactFactory(),
        company=None,
        lines=[line],
        via=Via.API,
        delivery_method=DeliveryMethod.COURIER,
        delivery_address="Москва, ул. Тверская, д. 1",
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
    )
    assert step_of(deal) == FunnelStep.ORDER_PLACED  # stored with the deal: its order follows
    order_create_for_deal(deal=deal, lines=[line], actor=None, via=Via.API)

    assert step_of(deal) == FunnelStep.ORDER_PLACED
