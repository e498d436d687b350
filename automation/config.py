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

import logging
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction

from .models import StageLimit, Trigger

logger = logging.getLogger(__name__)

CACHE_KEY = "automation:configuration:v2"
CACHE_SECONDS = 30


@dataclass
class Configuration:
    #: (subject, state) → the active limit of that stage.
    limits: dict[tuple[str, str], StageLimit] = field(default_factory=dict)
    #: (subject, state) → the stage's active triggers, in their order, with actions and stores.
    triggers: dict[tuple[str, str], list[Trigger]] = field(default_factory=dict)


def configuration() -> Configuration:
    """The snapshot from the cache, loaded from the database when it is not there. A cache
    that fails (Redis down) is bypassed: every stage entry reads the two tables itself until
    it is back, rather than every transition and every incoming order failing."""
    try:
        snapshot = cache.get(CACHE_KEY)
    except Exception:
        logger.warning(
            "automation settings read from the database: the cache failed", exc_info=True
        )
        return _load()
    if snapshot is None:
        snapshot = _load()
        try:
            cache.set(CACHE_KEY, snapshot, CACHE_SECONDS)
        except Exception:
            logger.warning("automation settings not cached: the cache failed", exc_info=True)
    return snapshot


def forget_configuration(**kwargs) -> None:
    """Drop the snapshot (a signal receiver too: it takes and ignores the signal's arguments).

    Dropped at once and again after the change commits: a process that reloads the snapshot
    in between still reads the old rows. (A trigger deleted or switched off that a stale
    snapshot still lists schedules nothing: `firing._still_active`.)
    """
    _drop()
    transaction.on_commit(_drop)


def _drop() -> None:
    # A cache that is down holds no snapshot anybody reads; once back, what it kept expires
    # within CACHE_SECONDS. Saving a trigger must not fail for it.
    try:
        cache.delete(CACHE_KEY)
    except Exception:
        logger.warning("automation settings snapshot not dropped: the cache failed", exc_info=True)


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
