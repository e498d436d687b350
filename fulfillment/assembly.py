"""Assembly documents («Документ на сборку»): created with the reservations when an order starts
its assembly, given to the least busy warehouse user of the store with a task and a due time,
closed when the order is assembled or cancelled. Every function here runs inside the order's
transition (fulfillment.hooks), with the order row locked."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from automation.deadlines import deadline_after
from automation.models import ChecklistItem, Task
from automation.models.limits import TimeKind
from automation.notify import notify
from deals.numbering import next_number
from orders.history import order_log_event
from orders.models import Order
from orders.roles import WAREHOUSE

from .models import AssemblyDocument, AssemblyLine
from .reservation import Allocation, Plan, consume, put_back, release, sellable_order_key

Status = AssemblyDocument.Status
State = AssemblyLine.State


def assembler_for(order: Order):
    """The active warehouse user («Кладовщик») who works for the order's store and has the
    fewest open assembly documents (ties: the lowest id); None if the store has nobody."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=WAREHOUSE, stores=order.store_id)
        .annotate(
            open_documents=Count(
                "assembly_documents",
                filter=Q(assembly_documents__status=Status.OPEN),
                distinct=True,
            )
        )
        .order_by("open_documents", "pk")
        .first()
    )


def assembly_due_at(order: Order, *, now: datetime) -> datetime | None:
    """`ASSEMBLY_DUE_WORKING_MINUTES` of the store's working time from now; None if 0."""
    minutes = settings.ASSEMBLY_DUE_WORKING_MINUTES
    if not minutes:
        return None
    return deadline_after(now, minutes, kind=TimeKind.WORKING, store=order.store)


def move_notes(allocations: list[Allocation]) -> list[str]:
    """«Move 2 pcs of SKU from B to A» for every line not in the first warehouse used, where
    the order is put together (the main warehouse when it has anything)."""
    used = []
    for allocation in allocations:
        if allocation.warehouse not in used:
            used.append(allocation.warehouse)
    if len(used) < 2:
        return []
    target = used[0]
    return [
        _("Move %(quantity)s pcs of %(sku)s from %(source)s to %(target)s.")
        % {
            "quantity": allocation.quantity,
            "sku": allocation.item.sku,
            "source": allocation.warehouse.name,
            "target": target.name,
        }
        for allocation in allocations
        if allocation.warehouse != target
    ]


def line_text(sku: str, name: str, quantity: int, warehouse_name: str) -> str:
    return _("%(sku)s %(name)s × %(quantity)s — %(warehouse)s") % {
        "sku": sku,
        "name": name,
        "quantity": quantity,
        "warehouse": warehouse_name,
    }


def document_create(order: Order, plan: Plan, *, actor: Any | None, via: str) -> AssemblyDocument:
    """The document for a reserved plan, its lines, the assembler's task, and the history."""
    now = timezone.now()
    notes = move_notes(plan.allocations)
    document = AssemblyDocument.objects.create(
        number=f"{int(next_number('assembly', start=1)):06d}",
        order=order,
        store_id=order.store_id,
        assignee=assembler_for(order),
        due_at=assembly_due_at(order, now=now),
        move_note="\n".join(notes),
        created_at=now,
        updated_at=now,
    )
    AssemblyLine.objects.bulk_create(
        AssemblyLine(
            document=document,
            order_item=allocation.item,
            product_id=allocation.item.product_id,
            warehouse=allocation.warehouse,
            quantity=allocation.quantity,
        )
        for allocation in plan.allocations
    )
    order_log_event(
        order,
        "stock_reserved",
        via=via,
        actor=actor,
        comment="\n".join(
            line_text(a.item.sku, a.item.name, a.quantity, a.warehouse.name)
            for a in plan.allocations
        ),
    )
    if document.assignee is not None:
        document.task = _assembly_task(document, plan.allocations, notes)
        document.save(update_fields=["task"])
    order_log_event(
        order,
        "assembly_document_created",
        via=via,
        actor=actor,
        comment=_("Document №%(number)s, assembler: %(assignee)s.")
        % {"number": document.number, "assignee": document.assignee or _("nobody")},
    )
    return document


def _assembly_task(document: AssemblyDocument, allocations, notes: list[str]) -> Task:
    order = document.order
    task = Task.objects.create(
        title=_("Assemble order №%(order)s (document №%(number)s)")
        % {"order": order.number, "number": document.number},
        assignee=document.assignee,
        due_at=document.due_at,
        subject=order,
    )
    steps = [
        *notes,
        *(line_text(a.item.sku, a.item.name, a.quantity, a.warehouse.name) for a in allocations),
        _("Check the set against the order and pack it"),
    ]
    ChecklistItem.objects.bulk_create(
        ChecklistItem(task=task, text=text[:300], position=i) for i, text in enumerate(steps)
    )
    notify(
        users=[document.assignee],
        text=_("New task: %(title)s") % {"title": task.title},
        link=reverse("admin:fulfillment_assemblydocument_change", args=[document.pk]),
        key=f"task-{task.pk}",
    )
    return task


