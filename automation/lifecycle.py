"""What happens whenever a deal or an order enters a stage (created, or moved by a transition)."""

from __future__ import annotations

from datetime import datetime

from .deadlines import set_stage_deadline
from .firing import drop_stale_firings, schedule_firings
from .models import StagedModel, Trigger


def before_stage_saved(obj: StagedModel, *, now: datetime) -> None:
    """Stamp the stage entry and its deadline on `obj` before it is saved."""
    obj.stage_changed_at = now
    set_stage_deadline(obj, entered_at=now)


def after_stage_saved(obj: StagedModel, *, now: datetime, created: bool = False) -> None:
    """Inside the same transaction: drop the delayed actions of the previous stay and schedule
    this stage's triggers; the actions due at once run from a worker after commit. A row just
    `created` had no earlier stay, so there is nothing to drop."""
    if not created:
        drop_stale_firings(obj)
    scheduled = schedule_firings(obj, events=(Trigger.Event.ENTERS, Trigger.Event.STAYS), now=now)
    if scheduled:
        from .tasks import run_due_firings_task

        run_due_firings_task.delay_on_commit()
