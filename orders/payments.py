"""The money of an order: payment links through YooKassa, payments made on the website or by
invoice, and refunds.

A payment link goes through these steps, each an entry in the order's history (an
`OrderTransition` whose source and target are the current status, see PAYMENT_EVENTS):

1. «Отправить ссылку на оплату» (`orders.services.order_send_payment_link`) moves the order
   to «Ожидает оплаты» and, in the same transaction, creates the `Payment` row «создан» with
   an idempotence key per order and amount; a second request for the same amount gets the
   same row. After commit a worker runs `payment_create_at_provider`.
2. The worker creates the payment at YooKassa (same key, so a retry never makes a second
   one), stores its id and link («ожидает оплаты», history "payment_created") and texts the
   link with the «payment_link» template ("payment_link_sent"). A provider that keeps failing
   leaves the payment «ошибка» and the manager is notified (`payment_give_up`).
3. YooKassa notifies `POST /webhooks/yookassa/`; `payment_sync` re-fetches the payment and acts
   on what YooKassa says, never on the notification's body: paid ("payment_paid", then the
   `mark_paid` transition as the system), expired ("payment_expired"), cancelled. A repeated
   notification finds nothing left to do.

Money that arrives for an order that no longer waits for it (cancelled, paid otherwise, the
link replaced, or its total edited since the link) is refunded at once and the team lead is
told. An amount that differs from the payment's is never accepted: the payment becomes
«ошибка» and the team lead is alerted.

Provider calls are never made while a row is locked: the services read, call YooKassa, then
lock the order (always before its payment or refund) and apply the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from automation.exceptions import TransitionForbidden
from automation.firing import admin_link
from automation.models import Notification, Via
from automation.notify import notify, team_leads
from catalog.models import Store
from contacts.exceptions import ContactError
from contacts.messaging import message_send_template
from contacts.models import Contact
from deals.choices import PREPAID_METHODS, PaymentMethod
from deals.services import deal_reach_step
from integrations.errors import PermanentError, TransientError
from integrations.yookassa import client as yookassa

from .exceptions import OrderError
from .models import (
    ZERO,
    Order,
    OrderItem,
    OrderTransition,
    Payment,
    PaymentStatus,
    Refund,
    Status,
)
from .store_events import store_event_record
from .store_events_models import StoreEvent

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
#: The message template the link is texted with (seeded by orders/demo_automation.py).
PAYMENT_LINK_TEMPLATE = "payment_link"
#: YooKassa's cancellation reason of a link the customer did not pay in time.
EXPIRED = "expired_on_confirmation"
#: Our own reasons for cancelling a payment that YooKassa did not cancel.
REPLACED = "replaced_by_new_link"
ORDER_CANCELLED = "order_cancelled"
ORDER_PAID = "order_paid_otherwise"
NOT_AWAITING = "order_not_awaiting_payment"

#: Who may send, resend or replace a payment link: the transition's own permission.
SEND_LINK_PERMISSION = "orders.send_payment_link_order"
#: Who may record an invoice paid: as for marking an online order paid by hand.
INVOICE_PERMISSION = "orders.mark_paid_order"
#: Who may refund: those who may cancel a paid order or complete a return.
REFUND_PERMISSIONS = ("orders.cancel_paid_order", "orders.complete_return_order")

#: History entries of the order's money, next to its transitions: name → label.
PAYMENT_EVENTS = {
    "payment_created": gettext_lazy("Payment created at YooKassa"),
    "payment_link_sent": gettext_lazy("Payment link sent"),
    "payment_link_resent": gettext_lazy("Payment link sent again"),
    "payment_paid": gettext_lazy("Payment received"),
    "payment_expired": gettext_lazy("Payment link expired"),
    "payment_canceled": gettext_lazy("Payment cancelled"),
    "payment_error": gettext_lazy("Payment error"),
    "invoice_paid": gettext_lazy("Invoice payment recorded"),
    "refund_requested": gettext_lazy("Refund requested"),
    "refund_succeeded": gettext_lazy("Refund completed"),
    "refund_failed": gettext_lazy("Refund failed"),
}


# --- reading ------------------------------------------------------------------------------


def refundable_payments(order: Order) -> list[tuple[Payment, Decimal]]:
    """The payments that paid the order, oldest first, with what is left to refund of each
    (refunds in progress count as taken)."""
    payments = list(
        order.payments.filter(applied_to_order=True, status=Payment.Status.SUCCEEDED)
        .annotate(refunded=Sum("refunds__amount", filter=Q(refunds__status__in=Refund.COUNTED)))
        .order_by("pk")
    )
    left = [(p, p.amount - (p.refunded or ZERO)) for p in payments]
    return [(p, amount) for p, amount in left if amount > 0]


def refundable_amount(order: Order) -> Decimal:
    """What can still be returned through YooKassa: paid online minus refunds so far."""
    return sum((amount for _payment, amount in refundable_payments(order)), ZERO)


def receipt_items(order: Order) -> list[yookassa.ReceiptItem]:
    """The 54-FZ receipt of the order: its lines with the order discount spread over them in
    proportion (to the kopeck, so that the lines add up to the total), and the delivery.

    A line whose kopecks do not divide by its quantity is split in two (n−r units at p, r at
    p + 0.01), as cash registers do.
    """
    items: list[yookassa.ReceiptItem] = []
    for line, net in net_line_cents(order, order.items.select_related("product")):
        quantity = line.quantity
        unit, rest = divmod(net, quantity)
        vat = _vat_code(line.product.vat_rate)
        for count, cents in ((quantity - rest, unit), (rest, unit + 1)):
            if count and cents:
                items.append(
                    yookassa.ReceiptItem(
                        description=line.name,
                        quantity=Decimal(count),
                        unit_price=Decimal(cents).scaleb(-2),
                        vat_code=vat,
                    )
                )
    if order.delivery_cost > 0:
        with translation.override(settings.LANGUAGE_CODE):
            items.append(
                yookassa.ReceiptItem(
                    description=_("Delivery"),
                    quantity=Decimal(1),
                    unit_price=order.delivery_cost,
                    vat_code=yookassa.VAT_22,
                )
            )
    return items


def net_line_cents(
    order: Order, lines: Iterable[OrderItem] | None = None
) -> list[tuple[OrderItem, int]]:
    """Each line with what the customer paid for it, in kopecks: the line total less its
    share of the order discount, spread in proportion to the kopeck (the receipt, CDEK's cash
    on delivery and the refund of a return all use this split, so they agree)."""
    lines = list(order.items.all() if lines is None else lines)
    amounts = [_cents(line.total) for line in lines]
    discounts = spread_kopecks(min(_cents(order.discount_amount), sum(amounts)), amounts)
    return [
        (line, amount - discount)
        for line, amount, discount in zip(lines, amounts, discounts, strict=True)
    ]


def _cents(value: Decimal) -> int:
    return int((value / CENT).to_integral_value())


def spread_kopecks(total: int, weights: list[int]) -> list[int]:
    """`total` kopecks in proportion to `weights`, largest remainders first; never more than a
    weight (the total never exceeds their sum)."""
    whole = sum(weights)
    if not whole or not total:
        return [0] * len(weights)
    shares = [total * w // whole for w in weights]
    ranked = sorted(range(len(weights)), key=lambda i: -(total * weights[i] % whole))
    for i in ranked[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _vat_code(rate: str) -> int:
    try:
        return yookassa.vat_code_for_rate(rate)
    except ValueError:
        return yookassa.VAT_22


def _money(amount: Decimal) -> str:
    return f"{amount:.2f} ₽".replace(".", ",")


# --- small helpers ----------------------------------------------------------------------------


def _log(
    order: Order,
    name: str,
    *,
    via: str,
    actor: Any | None = None,
    comment: str = "",
    reason: str = "",
) -> OrderTransition:
    """A history entry that is not a transition: the status stays what it is."""
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


def _check_actor(order: Order, actor: Any | None, perms: Iterable[str], action: str) -> None:
    """The checks run_transition makes, for an action that is not a transition: the actor
    works with the order's store and holds one of `perms`. The system (actor None) is not
    subject to them."""
    if actor is None:
        return
    if not Store.objects.visible_to(actor).filter(pk=order.store_id).exists():
        raise TransitionForbidden(
            _("You do not work with the store of “%(object)s”.") % {"object": order}
        )
    if not any(actor.has_perm(perm) for perm in perms):
        raise TransitionForbidden(
            _("You have no permission for «%(action)s».") % {"action": action}
        )


def _locked_order(order_id: int) -> Order:
    return Order.objects.select_for_update().get(pk=order_id)


def _bump_version(order: Order, **fields: Any) -> None:
    # A form opened before the money moved must not save over it (VersionedModelForm).
    previous_payment_status = order.payment_status
    Order.objects.filter(pk=order.pk).update(version=F("version") + 1, **fields)
    order.version += 1
    for name, value in fields.items():
        setattr(order, name, value)
    if order.payment_status != previous_payment_status:
        # Not a transition, so order_transition does not tell the store's website: tell it here.
        store_event_record(
            order,
            type=StoreEvent.Type.PAYMENT_STATUS_CHANGED,
            previous_status=order.status,
            previous_payment_status=previous_payment_status,
        )


def _tell_manager(
    order: Order, text: str, *, key: str, level: str = Notification.Level.INFO
) -> None:
    users = [order.responsible] if order.responsible_id else list(team_leads())
    notify(users=users, text=text, link=admin_link(order), level=level, key=key)


def _alert_team_leads(order: Order, text: str, *, key: str) -> None:
    users = [*team_leads(), order.responsible]
    notify(
        users=users,
        text=text,
        link=admin_link(order),
        level=Notification.Level.ALERT,
        key=key,
        telegram=True,
    )


def _customer_contact(order: Order) -> Contact:
    if order.contact_id:
        return order.contact
    contact = order.company.contacts.first() if order.company_id else None
    if contact is None:
        raise OrderError(_("The order has no contact person to send the link to."))
    return contact


def _require_awaiting_payment(order: Order) -> None:
    if order.status != Status.AWAITING_PAYMENT:
        raise OrderError(
            _("The order is «%(status)s», not awaiting payment.")
            % {"status": order.get_status_display()}
        )


# --- the payment link -------------------------------------------------------------------------


def payment_open_for_order(*, order: Order) -> Payment:
    """The order's live payment for its current total, created if there is none.

    Call it with the order's row locked, in the transaction that needs the payment; the
    worker that creates it at YooKassa is enqueued after commit. The idempotence key is
    "order-<id>-<total>-v<n>": one per order and amount, n counting earlier payments of the
    same amount (a link replaced and then needed again). Raises OrderError when there is
    nothing to pay, or a live payment for another amount (replace it: order_new_payment_link).
    """
    from .tasks import create_payment_and_send_link_task

    live = order.live_payment
    if live is not None:
        if live.amount == order.total:
            return live
        raise OrderError(
            _("The order already has a payment link for %(amount)s: send a new link instead.")
            % {"amount": _money(live.amount)}
        )
    if order.total <= 0:
        raise OrderError(_("The order total is zero: there is nothing to pay."))
    version = order.payments.filter(amount=order.total).count() + 1
    payment = Payment.objects.create(
        order=order,
        amount=order.total,
        idempotence_key=f"order-{order.pk}-{order.total:.2f}-v{version}",
    )
    create_payment_and_send_link_task.delay_on_commit(payment_id=payment.pk)
    return payment


def payments_void_live(*, order: Order, reason: str) -> int:
    """The order no longer wants its link paid (cancelled, or paid otherwise): the live
    payments become «отменён» here. YooKassa cannot cancel an unpaid link, it expires by
    itself; if the customer pays it all the same, the money is refunded (payment_sync)."""
    return order.payments.filter(status__in=Payment.LIVE).update(
        status=Payment.Status.CANCELED, cancellation_reason=reason
    )


def payment_create_at_provider(*, payment_id: int) -> Payment:
    """The worker's part of «send the payment link»: create the payment at YooKassa, then
    text the link. Safe to run again at any point:

    1. A payment no longer «создан» is not created again; one created whose link has not
       gone out yet gets it now.
    2. If the order is no longer awaiting payment, or its total changed since the click, the
       payment is not created (cancelled, or «ошибка» with what to do).
    3. `create_payment` with the payment's key: a retry after a timeout or a 5xx gets the same
       YooKassa payment back.

    Raises TransientError for the task to retry, PermanentError when YooKassa refuses (the
    task then gives up: `payment_give_up`).
    """
    payment = Payment.objects.select_related("order").get(pk=payment_id)
    order = payment.order
    if payment.status == Payment.Status.CREATED:
        if order.status != Status.AWAITING_PAYMENT:
            Payment.objects.filter(pk=payment.pk, status=Payment.Status.CREATED).update(
                status=Payment.Status.CANCELED, cancellation_reason=NOT_AWAITING
            )
            return Payment.objects.get(pk=payment.pk)
        if order.total != payment.amount:
            payment_give_up(
                payment_id=payment.pk,
                error=_(
                    "The order total changed to %(total)s before the payment for %(amount)s was "
                    "created: send a new link."
                )
                % {"total": _money(order.total), "amount": _money(payment.amount)},
            )
            return Payment.objects.get(pk=payment.pk)
        contact = order.contact or (order.company.contacts.first() if order.company_id else None)
        with translation.override(settings.LANGUAGE_CODE):
            description = _("Order №%(number)s, %(store)s") % {
                "number": order.number,
                "store": order.store.name,
            }
        yoo = yookassa.create_payment(
            amount=payment.amount,
            description=description,
            metadata={"order_id": str(order.pk), "payment_id": str(payment.pk)},
            idempotence_key=payment.idempotence_key,
            return_url=settings.YOOKASSA_RETURN_URL,
            receipt_items=receipt_items(order),
            customer_phone=(contact.phone if contact else "")
            or (order.company.phone if order.company_id else ""),
            customer_email=(contact.email if contact else "") or "",
        )
        payment = payment_apply_provider_state(payment_id=payment.pk, yoo=yoo, via=Via.SYSTEM)
    if payment.status == Payment.Status.PENDING and payment.sent_at is None:
        payment = _send_link(payment_id=payment.pk, via=Via.SYSTEM)
    return payment


def payment_give_up(*, payment_id: int, error: str) -> Payment | None:
    """The payment could not be created at YooKassa (the retries are spent, or it was
    refused): «ошибка» with the reason, a history entry, and the manager is notified. A
    payment created after all but whose link could not be texted keeps its status and gets
    the error. Anything else is left alone. None for an unknown id."""
    payment = Payment.objects.select_related("order").filter(pk=payment_id).first()
    if payment is None:
        return None
    with transaction.atomic():
        # The order row first, as the webhook and every transition do: the other way round, a
        # give-up and a webhook of the same order could deadlock on PostgreSQL.
        order = _locked_order(payment.order_id)
        changed = Payment.objects.filter(pk=payment_id, status=Payment.Status.CREATED).update(
            status=Payment.Status.ERROR, error=error[:1000]
        )
        if not changed:
            if payment.status != Payment.Status.PENDING or payment.sent_at is not None:
                return payment
            Payment.objects.filter(pk=payment_id).update(error=error[:1000])
        logger.error("payment %s: gave up: %s", payment_id, error)
        _log(order, "payment_error", via=Via.SYSTEM, comment=error)
        _tell_manager(
            order,
            _("Order %(order)s: the payment link was not sent: %(error)s")
            % {"order": order, "error": error},
            key=f"payment-error-{payment_id}",
            level=Notification.Level.WARNING,
        )
    return Payment.objects.get(pk=payment_id)


def _send_link(
    *, payment_id: int, via: str, actor: Any | None = None, resend: bool = False
) -> Payment:
    """Text the live payment's link to the customer, once per (payment, send number).

    The message key is "payment-link-<payment>-<n>", n = 0 for the first send and the resend
    counter after, so a retried worker never texts twice. A link no longer for the order's
    total is not texted. A first send that cannot reach the customer records the error and
    tells the manager; a resend raises it (ContactError, OrderError) to the person who asked.
    """
    with transaction.atomic():
        order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
        order = _locked_order(order_id)
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if (
            order.status != Status.AWAITING_PAYMENT
            or payment.status != Payment.Status.PENDING
            or not payment.confirmation_url
            or (not resend and payment.sent_at is not None)
        ):
            return payment
        number = payment.resent_count + 1 if resend else 0
        try:
            if payment.amount != order.total:
                # Edited while YooKassa created it: paying it would be refunded.
                raise OrderError(
                    _(
                        "The order total changed to %(total)s before the payment for "
                        "%(amount)s was created: send a new link."
                    )
                    % {"total": _money(order.total), "amount": _money(payment.amount)}
                )
            message = message_send_template(
                contact=_customer_contact(order),
                template_code=PAYMENT_LINK_TEMPLATE,
                context=order.message_context(),
                idempotency_key=f"payment-link-{payment.pk}-{number}",
                subject=order,
            )
        except (ContactError, OrderError) as exc:
            if resend:
                raise
            text = "; ".join(exc.messages)
            payment.error = text
            payment.save(update_fields=["error"])
            _log(order, "payment_error", via=via, comment=text)
            _tell_manager(
                order,
                _("Order %(order)s: the payment link was not sent: %(error)s")
                % {"order": order, "error": text},
                key=f"payment-link-error-{payment.pk}",
                level=Notification.Level.WARNING,
            )
            return payment
        payment.sent_via = message.channel
        payment.sent_at = timezone.now()
        payment.resent_count = number
        payment.error = ""
        payment.save(update_fields=["sent_via", "sent_at", "resent_count", "error"])
        _log(
            order,
            "payment_link_resent" if resend else "payment_link_sent",
            via=via,
            actor=actor,
            comment=_("%(amount)s, via %(channel)s")
            % {"amount": _money(payment.amount), "channel": message.get_channel_display()},
        )
    return payment


def order_resend_payment_link(*, order_id: int, actor: Any | None, via: str = Via.ADMIN) -> Payment:
    """Text the same live link again (the customer lost it). Needs
    orders.send_payment_link_order; raises OrderError when there is no link yet or the order
    total no longer matches it (send a new link then), TransitionForbidden, ContactError."""
    with transaction.atomic():
        order = _locked_order(order_id)
        _check_actor(order, actor, [SEND_LINK_PERMISSION], _("Send the link again"))
        _require_awaiting_payment(order)
        live = order.live_payment
        if live is None or live.status != Payment.Status.PENDING or not live.confirmation_url:
            raise OrderError(_("There is no payment link to send again: send a new link."))
        if live.amount != order.total:
            raise OrderError(
                _(
                    "The link asks for %(amount)s, the order total is now %(total)s: "
                    "send a new link."
                )
                % {"amount": _money(live.amount), "total": _money(order.total)}
            )
        return _send_link(payment_id=live.pk, via=via, actor=actor, resend=True)


def order_new_payment_link(*, order_id: int, actor: Any | None, via: str = Via.ADMIN) -> Payment:
    """Replace the live link after the order was edited (or when it has none left: expired,
    «ошибка»): the old payment is cancelled at YooKassa where it can be, a new one for the
    current total is created and texted by the worker.

    If YooKassa says the old payment was paid meanwhile, that is recorded: being for
    another amount than the order's total, it is refunded and the team lead told, and the new
    link goes out all the same. Needs orders.send_payment_link_order. Raises
    OrderError (nothing to replace, not awaiting payment, YooKassa unreachable),
    TransitionForbidden.
    """
    order = Order.objects.get(pk=order_id)
    _check_actor(order, actor, [SEND_LINK_PERMISSION], _("New payment link"))
    _require_awaiting_payment(order)
    old = order.live_payment
    if old is not None and old.amount == order.total:
        raise OrderError(_("The link already asks for the order total: send it again instead."))
    if old is not None and old.provider_payment_id:
        try:
            yoo = _cancel_at_provider(old)
        except TransientError as exc:
            raise OrderError(
                _("YooKassa is not answering, try again in a minute (%(error)s).") % {"error": exc}
            ) from exc
        except PermanentError as exc:
            # YooKassa does not know it (another shop, test data): nothing to cancel there.
            logger.warning("payment %s not found at YooKassa: %s", old.pk, exc)
            yoo = None
        if yoo is not None and yoo.status in ("succeeded", "canceled"):
            payment_apply_provider_state(payment_id=old.pk, yoo=yoo, via=via)
        if (
            yoo is not None
            and yoo.status == "succeeded"
            and Order.objects.filter(pk=order_id, status=Status.PAID).exists()
        ):
            raise OrderError(
                _("The customer has already paid the previous link: the order is paid.")
            )
        # Paid for the old total: refunded (payment_apply_provider_state), a new link follows.
    with transaction.atomic():
        order = _locked_order(order_id)
        _require_awaiting_payment(order)
        old = order.live_payment
        if old is not None and old.amount == order.total:
            return old  # a second click, or a colleague, has just replaced it
        if old is not None:
            Payment.objects.filter(pk=old.pk).update(
                status=Payment.Status.CANCELED, cancellation_reason=REPLACED
            )
            _log(
                order,
                "payment_canceled",
                via=via,
                actor=actor,
                comment=_("The link for %(old)s is replaced by a new one for %(new)s.")
                % {"old": _money(old.amount), "new": _money(order.total)},
            )
        return payment_open_for_order(order=order)


def _cancel_at_provider(payment: Payment) -> yookassa.YooPayment:
    """Ask YooKassa to cancel; it refuses for an unpaid one-stage payment (it expires by
    itself), so a refusal is answered with the payment's state as it is."""
    try:
        return yookassa.cancel_payment(
            payment.provider_payment_id, idempotence_key=f"cancel-{payment.idempotence_key}"[:64]
        )
    except PermanentError:
        return yookassa.get_payment(payment.provider_payment_id)


