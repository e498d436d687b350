"""The team lead's automation settings, read on every stage entry, from a cache.

Every deal and order that enters a stage looks up that stage's time limit and triggers: two
tiny tables that change a few times a month. They are kept as one snapshot in Django's cache
(Redis in production: shared by every process), dropped whenever a limit, a trigger or one of
its actions or stores is saved or deleted (`forget_configuration`, connected in
`AutomationConfig.ready`). With a per-process cache (the demo's locmem) another process sees a
change after at most CACHE_SECONDS. Code that changes these tables with `QuerySet.update()` or
`bulk_create()` (no signals) must call `forget_configuration()` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction

from .models import StageLimit, Trigger

CACHE_KEY = "automation:configuration:v2"
CACHE_SECONDS = 30


@dataclass
class Configuration:
    #: (subject, state) → the active limit of that stage.
    limits: dict[tuple[str, str], StageLimit] = field(default_factory=dict)
    #: (subject, state) → the stage's active triggers, in their order, with actions and stores.
    triggers: dict[tuple[str, str], list[Trigger]] = field(default_factory=dict)


def configuration() -> Configuration:
    snapshot = cache.get(CACHE_KEY)
    if snapshot is None:
        snapshot = _load()
        cache.set(CACHE_KEY, snapshot, CACHE_SECONDS)
    return snapshot


def forget_configuration(**kwargs) -> None:
    """Drop the snapshot (a signal receiver too: it takes and ignores the signal's arguments).

    Dropped at once and again after the change commits: a process that reloads the snapshot
    in between still reads the old rows. (A trigger deleted or switched off that a stale
    snapshot still lists schedules nothing: `firing._still_active`.)
    """
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def stage_limit(subject: str, state: str) -> StageLimit | None:
    return configuration().limits.get((subject, state))


def stage_triggers(subject: str, state: str, events: tuple[str, ...]) -> list[Trigger]:
    return [t for t in configuration().triggers.get((subject, state), ()) if t.event in events]


def _load() -> Configuration:
    snapshot = Configuration()
    for limit in StageLimit.objects.filter(is_active=True).order_by("pk"):
        # The first active limit of a stage wins, as `.first()` on the table did.
        snapshot.limits.setdefault((limit.subject, limit.state), limit)
    triggers = (
        Trigger.objects.filter(is_active=True)
        .prefetch_related("actions", "stores")
        .order_by("position", "pk")
    )
    for trigger in triggers:
        snapshot.triggers.setdefault((trigger.subject, trigger.state), []).append(trigger)
    return snapshot
