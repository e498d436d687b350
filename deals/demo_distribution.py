"""Demo data of the distribution, loaded by `manage.py seed_demo` after the demo deals:
profiles of the demo managers, a few rules, per-store queue order and the demo's unassigned
new deals put in the queue. Idempotent: found by natural keys, and what a user changed since
(presence, caps) is left alone."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction

from catalog.models import Store

from .choices import AssignmentStrategy, Channel, CustomerType, Presence, QueueOrder
from .models import (
    Deal,
    DealAssignment,
    DistributionRule,
    ManagerProfile,
    StoreDistributionSettings,
)

#: username → presence, store codes the profile lists (empty: all of theirs), customer types
PROFILES = {
    "anna": (Presence.AT_DESK, ["dom"], []),
    "boris": (Presence.AWAY, ["sport"], []),
    "vera": (Presence.LUNCH, [], [CustomerType.INDIVIDUAL, CustomerType.LEGAL_ENTITY]),
}

#: name, priority, conditions, managers
RULES = [
    ("Юрлица — к Вере", 10, {"customer_type": CustomerType.LEGAL_ENTITY}, ["vera"]),
    (
        "Спорт-Профи: Telegram — Борису",
        20,
        {"store": "sport", "channel": Channel.TELEGRAM},
        ["boris"],
    ),
    ("Уютный дом: покупка в 1 клик — Анне", 30, {"store": "dom", "source": "one_click"}, ["anna"]),
]

QUEUE_ORDERS = {"dom": QueueOrder.OLDEST_FIRST, "sport": QueueOrder.NEWEST_FIRST}


def seed_distribution_demo(log: Callable[[str], None] = print) -> None:
    stores = {store.code: store for store in Store.objects.filter(code__in=QUEUE_ORDERS)}
    users = {u.username: u for u in get_user_model().objects.filter(username__in=PROFILES)}
    if len(stores) < len(QUEUE_ORDERS) or len(users) < len(PROFILES):
        return  # the main demo data is not there
    with transaction.atomic():
        for username, (presence, store_codes, customer_types) in PROFILES.items():
            profile, created = ManagerProfile.objects.get_or_create(
                user=users[username],
                defaults={
                    "presence": presence,
                    "customer_types": customer_types,
                    "max_open_deals": 30,
                    # Wide hours, every day: the demo distributes whenever it is opened.
                    "work_start": datetime.time(8, 0),
                    "work_end": datetime.time(0, 0),
                    "work_days": "0123456",
                    "observe_holidays": False,
                },
            )
            if created:
                profile.stores.set([stores[code] for code in store_codes])
        for name, priority, conditions, managers in RULES:
            fields = dict(conditions)
            if "store" in fields:
                fields["store"] = stores[fields["store"]]
            rule, created = DistributionRule.objects.get_or_create(
                name=name, defaults={"priority": priority, **fields}
            )
            if created:
                rule.managers.set([users[username] for username in managers])
        for code, order in QUEUE_ORDERS.items():
            StoreDistributionSettings.objects.get_or_create(
                store=stores[code], defaults={"queue_order": order}
            )
        queued = _queue_unassigned_demo_deals()
    if queued:
        log(f"Distribution: {queued} demo deals put in the queue")


def _queue_unassigned_demo_deals() -> int:
    """The demo's new deals nobody took wait in the queue, as if nobody was in when they came."""
    waiting = list(
        Deal.objects.filter(
            external_id__startswith="demo-",
            stage=Deal.Stage.NEW,
            responsible__isnull=True,
            queued_since__isnull=True,
        ).exclude(assignments__isnull=False)
    )
    for deal in waiting:
        deal.queued_since = deal.created_at
    Deal.objects.bulk_update(waiting, ["queued_since"])
    DealAssignment.objects.bulk_create(
        DealAssignment(
            deal=deal,
            strategy=AssignmentStrategy.QUEUED,
            at=deal.created_at,
            note="демо: никого не было на месте",
        )
        for deal in waiting
    )
    return len(waiting)
