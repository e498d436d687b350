"""Transition hooks: how apps above orders (fulfillment) take part in a transition."""

from __future__ import annotations

import pytest

from orders.exceptions import OrderError
from orders.history import event_label, order_log_event, register_events
from orders.hooks import _hooks, on_transition
from orders.models import Order, Status
from orders.services import order_finish_assembly
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clean_hooks():
    saved = {name: list(hooks) for name, hooks in _hooks.items()}
    yield
    _hooks.clear()
    _hooks.update(saved)


def test_a_hook_sees_the_new_status_and_the_form_data(clean_hooks, store_a, warehouse_user):
    seen = []

    @on_transition("finish_assembly")
    def record(order, context):
        seen.append((order.status, context.source, context.actor, context.data))

    order = OrderFactory(store=store_a, status=Status.ASSEMBLING)
    order_finish_assembly(order_id=order.pk, actor=warehouse_user, boxes=2)

    assert seen == [(Status.ASSEMBLED, Status.ASSEMBLING, warehouse_user, {"boxes": 2})]


def test_a_hook_that_raises_refuses_the_transition_and_nothing_is_written(
    clean_hooks, store_a, warehouse_user
):
    @on_transition("finish_assembly")
    def refuse(order, context):
        raise OrderError("Не хватает коробок")

    order = OrderFactory(store=store_a, status=Status.ASSEMBLING)
    with pytest.raises(OrderError, match="коробок"):
        order_finish_assembly(order_id=order.pk, actor=warehouse_user)

    order.refresh_from_db()
    assert order.status == Status.ASSEMBLING
    assert not order.transitions.filter(name="finish_assembly").exists()


def test_a_registered_history_event_keeps_the_status_and_has_its_label(store_a):
    register_events({"parcel_weighed": "Посылка взвешена"})
    order = OrderFactory(store=store_a, status=Status.ASSEMBLED)

    entry = order_log_event(order, "parcel_weighed", via="admin", comment="2,4 кг")

    assert (entry.source, entry.target) == (Order.Status.ASSEMBLED, Order.Status.ASSEMBLED)
    assert event_label("parcel_weighed") == "Посылка взвешена"
