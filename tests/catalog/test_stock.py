"""Stock levels change by addition, never by overwriting."""

from __future__ import annotations

import pytest

from catalog.models import StockLevel
from catalog.stock import stock_receive
from tests.factories import ProductFactory, StockLevelFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def test_goods_received_add_to_the_stock_or_create_it():
    product, warehouse = ProductFactory(), WarehouseFactory()
    stock_receive(product_id=product.pk, warehouse_id=warehouse.pk, quantity=2)
    stock_receive(product_id=product.pk, warehouse_id=warehouse.pk, quantity=3)
    assert StockLevel.objects.get(product=product, warehouse=warehouse).quantity == 5


def test_receiving_keeps_what_is_reserved():
    level = StockLevelFactory(quantity=4, reserved=3)
    stock_receive(product_id=level.product_id, warehouse_id=level.warehouse_id, quantity=1)
    level.refresh_from_db()
    assert (level.quantity, level.reserved, level.available) == (5, 3, 2)


def test_nothing_or_less_is_refused():
    product, warehouse = ProductFactory(), WarehouseFactory()
    with pytest.raises(ValueError, match="positive"):
        stock_receive(product_id=product.pk, warehouse_id=warehouse.pk, quantity=0)
