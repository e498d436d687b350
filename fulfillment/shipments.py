"""Shipments: created when the goods leave («Передан в доставку», «Ожидает получения»), sent to
CDEK by a worker, and followed through the carrier's statuses.

Creating a CDEK order is not idempotent at CDEK (no idempotency key), so the shipment row is the
lock: a worker claims it with a conditional UPDATE (new → sending) before the POST, and a run
that finds the previous attempt's outcome unknown (a timeout, a 5xx, a worker that died) first
asks CDEK for an order with our number (`find_order_by_number`) and only POSTs when there is
none. CDEK is never called while a row is locked.

Statuses come from the poller (`shipments_poll`, beat) and from CDEK's ORDER_STATUS webhook; both
end in `shipment_sync`, which reads the order from CDEK and acts on what CDEK says: each status
is stored once (code + time), written into the order's history, and the mapped transition
(`CarrierStatusMapping`) runs as the system with the status it expects, so a stale or repeated
event never moves an order back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from automation.exceptions import TransitionError
from automation.models import ChecklistItem, Task, Via
from automation.notify import notify
from automation.transitions import transition_label
from deals.choices import DeliveryMethod, PaymentMethod
from integrations.cdek import client as cdek
from integrations.errors import DeliveryUnknown, PermanentError, TransientError
from orders.history import order_log_event, register_events
from orders.hooks import TransitionContext, on_transition
from orders.models import Order, PaymentStatus, Status
from orders.payments import net_line_cents
from orders.services import ORDER_TRANSITION_SERVICES
from orders.store_events import register_tracking_number_source

from .shipment_models import CarrierStatusMapping, Shipment, ShipmentEvent

logger = logging.getLogger(__name__)

register_events(
    {
        "shipment_created": gettext_lazy("Shipment created"),
        "shipment_sent": gettext_lazy("Sent to CDEK"),
        "shipment_registered": gettext_lazy("CDEK registered the shipment"),
        "shipment_error": gettext_lazy("Shipment error"),
        "carrier_status": gettext_lazy("Carrier status"),
    }
)

#: A claim older than this is from a worker that died: its outcome is unknown.
STALE_CLAIM = timedelta(minutes=2)
#: What the order's status should be once CDEK reports the mapped action.
EXPECTED_STATUS = {
    CarrierStatusMapping.Action.ARRIVE: Status.AWAITING_PICKUP,
    CarrierStatusMapping.Action.ISSUE: Status.ISSUED,
    CarrierStatusMapping.Action.FAIL: Status.RETURNING,
}
COLLECT_ON_DELIVERY = {PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.CARD_ON_DELIVERY}
SHIPMENT_KIND = {
    DeliveryMethod.PICKUP: Shipment.Kind.PICKUP,
    DeliveryMethod.COURIER: Shipment.Kind.COURIER,
    DeliveryMethod.CDEK: Shipment.Kind.CDEK,
}


# --- created with the transition ------------------------------------------------------------


@on_transition("hand_to_delivery", "ready_for_pickup")
def shipment_open(order: Order, context: TransitionContext) -> Shipment:
    """The order's shipment, in the transition's transaction; CDEK is asked after commit."""
    data = context.data
    shipment = Shipment.objects.create(
        order=order,
        store_id=order.store_id,
        kind=SHIPMENT_KIND[order.delivery_method],
        address=_address(order),
        pickup_point_code=order.pickup_point_code if order.delivery_method == "cdek" else "",
        cash_on_delivery=_to_collect(order),
        window_start=data.get("window_start"),
        window_end=data.get("window_end"),
        courier_name=data.get("courier_name") or "",
        courier_phone=data.get("courier_phone") or "",
        created_by=context.actor,
    )
    comment = shipment.get_kind_display()
    if shipment.kind == Shipment.Kind.COURIER:
        shipment.task = _courier_task(shipment, assignee=context.actor or order.responsible)
        shipment.save(update_fields=["task"])
    elif shipment.kind == Shipment.Kind.CDEK:
        shipment.tariff_code = cdek.tariff_for(to_pickup_point=bool(shipment.pickup_point_code))
        shipment.save(update_fields=["tariff_code"])
        comment = _("CDEK, tariff %(tariff)s, %(to)s") % {
            "tariff": shipment.tariff_code,
            "to": shipment.pickup_point_code or shipment.address,
        }
        transaction.on_commit(lambda: _enqueue_send(shipment.pk))
    order_log_event(
        order, "shipment_created", via=context.via, actor=context.actor, comment=comment
    )
    return shipment


@on_transition("issue", "fail_delivery")
def shipment_close(order: Order, context: TransitionContext) -> None:
    """Issued by hand or on CDEK's word: the shipment is finished either way."""
    status = Shipment.Status.DELIVERED if context.name == "issue" else Shipment.Status.NOT_DELIVERED
    shipment = live_shipment(order)
    if shipment is not None:
        Shipment.objects.filter(pk=shipment.pk).update(status=status, updated_at=timezone.now())
        if shipment.task_id:
            Task.objects.filter(pk=shipment.task_id, done_at=None).update(done_at=timezone.now())


