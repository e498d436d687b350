"""Stock reservations of orders: planned and taken at `start_assembly`, released by `cancel`,
consumed when the goods leave the warehouse, and put back when they come back.

Rules (docs/fulfillment.md):

* Stock is reserved from the sellable warehouses: the main ones first, then the others by
  `Warehouse.priority` (then id). Pickup points hold goods waiting for their customers, never
  stock for sale, so nothing is reserved there.
* `StockLevel.quantity` belongs to 1C (its import overwrites it); `StockLevel.reserved` is ours.
  `reserved` grows only here, by a conditional UPDATE that refuses to promise more than
  `quantity - reserved`; it shrinks when a reservation is released or consumed.
* Every operation locks the `StockLevel` rows it touches with SELECT … FOR UPDATE ordered by
  primary key, whatever the order's lines: two orders competing for the same rows always queue
  in the same order, so they cannot deadlock, and the second one sees what the first took.
* Nothing goes negative: the columns are unsigned with CHECKs in the database, and the
  decrements are clamped at zero (1C may have lowered `quantity` below what is reserved).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import StockLevel, Warehouse
from catalog.stock import stock_receive
from orders.exceptions import OrderError
from orders.models import Order, OrderItem

#: Warehouse kinds whose stock may be promised to orders.
SELLABLE_KINDS = (Warehouse.Kind.MAIN, Warehouse.Kind.STORE)


def sellable_warehouses() -> list[Warehouse]:
    """The warehouses stock is reserved from, in the order it is taken: main first, then by
    priority."""
    warehouses = Warehouse.objects.filter(is_active=True, kind__in=SELLABLE_KINDS)
    return sorted(warehouses, key=sellable_order_key)


def sellable_order_key(warehouse: Warehouse) -> tuple[bool, int, int]:
    return (warehouse.kind != Warehouse.Kind.MAIN, warehouse.priority, warehouse.pk)


@dataclass(frozen=True)
class Allocation:
    """`quantity` of order line `item` taken from `warehouse`."""

    item: OrderItem
    warehouse: Warehouse
    quantity: int


@dataclass(frozen=True)
class Shortage:
    """A product the order needs more of than the warehouses can still promise."""

    sku: str
    needed: int
    available: int
    #: (warehouse, available there), every sellable warehouse in reservation order.
    by_warehouse: tuple[tuple[Warehouse, int], ...]

    def message(self) -> str:
        where = ", ".join(f"{warehouse.name}: {n}" for warehouse, n in self.by_warehouse)
        where = where or _("no warehouse sells stock")
        return _("%(sku)s: need %(needed)s, available %(available)s (%(where)s)") % {
            "sku": self.sku,
            "needed": self.needed,
            "available": self.available,
            "where": where,
        }


@dataclass(frozen=True)
class Plan:
    allocations: list[Allocation]
    shortages: list[Shortage]
    warehouses: list[Warehouse]


def _levels(product_ids: Iterable[int], warehouses: list[Warehouse], *, lock: bool):
    query = StockLevel.objects.filter(
        product_id__in=set(product_ids), warehouse_id__in=[w.pk for w in warehouses]
    ).order_by("pk")
    if lock:
        # Locked in primary-key order (PostgreSQL locks rows as the sorted rows come out).
        query = query.select_for_update()
    return {(level.product_id, level.warehouse_id): level for level in query}


def plan_reservation(order: Order, *, lock: bool) -> tuple[Plan, dict]:
    """Where each line of `order` would be taken from, and what is short.

    With `lock=True` (inside the transition's transaction) the stock rows stay locked until it
    ends, so the plan cannot be overtaken before `reserve` writes it.
    """
    warehouses = sellable_warehouses()
    items = list(order.items.select_related("product").order_by("pk"))
    levels = _levels((item.product_id for item in items), warehouses, lock=lock)
    left = {key: level.available for key, level in levels.items()}

    needed: dict[int, int] = defaultdict(int)
    for item in items:
        needed[item.product_id] += item.quantity
    shortages = []
    for item in {item.product_id: item for item in items}.values():
        by_warehouse = tuple((w, left.get((item.product_id, w.pk), 0)) for w in warehouses)
        available = sum(n for _w, n in by_warehouse)
        if available < needed[item.product_id]:
            shortages.append(
                Shortage(item.product.sku, needed[item.product_id], available, by_warehouse)
            )
    if shortages:
        return Plan([], shortages, warehouses), levels

    allocations = []
    for item in items:
        remaining = item.quantity
        for warehouse in warehouses:
            key = (item.product_id, warehouse.pk)
            take = min(remaining, left.get(key, 0))
            if take:
                allocations.append(Allocation(item, warehouse, take))
                left[key] -= take
                remaining -= take
            if not remaining:
                break
    return Plan(allocations, [], warehouses), levels


def reserve(order: Order, plan: Plan, levels: dict) -> None:
    """Add the plan's quantities to `reserved`, each only if the row can still promise it."""
    totals: dict[int, int] = defaultdict(int)
    for allocation in plan.allocations:
        totals[levels[(allocation.item.product_id, allocation.warehouse.pk)].pk] += (
            allocation.quantity
        )
    now = timezone.now()
    for level_pk in sorted(totals):
        quantity = totals[level_pk]
        promised = StockLevel.objects.filter(
            pk=level_pk, quantity__gte=F("reserved") + quantity
        ).update(reserved=F("reserved") + quantity, updated_at=now)
        if not promised:
            # Unreachable under the row locks; a safety net for a database without them.
            raise OrderError(_("The stock changed meanwhile. Try again."))


def _lock_levels(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    pairs = set(pairs)
    if not pairs:
        return {}
    product_ids = {product_id for product_id, _w in pairs}
    warehouse_ids = {warehouse_id for _p, warehouse_id in pairs}
    query = (
        StockLevel.objects.select_for_update()
        .filter(product_id__in=product_ids, warehouse_id__in=warehouse_ids)
        .order_by("pk")
    )
    # Only the rows asked for, still in primary-key order (dicts keep insertion order).
    return {
        (level.product_id, level.warehouse_id): level
        for level in query
        if (level.product_id, level.warehouse_id) in pairs
    }


def _sum_by_level(lines) -> dict[tuple[int, int], int]:
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for line in lines:
        totals[(line.product_id, line.warehouse_id)] += line.quantity
    return totals


def release(lines) -> None:
    """The reservations of `lines` are given up (the order was cancelled)."""
    totals = _sum_by_level(lines)
    levels = _lock_levels(totals)
    now = timezone.now()
    for key, level in levels.items():
        StockLevel.objects.filter(pk=level.pk).update(
            reserved=Greatest(F("reserved") - totals[key], Value(0)), updated_at=now
        )


def consume(lines) -> None:
    """The goods of `lines` left the warehouse: out of stock and out of the reservations."""
    totals = _sum_by_level(lines)
    levels = _lock_levels(totals)
    now = timezone.now()
    for key, level in levels.items():
        n = totals[key]
        StockLevel.objects.filter(pk=level.pk).update(
            quantity=Greatest(F("quantity") - n, Value(0)),
            reserved=Greatest(F("reserved") - n, Value(0)),
            updated_at=now,
        )


def put_back(lines) -> None:
    """The goods of consumed `lines` are back in their warehouses."""
    totals = _sum_by_level(lines)
    _lock_levels(totals)
    for (product_id, warehouse_id), quantity in sorted(totals.items()):
        stock_receive(product_id=product_id, warehouse_id=warehouse_id, quantity=quantity)
