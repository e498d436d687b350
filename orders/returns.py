"""Returns: registering one, recording the inspection, completing or rejecting it, and the
figures reports show. See docs/returns.md.

A return is always tied to the order's transitions: `order_request_return` (issued → «Возврат»)
creates it, `order_complete_return` (→ «Возврат оформлен») restocks and refunds it,
`order_reject_return` (→ back to issued) closes it unrefunded. Each runs in one transaction with
the order row locked, so two people acting on the same return cannot both succeed, and a refused
step writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from automation.exceptions import TransitionForbidden
from automation.models import ChecklistItem, Task, Via
from catalog.models import Store, Warehouse
from catalog.stock import stock_receive

from .exceptions import OrderError
from .history import order_log_event, register_events
from .models import ZERO, Order, OrderItem
from .payments import net_line_cents, payments_refund_return, refundable_amount
from .returns_models import (
    Condition,
    OrderReturn,
    ReturnChannel,
    ReturnLine,
    ReturnMethod,
    ReturnReason,
)
from .transitions import order_transition

INSPECT_PERMISSIONS = ("orders.inspect_orderreturn", "orders.complete_return_order")

register_events(
    {
        "return_inspected": gettext_lazy("Return inspected"),
        "refund_by_hand": gettext_lazy("Refund by hand"),
    }
)


class Verdict:
    """The inspection result of one line, as the forms offer it."""

    ACCEPT = "accept"  # no defect, accepted: back to stock, refunded
    ACCEPT_DEFECT = "accept_defect"  # defect confirmed, accepted: written off, refunded
    REFUSE = "refuse"  # not accepted (used, incomplete, not ours): goes back to the customer

    #: What the inspection forms offer.
    CHOICES = (
        (ACCEPT, gettext_lazy("Accept: no defect, back to stock")),
        (ACCEPT_DEFECT, gettext_lazy("Accept: defect, write off")),
        (REFUSE, gettext_lazy("Do not accept: give back to the customer")),
    )

    @staticmethod
    def split(verdict: str, *, defect: bool | None = None) -> tuple[str, bool]:
        """verdict → (condition, accepted). A refused line keeps the condition found, if any."""
        if verdict == Verdict.ACCEPT:
            return Condition.NO_DEFECT, True
        if verdict == Verdict.ACCEPT_DEFECT:
            return Condition.DEFECT, True
        if verdict == Verdict.REFUSE:
            return (Condition.DEFECT if defect else Condition.NO_DEFECT), False
        raise OrderError({"inspection": _("Unknown inspection result.")})

    @staticmethod
    def of(line: ReturnLine) -> str:
        if line.accepted is None or line.condition == Condition.PENDING:
            return ""
        if not line.accepted:
            return Verdict.REFUSE
        return Verdict.ACCEPT if line.condition == Condition.NO_DEFECT else Verdict.ACCEPT_DEFECT


# --- reading ----------------------------------------------------------------------------------


def returned_quantities(order: Order) -> dict[int, int]:
    """Units of each order line already taken back or on their way: lines of the open return
    and the accepted lines of completed ones (rejected and refused lines went back to the
    customer and may be asked for again)."""
    rows = (
        ReturnLine.objects.filter(order_return__order=order)
        .filter(
            Q(order_return__status=OrderReturn.Status.REQUESTED)
            | Q(order_return__status=OrderReturn.Status.COMPLETED, accepted=True)
        )
        .values("order_item_id")
        .annotate(units=Sum("quantity"))
    )
    return {row["order_item_id"]: row["units"] for row in rows}


def returnable_quantities(order: Order) -> dict[int, int]:
    """Order line id → how many units may still be returned: bought minus returned."""
    taken = returned_quantities(order)
    return {item.pk: item.quantity - taken.get(item.pk, 0) for item in order.items.all()}


def _refunded_units(order: Order, *, exclude: OrderReturn) -> dict[int, int]:
    rows = (
        ReturnLine.objects.filter(
            order_return__order=order,
            order_return__status=OrderReturn.Status.COMPLETED,
            accepted=True,
        )
        .exclude(order_return=exclude)
        .values("order_item_id")
        .annotate(units=Sum("quantity"))
    )
    return {row["order_item_id"]: row["units"] for row in rows}


def unit_share(net_cents: int, bought: int, before: int, units: int) -> Decimal:
    """What `units` more units of a line are worth when `before` were refunded already: the
    line's paid amount split evenly to the kopeck, the odd kopecks going to the later units, so
    that returning all units in any number of steps refunds exactly what was paid."""
    taken = net_cents * (before + units) // bought - net_cents * before // bought
    return Decimal(taken).scaleb(-2)


def refund_amounts(
    order_return: OrderReturn, lines: list[ReturnLine] | None = None
) -> dict[int, Decimal]:
    """Return line id → refund of each accepted line (price after the line and the order
    discount, to the kopeck); refused lines get nothing. Delivery is not refunded. `lines`:
    the return's lines with their order items, when the caller has them already."""
    order = order_return.order
    paid = dict((item.pk, net) for item, net in net_line_cents(order))
    before = _refunded_units(order, exclude=order_return)
    if lines is None:
        lines = list(order_return.lines.select_related("order_item"))
    amounts = {}
    for line in lines:
        if not line.accepted:
            amounts[line.pk] = ZERO
            continue
        item = line.order_item
        amounts[line.pk] = unit_share(
            paid[item.pk], item.quantity, before.get(item.pk, 0), line.quantity
        )
    return amounts


