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

from .firing import admin_link, run_due_firings, schedule_overdue_firings
from .models import Notification, StagedModel, Task, Trigger
from .notify import notify, notify_many, team_leads
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


def _claim_and_alert(
    model: type[StagedModel], *, due_field: str, mark_field: str, now: datetime, alert
) -> list[int]:
    """Claim batches until none is left; each batch and its alerts commit together, so a crash
    can neither lose the alerts of claimed rows nor claim rows twice."""
    claimed: list[int] = []
    while True:
        with transaction.atomic():
            batch = _claim(model, due_field=due_field, mark_field=mark_field, now=now)
            if not batch:
                return claimed
            alert(model, batch, now=now)
        claimed += batch


def flag_overdue(model: type[StagedModel], *, now: datetime) -> list[int]:
    return _claim_and_alert(
        model, due_field="stage_deadline_at", mark_field="overdue_since", now=now,
        alert=_alert_overdue,
    )  # fmt: skip


def warn_soon_overdue(model: type[StagedModel], *, now: datetime) -> list[int]:
    return _claim_and_alert(
        model, due_field="stage_warn_at", mark_field="warned_at", now=now, alert=_alert_soon
    )


class _Rows:
    """What the alerts of one batch need, computed once per batch, not per row: the state
    labels, the change-page URL pattern and the rows without their related objects."""

    def __init__(self, model: type[StagedModel], ids: list[int], *, with_store: bool = False):
        from django.urls import reverse

        opts = model._meta
        self.label = opts.label_lower
        self.states = dict(opts.get_field(model.STATE_FIELD).flatchoices)
        self._url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[0])
        query = model.objects.filter(pk__in=ids)
        self.objects = list(query.select_related("store") if with_store else query)

    def link(self, obj) -> str:
        return self._url.replace("/0/", f"/{obj.pk}/", 1)

    def key(self, prefix: str, obj) -> str:
        return f"{prefix}-{self.label}-{obj.pk}-{obj.stage_changed_at.timestamp()}"


def _alert_soon(model: type[StagedModel], ids: list[int], *, now: datetime) -> None:
    rows = _Rows(model, ids)
    text = _("Soon overdue: «%(object)s» (%(state)s) is due by %(deadline)s.")
    notify_many(
        Notification(
            user_id=obj.responsible_id,
            level=Notification.Level.WARNING,
            text=text
            % {
                "object": obj,
                "state": rows.states.get(obj.state, obj.state),
                "deadline": timezone.localtime(obj.stage_deadline_at).strftime("%d.%m %H:%M"),
            },
            link=rows.link(obj),
            key=rows.key("warn", obj),
        )
        for obj in rows.objects
        if obj.responsible_id
    )


def _alert_overdue(model: type[StagedModel], ids: list[int], *, now: datetime) -> None:
    has_overdue_triggers = Trigger.objects.filter(
        subject=model._meta.label_lower, event=Trigger.Event.OVERDUE, is_active=True
    ).exists()
    rows = _Rows(model, ids, with_store=has_overdue_triggers)
    text = _("Overdue: «%(object)s» has been «%(state)s» too long.")
    notify_many(
        Notification(
            user_id=obj.responsible_id,
            level=Notification.Level.ALERT,
            text=text % {"object": obj, "state": rows.states.get(obj.state, obj.state)},
            link=rows.link(obj),
            key=rows.key("overdue", obj),
        )
        for obj in rows.objects
        if obj.responsible_id
    )
    if has_overdue_triggers:
        schedule_overdue_firings(rows.objects, now=now)
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
