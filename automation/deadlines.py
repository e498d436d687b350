"""Stage deadlines: computed once when a deal or an order enters a stage, stored on the row."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from .calendar import WorkingHours, add_calendar_minutes, add_working_minutes
from .config import stage_limit
from .models import StagedModel, StageLimit
from .models.limits import TimeKind
from .registry import label_of


def working_hours_for(store) -> WorkingHours:
    """The store's working hours (catalog.Store), in the site's time zone."""
    return WorkingHours(
        start=store.work_start or time(9, 0),
        end=store.work_end or time(18, 0),
        weekdays=frozenset(int(d) for d in store.work_days),
        observe_holidays=store.observe_holidays,
    )


def stage_limit_for(obj: StagedModel) -> StageLimit | None:
    return stage_limit(label_of(obj), obj.state)


def deadline_after(start: datetime, minutes: int, *, kind: str, store) -> datetime:
    if kind == TimeKind.WORKING:
        return add_working_minutes(start, minutes, working_hours_for(store))
    return add_calendar_minutes(start, minutes)


def set_stage_deadline(obj: StagedModel, *, entered_at: datetime) -> None:
    """Give `obj` the deadline and warning time of the stage it has just entered (unsaved).

    Leaving a stage clears the «Просрочен» mark; a stage with no limit has no deadline.
    """
    obj.overdue_since = None
    obj.warned_at = None
    limit = stage_limit_for(obj)
    if limit is None:
        obj.stage_deadline_at = obj.stage_warn_at = None
        return
    obj.stage_deadline_at = deadline_after(
        entered_at, limit.minutes, kind=limit.time_kind, store=obj.store
    )
    warn_minutes = max(1, limit.minutes * limit.warn_at_percent // 100)
    warn_at = deadline_after(entered_at, warn_minutes, kind=limit.time_kind, store=obj.store)
    # A warning at or after the deadline would only repeat the alert.
    obj.stage_warn_at = warn_at if warn_at < obj.stage_deadline_at else None


def overdue_by(obj: StagedModel, *, now: datetime) -> timedelta | None:
    if obj.stage_deadline_at is None or obj.stage_deadline_at > now:
        return None
    return now - obj.stage_deadline_at
