"""What the site gives 1C in `type=sale&mode=query`: the documents created or changed since 1C
last confirmed an export (`mode=success`).

Documents come from the *providers* in `DOCUMENT_PROVIDERS`: each is a function
`provider(since: datetime | None) -> Iterable[commerceml.documents.Document]` returning its
documents changed at or after `since` (everything for None). Orders («Заказ товара») and
assembly documents («Отпуск товара», a warehouse per line) are registered here; a new kind of
document (a shipment, a return receipt) is one more function appended with
`register_document_provider` — the protocol, the cursor and the writer do not change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from catalog.models import Warehouse
from integrations.commerceml.documents import (
    DELIVERY_LINE_ID,
    ORDER,
    Counterparty,
    Document,
    DocumentLine,
    write_documents,
)
from orders.models import Order, PaymentStatus, Status

from ..assembly import documents_changed_since
from ..models import AssemblyDocument, AssemblyLine
from .models import ExchangeLog

DocumentProvider = Callable[[datetime | None], Iterable[Document]]

#: «Отпуск товара»: goods given out of our warehouses for an order (an assembly document).
ASSEMBLY_OPERATION = "Отпуск товара"
#: An assembly document's Ид, apart from the orders' (an order's Ид is its pk).
ASSEMBLY_ID_PREFIX = "assembly-"
FINAL_STATUSES = {Status.ISSUED, Status.RETURNED, Status.CANCELLED}
PAID_STATUSES = {
    PaymentStatus.PAID,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
}


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def _yes_no(value: bool) -> str:
    return "true" if value else "false"


def _counterparty(order: Order) -> list[Counterparty]:
    if order.company_id:
        company = order.company
        return [
            Counterparty(
                id=f"company-{company.pk}",
                name=company.name,
                full_name=company.name,
                inn=company.inn,
                kpp=company.kpp,
                address=company.legal_address,
                contacts=[
                    (kind, value)
                    for kind, value in (
                        ("Телефон рабочий", company.phone),
                        ("Почта", company.email),
                    )
                    if value
                ],
            )
        ]
    if order.contact_id:
        contact = order.contact
        last, _space, first = contact.full_name.partition(" ")
        return [
            Counterparty(
                id=f"contact-{contact.pk}",
                name=contact.full_name or contact.phone,
                full_name=contact.full_name,
                last_name=last if first else "",
                first_name=first,
                address=order.delivery_address,
                contacts=[
                    (kind, value)
                    for kind, value in (
                        ("Телефон мобильный", contact.phone),
                        ("Почта", contact.email),
                    )
                    if value
                ],
            )
        ]
    return []


def order_document(order: Order) -> Document:
    """An order as «Заказ товара»: its lines, the delivery as a service line, its state."""
    created = _local(order.created_at)
    lines = [
        DocumentLine(
            id=item.product.external_id or item.sku,
            sku=item.sku,
            name=item.name,
            price=item.price,
            quantity=Decimal(item.quantity),
            amount=item.total,
            discount=item.discount,
        )
        for item in order.items.all()
    ]
    if order.delivery_cost:
        lines.append(
            DocumentLine(
                id=DELIVERY_LINE_ID,
                name="Доставка заказа",
                price=order.delivery_cost,
                quantity=Decimal(1),
                amount=order.delivery_cost,
                is_service=True,
            )
        )
    with translation.override(settings.LANGUAGE_CODE):
        requisites = [
            ("Статус заказа", f"[{order.status}] {order.get_status_display()}"),
            ("Дата изменения статуса", f"{_local(order.stage_changed_at):%Y-%m-%d %H:%M:%S}"),
            ("Метод оплаты", order.get_payment_method_display()),
            ("Заказ оплачен", _yes_no(order.payment_status in PAID_STATUSES)),
            ("Дата оплаты", f"{_local(order.paid_at):%Y-%m-%d %H:%M:%S}" if order.paid_at else ""),
            ("Отменен", _yes_no(order.status == Status.CANCELLED)),
            ("Финальный статус", _yes_no(order.status in FINAL_STATUSES)),
            ("Способ доставки", order.get_delivery_method_display()),
            ("Адрес доставки", order.delivery_address),
            ("Комментарии покупателя", order.comment),
            ("Сайт", f"[{order.store.code}] {order.store.name}"),
        ]
    return Document(
        id=str(order.pk),
        number=order.number,
        date=created.date(),
        time=created.time().replace(microsecond=0),
        operation=ORDER,
        amount=order.total,
        comment=order.comment,
        counterparties=_counterparty(order),
        lines=lines,
        discount=order.discount_amount,
        requisites=requisites,
    )


def order_documents(since: datetime | None) -> Iterable[Document]:
    orders = Order.objects.all() if since is None else Order.objects.filter(updated_at__gte=since)
    orders = (
        orders.select_related("store", "contact", "company")
        .prefetch_related("items__product")
        .order_by("updated_at", "pk")
    )
    for order in orders.iterator(chunk_size=200):
        yield order_document(order)


def _warehouse_requisites(warehouse: Warehouse) -> list[tuple[str, str]]:
    return [("Склад", warehouse.name), ("ИдСклада", warehouse.external_id or warehouse.code)]


def assembly_document(document: AssemblyDocument) -> Document:
    """An assembly document as «Отпуск товара» for its order: one line per order line and
    warehouse, with the warehouse and the state of its reservation as line requisites."""
    created = _local(document.created_at)
    lines = []
    for line in document.lines.all():
        lines.append(
            DocumentLine(
                id=line.product.external_id or line.product.sku,
                sku=line.product.sku,
                name=line.product.name,
                price=line.order_item.price,
                quantity=Decimal(line.quantity),
                amount=line.order_item.price * line.quantity,
                requisites=[
                    *_warehouse_requisites(line.warehouse),
                    ("Резерв", AssemblyLine.State(line.state).name.lower()),
                ],
            )
        )
    order = document.order
    with translation.override(settings.LANGUAGE_CODE):
        requisites = [
            ("Заказ", order.number),
            ("ИдЗаказа", str(order.pk)),
            ("Статус документа", f"[{document.status}] {document.get_status_display()}"),
            ("Отменен", _yes_no(document.status == AssemblyDocument.Status.CANCELLED)),
            ("Собран", _yes_no(document.status == AssemblyDocument.Status.ASSEMBLED)),
            ("Сборщик", str(document.assignee or "")),
            ("Сайт", f"[{document.store.code}] {document.store.name}"),
        ]
    return Document(
        id=f"{ASSEMBLY_ID_PREFIX}{document.number}",
        number=document.number,
        date=created.date(),
        time=created.time().replace(microsecond=0),
        operation=ASSEMBLY_OPERATION,
        amount=sum((line.amount for line in lines), Decimal(0)),
        comment=document.move_note,
        counterparties=_counterparty(order),
        lines=lines,
        requisites=requisites,
    )


def assembly_documents(since: datetime | None) -> Iterable[Document]:
    for document in documents_changed_since(since).select_related(
        "order__contact", "order__company"
    ):
        yield assembly_document(document)


#: Functions giving the documents changed since a moment, in the order they are exported.
DOCUMENT_PROVIDERS: list[DocumentProvider] = [order_documents, assembly_documents]


def register_document_provider(provider: DocumentProvider) -> DocumentProvider:
    """Add a kind of document to the export (usable as a decorator)."""
    if provider not in DOCUMENT_PROVIDERS:
        DOCUMENT_PROVIDERS.append(provider)
    return provider


# --- the cursor ----------------------------------------------------------------------------


def confirmed_cursor() -> datetime | None:
    """Up to when 1C has confirmed it has everything; None before its first success."""
    last = (
        ExchangeLog.objects.filter(kind=ExchangeLog.Kind.SALE_QUERY, confirmed_at__isnull=False)
        .order_by("-cursor")
        .values_list("cursor", flat=True)
        .first()
    )
    return last


def sale_query(*, session: str) -> bytes:
    """The XML for mode=query: every document changed since the confirmed cursor. Recorded
    as an export of this session; `sale_success` confirms it. Changes made while it is
    written are exported again next time (the cursor is taken before reading)."""
    cursor = timezone.now()
    since = confirmed_cursor()
    log = ExchangeLog.objects.create(
        kind=ExchangeLog.Kind.SALE_QUERY, session=session, cursor=cursor
    )
    counts: dict[str, int] = {}
    documents: list[Document] = []
    for provider in DOCUMENT_PROVIDERS:
        produced = list(provider(since))
        counts[provider.__name__] = len(produced)
        documents.extend(produced)
    body = write_documents(
        documents, generated_at=_local(cursor), encoding=settings.ONEC_EXCHANGE_ENCODING
    )
    ExchangeLog.objects.filter(pk=log.pk).update(
        status=ExchangeLog.Status.SUCCESS, counts=counts, finished_at=timezone.now()
    )
    return body


def sale_success(*, session: str) -> ExchangeLog | None:
    """1C loaded the last export of this session: move the cursor to it."""
    with transaction.atomic():
        log = (
            ExchangeLog.objects.select_for_update()
            .filter(
                kind=ExchangeLog.Kind.SALE_QUERY,
                session=session,
                status=ExchangeLog.Status.SUCCESS,
            )
            .order_by("-pk")
            .first()
        )
        if log is None or log.confirmed_at is not None:
            return log
        log.confirmed_at = timezone.now()
        log.save(update_fields=["confirmed_at"])
    return log