def live_document(order: Order) -> AssemblyDocument | None:
    return (
        AssemblyDocument.objects.select_for_update()
        .filter(order=order)
        .exclude(status=Status.CANCELLED)
        .first()
    )


def _close_task(document: AssemblyDocument, *, now: datetime) -> None:
    if document.task_id is not None:
        Task.objects.filter(pk=document.task_id, done_at__isnull=True).update(done_at=now)


def document_finish(order: Order) -> AssemblyDocument | None:
    """The order is assembled: its document too, and the assembler's task is done."""
    document = live_document(order)
    if document is None or document.status != Status.OPEN:
        return document
    now = timezone.now()
    AssemblyDocument.objects.filter(pk=document.pk).update(
        status=Status.ASSEMBLED, assembled_at=now, updated_at=now
    )
    if document.task_id is not None:
        ChecklistItem.objects.filter(task_id=document.task_id).update(done=True)
    _close_task(document, now=now)
    return document


def _lines_in(document: AssemblyDocument, state: str) -> list[AssemblyLine]:
    return list(
        document.lines.filter(state=state).select_related("product", "warehouse").order_by("pk")
    )


def _lines_comment(lines: list[AssemblyLine]) -> str:
    return "\n".join(
        line_text(line.product.sku, line.product.name, line.quantity, line.warehouse.name)
        for line in lines
    )


def document_cancel(order: Order, *, actor: Any | None, via: str) -> AssemblyDocument | None:
    """The order was cancelled before leaving: its reservations go back to sale."""
    document = live_document(order)
    if document is None:
        return None
    now = timezone.now()
    lines = _lines_in(document, State.RESERVED)
    release(lines)
    AssemblyLine.objects.filter(pk__in=[line.pk for line in lines]).update(state=State.RELEASED)
    AssemblyDocument.objects.filter(pk=document.pk).update(
        status=Status.CANCELLED, cancelled_at=now, updated_at=now
    )
    _close_task(document, now=now)
    if lines:
        order_log_event(
            order, "stock_released", via=via, actor=actor, comment=_lines_comment(lines)
        )
    return document


def document_consume(order: Order, *, actor: Any | None, via: str) -> AssemblyDocument | None:
    """The goods left the warehouse (to delivery, or to our pickup point)."""
    document = live_document(order)
    if document is None:
        return None
    lines = _lines_in(document, State.RESERVED)
    if not lines:
        return document
    consume(lines)
    AssemblyLine.objects.filter(pk__in=[line.pk for line in lines]).update(state=State.CONSUMED)
    AssemblyDocument.objects.filter(pk=document.pk).update(updated_at=timezone.now())
    order_log_event(order, "stock_consumed", via=via, actor=actor, comment=_lines_comment(lines))
    return document


def document_receive_back(order: Order, *, actor: Any | None, via: str) -> AssemblyDocument | None:
    """The goods that left came back undelivered: into the warehouses they were taken from."""
    document = live_document(order)
    if document is None:
        return None
    lines = _lines_in(document, State.CONSUMED)
    if not lines:
        return document
    put_back(lines)
    AssemblyLine.objects.filter(pk__in=[line.pk for line in lines]).update(state=State.RETURNED)
    AssemblyDocument.objects.filter(pk=document.pk).update(updated_at=timezone.now())
    order_log_event(order, "stock_returned", via=via, actor=actor, comment=_lines_comment(lines))
    return document


# --- for other systems ----------------------------------------------------------------------


def documents_changed_since(since: datetime | None) -> QuerySet[AssemblyDocument]:
    """Documents created or changed at or after `since` (all of them for None), oldest change
    first, with their order, store and assembler and their lines with product and warehouse
    (`document.lines.all()` costs no query). For the 1C exchange: a document's lines say which
    goods are reserved in, taken from, released to or returned to which warehouse (`state`).
    """
    query = AssemblyDocument.objects.all()
    if since is not None:
        query = query.filter(updated_at__gte=since)
    return (
        query.select_related("order", "store", "assignee")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=AssemblyLine.objects.select_related(
                    "product", "warehouse", "order_item"
                ).order_by("pk"),
            )
        )
        .order_by("updated_at", "pk")
    )


def lines_by_warehouse(document: AssemblyDocument) -> list[tuple[Any, list[AssemblyLine]]]:
    """The document's lines grouped by warehouse, in reservation order."""
    groups: dict[int, list[AssemblyLine]] = defaultdict(list)
    warehouses = {}
    for line in document.lines.all():
        groups[line.warehouse_id].append(line)
        warehouses[line.warehouse_id] = line.warehouse
    order = sorted(warehouses.values(), key=sellable_order_key)
    return [(warehouse, groups[warehouse.pk]) for warehouse in order]
