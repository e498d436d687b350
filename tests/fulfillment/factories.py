"""Stock and orders for fulfillment's tests: who has how much of what, where."""

from __future__ import annotations

from catalog.models import StockLevel, Warehouse
from deals.choices import PaymentMethod
from orders.models import Order, OrderItem, Status
from tests.factories import OrderFactory, ProductFactory, WarehouseFactory


def warehouses() -> dict[str, Warehouse]:
    """The demo's three: main (priority 10), a store's (20), a pickup point (5: a low number
    that must not matter, pickup points hold no sellable stock)."""
    return {
        "main": WarehouseFactory(code="main", name="Основной склад", priority=10),
        "shop": WarehouseFactory(
            code="shop", name="Магазин на Тверской", kind=Warehouse.Kind.STORE, priority=20
        ),
        "pvz": WarehouseFactory(
            code="pvz", name="ПВЗ", kind=Warehouse.Kind.PICKUP_POINT, priority=5
        ),
    }


def stock(product, **by_warehouse: int) -> None:
    """`stock(pan, main=1, shop=0)`: the quantities in the warehouses named by code."""
    for code, quantity in by_warehouse.items():
        StockLevel.objects.update_or_create(
            product=product,
            warehouse=Warehouse.objects.get(code=code),
            defaults={"quantity": quantity},
        )


def level(product, code: str) -> tuple[int, int]:
    """(quantity, reserved) of `product` in warehouse `code`."""
    row = StockLevel.objects.get(product=product, warehouse__code=code)
    return row.quantity, row.reserved


def confirmed_order(store, lines: list[tuple[object, int]], **kwargs) -> Order:
    """A cash-on-delivery order ready to start its assembly, with `lines` (product, quantity)."""
    kwargs.setdefault("status", Status.CONFIRMED)
    kwargs.setdefault("payment_method", PaymentMethod.CASH_ON_DELIVERY)
    order = OrderFactory(store=store, items=0, **kwargs)
    for product, quantity in lines:
        OrderItem.objects.create(
            order=order, product=product, price=product.price, quantity=quantity
        )
    return order


def product(sku: str):
    return ProductFactory(sku=sku, name=f"Товар {sku}")
