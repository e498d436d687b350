"""«Оформить заказ»: the order is created from a complete deal, or not at all."""

from __future__ import annotations

from decimal import Decimal

import pytest

from automation.exceptions import ConcurrentChange, TransitionForbidden, TransitionNotAllowed
from catalog.models import Product
from deals.choices import DeliveryMethod, PaymentMethod
from deals.models import (
    Deal,
    deal_has_delivery,
    deal_has_items,
    deal_has_payment_method,
)
from deals.services import deal_place_order
from orders.models import Order, OrderItem, PaymentStatus, Status
from orders.services import order_place_from_deal
from tests.factories import DealFactory, DealItemFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(store_a, manager):
    deal = DealFactory(
        store=store_a,
        responsible=manager,
        payment_method=PaymentMethod.ONLINE,
        delivery_method=DeliveryMethod.COURIER,
        delivery_address="Москва, ул. Тверская, д. 1, кв. 5",
        comment="Позвонить за час",
    )
    DealItemFactory(
        deal=deal,
        product=ProductFactory(sku="SOFA-1", name="Диван", price=Decimal("25000.00")),
        quantity=1,
        price=Decimal("24000.00"),
    )
    DealItemFactory(
        deal=deal,
        product=ProductFactory(sku="PILLOW-1", name="Подушка", price=Decimal("900.00")),
        quantity=3,
    )
    return deal


def test_it_creates_the_order_from_a_complete_deal(deal, manager):
    order = order_place_from_deal(deal_id=deal.pk, actor=manager)

    order.refresh_from_db()
    assert order.number == deal.number
    assert (order.store, order.contact, order.responsible) == (deal.store, deal.contact, manager)
    assert order.status == Status.NEW
    assert order.payment_status == PaymentStatus.UNPAID
    assert (order.payment_method, order.delivery_method, order.delivery_address) == (
        PaymentMethod.ONLINE,
        DeliveryMethod.COURIER,
        "Москва, ул. Тверская, д. 1, кв. 5",
    )
    assert order.comment == "Позвонить за час"
    assert order.items_total == order.total == Decimal("26700.00")


def test_it_snapshots_the_deals_prices_and_product_names_into_the_lines(deal, manager):
    order = order_place_from_deal(deal_id=deal.pk, actor=manager)
    # The catalogue changes afterwards; the order keeps what the customer was sold.
    Product.objects.update(price=Decimal("1.00"), name="Другое")

    lines = [(i.sku, i.name, i.quantity, i.price) for i in order.items.all()]
    assert lines == [
        ("SOFA-1", "Диван", 1, Decimal("24000.00")),
        ("PILLOW-1", "Подушка", 3, Decimal("900.00")),
    ]


def test_it_moves_the_deal_to_order_placed_and_logs_both(deal, manager):
    order = order_place_from_deal(deal_id=deal.pk, actor=manager)

    deal.refresh_from_db()
    assert deal.stage == Deal.Stage.ORDER_PLACED
    deal_log = deal.transitions.get()
    assert (deal_log.name, deal_log.target, deal_log.actor) == (
        "place_order",
        Deal.Stage.ORDER_PLACED,
        manager,
    )
    order_log = order.transitions.get()
    assert (order_log.name, order_log.source, order_log.target, order_log.actor) == (
        "create",
        "",
        Status.NEW,
        manager,
    )


def test_it_is_what_the_deals_place_order_service_runs(deal, manager):
    order = deal_place_order(deal_id=deal.pk, actor=manager)

    assert Order.objects.get() == order
    assert order.deal == deal


def test_it_makes_the_placing_manager_responsible_for_an_unassigned_deal(deal, manager):
    Deal.objects.filter(pk=deal.pk).update(responsible=None)

    order = order_place_from_deal(deal_id=deal.pk, actor=manager)

    assert order.responsible == manager


def _assert_nothing_placed(deal: Deal) -> None:
    deal.refresh_from_db()
    assert deal.stage == Deal.Stage.NEW
    assert not deal.transitions.exists()
    assert not Order.objects.exists()
    assert not OrderItem.objects.exists()


def test_it_refuses_a_deal_without_items_and_says_so(deal, manager):
    deal.items.all().delete()

    with pytest.raises(TransitionNotAllowed) as exc_info:
        order_place_from_deal(deal_id=deal.pk, actor=manager)

    assert str(deal_has_items.description) in str(exc_info.value)
    _assert_nothing_placed(deal)


@pytest.mark.parametrize(
    "missing",
    [
        {"delivery_method": ""},
        {"delivery_address": ""},
        {"delivery_method": DeliveryMethod.PICKUP, "pickup_point": None},
    ],
    ids=["no-method", "courier-without-address", "pickup-without-point"],
)
def test_it_refuses_a_deal_without_delivery_and_says_so(deal, manager, missing):
    Deal.objects.filter(pk=deal.pk).update(**missing)

    with pytest.raises(TransitionNotAllowed) as exc_info:
        order_place_from_deal(deal_id=deal.pk, actor=manager)

    assert str(deal_has_delivery.description) in str(exc_info.value)
    _assert_nothing_placed(deal)


def test_it_refuses_a_deal_without_payment_method_and_names_everything_missing(deal, manager):
    Deal.objects.filter(pk=deal.pk).update(payment_method="", delivery_method="")

    with pytest.raises(TransitionNotAllowed) as exc_info:
        order_place_from_deal(deal_id=deal.pk, actor=manager)

    message = str(exc_info.value)
    assert str(deal_has_payment_method.description) in message
    assert str(deal_has_delivery.description) in message
    assert str(deal_has_items.description) not in message
    _assert_nothing_placed(deal)


def test_it_refuses_to_place_the_order_twice(deal, manager):
    order_place_from_deal(deal_id=deal.pk, actor=manager)

    with pytest.raises(TransitionNotAllowed):
        order_place_from_deal(deal_id=deal.pk, actor=manager)

    assert Order.objects.count() == 1


def test_it_forbids_placing_without_the_permission(deal, warehouse_user):
    with pytest.raises(TransitionForbidden):
        order_place_from_deal(deal_id=deal.pk, actor=warehouse_user)

    _assert_nothing_placed(deal)


def test_it_refuses_a_deal_that_moved_on_since_the_manager_looked(deal, manager):
    with pytest.raises(ConcurrentChange):
        order_place_from_deal(deal_id=deal.pk, actor=manager, expected_state=Deal.Stage.IN_PROGRESS)

    _assert_nothing_placed(deal)