# --- what YooKassa says -------------------------------------------------------------------


def payment_sync(*, provider_payment_id: str, via: str = Via.WEBHOOK) -> Payment | None:
    """Fetch the payment from YooKassa and apply its state; the webhook's and the
    reconciliation's entry point. None when it is not ours.

    A payment not yet recorded with its YooKassa id (the worker died between YooKassa's
    answer and our write) is found by the `payment_id` of its metadata. Raises
    TransientError (YooKassa unreachable: the webhook answers 503, YooKassa retries) and
    PermanentError (YooKassa does not know the id).
    """
    yoo = yookassa.get_payment(provider_payment_id)
    payment = Payment.objects.filter(provider_payment_id=yoo.id).first()
    if payment is None:
        ours = yoo.metadata.get("payment_id", "")
        payment = (
            Payment.objects.filter(
                pk=int(ours), order_id=yoo.metadata.get("order_id"), provider_payment_id=None
            ).first()
            if ours.isdigit() and yoo.metadata.get("order_id", "").isdigit()
            else None
        )
    if payment is None:
        return None
    return payment_apply_provider_state(payment_id=payment.pk, yoo=yoo, via=via)


def payment_apply_provider_state(*, payment_id: int, yoo: yookassa.YooPayment, via: str) -> Payment:
    """Record what YooKassa says about the payment (as fetched, never a notification's body).

    Idempotent: a state already recorded changes nothing, so a notification re-sent for 24 h
    is harmless. `succeeded` marks the order paid only if this is its live link, for the
    order's current total, and the order still awaits payment; otherwise the money is
    refunded and the team lead told. An amount other than ours is never accepted.
    """
    with transaction.atomic():
        order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
        order = _locked_order(order_id)
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.provider_payment_id is None:
            payment.provider_payment_id = yoo.id
            payment.save(update_fields=["provider_payment_id"])
        elif payment.provider_payment_id != yoo.id:
            logger.warning(
                "payment %s is %s at YooKassa, not %s",
                payment.pk,
                payment.provider_payment_id,
                yoo.id,
            )
            return payment
        if yoo.confirmation_url and not payment.confirmation_url:
            payment.confirmation_url = yoo.confirmation_url
            payment.save(update_fields=["confirmation_url"])
        if payment.status == Payment.Status.SUCCEEDED:
            if yoo.status != "succeeded":
                logger.warning(
                    "payment %s: YooKassa says %s after succeeded", payment.pk, yoo.status
                )
            return payment
        if yoo.amount != payment.amount or yoo.currency != yookassa.CURRENCY:
            _amount_mismatch(order, payment, yoo, via=via)
        elif yoo.status in ("pending", "waiting_for_capture"):
            if yoo.status == "waiting_for_capture":
                # We create one-stage payments (capture: true); record it and let a person look.
                logger.warning("payment %s waits for capture at YooKassa", payment.pk)
            if payment.status == Payment.Status.CREATED:
                payment.status = Payment.Status.PENDING
                payment.save(update_fields=["status"])
                _log(
                    order,
                    "payment_created",
                    via=via,
                    comment=_("%(amount)s, YooKassa payment %(id)s")
                    % {"amount": _money(payment.amount), "id": yoo.id},
                )
        elif yoo.status == "succeeded":
            _succeeded(order, payment, yoo, via=via)
        elif yoo.status == "canceled":
            _canceled(order, payment, yoo, via=via)
        else:
            logger.warning("payment %s: unknown YooKassa status %s", payment.pk, yoo.status)
    return payment