def live_shipment(order: Order) -> Shipment | None:
    return order.shipments.exclude(status=Shipment.Status.CANCELLED).order_by("-pk").first()


def tracking_number(order: Order) -> str | None:
    """The CDEK number of the order's shipment, once CDEK has given one (the events for the
    store's website carry it)."""
    return (
        order.shipments.exclude(status=Shipment.Status.CANCELLED)
        .exclude(cdek_number="")
        .order_by("-pk")
        .values_list("cdek_number", flat=True)
        .first()
    )


register_tracking_number_source(tracking_number)


def _address(order: Order) -> str:
    if order.delivery_method == DeliveryMethod.PICKUP and order.pickup_point_id:
        return order.pickup_point.address
    return order.delivery_address


def _to_collect(order: Order) -> Decimal:
    if order.payment_method in COLLECT_ON_DELIVERY and order.payment_status != PaymentStatus.PAID:
        return order.total
    return Decimal(0)


def _courier_task(shipment: Shipment, *, assignee: Any) -> Task | None:
    if assignee is None:
        return None
    order = shipment.order
    window = ""
    if shipment.window_start and shipment.window_end:
        start = timezone.localtime(shipment.window_start)
        end = timezone.localtime(shipment.window_end)
        window = f"{start:%d.%m %H:%M}–{end:%H:%M}"
    task = Task.objects.create(
        title=_("Courier delivery of order №%(number)s %(window)s")
        % {"number": order.number, "window": window},
        assignee=assignee,
        due_at=shipment.window_end,
        subject=order,
    )
    contact = order.contact
    steps = [
        _("Address: %(address)s") % {"address": shipment.address},
        _("Customer: %(name)s, %(phone)s")
        % {"name": contact.full_name if contact else "", "phone": contact.phone if contact else ""},
        _("Print the handover document and give it to the courier"),
    ]
    if shipment.cash_on_delivery:
        steps.append(_("Collect %(amount)s ₽") % {"amount": shipment.cash_on_delivery})
    ChecklistItem.objects.bulk_create(
        ChecklistItem(task=task, text=text[:300], position=i) for i, text in enumerate(steps)
    )
    return task


def _enqueue_send(shipment_id: int) -> None:
    from .tasks import send_shipment_to_cdek_task

    send_shipment_to_cdek_task.delay(shipment_id=shipment_id)


def _enqueue_sync(shipment_id: int, *, via: str, countdown: float = 0) -> None:
    from .tasks import sync_shipment_task

    sync_shipment_task.apply_async(
        kwargs={"shipment_id": shipment_id, "via": via}, countdown=countdown
    )


# --- sending to CDEK ------------------------------------------------------------------------


