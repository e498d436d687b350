"""The queue: deals nobody could take wait, then go out newest- or oldest-first per store when
managers become available (beat every minute, start of shift, back «на месте»)."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings

from deals import tasks
from deals.choices import AssignmentStrategy, CustomerType, Presence, QueueOrder
from deals.distribution import deal_distribute, deal_queue, distribute_queue, manager_set_presence
from deals.models import Deal, DistributionRule, StoreDistributionSettings
from tests.factories import CompanyFactory, DealFactory

from .conftest import NOON, make_profile

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def _queued_deals(store, count: int, **fields) -> list[Deal]:
    """`count` deals queued one hour apart, the first the oldest."""
    deals = []
    for n in range(count):
        created = NOON - (count - n) * HOUR
        deal = DealFactory(store=store, created_at=created, **fields)
        deal_distribute(deal=deal, now=created)
        deal.refresh_from_db()
        assert deal.queued_since == created
        deals.append(deal)
    return deals


def _set_present(profile):
    profile.presence = Presence.AT_DESK
    profile.save()


def _managers(deals):
    for deal in deals:
        deal.refresh_from_db()
    return [deal.responsible for deal in deals]


def test_oldest_deals_go_first_by_default(store_a, manager):
    profile = make_profile(manager, presence=Presence.AWAY, max_open_deals=2)
    deals = _queued_deals(store_a, 3)
    _set_present(profile)
    assert distribute_queue(now=NOON) == 2
    assert _managers(deals) == [manager, manager, None]
    assert list(deal_queue()) == [deals[2]]
    assert deals[0].queued_since is None
    entry = deals[0].assignments.order_by("at").last()
    assert (entry.strategy, entry.manager, entry.at) == (
        AssignmentStrategy.FROM_QUEUE,
        manager,
        NOON,
    )


def test_a_store_may_hand_out_the_newest_deals_first(store_a, manager):
    StoreDistributionSettings.objects.create(store=store_a, queue_order=QueueOrder.NEWEST_FIRST)
    profile = make_profile(manager, presence=Presence.AWAY, max_open_deals=2)
    deals = _queued_deals(store_a, 3)
    _set_present(profile)
    distribute_queue(now=NOON)
    assert _managers(deals) == [None, manager, manager]


def test_each_store_keeps_its_own_order(store_a, store_b, manager, other_manager):
    StoreDistributionSettings.objects.create(store=store_b, queue_order=QueueOrder.NEWEST_FIRST)
    anna = make_profile(manager, presence=Presence.AWAY, max_open_deals=1)
    boris = make_profile(other_manager, presence=Presence.AWAY, max_open_deals=1)
    deals_a = _queued_deals(store_a, 2)
    deals_b = _queued_deals(store_b, 2)
    _set_present(anna)
    _set_present(boris)
    assert distribute_queue(now=NOON) == 2
    assert _managers(deals_a) == [manager, None]
    assert _managers(deals_b) == [None, other_manager]


def test_queued_deals_go_round_robin(store_a, manager, vera):
    anna = make_profile(manager, presence=Presence.AWAY)
    other = make_profile(vera, presence=Presence.AWAY)
    deals = _queued_deals(store_a, 4)
    _set_present(anna)
    _set_present(other)
    distribute_queue(now=NOON)
    assert _managers(deals) == [manager, vera, manager, vera]


def test_nothing_goes_out_before_the_shift_starts(store_a, manager):
    make_profile(manager, work_start=datetime.time(14, 0))
    deals = _queued_deals(store_a, 1)
    assert distribute_queue(now=NOON) == 0
    assert distribute_queue(now=NOON.replace(hour=14, minute=1)) == 1
    assert _managers(deals) == [manager]


def test_a_queued_deal_waits_for_its_rules_managers(store_a, manager, vera):
    make_profile(manager)
    other = make_profile(vera, presence=Presence.LUNCH)
    rule = DistributionRule.objects.create(
        name="Юрлица — Вера", customer_type=CustomerType.LEGAL_ENTITY
    )
    rule.managers.set([vera])
    deals = _queued_deals(store_a, 1, company=CompanyFactory())
    assert distribute_queue(now=NOON) == 0
    _set_present(other)
    assert distribute_queue(now=NOON) == 1
    assert _managers(deals) == [vera]
    assert deals[0].assignments.order_by("at").last().rule_name == "Юрлица — Вера"


def test_deals_taken_by_hand_or_lost_leave_the_queue(store_a, manager, vera):
    profile = make_profile(manager, presence=Presence.AWAY)
    taken, lost = _queued_deals(store_a, 2)
    Deal.objects.filter(pk=taken.pk).update(responsible=vera)
    Deal.objects.filter(pk=lost.pk).update(stage=Deal.Stage.LOST)
    _set_present(profile)
    assert distribute_queue(now=NOON) == 0
    assert _managers([taken, lost]) == [vera, None]


def test_coming_back_at_the_desk_hands_out_the_queue(
    store_a, manager, monkeypatch, django_capture_on_commit_callbacks
):
    profile = make_profile(manager, presence=Presence.LUNCH)
    deals = _queued_deals(store_a, 1)
    monkeypatch.setattr(tasks.distribute_queue_task, "delay", lambda: distribute_queue(now=NOON))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        manager_set_presence(profile=profile, presence=Presence.AT_DESK, now=NOON)
    assert len(callbacks) == 1
    assert _managers(deals) == [manager]
    profile.refresh_from_db()
    assert (profile.presence, profile.presence_changed_at) == (Presence.AT_DESK, NOON)


def test_going_to_lunch_hands_out_nothing(store_a, manager, django_capture_on_commit_callbacks):
    profile = make_profile(manager)
    with django_capture_on_commit_callbacks() as callbacks:
        manager_set_presence(profile=profile, presence=Presence.LUNCH)
    assert callbacks == []
    profile.refresh_from_db()
    assert profile.presence == Presence.LUNCH


def test_the_task_distributes_the_queue_every_minute(store_a, manager, time_machine):
    time_machine.move_to(NOON, tick=False)
    make_profile(manager)
    Deal.objects.filter(pk=DealFactory(store=store_a).pk).update(queued_since=NOON - HOUR)
    assert tasks.distribute_queue_task() == 1
    entry = settings.CELERY_BEAT_SCHEDULE["deals-distribute-queue"]
    assert entry["task"] == "deals.tasks.distribute_queue_task"
    assert entry["schedule"] == 60.0