def _amount_mismatch(order: Order, payment: Payment, yoo: yookassa.YooPayment, *, via: str) -> None:
    error = _(
        "YooKassa reports %(got)s %(currency)s for this payment, we asked for %(expected)s: "
        "it is not accepted as the order's payment. Check it in the YooKassa cabinet."
    ) % {"got": yoo.amount, "currency": yoo.currency, "expected": _money(payment.amount)}
    if payment.status == Payment.Status.ERROR and payment.error == error:
        return  # told already
    payment.status = Payment.Status.ERROR
    payment.error = error
    payment.save(update_fields=["status", "error"])
    logger.error("payment %s: amount mismatch (%s %s)", payment.pk, yoo.amount, yoo.currency)
    _log(order, "payment_error", via=via, comment=error)
    _alert_team_leads(
        order,
        _("Order %(order)s: %(error)s") % {"order": order, "error": error},
        key=f"payment-amount-{payment.pk}",
    )


def _succeeded(order: Order, payment: Payment, yoo: yookassa.YooPayment, *, via: str) -> None:
    from .services import order_mark_paid

    was_live = payment.is_live
    payment.status = Payment.Status.SUCCEEDED
    payment.paid_at = timezone.now()
    payment.error = ""
    _log(
        order,
        "payment_paid",
        via=via,
        comment=_("%(amount)s, YooKassa payment %(id)s")
        % {"amount": _money(payment.amount), "id": yoo.id},
    )
    # A link for a total since edited (the new link not sent yet) does not pay the order:
    # its amount is not the order's price.
    if was_live and order.status == Status.AWAITING_PAYMENT and payment.amount == order.total:
        payment.applied_to_order = True
        payment.save(update_fields=["status", "paid_at", "error", "applied_to_order"])
        order_mark_paid(
            order_id=order.pk, actor=None, via=via, expected_state=Status.AWAITING_PAYMENT
        )
        _tell_manager(
            order,
            _("Order %(order)s is paid: %(amount)s.")
            % {"order": order, "amount": _money(payment.amount)},
            key=f"payment-paid-{payment.pk}",
        )
        return
    payment.save(update_fields=["status", "paid_at", "error"])
    if was_live and order.status == Status.AWAITING_PAYMENT:
        reason = _(
            "The payment arrived by a link for %(amount)s, the order total is now %(total)s: "
            "refunded automatically, send a new link."
        ) % {"amount": _money(payment.amount), "total": _money(order.total)}
    else:
        reason = _(
            "The payment arrived by a link no longer valid (the order is «%(status)s»): "
            "refunded automatically."
        ) % {"status": order.get_status_display()}
    _create_refunds(order, [(payment, payment.amount)], actor=None, reason=reason, via=via)
    _alert_team_leads(
        order,
        _("Order %(order)s: %(amount)s paid. %(reason)s")
        % {"order": order, "amount": _money(payment.amount), "reason": reason},
        key=f"payment-stray-{payment.pk}",
    )