def open_return(order: Order) -> OrderReturn | None:
    return order.returns.filter(status=OrderReturn.Status.REQUESTED).first()


# --- registering --------------------------------------------------------------------------------


def order_request_return(
    *,
    order_id: int,
    actor: Any | None,
    lines: Mapping[int, int] | None = None,
    reason: ReturnReason | None = None,
    channel: str = ReturnChannel.PHONE,
    method: str = ReturnMethod.PICKUP_POINT,
    pickup_address: str = "",
    pickup_from: datetime | None = None,
    pickup_until: datetime | None = None,
    pickup_point: Warehouse | None = None,
    comment: str = "",
    via: str = Via.ADMIN,
    expected_state: str | None = None,
) -> Order:
    """issued → «Возврат»: the customer returns `lines` (order line id → units, some lines and
    part of their units allowed), for `reason`, asked through `channel`; the goods come back by
    courier (a task for the order's manager with the address and window) or to a pickup point.

    Raises OrderError for a missing or retired reason, no lines, more units than were bought
    and not returned yet, or a courier pick-up without address and window; and what
    order_transition raises (the return period is over...). Nothing is written then.
    """
    errors = _request_errors(lines, reason, channel, method, pickup_from, pickup_until)
    if errors:
        raise OrderError(errors)
    wanted = {int(item_id): int(units) for item_id, units in lines.items() if int(units) > 0}
    with transaction.atomic():
        order = order_transition(
            order_id=order_id,
            name="request_return",
            actor=actor,
            via=via,
            expected_state=expected_state,
            reason=reason.name,
            comment=comment,
        )
        items = {item.pk: item for item in order.items.all()}
        _check_quantities(order, items, wanted)
        if method == ReturnMethod.COURIER_PICKUP:
            pickup_address = pickup_address.strip() or order.delivery_address
            if not pickup_address:
                raise OrderError({"pickup_address": _("Enter the address to collect from.")})
        order_return = OrderReturn.objects.create(
            order=order,
            store_id=order.store_id,
            reason=reason,
            channel=channel,
            method=method,
            pickup_address=pickup_address if method == ReturnMethod.COURIER_PICKUP else "",
            pickup_from=pickup_from if method == ReturnMethod.COURIER_PICKUP else None,
            pickup_until=pickup_until if method == ReturnMethod.COURIER_PICKUP else None,
            pickup_point=pickup_point if method == ReturnMethod.PICKUP_POINT else None,
            comment=comment,
            created_by=actor,
        )
        ReturnLine.objects.bulk_create(
            ReturnLine(order_return=order_return, order_item_id=item_id, quantity=units)
            for item_id, units in sorted(wanted.items())
        )
        if method == ReturnMethod.COURIER_PICKUP:
            order_return.task = _courier_pickup_task(order_return, items, wanted)
            order_return.save(update_fields=["task"])
    return order


