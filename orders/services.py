"""Operations on orders: placing an order from a deal, editing it, and one service per
transition of the status matrix. Admin buttons, API views, webhooks and beat jobs call these and
never change a status themselves."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from automation.lifecycle import after_stage_saved, before_stage_saved
from automation.models import Via
from deals.models import Deal, DealItem, RefusalReason
from deals.services import deal_reach_step, deal_transition

from .exceptions import OrderError
from .models import ZERO, Order, OrderItem
from .payments import (
    ORDER_PAID,
    payment_open_for_order,
    payments_settle_cancelled_order,
    payments_void_live,
)
from .returns import order_complete_return, order_reject_return, order_request_return
from .transitions import not_picked_up_reason, order_transition

__all__ = ["ORDER_TRANSITION_SERVICES", "not_picked_up_reason", "order_transition"]


def order_place_from_deal(
    *, deal_id: int, actor: Any | None, via: str = Via.ADMIN, expected_state: str | None = None
) -> Order:
    """Create the order from the deal's customer, items, delivery and payment; the deal moves to
    «Заказ оформлен». Prices are the deal's, snapshotted into the order lines.

    Raises TransitionNotAllowed (naming what the deal lacks), TransitionForbidden or
    ConcurrentChange; nothing is written then.
    """
    with transaction.atomic():
        deal = deal_transition(
            deal_id=deal_id,
            name="place_order",
            actor=actor,
            via=via,
            expected_state=expected_state,
        )
        return order_create_for_deal(
            deal=deal, lines=list(deal.items.select_related("product")), actor=actor, via=via
        )


def order_create_for_deal(
    *,
    deal: Deal,
    lines: Iterable[DealItem],
    actor: Any | None,
    via: str,
    delivery_cost: Decimal = ZERO,
    coupon: str = "",
) -> Order:
    """The order of a deal that has just reached «Заказ оформлен», in the caller's transaction:
    customer, delivery and payment from the deal, one order line per deal line (`lines`, with
    their products loaded), totals computed here."""
    now = timezone.now()
    order = Order(
        # One deal, one order: a deal is placed once, and a cancelled order loses the deal.
        number=deal.number,
        deal=deal,
        store=deal.store,
        contact=deal.contact,
        company=deal.company,
        responsible=deal.responsible or actor,
        payment_method=deal.payment_method,
        delivery_method=deal.delivery_method,
        delivery_address=deal.delivery_address,
        pickup_point=deal.pickup_point,
        pickup_point_code=deal.pickup_point_code,
        comment=deal.comment,
        external_id=deal.external_id,
        delivery_cost=delivery_cost,
        coupon=coupon,
    )
    items = [
        OrderItem(
            product=line.product,
            sku=line.product.sku,
            name=line.product.name,
            price=line.price,
            quantity=line.quantity,
        )
        for line in lines
    ]
    order.recalculate_totals(lines=items)
    before_stage_saved(order, now=now)
    order.save()
    for item in items:
        item.order = order
    OrderItem.objects.bulk_create(items)
    order.transitions.create(name="create", source="", target=order.status, actor=actor, via=via)
    after_stage_saved(order, now=now, created=True)
    deal_reach_step(deal=deal, step=order.funnel_step())
    return order


def order_recalculate_totals(*, order: Order) -> Order:
    """Recompute and save the totals after the lines, the discount or delivery changed."""
    order.recalculate_totals()
    if order.discount_amount > order.items_total:
        raise OrderError({"discount_amount": _("The discount cannot exceed the items total.")})
    Order.objects.filter(pk=order.pk).update(items_total=order.items_total, total=order.total)
    return order


# --- the status matrix (order_transition: orders.transitions; returns: orders.returns) ---


def _simple(name: str, doc: str) -> Callable[..., Order]:
    def service(
        *,
        order_id: int,
        actor: Any | None,
        via: str = Via.ADMIN,
        expected_state: str | None = None,
        **data: Any,
    ) -> Order:
        # `data` is the input of the transition's form or API call, for the hooks.
        return order_transition(
            order_id=order_id,
            name=name,
            actor=actor,
            via=via,
            expected_state=expected_state,
            data=data,
        )

    service.__name__ = service.__qualname__ = f"order_{name}"
    service.__doc__ = doc
    return service


def order_send_payment_link(
    *, order_id: int, actor: Any | None, via: str = Via.ADMIN, expected_state: str | None = None
) -> Order:
    """new → awaiting payment, for prepaid orders, and the payment link with it.

    In the same transaction the order gets its `Payment` «создан» for the total (one per
    order and amount: asked again for the same amount, the live one is reused); after commit a
    worker creates it at YooKassa and texts the link (orders.payments). The order stays
    «Ожидает оплаты» whatever the provider does. Raises as order_transition, and OrderError
    for an order with nothing to pay; nothing is written then.
    """
    with transaction.atomic():
        order = order_transition(
            order_id=order_id,
            name="send_payment_link",
            actor=actor,
            via=via,
            expected_state=expected_state,
        )
        payment_open_for_order(order=order)
    return order


def order_mark_paid(
    *, order_id: int, actor: Any | None, via: str = Via.ADMIN, expected_state: str | None = None
) -> Order:
    """awaiting payment → paid. The provider's callback runs it as the system (actor=None,
    orders.payments.payment_sync); by hand it needs orders.mark_paid_order. A link still
    live is cancelled here: paying it later is refunded."""
    with transaction.atomic():
        order = order_transition(
            order_id=order_id, name="mark_paid", actor=actor, via=via, expected_state=expected_state
        )
        payments_void_live(order=order, reason=ORDER_PAID)
    return order


order_confirm = _simple(
    "confirm", "new → confirmed: payment on delivery or by invoice; no prepayment to wait for."
)
order_start_assembly = _simple("start_assembly", "paid / confirmed → assembling.")
order_finish_assembly = _simple("finish_assembly", "assembling → assembled.")
order_hand_to_delivery = _simple(
    "hand_to_delivery", "assembled → handed to delivery (city courier or CDEK)."
)
order_ready_for_pickup = _simple(
    "ready_for_pickup", "assembled → awaiting pickup at our own pickup point."
)
order_arrive_at_pickup_point = _simple(
    "arrive_at_pickup_point", "handed to delivery → awaiting pickup at the CDEK point."
)
order_issue = _simple("issue", "→ issued; cash or card on delivery becomes paid; the deal is won.")
order_fail_delivery = _simple("fail_delivery", "→ returning: not delivered or not picked up.")


def order_receive_back(
    *, order_id: int, actor: Any | None, via: str = Via.ADMIN, expected_state: str | None = None
) -> Order:
    """returning → cancelled: the goods are back. The order is cancelled, and the deal lost,
    for the reason «the customer did not pick up the order», so refusal reports count it.
    What it paid online is refunded in full after commit."""
    reason = not_picked_up_reason()
    with transaction.atomic():
        order = order_transition(
            order_id=order_id,
            name="receive_back",
            actor=actor,
            via=via,
            expected_state=expected_state,
            reason=reason.name,
            kwargs={"reason": reason},
        )
        payments_settle_cancelled_order(order=order, actor=actor, via=via)
    return order


def order_cancel(
    *,
    order_id: int,
    actor: Any | None,
    reason: RefusalReason | None,
    comment: str = "",
    via: str = Via.ADMIN,
    expected_state: str | None = None,
) -> Order:
    """Cancel an order that has not left the warehouse. A reason from the team lead's list is
    required; a paid order needs orders.cancel_paid_order. The deal is lost with that reason.
    A payment link still live is cancelled, and what was paid online is refunded in full
    after commit (orders.payments.payments_settle_cancelled_order)."""
    if reason is None:
        raise OrderError({"reason": _("Choose the cancellation reason.")})
    if not reason.is_active:
        raise OrderError({"reason": _("This reason is no longer in use.")})
    with transaction.atomic():
        order = order_transition(
            order_id=order_id,
            name="cancel",
            actor=actor,
            via=via,
            expected_state=expected_state,
            reason=reason.name,
            comment=comment,
            kwargs={"reason": reason, "comment": comment},
        )
        payments_settle_cancelled_order(order=order, actor=actor, via=via)
    return order


def order_run_system_transition(
    *, pk: int, name: str, reason_code: str = "", expected_state: str | None = None
) -> Order:
    """A transition ordered by a trigger («3 days unpaid → cancel»): run as the system, via the
    schedule, with the reason found by its code."""
    if name == "cancel":
        reason = RefusalReason.objects.filter(code=reason_code or "other").first()
        return order_cancel(
            order_id=pk,
            actor=None,
            reason=reason,
            comment=_("Cancelled automatically by a trigger."),
            via=Via.BEAT,
            expected_state=expected_state,
        )
    return ORDER_TRANSITION_SERVICES[name](
        order_id=pk, actor=None, via=Via.BEAT, expected_state=expected_state
    )


#: What each transition button or API call runs: name → service.
ORDER_TRANSITION_SERVICES: dict[str, Callable[..., Order]] = {
    service.__name__.removeprefix("order_"): service
    for service in (
        order_send_payment_link,
        order_confirm,
        order_mark_paid,
        order_start_assembly,
        order_finish_assembly,
        order_hand_to_delivery,
        order_ready_for_pickup,
        order_arrive_at_pickup_point,
        order_issue,
        order_fail_delivery,
        order_receive_back,
        order_request_return,
        order_complete_return,
        order_reject_return,
        order_cancel,
    )
}