def _canceled(order: Order, payment: Payment, yoo: yookassa.YooPayment, *, via: str) -> None:
    reason = yoo.cancellation_reason or ""
    if payment.is_live:
        payment.status = Payment.Status.CANCELED
        payment.cancellation_reason = reason
        payment.save(update_fields=["status", "cancellation_reason"])
        _log(
            order,
            "payment_expired" if reason == EXPIRED else "payment_canceled",
            via=via,
            comment=_("YooKassa: %(reason)s") % {"reason": reason or "—"},
        )
    elif payment.status == Payment.Status.CANCELED and reason and not payment.cancellation_reason:
        payment.cancellation_reason = reason
        payment.save(update_fields=["cancellation_reason"])


# --- other ways to pay --------------------------------------------------------------------


def order_mark_paid_on_site(
    *, order_id: int, amount: Decimal, provider_payment_id: str, via: str = Via.API
) -> Order:
    """The customer paid on the store's website (YooKassa, the same shop): the order becomes
    «Оплачен» at once, through «Ожидает оплаты» if it is new.

    The site's word is checked with YooKassa: the payment must be succeeded and for the
    order's total. Idempotent per YooKassa payment. Raises OrderError (not confirmed, another
    amount, another order's payment, a state that cannot be paid), TransientError.
    """
    existing = Payment.objects.filter(provider_payment_id=provider_payment_id).first()
    if existing is not None:
        if existing.order_id == order_id and existing.status == Payment.Status.SUCCEEDED:
            return Order.objects.get(pk=order_id)
        raise OrderError(_("This payment is already recorded for another order."))
    yoo = yookassa.get_payment(provider_payment_id)
    if yoo.status != "succeeded":
        raise OrderError(
            _("YooKassa does not confirm the payment: it is %(status)s.") % {"status": yoo.status}
        )
    with transaction.atomic():
        order = _locked_order(order_id)
        if not (yoo.amount == amount == order.total and yoo.currency == yookassa.CURRENCY):
            raise OrderError(
                _("The payment is for %(paid)s, the order total is %(total)s.")
                % {"paid": _money(yoo.amount), "total": _money(order.total)}
            )
        return _apply_site_payment(
            order,
            provider_payment_id=provider_payment_id,
            via=via,
            comment=_("%(amount)s on the website, YooKassa payment %(id)s")
            % {"amount": _money(order.total), "id": provider_payment_id},
        )


