"""Stock reservation: taken at start_assembly, released by cancel, consumed when the goods
leave, put back when they come back. Never negative, never more than there is."""

from __future__ import annotations

import pytest
from django.utils import translation

from catalog.models import StockLevel
from deals.choices import DeliveryMethod
from fulfillment.models import AssemblyDocument, AssemblyLine
from orders.exceptions import OrderError
from orders.models import Status
from orders.services import (
    order_cancel,
    order_fail_delivery,
    order_finish_assembly,
    order_hand_to_delivery,
    order_ready_for_pickup,
    order_receive_back,
    order_start_assembly,
)
from tests.factories import RefusalReasonFactory

from .factories import confirmed_order, level, product, stock

pytestmark = pytest.mark.django_db

L = AssemblyLine.State


def _lines(order) -> list[tuple[str, str, int, str]]:
    return [
        (line.product.sku, line.warehouse.code, line.quantity, line.state)
        for line in AssemblyLine.objects.filter(document__order=order).order_by("pk")
    ]


def test_it_reserves_from_the_main_warehouse_first_then_by_priority_never_a_pickup_point(
    wh, store_a, manager
):
    pan = product("HOME-PAN")
    # The pickup point has the lowest priority number and plenty: it must not matter.
    stock(pan, main=1, shop=5, pvz=10)
    order = confirmed_order(store_a, [(pan, 3)])

    order_start_assembly(order_id=order.pk, actor=manager)

    order.refresh_from_db()
    assert order.status == Status.ASSEMBLING
    assert _lines(order) == [
        ("HOME-PAN", "main", 1, L.RESERVED),
        ("HOME-PAN", "shop", 2, L.RESERVED),
    ]
    assert level(pan, "main") == (1, 1)
    assert level(pan, "shop") == (5, 2)
    assert level(pan, "pvz") == (10, 0)


def test_lines_of_the_same_product_are_counted_together(wh, store_a, manager):
    mug = product("HOME-MUG")
    stock(mug, main=3)
    order = confirmed_order(store_a, [(mug, 2), (mug, 2)])

    with pytest.raises(OrderError) as refusal, translation.override("en"):
        order_start_assembly(order_id=order.pk, actor=manager)

    assert "HOME-MUG: need 4, available 3" in " ".join(refusal.value.messages)


def test_it_refuses_naming_each_short_sku_and_what_is_where_and_writes_nothing(
    wh, store_a, manager, published
):
    pan, mug, lamp = product("HOME-PAN"), product("HOME-MUG"), product("HOME-LAMP")
    stock(pan, main=1, shop=0)
    stock(mug, main=5)
    stock(lamp, main=0, shop=1, pvz=4)
    order = confirmed_order(store_a, [(pan, 3), (mug, 1), (lamp, 2)], responsible=manager)

    with pytest.raises(OrderError) as refusal, translation.override("en"):
        order_start_assembly(order_id=order.pk, actor=manager)

    assert refusal.value.messages[1:] == [
        "HOME-PAN: need 3, available 1 (Основной склад: 1, Магазин на Тверской: 0)",
        "HOME-LAMP: need 2, available 1 (Основной склад: 0, Магазин на Тверской: 1)",
    ]
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED
    assert not order.transitions.exists()
    assert not AssemblyDocument.objects.exists()
    assert StockLevel.objects.filter(reserved__gt=0).count() == 0
    assert published == [{"order_id": order.pk, "actor_id": manager.pk}]


def test_what_others_reserved_is_not_available(wh, store_a, manager):
    pan = product("HOME-PAN")
    stock(pan, main=3)
    first = confirmed_order(store_a, [(pan, 2)])
    second = confirmed_order(store_a, [(pan, 2)])
    order_start_assembly(order_id=first.pk, actor=manager)

    with pytest.raises(OrderError), translation.override("en"):
        order_start_assembly(order_id=second.pk, actor=manager)

    assert level(pan, "main") == (3, 2)


