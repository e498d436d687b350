"""A refused assembly start: not enough stock. The manager gets one open task per order,
«связаться с клиентом: замена или отмена», listing what is missing where.

Why a Celery task published at once, and not a row written by the hook: the refusal rolls
back everything the transition wrote (the hook raises inside `order_transition`'s atomic
block; in the admin the whole request is rolled back, `TransitionAdminMixin` calls
`transaction.set_rollback(True)`). A task written there would vanish with it, and an
`on_commit` callback would never run because nothing commits. The message published to the
broker survives the rollback; the worker then locks the order row (waiting for the refused
transaction to end), checks again that the order is still waiting for its assembly and still
short, and only then creates or updates the task, so a stale or duplicated message does no harm.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from automation.models import ChecklistItem, Task
from automation.notify import notify
from orders.models import Order, Status

from .models import StockShortage
from .reservation import Shortage, plan_reservation

logger = logging.getLogger(__name__)

#: Seconds the worker waits before looking: the refused transaction is rolled back by then in
#: all but the slowest requests (and the worker's row lock waits for those).
SHORTAGE_TASK_DELAY = 3

#: Orders in these statuses are still waiting to start their assembly.
WAITING_FOR_ASSEMBLY = (Status.PAID, Status.CONFIRMED)


def shortage_error_messages(shortages: list[Shortage]) -> list[str]:
    return [
        _(
            "Not enough stock to start the assembly; the responsible manager gets a task to "
            "offer the customer a replacement or to cancel the order."
        ),
        *(shortage.message() for shortage in shortages),
    ]


def shortage_announce(*, order_id: int, actor_id: int | None) -> None:
    """Publish the shortage task now, outside the transaction's fate (see the module doc).
    A broker that is down must not turn the clear refusal into a server error: logged only."""
    from .tasks import record_stock_shortage_task

    try:
        record_stock_shortage_task.apply_async(
            kwargs={"order_id": order_id, "actor_id": actor_id}, countdown=SHORTAGE_TASK_DELAY
        )
    except Exception:
        logger.exception("could not publish the stock shortage task of order %s", order_id)


def shortage_record(*, order_id: int, actor_id: int | None = None) -> StockShortage | None:
    """Create the manager's shortage task for the order, or update the open one.

    Does nothing if the order has meanwhile started its assembly or was cancelled, or if the
    stock is now enough. The task goes to the order's responsible manager, or else to whoever
    tried to start the assembly.
    """
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("responsible")
            .filter(pk=order_id)
            .first()
        )
        if order is None or order.status not in WAITING_FOR_ASSEMBLY:
            return None
        plan, _levels = plan_reservation(order, lock=False)
        if not plan.shortages:
            return None
        details = "\n".join(shortage.message() for shortage in plan.shortages)
        shortage = (
            StockShortage.objects.select_related("task")
            .filter(order=order, task__done_at__isnull=True)
            .first()
        )
        if shortage is not None:
            shortage.details = details
            shortage.save(update_fields=["details", "updated_at"])
            _set_checklist(shortage.task, plan.shortages)
            return shortage
        assignee = order.responsible
        if assignee is None and actor_id is not None:
            assignee = get_user_model().objects.filter(pk=actor_id, is_active=True).first()
        if assignee is None:
            logger.warning("stock shortage of order %s: nobody to give the task to", order_id)
            return None
        task = Task.objects.create(
            title=_("Contact the customer: replacement or cancellation (order №%(number)s)")
            % {"number": order.number},
            assignee=assignee,
            subject=order,
        )
        _set_checklist(task, plan.shortages)
        shortage = StockShortage.objects.create(order=order, task=task, details=details)
        notify(
            users=[assignee],
            text=_("Not enough stock for order №%(number)s: %(details)s")
            % {"number": order.number, "details": details.replace("\n", "; ")},
            link=reverse("admin:orders_order_change", args=[order.pk]),
            level="warning",
            key=f"task-{task.pk}",
        )
        return shortage


def _set_checklist(task: Task, shortages: list[Shortage]) -> None:
    """The steps: call, one per missing SKU, then replace or cancel. Steps already done stay."""
    steps = [
        _("Call the customer"),
        *(shortage.message() for shortage in shortages),
        _("Replace the missing items or cancel the order"),
    ]
    done = set(task.checklist.filter(done=True).values_list("text", flat=True))
    task.checklist.filter(done=False).delete()
    ChecklistItem.objects.bulk_create(
        ChecklistItem(task=task, text=text[:300], position=i)
        for i, text in enumerate(steps)
        if text[:300] not in done
    )


def shortage_close_open(order: Order, *, now: Any) -> int:
    """The order started its assembly or was cancelled: its shortage task is over."""
    return Task.objects.filter(stock_shortage__order=order, done_at__isnull=True).update(
        done_at=now
    )
