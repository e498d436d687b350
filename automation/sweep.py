"""The minute sweep: flag what became overdue, warn what soon will, remind of tasks, and run
the trigger actions that are due. Safe to run twice at once (beat and `check_overdue`):
every row is claimed with a locked, conditional UPDATE and alerts carry de-duplication keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contacts.messaging import message_requeue_lost

from .firing import admin_link, run_due_firings, schedule_firings
from .models import Notification, StagedModel, Task, Trigger
from .notify import notify, team_leads
from .registry import staged_models


def _digest_text(label: str, count: int) -> str:
    """The team lead's digest line; one ngettext per model so that Russian can decline it."""
    if label == "deals.deal":
        text = ngettext("%(count)s deal became overdue.", "%(count)s deals became overdue.", count)
    else:
        text = ngettext(
            "%(count)s order became overdue.", "%(count)s orders became overdue.", count
        )
    return text % {"count": count}


#: Rows claimed per statement: bounded memory and short locks on a first sweep of many rows.
BATCH = 1000


@dataclass
class SweepResult:
    overdue: dict[str, int] = field(default_factory=dict)
    warned: dict[str, int] = field(default_factory=dict)
    reminded: int = 0
    fired: int = 0
    requeued: int = 0

    def __str__(self) -> str:
        return (
            f"overdue {sum(self.overdue.values())} {self.overdue}, "
            f"warned {sum(self.warned.values())}, reminded {self.reminded}, fired {self.fired}, "
            f"messages re-enqueued {self.requeued}"
        )


def _claim(
    model: type[StagedModel], *, due_field: str, mark_field: str, now: datetime
) -> list[int]:
    """Mark up to BATCH rows whose `due_field` has passed and `mark_field` is empty; return the
    ids this call marked. Rows locked by a concurrent sweep are skipped, not waited for."""
    with transaction.atomic():
        ids = list(
            model.objects.select_for_update(skip_locked=True)
            .filter(
                **{
                    f"{due_field}__lte": now,
                    f"{mark_field}__isnull": True,
                    "overdue_since__isnull": True,
                }
            )
            .order_by(due_field)
            .values_list("pk", flat=True)[:BATCH]
        )
        if ids:
            model.objects.filter(pk__in=ids, **{f"{mark_field}__isnull": True}).update(
                **{mark_field: now}
            )
    return ids


def flag_overdue(model: type[StagedModel], *, now: datetime) -> list[int]:
    claimed: list[int] = []
    while batch := _claim(
        model, due_field="stage_deadline_at", mark_field="overdue_since", now=now
    ):
        claimed += batch
        _alert_overdue(model, batch, now=now)
    return claimed


def warn_soon_overdue(model: type[StagedModel], *, now: datetime) -> list[int]:
    warned: list[int] = []
    while batch := _claim(model, due_field="stage_warn_at", mark_field="warned_at", now=now):
        warned += batch
        for obj in model.objects.filter(pk__in=batch).select_related("responsible"):
            notify(
                users=[obj.responsible],
                text=_("Soon overdue: «%(object)s» (%(state)s) is due by %(deadline)s.")
                % {
                    "object": obj,
                    "state": obj.state_label,
                    "deadline": timezone.localtime(obj.stage_deadline_at).strftime("%d.%m %H:%M"),
                },
                link=admin_link(obj),
                level=Notification.Level.WARNING,
                key=f"warn-{obj._meta.label_lower}-{obj.pk}-{obj.stage_changed_at.timestamp()}",
            )
    return warned


def _alert_overdue(model: type[StagedModel], ids: list[int], *, now: datetime) -> None:
    has_overdue_triggers = Trigger.objects.filter(
        subject=model._meta.label_lower, event=Trigger.Event.OVERDUE, is_active=True
    ).exists()
    for obj in model.objects.filter(pk__in=ids).select_related("responsible", "store"):
        notify(
            users=[obj.responsible],
            text=_("Overdue: «%(object)s» has been «%(state)s» too long.")
            % {"object": obj, "state": obj.state_label},
            link=admin_link(obj),
            level=Notification.Level.ALERT,
            key=f"overdue-{obj._meta.label_lower}-{obj.pk}-{obj.stage_changed_at.timestamp()}",
        )
        if has_overdue_triggers:
            schedule_firings(obj, events=(Trigger.Event.OVERDUE,), now=now)
    # One digest per batch for the team lead, in the admin and in Telegram, not one per row.
    opts = model._meta
    from django.urls import reverse

    notify(
        users=team_leads(),
        text=_digest_text(opts.label_lower, len(ids)),
        link=reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + "?overdue=overdue",
        level=Notification.Level.ALERT,
        key=f"overdue-digest-{opts.label_lower}-{now.timestamp()}-{ids[0]}",
        telegram=True,
    )


def remind_tasks(*, now: datetime) -> int:
    reminded = 0
    while True:
        with transaction.atomic():
            tasks = list(
                Task.objects.select_for_update(skip_locked=True)
                .filter(remind_at__lte=now, reminded_at__isnull=True, done_at__isnull=True)
                .select_related("assignee")[:BATCH]
            )
            Task.objects.filter(pk__in=[t.pk for t in tasks]).update(reminded_at=now)
        if not tasks:
            return reminded
        for task in tasks:
            notify(
                users=[task.assignee],
                text=_("Reminder: %(title)s") % {"title": task.title},
                link=admin_link(task),
                level=Notification.Level.WARNING,
                key=f"remind-{task.pk}-{task.remind_at.timestamp()}",
                telegram=True,
            )
        reminded += len(tasks)


def sweep(*, now: datetime | None = None) -> SweepResult:
    """One pass of everything time-driven. Returns what it did."""
    now = now or timezone.now()
    result = SweepResult()
    for model in staged_models():
        label = model._meta.label_lower
        result.overdue[label] = len(flag_overdue(model, now=now))
        result.warned[label] = len(warn_soon_overdue(model, now=now))
    result.reminded = remind_tasks(now=now)
    result.fired = run_due_firings(now=now)
    result.requeued = message_requeue_lost(now=now)
    return result