def test_cancelling_releases_the_reservations(wh, store_a, manager, team_lead, warehouse_user):
    pan = product("HOME-PAN")
    stock(pan, main=2, shop=2)
    order = confirmed_order(store_a, [(pan, 3)])
    order_start_assembly(order_id=order.pk, actor=manager)
    order_finish_assembly(order_id=order.pk, actor=team_lead)

    order_cancel(order_id=order.pk, actor=team_lead, reason=RefusalReasonFactory())

    assert level(pan, "main") == (2, 0)
    assert level(pan, "shop") == (2, 0)
    assert {state for *_rest, state in _lines(order)} == {L.RELEASED}
    document = order.assembly_documents.get()
    assert document.status == AssemblyDocument.Status.CANCELLED
    assert document.task.done_at is not None
    assert "stock_released" in order.transitions.values_list("name", flat=True)


def test_cancelling_an_order_that_never_reserved_changes_no_stock(wh, store_a, manager):
    pan = product("HOME-PAN")
    stock(pan, main=2)
    order = confirmed_order(store_a, [(pan, 1)])

    order_cancel(order_id=order.pk, actor=manager, reason=RefusalReasonFactory())

    assert level(pan, "main") == (2, 0)


@pytest.mark.parametrize(
    ("delivery", "leave"),
    [
        (DeliveryMethod.COURIER, order_hand_to_delivery),
        (DeliveryMethod.PICKUP, order_ready_for_pickup),
    ],
)
def test_goods_leaving_the_warehouse_consume_the_reservation(
    wh, store_a, manager, team_lead, delivery, leave
):
    pan = product("HOME-PAN")
    stock(pan, main=5, shop=4)
    order = confirmed_order(store_a, [(pan, 7)], delivery_method=delivery)
    order_start_assembly(order_id=order.pk, actor=manager)
    order_finish_assembly(order_id=order.pk, actor=team_lead)

    leave(order_id=order.pk, actor=team_lead)

    assert level(pan, "main") == (0, 0)
    assert level(pan, "shop") == (2, 0)
    assert {state for *_rest, state in _lines(order)} == {L.CONSUMED}
    assert "stock_consumed" in order.transitions.values_list("name", flat=True)


def test_goods_received_back_return_to_the_warehouses_they_left(wh, store_a, manager, team_lead):
    pan = product("HOME-PAN")
    stock(pan, main=1, shop=4)
    order = confirmed_order(store_a, [(pan, 3)])
    order_start_assembly(order_id=order.pk, actor=manager)
    order_finish_assembly(order_id=order.pk, actor=team_lead)
    order_hand_to_delivery(order_id=order.pk, actor=team_lead)
    order_fail_delivery(order_id=order.pk, actor=team_lead)

    order_receive_back(order_id=order.pk, actor=team_lead)

    assert level(pan, "main") == (1, 0)
    assert level(pan, "shop") == (4, 0)
    assert {state for *_rest, state in _lines(order)} == {L.RETURNED}
    assert "stock_returned" in order.transitions.values_list("name", flat=True)


def test_1c_may_lower_the_stock_below_what_is_reserved_and_nothing_goes_negative(
    wh, store_a, manager, team_lead
):
    pan = product("HOME-PAN")
    stock(pan, main=3)
    order = confirmed_order(store_a, [(pan, 3)])
    order_start_assembly(order_id=order.pk, actor=manager)

    # The 1C import overwrites the quantity; our reservation stays, the import does not fail.
    StockLevel.objects.filter(product=pan).update(quantity=1)
    row = StockLevel.objects.get(product=pan)
    assert (row.quantity, row.reserved, row.available) == (1, 3, 0)
    with pytest.raises(OrderError), translation.override("en"):
        order_start_assembly(order_id=confirmed_order(store_a, [(pan, 1)]).pk, actor=manager)

    order_finish_assembly(order_id=order.pk, actor=team_lead)
    order_hand_to_delivery(order_id=order.pk, actor=team_lead)

    assert level(pan, "main") == (0, 0)


def test_an_order_with_no_stock_row_at_all_is_refused(wh, store_a, manager):
    order = confirmed_order(store_a, [(product("NEW-ONE"), 1)])

    with pytest.raises(OrderError) as refusal, translation.override("en"):
        order_start_assembly(order_id=order.pk, actor=manager)

    assert refusal.value.messages[1] == (
        "NEW-ONE: need 1, available 0 (Основной склад: 0, Магазин на Тверской: 0)"
    )
