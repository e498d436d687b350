"""The demo data with stock reservation on: every seeded path runs, and what is reserved is
what the documents say."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import translation

from automation.models import Trigger
from catalog.models import Product, StockLevel
from fulfillment.demo_assembly import LEGACY_ASSEMBLY_TRIGGER
from fulfillment.models import AssemblyDocument, AssemblyLine
from orders.demo import SHORT_SKUS
from orders.exceptions import OrderError
from orders.models import Order, OrderItem, Status
from orders.services import order_start_assembly

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo", deals=40, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_orders_in_assembly_have_documents_and_reservations_that_match_the_stock(seeded):
    for status, document_status in [
        (Status.ASSEMBLING, AssemblyDocument.Status.OPEN),
        (Status.ASSEMBLED, AssemblyDocument.Status.ASSEMBLED),
    ]:
        orders = Order.objects.filter(status=status)
        assert orders.exists()
        for order in orders:
            document = order.assembly_documents.get()
            assert document.status == document_status
            assert document.assignee.username == "sklad"
            assert {line.state for line in document.lines.all()} == {"reserved"}
    reserved = Counter()
    for line in AssemblyLine.objects.filter(state="reserved"):
        reserved[(line.product_id, line.warehouse_id)] += line.quantity
    for row in StockLevel.objects.all():
        assert row.reserved == reserved[(row.product_id, row.warehouse_id)], row
    assert not StockLevel.objects.filter(reserved__gt=F("quantity")).exists()


def test_documents_are_dated_like_the_orders_history(seeded):
    document = AssemblyDocument.objects.filter(status="assembled").first()
    log = document.order.transitions

    assert document.created_at == log.get(name="start_assembly").created_at
    assert document.assembled_at == log.get(name="finish_assembly").created_at
    assert document.task.done_at == document.assembled_at
    assert not Trigger.objects.filter(name=LEGACY_ASSEMBLY_TRIGGER, is_active=True).exists()


def test_a_manager_can_see_a_refusal_on_the_short_products(seeded):
    order = Order.objects.filter(status__in=[Status.PAID, Status.CONFIRMED]).first()
    short = SHORT_SKUS["HOME" if order.store.code == "dom" else "SPORT"]
    OrderItem.objects.filter(order=order).delete()
    OrderItem.objects.create(
        order=order, product=Product.objects.get(sku=short), price=1, quantity=3
    )

    with pytest.raises(OrderError) as refusal, translation.override("en"):
        order_start_assembly(order_id=order.pk, actor=None)

    assert f"{short}: need 3, available 1" in " ".join(refusal.value.messages)