def order_record_site_payment(
    *, order_id: int, provider_payment_id: str = "", via: str = Via.API
) -> Order:
    """The store's website, authenticated by its signature, sends an order it has been paid for:
    the order becomes «Оплачен» at once, for its total, through «Ожидает оплаты».

    Unlike `order_mark_paid_on_site` the provider is not asked: the site may take money through
    any provider, and its signed word is the store's own. `provider_payment_id` (the site's
    transaction id, optional) is kept for reconciliation. Idempotent per order. Raises OrderError
    (not an online payment, a state that cannot be paid, the id already on another order).
    """
    with transaction.atomic():
        order = _locked_order(order_id)
        paid = order.payments.filter(status=Payment.Status.SUCCEEDED, applied_to_order=True)
        if paid.exists():
            return order
        if (
            provider_payment_id
            and Payment.objects.filter(provider_payment_id=provider_payment_id).exists()
        ):
            raise OrderError(_("This payment is already recorded for another order."))
        return _apply_site_payment(
            order,
            provider_payment_id=provider_payment_id,
            via=via,
            comment=_("%(amount)s on the website, transaction %(id)s")
            % {"amount": _money(order.total), "id": provider_payment_id or "—"},
        )


def _apply_site_payment(order: Order, *, provider_payment_id: str, via: str, comment: str) -> Order:
    """Record the order's whole total as paid on the site and move it to «Оплачен»; the order
    row is locked by the caller."""
    from .services import order_mark_paid, order_transition

    if order.payment_method not in PREPAID_METHODS:
        raise OrderError(_("The order is not paid online."))
    if order.status == Status.NEW:
        order = order_transition(
            order_id=order.pk,
            name="send_payment_link",
            actor=None,
            via=via,
            reason=_("Paid on the website"),
        )
    _require_awaiting_payment(order)
    Payment.objects.create(
        order=order,
        amount=order.total,
        status=Payment.Status.SUCCEEDED,
        provider_payment_id=provider_payment_id or None,
        idempotence_key=(
            f"site-{provider_payment_id}" if provider_payment_id else f"site-order-{order.pk}"
        )[:64],
        applied_to_order=True,
        paid_at=timezone.now(),
    )
    _log(order, "payment_paid", via=via, comment=comment)
    return order_mark_paid(order_id=order.pk, actor=None, via=via)


