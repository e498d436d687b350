"""What the store's website is told about its orders (the API's state endpoint).

The tracking number lives with the shipment in `fulfillment`, above `orders` (DESIGN §3): that
app registers where to find it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Order

_tracking_source: Callable[[Order], str | None] | None = None


def register_tracking_number_source(source: Callable[[Order], str | None]) -> None:
    global _tracking_source
    _tracking_source = source


def tracking_number_for(order: Order) -> str | None:
    """The carrier's tracking number of the order's shipment, or None."""
    return _tracking_source(order) if _tracking_source else None