def shipment_send_to_cdek(*, shipment_id: int) -> Shipment | None:
    """Create the CDEK order of the shipment, at most once; None when another run has it.

    Raises TransientError for the task to retry (the shipment goes back to «new» and the next
    run looks CDEK up by number before sending again).
    """
    unknown_outcome = _claim(shipment_id)
    if unknown_outcome is None:
        return None
    shipment = Shipment.objects.select_related("order__contact", "order__company").get(
        pk=shipment_id
    )
    order = shipment.order
    try:
        existing = cdek.find_order_by_number(order.number) if unknown_outcome else None
        if existing is not None and not existing.is_invalid:
            return _registered(shipment, existing, via=Via.SYSTEM)
        payload = _payload(shipment)
        created = cdek.create_order(payload)
    except (TransientError, DeliveryUnknown) as exc:
        Shipment.objects.filter(pk=shipment_id).update(
            status=Shipment.Status.NEW, error=str(exc)[:1000], updated_at=timezone.now()
        )
        raise TransientError(str(exc)) from exc
    except (PermanentError, ValueError) as exc:
        _failed(shipment, str(exc))
        return shipment
    return _registered(shipment, created, via=Via.SYSTEM)


def _claim(shipment_id: int) -> bool | None:
    """new → sending, or a stale «sending» taken over. Returns whether an earlier attempt may
    have reached CDEK (then look it up before sending), or None if the shipment is not ours."""
    now = timezone.now()
    fresh = Shipment.objects.filter(
        pk=shipment_id, kind=Shipment.Kind.CDEK, status=Shipment.Status.NEW, cdek_uuid=""
    )
    stale = Shipment.objects.filter(
        pk=shipment_id,
        kind=Shipment.Kind.CDEK,
        status=Shipment.Status.SENDING,
        updated_at__lt=now - STALE_CLAIM,
    )
    for queryset, was_sending in ((fresh, False), (stale, True)):
        previous = queryset.values_list("attempts", flat=True).first()
        if previous is None:
            continue
        claimed = queryset.filter(attempts=previous).update(
            status=Shipment.Status.SENDING, attempts=F("attempts") + 1, updated_at=now
        )
        if claimed:
            return was_sending or previous > 0
    return None


def _payload(shipment: Shipment) -> dict[str, Any]:
    order = shipment.order
    customer = order.company or order.contact
    contact = order.contact
    lines = list(order.items.select_related("product"))
    collect = _cash_per_unit(order, lines) if shipment.cash_on_delivery else None
    items = [
        cdek.CdekItem(
            name=item.name,
            ware_key=item.sku,
            cost=item.price,
            weight=max(item.product.weight_grams, 100),
            amount=item.quantity,
            payment=collect[0][i] if collect else Decimal(0),
        )
        for i, item in enumerate(lines)
    ]
    package = cdek.CdekPackage(
        number=f"{order.number}-1",
        weight=sum(i.weight * i.amount for i in items),
        items=items,
    )
    return cdek.build_order_payload(
        number=str(order.number),
        tariff_code=shipment.tariff_code or cdek.tariff_for(to_pickup_point=True),
        recipient_name=contact.full_name if contact else str(customer),
        recipient_phone=contact.phone if contact else "",
        recipient_email=contact.email if contact else "",
        packages=[package],
        delivery_point=shipment.pickup_point_code,
        to_location=None if shipment.pickup_point_code else {"address": shipment.address},
        shipment_point=settings.CDEK_SHIPMENT_POINT,
        comment=order.comment[:255],
        delivery_recipient_cost=collect[1] if collect else None,
    )


def _cash_per_unit(order: Order, lines: list) -> tuple[list[Decimal], Decimal]:
    """What CDEK collects per unit of each line, and as the delivery charge, so that the two
    add up to the order total to the kopeck: the order discount is spread over the lines in
    proportion (as on the payment receipt); kopecks a line's units cannot share evenly are
    added to the delivery charge rather than overcharging a unit."""
    per_unit, leftover = [], 0
    for line, net in net_line_cents(order, lines):
        unit, rest = divmod(net, line.quantity)
        per_unit.append(Decimal(unit).scaleb(-2))
        leftover += rest
    return per_unit, order.delivery_cost + Decimal(leftover).scaleb(-2)


