"""Demo step: the assembly documents of the demo's orders, dated like their back-dated history.

orders.demo drives its orders through start_assembly and the rest with the real services, so
every demo order in «Собирается» or later already has its document, reservations and task; it
then spreads the history over the past weeks. This step gives the documents and their tasks the
dates of that history (created when the assembly started, due two working hours later,
assembled or cancelled when the order was), so that the late ones show as late. Idempotent: the
dates are read from the history each time.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from automation.config import forget_configuration
from automation.deadlines import deadline_after
from automation.models import Task, Trigger
from automation.models.limits import TimeKind
from orders.models import OrderTransition

from .models import AssemblyDocument

#: The trigger the demo had before assembly documents existed: its task duplicated theirs.
LEGACY_ASSEMBLY_TRIGGER = "Сборка: чек-лист для склада"


def align_demo_assembly_documents(log: Callable[[str], None]) -> None:
    if Trigger.objects.filter(name=LEGACY_ASSEMBLY_TRIGGER, is_active=True).update(is_active=False):
        forget_configuration()  # update() sends no signal
    documents = AssemblyDocument.objects.filter(
        order__external_id__startswith="demo-"
    ).select_related("store", "order")
    moments: dict[tuple[int, str], object] = {}
    for order_id, name, created_at in OrderTransition.objects.filter(
        order__external_id__startswith="demo-",
        name__in=["start_assembly", "finish_assembly", "cancel"],
    ).values_list("order_id", "name", "created_at"):
        moments[(order_id, name)] = created_at
    count = 0
    with transaction.atomic():
        for document in documents:
            started = moments.get((document.order_id, "start_assembly"))
            if started is None:
                continue
            minutes = settings.ASSEMBLY_DUE_WORKING_MINUTES
            due = (
                deadline_after(started, minutes, kind=TimeKind.WORKING, store=document.store)
                if minutes
                else None
            )
            assembled = (
                moments.get((document.order_id, "finish_assembly"))
                if document.assembled_at
                else None
            )
            cancelled = (
                moments.get((document.order_id, "cancel")) if document.cancelled_at else None
            )
            closed = assembled or cancelled
            AssemblyDocument.objects.filter(pk=document.pk).update(
                created_at=started,
                due_at=due,
                assembled_at=assembled,
                cancelled_at=cancelled,
                updated_at=closed or started,
            )
            if document.task_id:
                Task.objects.filter(pk=document.task_id).update(
                    created_at=started, due_at=due, done_at=closed
                )
            count += 1
    short = ", ".join(_short_skus())
    log(f"Assembly documents dated like their orders: {count}; short on purpose: {short}")


def _short_skus() -> list[str]:
    from orders.demo import SHORT_SKUS

    return sorted(SHORT_SKUS.values())
