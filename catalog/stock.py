"""Stock operations on `StockLevel` rows: what comes into a warehouse and what is promised
or taken out of it. Every change is an UPDATE with F() expressions, so concurrent changes add
up instead of overwriting each other."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from .models import StockLevel


def stock_receive(*, product_id: int, warehouse_id: int, quantity: int) -> None:
    """Goods came (back) into a warehouse: a returned line, an order received back."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    with transaction.atomic():
        level, created = StockLevel.objects.get_or_create(
            product_id=product_id, warehouse_id=warehouse_id, defaults={"quantity": quantity}
        )
        if not created:
            StockLevel.objects.filter(pk=level.pk).update(quantity=F("quantity") + quantity)