def _registered(shipment: Shipment, found: cdek.CdekOrder, *, via: str) -> Shipment:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=shipment.order_id)
        Shipment.objects.filter(pk=shipment.pk).update(
            status=Shipment.Status.REGISTERING,
            cdek_uuid=found.uuid,
            error="",
            updated_at=timezone.now(),
        )
        order_log_event(order, "shipment_sent", via=via, comment=f"uuid {found.uuid}")
    # CDEK validates asynchronously: look again in a few seconds for the number or the errors.
    transaction.on_commit(lambda: _enqueue_sync(shipment.pk, via=via, countdown=5))
    shipment.refresh_from_db()
    return shipment


def _failed(shipment: Shipment, error: str) -> None:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=shipment.order_id)
        Shipment.objects.filter(pk=shipment.pk).update(
            status=Shipment.Status.ERROR, error=error[:1000], updated_at=timezone.now()
        )
        order_log_event(order, "shipment_error", via=Via.SYSTEM, comment=error[:500])
        if order.responsible_id:
            notify(
                users=[order.responsible],
                text=_("Order %(number)s: CDEK refused the shipment: %(error)s")
                % {"number": order.number, "error": error[:300]},
                link=reverse("admin:orders_order_change", args=[order.pk]),
                key=f"shipment-error-{shipment.pk}-{shipment.attempts}",
            )


def shipment_retry(*, shipment_id: int, actor: Any) -> Shipment:
    """A refused shipment, after the manager fixed the order: send it to CDEK again."""
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
        if shipment.status != Shipment.Status.ERROR:
            raise PermanentError(_("Only a shipment with an error is sent again."))
        order = shipment.order
        Shipment.objects.filter(pk=shipment.pk).update(
            status=Shipment.Status.NEW,
            cdek_uuid="",
            pickup_point_code=order.pickup_point_code,
            address=order.delivery_address,
            tariff_code=cdek.tariff_for(to_pickup_point=bool(order.pickup_point_code)),
            updated_at=timezone.now(),
        )
        transaction.on_commit(lambda: _enqueue_send(shipment.pk))
    shipment.refresh_from_db()
    return shipment


# --- following the carrier ------------------------------------------------------------------


@dataclass
class SyncResult:
    new_events: int = 0
    transitions: list[str] | None = None


def shipment_sync(*, shipment_id: int, via: str = Via.BEAT) -> SyncResult:
    """Read the shipment's order from CDEK and apply what is new. Raises TransientError."""
    shipment = Shipment.objects.get(pk=shipment_id)
    if not shipment.cdek_uuid:
        return SyncResult()
    try:
        found = cdek.get_order(shipment.cdek_uuid)
    except cdek.CdekNotFound:
        _failed(
            shipment,
            _("CDEK does not know this shipment (uuid %(uuid)s).") % {"uuid": shipment.cdek_uuid},
        )
        return SyncResult()
    return shipment_apply(shipment_id=shipment_id, found=found, via=via)