def _request_errors(lines, reason, channel, method, pickup_from, pickup_until) -> dict:
    errors: dict[str, str] = {}
    if reason is None:
        errors["reason"] = _("Choose the return reason.")
    elif not reason.is_active:
        errors["reason"] = _("This reason is no longer in use.")
    if channel not in ReturnChannel.values:
        errors["channel"] = _("Choose how the customer asked for the return.")
    if method not in ReturnMethod.values:
        errors["method"] = _("Choose how the goods come back.")
    try:
        units = list({int(item_id): int(u) for item_id, u in (lines or {}).items()}.values())
    except (TypeError, ValueError):
        errors["lines"] = _("Quantities must be whole numbers.")
    else:
        if any(u < 0 for u in units):
            errors["lines"] = _("Quantities cannot be negative.")
        elif not any(units):
            errors["lines"] = _("Choose what the customer returns.")
    if method == ReturnMethod.COURIER_PICKUP:
        if pickup_from is None or pickup_until is None:
            errors["pickup_from"] = _("Enter when the courier collects the goods.")
        elif pickup_until <= pickup_from:
            errors["pickup_until"] = _("The window must end after it starts.")
    return errors


def _check_quantities(order: Order, items: dict[int, OrderItem], wanted: dict[int, int]) -> None:
    left = returnable_quantities(order)
    problems = []
    for item_id, units in wanted.items():
        item = items.get(item_id)
        if item is None:
            raise OrderError({"lines": _("A line that is not in this order was chosen.")})
        if units > left[item_id]:
            problems.append(
                _("%(sku)s: %(wanted)s asked, at most %(left)s (bought %(bought)s)")
                % {"sku": item.sku, "wanted": units, "left": left[item_id], "bought": item.quantity}
            )
    if problems:
        raise OrderError(
            {"lines": [_("More than can be returned."), *problems]}  # type: ignore[dict-item]
        )


def _courier_pickup_task(
    order_return: OrderReturn, items: dict[int, OrderItem], wanted: dict[int, int]
) -> Task | None:
    order = order_return.order
    assignee = order.responsible or order_return.created_by
    if assignee is None:
        return None
    start = timezone.localtime(order_return.pickup_from)
    end = timezone.localtime(order_return.pickup_until)
    task = Task.objects.create(
        title=_("Collect the return of order №%(number)s %(window)s")
        % {"number": order.number, "window": f"{start:%d.%m %H:%M}–{end:%H:%M}"},
        assignee=assignee,
        due_at=order_return.pickup_until,
        subject=order,
    )
    contact = order.contact
    steps = [
        _("Book a courier to %(address)s") % {"address": order_return.pickup_address},
        _("Customer: %(name)s, %(phone)s")
        % {"name": contact.full_name if contact else "", "phone": contact.phone if contact else ""},
        *(f"{items[i].sku} {items[i].name} × {units}" for i, units in sorted(wanted.items())),
        _("Hand the goods to the warehouse for inspection"),
    ]
    ChecklistItem.objects.bulk_create(
        ChecklistItem(task=task, text=text[:300], position=i) for i, text in enumerate(steps)
    )
    return task


# --- inspection ---------------------------------------------------------------------------------


def return_record_inspection(
    *,
    return_id: int,
    results: Mapping[int, str],
    actor: Any | None,
    notes: Mapping[int, str] | None = None,
    via: str = Via.ADMIN,
) -> OrderReturn:
    """What the warehouse found: return line id → Verdict (ACCEPT / ACCEPT_DEFECT / REFUSE),
    with an optional note per line. Only while the return is open; needs
    orders.inspect_orderreturn or orders.complete_return_order. Written into the order's
    history."""
    if actor is not None and not any(actor.has_perm(p) for p in INSPECT_PERMISSIONS):
        raise TransitionForbidden(_("You may not record the inspection of returns."))
    with transaction.atomic():
        order_id = OrderReturn.objects.values_list("order_id", flat=True).get(pk=return_id)
        order = Order.objects.select_for_update().get(pk=order_id)
        order_return = OrderReturn.objects.get(pk=return_id)
        if not order_return.is_open:
            raise OrderError(_("This return is closed; its inspection cannot change."))
        summary = _apply_inspection(order_return, results, notes or {})
        if summary:
            order_log_event(order, "return_inspected", via=via, actor=actor, comment=summary)
    return order_return


