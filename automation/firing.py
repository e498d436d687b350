"""Triggers: scheduling their actions when a deal or an order enters a stage or becomes
overdue, and running the actions that are due.

A firing is one action for one stay of one object in one stage (unique), so a doubled beat
tick or a retried task never runs it twice; and it runs only if the object is still in that
stay of that stage — a delayed action is dropped when the stage changes first.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.messaging import message_send
from contacts.models import render_placeholders

from .config import stage_triggers
from .models import StagedModel, Task, Trigger, TriggerAction, TriggerFiring
from .notify import notify, team_leads
from .registry import label_of, transition_runner

logger = logging.getLogger(__name__)

Kind = TriggerAction.Kind
BATCH = 200


def admin_link(obj) -> str:
    from django.urls import reverse

    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def _triggers(label: str, state: str, events: tuple[str, ...]) -> list[Trigger]:
    return stage_triggers(label, state, events)


def _firing_rows(
    obj: StagedModel, triggers: list[Trigger], *, now: datetime
) -> list[TriggerFiring]:
    content_type = ContentType.objects.get_for_model(obj)
    rows = []
    for trigger in triggers:
        if trigger.state != obj.state or not trigger.matches(obj):
            continue
        delay = trigger.delay_minutes if trigger.event == Trigger.Event.STAYS else 0
        base = obj.stage_changed_at if trigger.event != Trigger.Event.OVERDUE else now
        rows += [
            TriggerFiring(
                trigger=trigger,
                action=action,
                content_type=content_type,
                object_id=obj.pk,
                state=obj.state,
                stage_entered_at=obj.stage_changed_at,
                due_at=base + timedelta(minutes=delay),
            )
            for action in trigger.actions.all()
        ]
    return rows


def schedule_firings(obj: StagedModel, *, events: tuple[str, ...], now: datetime) -> int:
    """Schedule the actions of the active triggers of `obj`'s stage for these events."""
    rows = _still_active(_firing_rows(obj, _triggers(label_of(obj), obj.state, events), now=now))
    # The unique constraint makes a second scheduling of the same stay a no-op.
    TriggerFiring.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _still_active(rows: list[TriggerFiring]) -> list[TriggerFiring]:
    """Drop the rows of triggers deleted or switched off since the cached settings were read
    (another process's cache may be that old: automation.config): one query, and only when
    there is something to schedule."""
    if not rows:
        return rows
    active = set(
        Trigger.objects.filter(pk__in={row.trigger_id for row in rows}, is_active=True).values_list(
            "pk", flat=True
        )
    )
    return [row for row in rows if row.trigger_id in active]


def schedule_overdue_firings(objs: list[StagedModel], *, now: datetime) -> int:
    """The «becomes overdue» actions of a whole sweep batch: triggers loaded once per stage,
    firings inserted in one statement."""
    by_state: dict[str, list[Trigger]] = {}
    rows: list[TriggerFiring] = []
    for obj in objs:
        if obj.state not in by_state:
            by_state[obj.state] = _triggers(label_of(obj), obj.state, (Trigger.Event.OVERDUE,))
        rows += _firing_rows(obj, by_state[obj.state], now=now)
    rows = _still_active(rows)
    TriggerFiring.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def drop_stale_firings(obj: StagedModel) -> int:
    """The object left the stage: its delayed actions for earlier stays will not run."""
    return (
        TriggerFiring.objects.filter(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
            status=TriggerFiring.Status.SCHEDULED,
        )
        .exclude(stage_entered_at=obj.stage_changed_at)
        .update(
            status=TriggerFiring.Status.SKIPPED,
            result=_("The stage changed before the action was due."),
            fired_at=timezone.now(),
        )
    )


#: A firing «running» longer than this lost its worker (killed, restarted): it is run again.
#: Every action is safe to repeat (message key, one task per firing, transitions check state).
STALE_RUNNING_AFTER = timedelta(minutes=10)


def run_due_firings(*, now: datetime | None = None) -> int:
    """Run every scheduled action that is due; returns how many ran (done, skipped or failed)."""
    now = now or timezone.now()
    S = TriggerFiring.Status
    ran = 0
    while True:
        claimed_at = timezone.now()
        claimable = Q(status=S.SCHEDULED, due_at__lte=now) | Q(
            status=S.RUNNING, claimed_at__lt=claimed_at - STALE_RUNNING_AFTER
        )
        with transaction.atomic():
            ids = list(
                TriggerFiring.objects.select_for_update(skip_locked=True)
                .filter(claimable)
                .order_by("due_at", "pk")
                .values_list("pk", flat=True)[:BATCH]
            )
            TriggerFiring.objects.filter(pk__in=ids).update(status=S.RUNNING, claimed_at=claimed_at)
        if not ids:
            return ran
        for firing in TriggerFiring.objects.filter(pk__in=ids).select_related(
            "trigger", "action", "action__template", "content_type"
        ):
            execute_firing(firing, now=now)
            ran += 1


class _Skip(Exception):
    """The action must not run after all; the message says why."""