#: Where an invoice payment may be recorded: any state but the two ends without a sale.
_INVOICE_PAYABLE = frozenset(Status) - {Status.CANCELLED, Status.RETURNED}


def invoice_payment_possible(order: Order) -> bool:
    return (
        order.payment_method == PaymentMethod.INVOICE
        and order.payment_status == PaymentStatus.UNPAID
        and order.status in _INVOICE_PAYABLE
    )


def order_record_invoice_payment(
    *, order_id: int, actor: Any | None, via: str = Via.ADMIN
) -> Order:
    """A legal entity paid the invoice (the bank statement shows it): payment_status becomes
    paid. Not a transition: the order goes on from wherever it is. Needs
    orders.mark_paid_order. Raises OrderError (not an unpaid invoice order),
    TransitionForbidden."""
    with transaction.atomic():
        order = _locked_order(order_id)
        _check_actor(order, actor, [INVOICE_PERMISSION], _("Invoice paid"))
        if order.payment_method != PaymentMethod.INVOICE:
            raise OrderError(_("Only an order paid by invoice is marked paid this way."))
        if not invoice_payment_possible(order):
            raise OrderError(
                _("The order is «%(status)s», payment «%(payment)s»: nothing to mark paid.")
                % {
                    "status": order.get_status_display(),
                    "payment": order.get_payment_status_display(),
                }
            )
        _bump_version(order, payment_status=PaymentStatus.PAID, paid_at=timezone.now())
        # Not a transition, but paid: the deal reaches «Оплачен или подтверждён».
        deal_reach_step(deal=order.deal, step=order.funnel_step())
        _log(order, "invoice_paid", via=via, actor=actor, comment=_money(order.total))
    return order


# --- refunds ----------------------------------------------------------------------------------


def order_refund(
    *, order_id: int, amount: Decimal, actor: Any | None, reason: str, via: str = Via.ADMIN
) -> list[Refund]:
    """Return `amount` to the customer through YooKassa (0 < amount ≤ what is left of the
    online payments), split over the payments if there are several. The refunds are
    recorded «в процессе» now and sent by a worker after commit; payment_status follows
    when YooKassa confirms them.

    Needs orders.complete_return_order or orders.cancel_paid_order. Raises OrderError
    (amount not allowed), TransitionForbidden.
    """
    with transaction.atomic():
        order = _locked_order(order_id)
        _check_actor(order, actor, REFUND_PERMISSIONS, _("Refund"))
        return _refund_in_transaction(order, amount, actor=actor, reason=reason, via=via)


