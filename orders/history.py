"""Entries in an order's history that are not status changes.

Payments, shipments, carrier statuses and returns write their steps into the same history as
the transitions (`OrderTransition`), with the current status as both source and target, so a
manager reads one timeline. Each kind of entry registers its label here (`register_events`), and
the order page shows that label in the «action» column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from .models import Order, OrderTransition

_labels: dict[str, str | Promise] = {}


def register_events(labels: Mapping[str, str | Promise]) -> None:
    """Make the history show `labels[name]` for entries named `name`."""
    _labels.update(labels)


def event_label(name: str) -> str | None:
    label = _labels.get(name)
    return None if label is None else str(label)


def order_log_event(
    order: Order,
    name: str,
    *,
    via: str,
    actor: Any | None = None,
    comment: str = "",
    reason: str = "",
) -> OrderTransition:
    """Write a history entry `name` that leaves the status as it is."""
    from .models import OrderTransition

    return OrderTransition.objects.create(
        order=order,
        name=name,
        source=order.status,
        target=order.status,
        actor=actor,
        via=via,
        reason=reason[:200],
        comment=comment,
    )
