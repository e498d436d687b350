"""Order changes 1C sends back (`type=sale&mode=file`): its own number and date, «Проведен»,
«ПометкаУдаления», its status, the payment date. Applied idempotently: what 1C says again
changes nothing and writes no second history entry.

An order awaiting payment that 1C says is paid («Дата оплаты по 1С», or «Заказ оплачен» =
true) is marked paid through orders.services.order_mark_paid as the system (actor None) via
`Via.API`: 1C is an authenticated client of our exchange API, not a provider's callback
(`Via.WEBHOOK` is for unsigned notifications we re-check). Everything else is recorded in the
order's history for the manager to act on: nothing is cancelled automatically.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from automation.models import Via
from integrations.commerceml.documents import ORDER, Document, iter_documents
from integrations.commerceml.errors import CommerceMLError
from integrations.commerceml.values import parse_bool
from orders.history import order_log_event, register_events
from orders.models import Order, Status
from orders.services import order_mark_paid

from .models import OnecOrder

logger = logging.getLogger(__name__)

register_events(
    {
        "onec_order_updated": gettext_lazy("Changed in 1C"),
        "onec_order_paid": gettext_lazy("Paid in 1C"),
    }
)


class ChangesError(Exception):
    """The file was refused; nothing was applied. The message is shown to 1C's operator."""


@dataclass
class ChangesResult:
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1


def find_order(document: Document) -> Order | None:
    """Our order by Номер (our number), else by Ид (our pk, as given in mode=query)."""
    if document.number:
        order = Order.objects.filter(number=document.number).first()
        if order is not None:
            return order
    if document.id.isdigit():
        return Order.objects.filter(pk=int(document.id)).first()
    return None


def _is_paid_in_1c(document: Document) -> bool:
    return bool(document.requisite("Дата оплаты по 1С")) or parse_bool(
        document.requisite("Заказ оплачен")
    )


def _describe(onec: OnecOrder) -> str:
    parts = [
        _("1C number: %(number)s") % {"number": onec.number or "—"},
        _("date: %(date)s") % {"date": onec.date or "—"},
        _("posted") if onec.posted else _("not posted"),
    ]
    if onec.deletion_mark:
        parts.append(_("marked for deletion"))
    if onec.status:
        parts.append(_("status: %(status)s") % {"status": onec.status})
    if onec.paid_on:
        parts.append(_("paid on %(date)s") % {"date": onec.paid_on})
    return "; ".join(parts)


def apply_document(document: Document, result: ChangesResult) -> None:
    order = find_order(document)
    if order is None:
        result.add("orders_unknown")
        result.warnings.append(
            _("Order %(number)s is not ours; skipped.") % {"number": document.number or document.id}
        )
        return
    onec, _created = OnecOrder.objects.select_for_update().get_or_create(order=order)
    values = {
        "number": document.requisite("Номер по 1С")[:64],
        "date": document.requisite("Дата по 1С")[:32],
        "posted": parse_bool(document.requisite("Проведен")),
        "deletion_mark": parse_bool(document.requisite("ПометкаУдаления")),
        "status": document.requisite("Статус заказа")[:200],
        "paid_on": document.requisite("Дата оплаты по 1С")[:32],
    }
    changed = [name for name, value in values.items() if getattr(onec, name) != value]
    if changed:
        for name in changed:
            setattr(onec, name, values[name])
        onec.save()
        order_log_event(order, "onec_order_updated", via=Via.API, comment=_describe(onec))
        result.add("orders_changed")
    else:
        result.add("orders_unchanged")
    if _is_paid_in_1c(document) and order.status == Status.AWAITING_PAYMENT:
        order_mark_paid(
            order_id=order.pk, actor=None, via=Via.API, expected_state=Status.AWAITING_PAYMENT
        )
        order_log_event(
            order,
            "onec_order_paid",
            via=Via.API,
            comment=_("Payment recorded in 1C (%(date)s).") % {"date": values["paid_on"] or "—"},
        )
        result.add("orders_paid")


def sale_apply_file(path: Path | str) -> ChangesResult:
    """Apply every order document of a file from 1C, in one transaction."""
    result = ChangesResult()
    try:
        with transaction.atomic(), open(path, "rb") as stream:
            for document in iter_documents(stream):
                if document.operation and document.operation != ORDER:
                    result.add("documents_ignored")
                    continue
                apply_document(document, result)
    except CommerceMLError as error:
        raise ChangesError(str(error)) from None
    logger.info("1C order changes from %s: %s", Path(path).name, result.counts)
    return result
