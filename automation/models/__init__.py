"""Automation's models, one module per concern; everything is importable from here."""

from .base import Heartbeat, StagedModel, TransitionLog, Via
from .limits import StageLimit
from .notifications import Notification
from .outbox import UnsentTask
from .tasks import ChecklistItem, Task
from .triggers import Trigger, TriggerAction, TriggerFiring

__all__ = [
    "ChecklistItem",
    "Heartbeat",
    "Notification",
    "StageLimit",
    "StagedModel",
    "Task",
    "TransitionLog",
    "Trigger",
    "TriggerAction",
    "TriggerFiring",
    "UnsentTask",
    "Via",
]