def _apply_inspection(
    order_return: OrderReturn, results: Mapping[int, str], notes: Mapping[int, str]
) -> str:
    lines = {line.pk: line for line in order_return.lines.select_related("order_item")}
    changed = []
    for line_id, verdict in results.items():
        line = lines.get(int(line_id))
        if line is None:
            raise OrderError({"inspection": _("A line that is not in this return was given.")})
        if not verdict:
            continue
        condition, accepted = Verdict.split(verdict, defect=line.condition == Condition.DEFECT)
        note = (notes.get(line.pk) or line.inspection_note or "")[:300]
        if (line.condition, line.accepted, line.inspection_note) == (condition, accepted, note):
            continue
        line.condition, line.accepted, line.inspection_note = condition, accepted, note
        line.save(update_fields=["condition", "accepted", "inspection_note"])
        changed.append(line)
    return "; ".join(
        f"{line.order_item.sku} × {line.quantity}: {verdict_label(Verdict.of(line))}"
        + (f" ({line.inspection_note})" if line.inspection_note else "")
        for line in changed
    )


def verdict_label(verdict: str) -> str:
    return {
        Verdict.ACCEPT: _("accepted, no defect"),
        Verdict.ACCEPT_DEFECT: _("accepted, defect"),
        Verdict.REFUSE: _("not accepted"),
        "": _("not inspected"),
    }[verdict]


# --- closing ------------------------------------------------------------------------------------


def order_complete_return(
    *,
    order_id: int,
    actor: Any | None,
    inspection: Mapping[int, str] | None = None,
    warehouse: Warehouse | None = None,
    via: str = Via.ADMIN,
    expected_state: str | None = None,
) -> Order:
    """«Возврат» → «Возврат оформлен». `inspection` (return line id → Verdict) completes or
    corrects what the warehouse recorded; every line must have a result and at least one must
    be accepted (nothing accepted is a rejection). Accepted lines without a defect go back to
    `warehouse` (default: the first active one by priority); accepted lines are refunded at the
    price the customer paid for them: online payments through YooKassa by a worker after
    commit, the rest (cash, card on delivery, invoice) is recorded as «to return by hand».

    Raises OrderError for a missing or incomplete inspection, and what order_transition
    raises; nothing is written then.
    """
    with transaction.atomic():
        order = order_transition(
            order_id=order_id,
            name="complete_return",
            actor=actor,
            via=via,
            expected_state=expected_state,
        )
        order_return = _the_open_return(order)
        if inspection:
            _apply_inspection(order_return, inspection, {})
        lines = list(order_return.lines.select_related("order_item"))
        if any(not line.is_inspected for line in lines):
            raise OrderError({"inspection": _("Record the inspection of every returned item.")})
        if not any(line.accepted for line in lines):
            raise OrderError({"inspection": _("Nothing was accepted: reject the return instead.")})
        warehouse = warehouse or Warehouse.objects.filter(is_active=True).first()
        amounts = refund_amounts(order_return, lines)
        for line in lines:
            line.refund_amount = amounts[line.pk]
            line.restocked = bool(line.accepted and line.condition == Condition.NO_DEFECT)
            if line.restocked:
                if warehouse is None:
                    raise OrderError({"warehouse": _("Choose the warehouse to restock.")})
                stock_receive(
                    product_id=line.order_item.product_id,
                    warehouse_id=warehouse.pk,
                    quantity=line.quantity,
                )
        ReturnLine.objects.bulk_update(lines, ["refund_amount", "restocked"])

        total = sum(amounts.values(), ZERO)
        online = min(total, refundable_amount(order))
        if online > 0:
            payments_refund_return(order=order, amount=online, actor=actor, via=via)
        by_hand = total - online
        if by_hand > 0:
            order_log_event(
                order,
                "refund_by_hand",
                via=via,
                actor=actor,
                comment=_("Return %(amount)s ₽ to the customer by hand (%(method)s).")
                % {"amount": _rub(by_hand), "method": order.get_payment_method_display()},
            )
        _close(
            order_return,
            actor,
            status=OrderReturn.Status.COMPLETED,
            restock_warehouse=warehouse if any(line.restocked for line in lines) else None,
            refund_total=total,
            refund_online=online,
            refund_by_hand=by_hand,
        )
    return order


def order_reject_return(
    *,
    order_id: int,
    actor: Any | None,
    comment: str = "",
    via: str = Via.ADMIN,
    expected_state: str | None = None,
) -> Order:
    """«Возврат» → back to issued, nothing refunded or restocked: the defect was not
    confirmed, the goods were used... `comment` (why) is required: the customer is told."""
    comment = (comment or "").strip()
    if not comment:
        raise OrderError({"comment": _("Say why the return is rejected.")})
    with transaction.atomic():
        order = order_transition(
            order_id=order_id,
            name="reject_return",
            actor=actor,
            via=via,
            expected_state=expected_state,
            comment=comment,
        )
        order_return = _the_open_return(order)
        _close(order_return, actor, status=OrderReturn.Status.REJECTED, rejection_comment=comment)
    return order


