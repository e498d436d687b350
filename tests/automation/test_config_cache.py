"""The automation settings are read from a cached snapshot that every change drops at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from automation.config import CACHE_KEY, configuration
from automation.models import StageLimit, Trigger, TriggerAction, TriggerFiring
from orders.models import Status
from orders.services import order_send_payment_link
from tests.factories import OrderFactory, StoreFactory

pytestmark = pytest.mark.django_db


def _awaiting(store):
    return order_send_payment_link(order_id=OrderFactory(store=store).pk, actor=None)


def _alert_trigger(**fields) -> Trigger:
    trigger = Trigger.objects.create(
        name="Напомнить", subject="orders.order", state=Status.AWAITING_PAYMENT,
        event=Trigger.Event.ENTERS, **fields,
    )  # fmt: skip
    TriggerAction.objects.create(
        trigger=trigger, kind=TriggerAction.Kind.ALERT, text="{order_number}"
    )
    return trigger


def test_a_stage_entry_reads_no_settings_table_once_they_are_cached(store_a, limit):
    limit(Status.AWAITING_PAYMENT, 30)
    _alert_trigger()
    _awaiting(store_a)  # fills the snapshot

    with CaptureQueriesContext(connection) as ctx:
        order = _awaiting(store_a)

    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "automation_stagelimit" not in tables
    # Only the check that the trigger it schedules is still active (see the next test).
    reads = [q["sql"] for q in ctx.captured_queries if 'FROM "automation_trigger"' in q["sql"]]
    assert len(reads) == 1
    assert order.stage_deadline_at is not None
    # The cached trigger still scheduled its action for this order.
    assert TriggerFiring.objects.filter(object_id=order.pk).count() == 1


def test_a_new_limit_applies_to_the_next_stage_entry_at_once(store_a, limit):
    assert _awaiting(store_a).stage_deadline_at is None  # snapshot without limits

    limit(Status.AWAITING_PAYMENT, 30)

    assert _awaiting(store_a).stage_deadline_at is not None


def test_a_changed_or_deleted_limit_applies_at_once(store_a, limit):
    stage_limit = limit(Status.AWAITING_PAYMENT, 30)
    first = _awaiting(store_a)

    stage_limit.minutes = 120
    stage_limit.save()
    second = _awaiting(store_a)
    stage_limit.delete()
    third = _awaiting(store_a)

    assert second.stage_deadline_at > first.stage_deadline_at
    assert third.stage_deadline_at is None


def test_trigger_changes_drop_the_snapshot(store_a):
    trigger = _alert_trigger()
    configuration()
    store_b = StoreFactory()

    trigger.stores.add(store_b)  # m2m: no post_save
    assert (
        configuration().triggers[("orders.order", Status.AWAITING_PAYMENT)][0].stores.all()[0]
        == store_b
    )

    trigger.actions.all().delete()
    assert not configuration().triggers[("orders.order", Status.AWAITING_PAYMENT)][0].actions.all()

    trigger.delete()
    assert configuration().triggers == {}


def test_the_snapshot_is_one_cache_entry(store_a, limit):
    from django.core.cache import cache

    limit(Status.AWAITING_PAYMENT, 30)
    assert cache.get(CACHE_KEY) is None
    _awaiting(store_a)
    assert cache.get(CACHE_KEY).limits[("orders.order", Status.AWAITING_PAYMENT)].minutes == 30
    StageLimit.objects.all().delete()  # a queryset delete still sends post_delete per row
    assert cache.get(CACHE_KEY) is None


def test_a_trigger_a_stale_snapshot_still_lists_schedules_nothing(store_a):
    # Another process's per-process cache may still list a trigger switched off here.
    trigger = _alert_trigger()
    configuration()
    Trigger.objects.filter(pk=trigger.pk).update(is_active=False)  # no signal: snapshot stale
    assert configuration().triggers  # still listed

    order = _awaiting(store_a)

    assert not TriggerFiring.objects.filter(object_id=order.pk).exists()


class _BrokenCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        return fail


def test_the_settings_are_read_from_the_database_while_the_cache_is_down(
    store_a, limit, monkeypatch
):
    limit(Status.AWAITING_PAYMENT, 30)
    monkeypatch.setattr("automation.config.cache", _BrokenCache())

    order = _awaiting(store_a)

    assert order.stage_deadline_at is not None
    assert configuration().limits[("orders.order", Status.AWAITING_PAYMENT)].minutes == 30


def test_a_limit_saved_while_the_cache_is_down_is_saved(
    limit, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("automation.config.cache", _BrokenCache())

    with django_capture_on_commit_callbacks(execute=True):
        stage_limit = limit(Status.AWAITING_PAYMENT, 45)

    assert StageLimit.objects.get(pk=stage_limit.pk).minutes == 45