def payments_refund_return(
    *, order: Order, amount: Decimal | None, actor: Any | None, via: str
) -> list[Refund]:
    """The refund of a completed return, inside its transition: `amount` (default: all that
    is left) through YooKassa. An order paid in cash or by invoice is refunded by hand:
    nothing is recorded then, and an amount asked for is refused."""
    if amount is None:
        amount = refundable_amount(order)
        if amount <= 0:
            return []
    return _refund_in_transaction(order, amount, actor=actor, reason=_("Return"), via=via)


def payments_settle_cancelled_order(*, order: Order, actor: Any | None, via: str) -> list[Refund]:
    """An order was cancelled (by a person, a trigger, or the goods came back): its live link
    is cancelled, and what it paid online is refunded in full by a worker. Money paid
    otherwise (invoice, by hand) cannot be returned from here: the team lead is told."""
    payments_void_live(order=order, reason=ORDER_CANCELLED)
    left = refundable_payments(order)
    if left:
        return _create_refunds(
            order, left, actor=actor, reason=_("The order was cancelled: full refund."), via=via
        )
    if order.payment_status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        _alert_team_leads(
            order,
            _("Order %(order)s was cancelled after it was paid (%(method)s): return the money "
              "by hand.")
            % {"order": order, "method": order.get_payment_method_display()},
            key=f"refund-by-hand-{order.pk}",
        )  # fmt: skip
    return []


def _refund_in_transaction(
    order: Order, amount: Decimal, *, actor: Any | None, reason: str, via: str
) -> list[Refund]:
    try:
        amount = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise OrderError({"refund_amount": _("Enter the amount to refund.")}) from None
    left = refundable_payments(order)
    available = sum((rest for _p, rest in left), ZERO)
    if amount <= 0 or amount != amount.quantize(CENT):
        raise OrderError({"refund_amount": _("The amount to refund must be above zero.")})
    if amount > available:
        raise OrderError(
            {
                "refund_amount": _("At most %(available)s can be refunded.")
                % {"available": _money(available)}
            }
        )
    allocations, rest = [], amount
    for payment, payable in left:
        take = min(rest, payable)
        if take > 0:
            allocations.append((payment, take))
            rest -= take
    return _create_refunds(order, allocations, actor=actor, reason=reason, via=via)


def _create_refunds(
    order: Order,
    allocations: Iterable[tuple[Payment, Decimal]],
    *,
    actor: Any | None,
    reason: str,
    via: str,
) -> list[Refund]:
    """Refund rows «в процессе», sent by a worker after commit. Call with the order locked:
    the keys "order-<id>-refund-<n>" count the order's refunds."""
    from .tasks import send_refund_task

    number = order.refunds.count()
    refunds = []
    for payment, amount in allocations:
        number += 1
        refund = Refund.objects.create(
            order=order,
            payment=payment,
            amount=amount,
            reason=reason,
            idempotence_key=f"order-{order.pk}-refund-{number}",
            requested_by=actor,
        )
        send_refund_task.delay_on_commit(refund_id=refund.pk)
        refunds.append(refund)
    if refunds:
        _log(
            order,
            "refund_requested",
            via=via,
            actor=actor,
            comment=_("%(amount)s: %(reason)s")
            % {"amount": _money(sum((r.amount for r in refunds), ZERO)), "reason": reason},
        )
    return refunds


def refund_send(*, refund_id: int) -> Refund:
    """The worker's part of a refund: ask YooKassa (the refund's key makes a retry safe) and
    record the answer. A refund already sent or finished is left alone. Raises
    TransientError for the task to retry, PermanentError when YooKassa refuses."""
    refund = Refund.objects.select_related("payment", "order").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING or refund.provider_refund_id:
        return refund
    order = refund.order
    contact = order.contact or (order.company.contacts.first() if order.company_id else None)
    yoo = yookassa.create_refund(
        payment_id=refund.payment.provider_payment_id,
        amount=refund.amount,
        idempotence_key=refund.idempotence_key,
        description=refund.reason[:128],
        receipt_items=_refund_receipt(refund),
        customer_phone=(contact.phone if contact else "")
        or (order.company.phone if order.company_id else ""),
        customer_email=contact.email if contact else "",
    )
    return refund_apply_provider_state(refund_id=refund.pk, yoo=yoo, via=Via.SYSTEM)


def _refund_receipt(refund: Refund) -> list[yookassa.ReceiptItem]:
    """The order's lines for a full refund of the order's payment; one line with the amount
    otherwise (a partial return does not say which goods)."""
    items = receipt_items(refund.order)
    if sum((i.unit_price * i.quantity for i in items), ZERO) == refund.amount:
        return items
    with translation.override(settings.LANGUAGE_CODE):
        description = _("Refund for order №%(number)s") % {"number": refund.order.number}
    return [
        yookassa.ReceiptItem(
            description=description,
            quantity=Decimal(1),
            unit_price=refund.amount,
            vat_code=yookassa.VAT_22,
        )
    ]


def refund_give_up(*, refund_id: int, error: str) -> Refund | None:
    """YooKassa did not take the refund (refused, or the retries are spent): «ошибка», a
    history entry, and the team lead is alerted. Only a refund still unsent changes."""
    refund = Refund.objects.select_related("order").filter(pk=refund_id).first()
    if refund is None:
        return None
    with transaction.atomic():
        order = _locked_order(refund.order_id)  # the order first, see payment_give_up
        changed = Refund.objects.filter(
            pk=refund_id, status=Refund.Status.PENDING, provider_refund_id=None
        ).update(status=Refund.Status.ERROR, error=error[:1000])
        if changed:
            _refund_failed(order, refund, error, via=Via.SYSTEM)
    return Refund.objects.get(pk=refund_id)