def _the_open_return(order: Order) -> OrderReturn:
    order_return = open_return(order)
    if order_return is None:
        raise OrderError(_("This order has no open return: register one first."))
    return order_return


def _close(order_return: OrderReturn, actor: Any | None, *, status: str, **fields: Any) -> None:
    now = timezone.now()
    OrderReturn.objects.filter(pk=order_return.pk).update(
        status=status, closed_at=now, closed_by=actor, **fields
    )
    if order_return.task_id:
        Task.objects.filter(pk=order_return.task_id, done_at=None).update(done_at=now)
    order_return.refresh_from_db()


def _rub(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",")


# --- reports ------------------------------------------------------------------------------------


@dataclass
class ReasonFigures:
    reason: str
    returns: int
    refunded: Decimal


@dataclass
class ReturnStats:
    """Returns of a period: registered (by registration date), closed and refunded (by the date
    they were closed), and the share of issued orders with a completed return."""

    registered: int = 0
    open: int = 0
    completed: int = 0
    rejected: int = 0
    units_accepted: int = 0
    units_restocked: int = 0
    refund_total: Decimal = ZERO
    refund_online: Decimal = ZERO
    refund_by_hand: Decimal = ZERO
    orders_issued: int = 0
    by_reason: list[ReasonFigures] = field(default_factory=list)

    @property
    def return_rate(self) -> Decimal:
        """Completed returns per 100 issued orders of the period, to 0.1 %."""
        if not self.orders_issued:
            return Decimal("0.0")
        return (Decimal(100 * self.completed) / self.orders_issued).quantize(Decimal("0.1"))


def return_stats(
    *,
    start: datetime,
    end: datetime,
    store: Store | None = None,
    stores: Iterable[Store] | None = None,
) -> ReturnStats:
    """Figures of returns in [start, end), for one store, a set of stores (those a user works
    for), or all."""
    returns = OrderReturn.objects.all()
    orders = Order.objects.filter(issued_at__gte=start, issued_at__lt=end)
    if store is not None:
        returns, orders = returns.filter(store=store), orders.filter(store=store)
    if stores is not None:
        returns, orders = returns.filter(store__in=stores), orders.filter(store__in=stores)
    registered = returns.filter(created_at__gte=start, created_at__lt=end)
    closed = returns.filter(closed_at__gte=start, closed_at__lt=end)
    counts = registered.aggregate(
        registered=Count("pk"), open=Count("pk", filter=Q(status=OrderReturn.Status.REQUESTED))
    )
    done = closed.aggregate(
        completed=Count("pk", filter=Q(status=OrderReturn.Status.COMPLETED)),
        rejected=Count("pk", filter=Q(status=OrderReturn.Status.REJECTED)),
        refund_total=Sum("refund_total"),
        refund_online=Sum("refund_online"),
        refund_by_hand=Sum("refund_by_hand"),
    )
    units = ReturnLine.objects.filter(
        order_return__in=closed.filter(status=OrderReturn.Status.COMPLETED), accepted=True
    ).aggregate(accepted=Sum("quantity"), restocked=Sum("quantity", filter=Q(restocked=True)))
    by_reason: dict[str, list] = defaultdict(lambda: [0, ZERO])
    for row in registered.values("reason__name").annotate(
        n=Count("pk"), refunded=Sum("refund_total")
    ):
        by_reason[row["reason__name"]][0] += row["n"]
        by_reason[row["reason__name"]][1] += row["refunded"] or ZERO
    return ReturnStats(
        registered=counts["registered"],
        open=counts["open"],
        completed=done["completed"],
        rejected=done["rejected"],
        units_accepted=units["accepted"] or 0,
        units_restocked=units["restocked"] or 0,
        refund_total=done["refund_total"] or ZERO,
        refund_online=done["refund_online"] or ZERO,
        refund_by_hand=done["refund_by_hand"] or ZERO,
        orders_issued=orders.count(),
        by_reason=sorted(
            (ReasonFigures(name, n, money) for name, (n, money) in by_reason.items()),
            key=lambda f: (-f.returns, f.reason),
        ),
    )
