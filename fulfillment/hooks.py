"""Fulfillment's part in the order's transitions (orders.hooks): each runs inside the
transition's transaction with the order row locked; raising refuses the transition."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy

from orders.exceptions import OrderError
from orders.history import register_events
from orders.hooks import TransitionContext, on_transition
from orders.models import Order

from .assembly import (
    document_cancel,
    document_consume,
    document_create,
    document_finish,
    document_receive_back,
)
from .reservation import plan_reservation, reserve
from .shortage import shortage_announce, shortage_close_open, shortage_error_messages

register_events(
    {
        "stock_reserved": gettext_lazy("Stock reserved"),
        "assembly_document_created": gettext_lazy("Assembly document created"),
        "stock_released": gettext_lazy("Reservation released"),
        "stock_consumed": gettext_lazy("Goods left the warehouse"),
        "stock_returned": gettext_lazy("Goods back in the warehouse"),
    }
)


@on_transition("start_assembly")
def reserve_and_create_document(order: Order, context: TransitionContext) -> None:
    """Reserve every line or refuse, naming each short SKU and what is left where."""
    plan, levels = plan_reservation(order, lock=True)
    if plan.shortages:
        shortage_announce(order_id=order.pk, actor_id=getattr(context.actor, "pk", None))
        raise OrderError(shortage_error_messages(plan.shortages))
    reserve(order, plan, levels)
    document_create(order, plan, actor=context.actor, via=context.via)
    shortage_close_open(order, now=timezone.now())


@on_transition("finish_assembly")
def finish_document(order: Order, context: TransitionContext) -> None:
    document_finish(order)


@on_transition("cancel")
def release_reservations(order: Order, context: TransitionContext) -> None:
    document_cancel(order, actor=context.actor, via=context.via)
    shortage_close_open(order, now=timezone.now())


@on_transition("hand_to_delivery", "ready_for_pickup")
def consume_reservations(order: Order, context: TransitionContext) -> None:
    document_consume(order, actor=context.actor, via=context.via)


@on_transition("receive_back")
def put_goods_back(order: Order, context: TransitionContext) -> None:
    document_receive_back(order, actor=context.actor, via=context.via)
