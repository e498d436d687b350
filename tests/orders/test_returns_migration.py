"""Orders at «Возврат» from before returns had lines get an open return for all their lines."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from orders.models import OrderReturn, Status
from tests.factories import OrderFactory, open_return

pytestmark = pytest.mark.django_db

migration = importlib.import_module("orders.migrations.0011_open_returns_for_earlier_requests")


def test_an_order_waiting_without_a_return_gets_one_and_others_are_left_alone(store_a):
    earlier = OrderFactory(store=store_a, status=Status.RETURN_REQUESTED, items=2)
    registered = OrderFactory(store=store_a, status=Status.RETURN_REQUESTED)
    open_return(registered)
    OrderFactory(store=store_a, status=Status.ISSUED)

    migration.open_returns(apps, None)

    created = earlier.returns.get()
    assert created.status == OrderReturn.Status.REQUESTED
    assert created.reason.code == "other"
    assert sorted(created.lines.values_list("order_item_id", flat=True)) == sorted(
        earlier.items.values_list("pk", flat=True)
    )
    assert registered.returns.count() == 1
    assert OrderReturn.objects.count() == 2
