"""Two managers take calls from the same new number at the same moment (PostgreSQL only:
SQLite serialises whole-database writes and cannot show the second insert waiting)."""

from __future__ import annotations

import threading

import pytest

from contacts.models import Contact
from deals import phone_order
from deals.choices import DeliveryMethod
from deals.models import Deal
from deals.phone_order import DeliveryTerms, phone_order_create
from deals.services import ItemSpec
from orders.roles import MANAGER
from tests.factories import ProductFactory, UserFactory
from tests.orders.test_concurrency import (
    TIMEOUT,
    _start,
    _wait_until_a_transaction_waits_for_a_lock,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_simultaneous_calls_from_a_new_number_make_one_contact(
    on_postgres, monkeypatch, manager, store_a
):
    colleague = UserFactory(username="vera", groups=[MANAGER], stores=[store_a])
    ProductFactory(sku="SOFA-1")
    created, release = threading.Event(), threading.Event()
    deal_create = phone_order.deal_create

    def slow_deal_create(**kwargs):
        # The first call has inserted the new contact and keeps its transaction open.
        if threading.current_thread().name == "first":
            created.set()
            release.wait(TIMEOUT)
        return deal_create(**kwargs)

    monkeypatch.setattr(phone_order, "deal_create", slow_deal_create)

    def take_call(actor, name):
        return lambda: phone_order_create(
            actor=actor,
            store=store_a,
            phone="8 916 555-12-34",
            full_name=name,
            items=[ItemSpec("SOFA-1", 1)],
            terms=DeliveryTerms(delivery_method=DeliveryMethod.COURIER, delivery_address="Москва"),
        )

    results: dict = {}
    first = _start("first", take_call(manager, "Петров Иван"), results)
    assert created.wait(TIMEOUT)
    second = _start("second", take_call(colleague, "Иван Петров"), results)
    _wait_until_a_transaction_waits_for_a_lock()  # the second insert waits on the phone index
    release.set()
    first.join(TIMEOUT)
    second.join(TIMEOUT)

    assert not isinstance(results["first"], Exception), results["first"]
    assert not isinstance(results["second"], Exception), results["second"]
    contact = Contact.objects.get()
    assert contact.phone == "+79165551234"
    assert (results["first"].contact_created, results["second"].contact_created) == (True, False)
    assert sorted(Deal.objects.values_list("responsible__username", flat=True)) == ["anna", "vera"]
    assert set(Deal.objects.values_list("contact", flat=True)) == {contact.pk}
