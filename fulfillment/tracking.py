"""The tracking number the store's website shows its customer: the CDEK number of the order's
latest shipment (a city courier has none)."""

from __future__ import annotations

from orders.models import Order
from orders.store_state import register_tracking_number_source

from .shipment_models import Shipment


def tracking_number(order: Order) -> str | None:
    number = (
        Shipment.objects.filter(order=order)
        .exclude(cdek_number="")
        .order_by("-pk")
        .values_list("cdek_number", flat=True)
        .first()
    )
    return number or None


register_tracking_number_source(tracking_number)