def execute_firing(firing: TriggerFiring, *, now: datetime) -> None:
    """Run one firing's action, in a transaction that holds the object's row lock: a payment or
    a manager's transition arriving at the same moment waits, and the check that the object is
    still in the same stay of the stage cannot be overtaken before the action is done."""
    model = firing.content_type.model_class()
    try:
        with transaction.atomic():
            obj = model.objects.select_for_update().filter(pk=firing.object_id).first()
            if (
                obj is None
                or obj.state != firing.state
                or obj.stage_changed_at != firing.stage_entered_at
            ):
                raise _Skip(_("The stage changed before the action was due."))
            if not firing.trigger.is_active:
                raise _Skip(_("The trigger was switched off."))
            result = ACTIONS[firing.action.kind](firing, obj, now)
    except _Skip as skip:
        _finish(firing, TriggerFiring.Status.SKIPPED, str(skip))
        return
    except Exception as exc:  # one broken action must not stop the others
        logger.exception("trigger firing %s failed", firing.pk)
        _finish(firing, TriggerFiring.Status.FAILED, f"{type(exc).__name__}: {exc}"[:500])
        return
    _finish(firing, TriggerFiring.Status.DONE, result)


def _finish(firing: TriggerFiring, status: str, result: str) -> None:
    TriggerFiring.objects.filter(pk=firing.pk).update(
        status=status, result=str(result)[:500], fired_at=timezone.now()
    )


# --- the actions ----------------------------------------------------------------------------


def _render(text: str, obj) -> str:
    return render_placeholders(text, obj.message_context())


def _message(firing: TriggerFiring, obj, now: datetime) -> str:
    contact = obj.contact
    if contact is None and getattr(obj, "company", None) is not None:
        contact = obj.company.contacts.first()
    if contact is None:
        return _("No contact to write to.")
    template = firing.action.template
    if not template.is_active:
        raise _Skip(_("The message template is switched off."))
    message = message_send(
        contact=contact,
        text=template.render(obj.message_context()),
        idempotency_key=f"firing-{firing.pk}",
        subject=obj,
        template_code=template.code,
    )
    return _("Message #%(id)s via %(channel)s") % {
        "id": message.pk,
        "channel": message.get_channel_display(),
    }


def _assignee(action: TriggerAction, obj):
    if action.assignee_id:
        return action.assignee
    if action.assignee_group_id:
        return least_busy_member(action.assignee_group, store_id=obj.store_id)
    return obj.responsible


def least_busy_member(group, *, store_id: int | None = None):
    """The active member of `group` who works for the store, with the fewest open tasks (ties:
    the lowest id); None if nobody in the group works for it — never someone who could not even
    open the object."""
    members = group.user_set.filter(is_active=True)
    if store_id is not None:
        members = members.filter(stores=store_id)
    return (
        members.annotate(open_tasks=Count("tasks", filter=Q(tasks__done_at__isnull=True)))
        .order_by("open_tasks", "pk")
        .first()
    )


def _task(firing: TriggerFiring, obj, now: datetime) -> str:
    action = firing.action
    assignee = _assignee(action, obj)
    if assignee is None:
        return _("Nobody to give the task to.")
    try:
        with transaction.atomic():
            task = Task.objects.create(
                title=_render(action.text, obj),
                assignee=assignee,
                due_at=now + timedelta(minutes=action.due_minutes) if action.due_minutes else None,
                subject=obj,
                firing=firing,
            )
    except IntegrityError:
        return _("The task already exists.")
    steps = [line.strip() for line in action.checklist.splitlines() if line.strip()]
    task.checklist.bulk_create(
        task.checklist.model(task=task, text=text, position=i) for i, text in enumerate(steps)
    )
    notify(
        users=[assignee],
        text=_("New task: %(title)s") % {"title": task.title},
        link=admin_link(task),
        key=f"task-{task.pk}",
    )
    return _("Task #%(id)s for %(user)s") % {"id": task.pk, "user": assignee}


def _reassign(firing: TriggerFiring, obj, now: datetime) -> str:
    from django.db.models import F

    user = _assignee(firing.action, obj)
    if user is None or user.pk == obj.responsible_id:
        return _("Responsible unchanged.")
    type(obj).objects.filter(pk=obj.pk).update(responsible=user, version=F("version") + 1)
    notify(
        users=[user],
        text=_("«%(object)s» is now yours.") % {"object": obj},
        link=admin_link(obj),
        level="warning",
        key=f"reassign-{firing.pk}",
    )
    return _("Responsible: %(user)s") % {"user": user}


def _alert(firing: TriggerFiring, obj, now: datetime) -> str:
    leads = list(team_leads())
    notify(
        users=leads,
        text=_render(firing.action.text, obj),
        link=admin_link(obj),
        level="alert",
        key=f"alert-{firing.pk}",
        telegram=True,
    )
    return _("Alert to %(count)s team lead(s)") % {"count": len(leads)}


def _transition(firing: TriggerFiring, obj, now: datetime) -> str:
    action = firing.action
    transition_runner(label_of(obj))(
        pk=obj.pk, name=action.transition, reason_code=action.reason_code, expected_state=obj.state
    )
    return _("Moved by «%(transition)s»") % {"transition": action.transition}


ACTIONS = {
    Kind.MESSAGE: _message,
    Kind.TASK: _task,
    Kind.REASSIGN: _reassign,
    Kind.ALERT: _alert,
    Kind.TRANSITION: _transition,
}
