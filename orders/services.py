"""Operations on orders: placing an order from a deal, editing it, and one service per
transition of the status matrix. Admin buttons, API views, webhooks and beat jobs call these and
never change a status themselves."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from automation.lifecycle import after_stage_saved, before_stage_saved
from automation.models import Via
from automation.transitions import failed_conditions, run_transition
from deals.models import Deal, RefusalReason
from deals.services import deal_lose, deal_transition, deal_win

from .exceptions import OrderError
from .hooks import TransitionContext, run_transition_hooks
from .models import Order, OrderItem, Status
from .payments import (
    ORDER_PAID,
    payment_open_for_order,
    payments_refund_return,
    payments_settle_cancelled_order,
    payments_void_live,
)


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
        )
        before_stage_saved(order, now=now)
        order.save()
        OrderItem.objects.bulk_create(
            OrderItem(
                order=order,
                product=item.product,
                sku=item.product.sku,
                name=item.product.name,
                price=item.price,
                quantity=item.quantity,
            )
            for item in deal.items.select_related("product")
        )
        order_recalculate_totals(order=order)
        order.transitions.create(
            name="create", source="", target=order.status, actor=actor, via=via
        )
        after_stage_saved(order, now=now)
    return order


def order_recalculate_totals(*, order: Order) -> Order:
    """Recompute and save the totals after the lines, the discount or delivery changed."""
    order.recalculate_totals()
    if order.discount_amount > order.items_total:
        raise OrderError({"discount_amount": _("The discount cannot exceed the items total.")})
    Order.objects.filter(pk=order.pk).update(items_total=order.items_total, total=order.total)
    return order


# --- the status matrix ----------------------------------------------------------------------


def order_transition(
    *,
    order_id: int,
    name: str,
    actor: Any | None,
    via: str = Via.ADMIN,
    expected_state: str | None = None,
    reason: str = "",
    comment: str = "",
    kwargs: dict[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> Order:
    """Run transition `name` through automation.transitions.run_transition; see there for what
    is checked and raised. Then, in the same transaction, the hooks other apps registered for
    it (orders.hooks), given `data`: a hook that raises refuses the whole transition. The
    per-transition services below are what callers use."""
    with transaction.atomic():
        order, log = run_transition(
            model=Order,
            pk=order_id,
            name=name,
            actor=actor,
            via=via,
            expected_state=expected_state,
            reason=reason,
            comment=comment,
            kwargs=kwargs,
        )
        run_transition_hooks(
            order,
            TransitionContext(
                name=name, source=log.source, actor=actor, via=via, data=dict(data or {})
            ),
        )
        _follow_with_deal(order, via=via)
    return order


def _follow_with_deal(order: Order, *, via: str) -> None:
    """The deal follows its order: issued → won, cancelled → lost with the same reason."""
    deal = order.deal
    if deal.stage != Deal.Stage.ORDER_PLACED:
        return
    if order.status == Status.ISSUED:
        deal_win(deal_id=deal.pk, via=via)
    elif order.status == Status.CANCELLED and not failed_conditions(deal, "lose"):
        reason = order.cancel_reason or not_picked_up_reason()
        deal_lose(
            deal_id=deal.pk,
            actor=None,
            reason=reason,
            comment=_("Order %(number)s cancelled.") % {"number": order.number},
            via=via,
        )


def not_picked_up_reason() -> RefusalReason:
    with translation.override(settings.LANGUAGE_CODE):
        reason, _created = RefusalReason.objects.get_or_create(
            code="not_picked_up", defaults={"name": _("The customer did not pick up the order")}
        )
    return reason


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
order_request_return = _simple(
    "request_return", "issued → return requested, within the legal return period."
)
order_reject_return = _simple(
    "reject_return", "return requested → issued: the defect was not confirmed."
)


def order_complete_return(
    *,
    order_id: int,
    actor: Any | None,
    via: str = Via.ADMIN,
    expected_state: str | None = None,
    refund_amount: Decimal | None = None,
) -> Order:
    """return requested → return completed, and the refund: `refund_amount` (a part is
    allowed), by default all that is left of the online payment, recorded in the same
    transaction and sent to YooKassa by a worker after commit. Raises OrderError for an
    amount that is not above zero or exceeds what is left; nothing is written then. Money
    paid in cash or by invoice is returned by hand.
    """
    with transaction.atomic():
        order = order_transition(
            order_id=order_id,
            name="complete_return",
            actor=actor,
            via=via,
            expected_state=expected_state,
        )
        payments_refund_return(order=order, amount=refund_amount, actor=actor, via=via)
    return order


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