def _refund_failed(order: Order, refund: Refund, error: str, *, via: str) -> None:
    logger.error("refund %s failed: %s", refund.pk, error)
    _log(order, "refund_failed", via=via, comment=f"{_money(refund.amount)}: {error}")
    _alert_team_leads(
        order,
        _("Order %(order)s: the refund of %(amount)s failed: %(error)s")
        % {"order": order, "amount": _money(refund.amount), "error": error},
        key=f"refund-failed-{refund.pk}",
    )


def refund_sync(*, provider_refund_id: str, via: str = Via.WEBHOOK) -> Refund | None:
    """Fetch the refund from YooKassa and apply its state; None when it is not ours.

    A refund whose YooKassa id we have not recorded yet (the notification overtook the
    worker) is matched by payment and amount among our unsent ones. Raises as payment_sync.
    """
    yoo = yookassa.get_refund(provider_refund_id)
    refund = Refund.objects.filter(provider_refund_id=yoo.id).first()
    if refund is None:
        refund = (
            Refund.objects.filter(
                payment__provider_payment_id=yoo.payment_id,
                provider_refund_id=None,
                amount=yoo.amount,
                status__in=[Refund.Status.PENDING, Refund.Status.ERROR],
            )
            .order_by("pk")
            .first()
        )
    if refund is None:
        return None
    return refund_apply_provider_state(refund_id=refund.pk, yoo=yoo, via=via)


def refund_apply_provider_state(*, refund_id: int, yoo: yookassa.YooRefund, via: str) -> Refund:
    """Record what YooKassa says about the refund; idempotent. Succeeded moves the order's
    payment_status to partially refunded or refunded."""
    with transaction.atomic():
        order_id = Refund.objects.values_list("order_id", flat=True).get(pk=refund_id)
        order = _locked_order(order_id)
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.provider_refund_id is None:
            refund.provider_refund_id = yoo.id
            refund.save(update_fields=["provider_refund_id"])
        elif refund.provider_refund_id != yoo.id:
            return refund
        if refund.status in (Refund.Status.SUCCEEDED, Refund.Status.CANCELED):
            return refund
        if yoo.amount != refund.amount:
            error = _("YooKassa reports a refund of %(got)s, we asked for %(expected)s.") % {
                "got": yoo.amount,
                "expected": _money(refund.amount),
            }
            if refund.error != error:
                Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.ERROR, error=error)
                _refund_failed(order, refund, error, via=via)
            return Refund.objects.get(pk=refund.pk)
        if yoo.status == "succeeded":
            refund.status = Refund.Status.SUCCEEDED
            refund.succeeded_at = timezone.now()
            refund.error = ""
            refund.save(update_fields=["status", "succeeded_at", "error"])
            _log(order, "refund_succeeded", via=via, comment=_money(refund.amount))
            _refresh_payment_status(order)
        elif yoo.status == "canceled":
            refund.status = Refund.Status.CANCELED
            refund.error = _("YooKassa refused the refund.")
            refund.save(update_fields=["status", "error"])
            _refund_failed(order, refund, refund.error, via=via)
    return refund


def _refresh_payment_status(order: Order) -> None:
    """payment_status from the online payments that paid the order and their refunds."""
    if order.payment_status not in (
        PaymentStatus.PAID,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.REFUNDED,
    ):
        return
    applied = order.payments.filter(applied_to_order=True, status=Payment.Status.SUCCEEDED)
    paid = applied.aggregate(total=Sum("amount"))["total"] or ZERO
    refunded = (
        Refund.objects.filter(payment__in=applied, status=Refund.Status.SUCCEEDED).aggregate(
            total=Sum("amount")
        )["total"]
        or ZERO
    )
    if not paid:
        return
    status = (
        PaymentStatus.REFUNDED
        if refunded >= paid
        else PaymentStatus.PARTIALLY_REFUNDED
        if refunded > 0
        else PaymentStatus.PAID
    )
    if status != order.payment_status:
        _bump_version(order, payment_status=status)


# --- reconciliation ---------------------------------------------------------------------------


@dataclass
class Reconciled:
    requeued: int = 0
    synced: int = 0
    failed: int = 0


def payments_reconcile(*, now=None, limit: int = 100) -> Reconciled:
    """For a periodic job: what a lost task or a lost notification left unfinished.

    Payments still «создан» and refunds not yet sent after 10 minutes get their task again;
    links awaiting payment for over 30 minutes and refunds in progress are fetched from
    YooKassa (a missed «paid» or «expired» is applied, via the schedule).
    """
    from datetime import timedelta

    from .tasks import create_payment_and_send_link_task, send_refund_task

    now = now or timezone.now()
    result = Reconciled()
    stale = now - timedelta(minutes=10)
    for pk in Payment.objects.filter(
        status=Payment.Status.CREATED, created_at__lt=stale
    ).values_list("pk", flat=True)[:limit]:
        create_payment_and_send_link_task.delay(payment_id=pk)
        result.requeued += 1
    for pk in Refund.objects.filter(
        status=Refund.Status.PENDING, provider_refund_id=None, created_at__lt=stale
    ).values_list("pk", flat=True)[:limit]:
        send_refund_task.delay(refund_id=pk)
        result.requeued += 1
    waiting = Payment.objects.filter(
        status=Payment.Status.PENDING,
        provider_payment_id__isnull=False,
        created_at__lt=now - timedelta(minutes=30),
    ).values_list("provider_payment_id", flat=True)[:limit]
    sending = Refund.objects.filter(
        status=Refund.Status.PENDING, provider_refund_id__isnull=False
    ).values_list("provider_refund_id", flat=True)[:limit]
    calls = [
        *((payment_sync, {"provider_payment_id": pid}) for pid in waiting),
        *((refund_sync, {"provider_refund_id": rid}) for rid in sending),
    ]
    for sync, kwargs in calls:
        try:
            sync(**kwargs, via=Via.BEAT)
            result.synced += 1
        except (TransientError, PermanentError) as exc:
            logger.warning("reconcile %s: %s", kwargs, exc)
            result.failed += 1
    return result
