"""Returns in the demo: registered through the same services the order page uses, with
inspections and refunds, so the returns list and its figures have something real to show."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from automation.models import Via

from .models import Order, OrderTransition
from .returns import (
    Verdict,
    order_complete_return,
    order_request_return,
    return_record_inspection,
)
from .returns_models import OrderReturn, ReturnChannel, ReturnMethod, ReturnReason


def demo_request_return(rng: random.Random, order: Order, actor, *, via: str = Via.ADMIN) -> None:
    """Part of the order comes back: one or two lines, sometimes not all their units."""
    items = list(order.items.all())
    chosen = rng.sample(items, min(len(items), rng.choice([1, 1, 2])))
    lines = {item.pk: rng.randint(1, item.quantity) for item in chosen}
    courier = rng.random() < 0.4
    start = (timezone.localtime() + timedelta(days=1)).replace(
        hour=rng.choice([10, 14, 18]), minute=0, second=0, microsecond=0
    )
    order_request_return(
        order_id=order.pk,
        actor=actor,
        lines=lines,
        reason=rng.choice(list(ReturnReason.objects.filter(is_active=True))),
        channel=rng.choice(ReturnChannel.values),
        method=ReturnMethod.COURIER_PICKUP if courier else ReturnMethod.PICKUP_POINT,
        pickup_from=start if courier else None,
        pickup_until=start + timedelta(hours=4) if courier else None,
        comment=rng.choice(["", "Клиент просит вернуть деньги на карту", "Коробка вскрыта"]),
        via=via,
    )


def _verdicts(rng: random.Random, order_return: OrderReturn) -> dict[int, str]:
    verdicts = {}
    for line in order_return.lines.all():
        verdicts[line.pk] = rng.choices(
            [Verdict.ACCEPT, Verdict.ACCEPT_DEFECT, Verdict.REFUSE], weights=[7, 2, 1]
        )[0]
    if Verdict.REFUSE in verdicts.values() and len(set(verdicts.values())) == 1:
        verdicts[next(iter(verdicts))] = Verdict.ACCEPT
    return verdicts


def demo_inspect_return(rng: random.Random, order: Order, inspector) -> None:
    """Half of the open returns have been looked at by the warehouse already."""
    order_return = order.returns.get(status=OrderReturn.Status.REQUESTED)
    if rng.random() < 0.5:
        return_record_inspection(
            return_id=order_return.pk, results=_verdicts(rng, order_return), actor=inspector
        )


def demo_complete_return(rng: random.Random, order: Order, actor, *, via: str = Via.ADMIN) -> None:
    order_return = order.returns.get(status=OrderReturn.Status.REQUESTED)
    order_complete_return(
        order_id=order.pk, actor=actor, inspection=_verdicts(rng, order_return), via=via
    )


def backdate_returns(order: Order) -> None:
    """The return's dates follow the order history once it has been spread over the past."""
    logs = dict(
        OrderTransition.objects.filter(
            order=order, name__in=["request_return", "complete_return", "reject_return"]
        ).values_list("name", "created_at")
    )
    for order_return in order.returns.all():
        updates = {}
        if "request_return" in logs:
            updates["created_at"] = logs["request_return"]
        closed = logs.get("complete_return") or logs.get("reject_return")
        if order_return.closed_at and closed:
            updates["closed_at"] = closed
        OrderReturn.objects.filter(pk=order_return.pk).update(**updates)