def shipment_apply(*, shipment_id: int, found: cdek.CdekOrder, via: str) -> SyncResult:
    """Apply CDEK's view of the order: registration, then each status not seen before."""
    result = SyncResult(transitions=[])
    now = timezone.now()
    with transaction.atomic():
        # The order first, then the shipment: the transition hooks lock in that order too.
        order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment_id)
        order = Order.objects.select_for_update().get(pk=order_id)
        shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
        if shipment.status in (Shipment.Status.ERROR, Shipment.Status.CANCELLED):
            return result
        if found.is_invalid:
            errors = "; ".join(
                e.get("message") or e.get("code", "") for e in found.create_request.errors
            )
            transaction.on_commit(lambda: _failed(shipment, errors or "INVALID"))
            return result
        if found.cdek_number and not shipment.cdek_number:
            shipment.cdek_number = found.cdek_number
            if shipment.status == Shipment.Status.REGISTERING:
                shipment.status = Shipment.Status.IN_TRANSIT
            order_log_event(
                order,
                "shipment_registered",
                via=via,
                comment=_("CDEK number %(number)s") % {"number": found.cdek_number},
            )
        mapping = dict(CarrierStatusMapping.objects.values_list("code", "action"))
        for status in reversed(found.statuses):  # oldest first
            event, created = ShipmentEvent.objects.get_or_create(
                shipment=shipment,
                code=status.code,
                happened_at=status.date_time,
                defaults={"name": status.name, "city": status.city},
            )
            if not created:
                continue
            result.new_events += 1
            order_log_event(
                order,
                "carrier_status",
                via=via,
                comment=", ".join(filter(None, [f"{status.code} — {status.name}", status.city])),
            )
            event.outcome = _run_mapped(order, mapping.get(status.code, ""), via=via, result=result)
            event.save(update_fields=["outcome"])
            order.refresh_from_db()
        # The transitions above may have closed the shipment (the issue / fail_delivery hooks).
        shipment.status = Shipment.objects.values_list("status", flat=True).get(pk=shipment.pk)
        if shipment.status == Shipment.Status.REGISTERING and shipment.cdek_number:
            shipment.status = Shipment.Status.IN_TRANSIT
        current = found.status
        if current is not None:
            shipment.carrier_status = current.code
            shipment.carrier_status_name = current.name
            shipment.carrier_status_at = current.date_time
            shipment.expected_order_status = EXPECTED_STATUS.get(mapping.get(current.code, ""), "")
            if current.code == "DELIVERED":
                shipment.status = Shipment.Status.DELIVERED
            elif current.code == "NOT_DELIVERED":
                shipment.status = Shipment.Status.NOT_DELIVERED
        shipment.checked_at = now
        shipment.save()
    return result


def _run_mapped(order: Order, action: str, *, via: str, result: SyncResult) -> str:
    if not action:
        return ""
    service = ORDER_TRANSITION_SERVICES[action]
    try:
        with transaction.atomic():
            service(order_id=order.pk, actor=None, via=via, expected_state=order.status)
    except TransitionError as exc:
        # A late or repeated status: the order is already past it. Recorded, not an error.
        return str(exc)[:300]
    result.transitions.append(action)
    return transition_label(Order, action)


def shipments_due_for_poll(*, batch: int) -> list[int]:
    """Tracked CDEK shipments, the least recently checked first."""
    return list(
        Shipment.objects.filter(kind=Shipment.Kind.CDEK, status__in=Shipment.TRACKED)
        .exclude(cdek_uuid="")
        .order_by(F("checked_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)[:batch]
    )


@dataclass
class PollResult:
    checked: int = 0
    failed: int = 0
    new_events: int = 0


def shipments_poll(*, batch: int | None = None, limiter: Any = None) -> PollResult:
    """One beat tick: ask CDEK about up to `batch` tracked shipments within the request rate."""
    limiter = limiter or cdek.poll_limiter()
    outcome = PollResult()
    for shipment_id in shipments_due_for_poll(batch=batch or settings.CDEK_POLL_BATCH):
        limiter.acquire()
        try:
            synced = shipment_sync(shipment_id=shipment_id, via=Via.BEAT)
        except (TransientError, PermanentError) as exc:
            outcome.failed += 1
            logger.warning("cdek poll: shipment %s: %s", shipment_id, exc)
            Shipment.objects.filter(pk=shipment_id).update(checked_at=timezone.now())
            continue
        outcome.checked += 1
        outcome.new_events += synced.new_events
    return outcome


def shipment_for_push(event: cdek.CdekStatusEvent) -> int | None:
    """The shipment an ORDER_STATUS push is about, by CDEK's uuid or number; None if not ours."""
    match = Q(cdek_uuid=event.uuid)
    if event.cdek_number:
        match |= Q(cdek_number=event.cdek_number)
    return (
        Shipment.objects.filter(match, kind=Shipment.Kind.CDEK)
        .exclude(status=Shipment.Status.CANCELLED)
        .values_list("pk", flat=True)
        .first()
    )


def disagreements(*, older_than: timedelta = timedelta(hours=1)):
    """Shipments whose carrier status calls for an order status the order has not reached
    for longer than `older_than`: the team lead's «статусы расходятся» report."""
    return (
        Shipment.objects.exclude(expected_order_status="")
        .exclude(order__status=F("expected_order_status"))
        .filter(carrier_status_at__lt=timezone.now() - older_than)
    )
