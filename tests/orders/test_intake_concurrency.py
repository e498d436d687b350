"""Website orders arriving at the same moment (PostgreSQL: real row locks, one thread each)."""

from __future__ import annotations

import threading

import pytest
from django.db import transaction

from contacts.models import Contact
from deals.models import Deal
from orders import intake
from orders.intake import CustomerIn, DeliveryIn, IntakeOrder, ItemIn, PaymentIn, order_intake
from orders.models import Order
from tests.factories import ProductFactory, StoreFactory

from .test_concurrency import TIMEOUT, _start, _wait_until_a_transaction_waits_for_a_lock

pytestmark = pytest.mark.django_db(transaction=True)


def _order(external_id: str) -> IntakeOrder:
    return IntakeOrder(
        external_id=external_id,
        customer=CustomerIn(name="Ирина", phone="+79161234567"),
        items=[ItemIn(sku="KETTLE-01", name="Чайник", quantity=1, price=2490)],
        delivery=DeliveryIn(method="cdek", pickup_point_code="MSK123"),
        payment=PaymentIn(method="cash_on_delivery"),
    )


@pytest.fixture
def hold_first(monkeypatch):
    """The thread named "first" stops after its deal and contact are inserted (uncommitted)
    until `release` is set."""
    inserted, release = threading.Event(), threading.Event()
    create_order = intake.order_create_for_deal

    def order_create_for_deal(**kwargs):
        if threading.current_thread().name == "first":
            inserted.set()
            release.wait(TIMEOUT)
        return create_order(**kwargs)

    monkeypatch.setattr(intake, "order_create_for_deal", order_create_for_deal)
    yield inserted, release
    release.set()


def _race(store, first: IntakeOrder, second: IntakeOrder, hold_first) -> dict:
    inserted, release = hold_first
    results: dict = {}

    def run(data):
        def call():
            with transaction.atomic():
                return order_intake(store=store, data=data)

        return call

    one = _start("first", run(first), results)
    assert inserted.wait(TIMEOUT)
    two = _start("second", run(second), results)
    # The second blocks on the first's uncommitted unique key (the phone, the external id).
    _wait_until_a_transaction_waits_for_a_lock()
    release.set()
    one.join(TIMEOUT)
    two.join(TIMEOUT)
    return results


def test_the_same_order_twice_at_once_is_created_once(on_postgres, hold_first):
    store = StoreFactory()
    ProductFactory(sku="KETTLE-01")

    results = _race(store, _order("A-1"), _order("A-1"), hold_first)

    first, second = results["first"], results["second"]
    assert not isinstance(second, Exception), second
    assert (first.created, second.created) == (True, False)
    assert first.deal.pk == second.deal.pk
    assert second.order.pk == first.order.pk
    assert (Deal.objects.count(), Order.objects.count(), Contact.objects.count()) == (1, 1, 1)


def test_two_orders_of_one_new_customer_at_once_share_the_contact(on_postgres, hold_first):
    store = StoreFactory()
    ProductFactory(sku="KETTLE-01")

    results = _race(store, _order("A-1"), _order("A-2"), hold_first)

    assert not isinstance(results["second"], Exception), results["second"]
    assert results["second"].created
    assert Deal.objects.count() == 2
    assert Contact.objects.count() == 1
    assert set(Order.objects.values_list("contact", flat=True)) == {Contact.objects.get().pk}
