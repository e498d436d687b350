"""The demo's own automation chains (orders/demo_automation.py) fire in order."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from automation.models import StageLimit, Task
from automation.sweep import sweep
from contacts.models import Message
from deals.choices import DeliveryMethod
from orders.demo_automation import seed_automation
from orders.models import Status
from orders.services import (
    order_arrive_at_pickup_point,
    order_issue,
    order_send_payment_link,
)
from tests.factories import OrderFactory, RefusalReasonFactory

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=MSK)  # a Monday


@pytest.fixture
def demo(store_a, manager):
    RefusalReasonFactory(code="not_paid", name="Не оплатил")
    seed_automation()
    return store_a


def _templates() -> list[str]:
    return list(
        Message.objects.order_by("created_at", "pk").values_list("template_code", flat=True)
    )


def test_unpaid_orders_get_a_reminder_after_two_hours_and_are_cancelled_after_three_days(
    demo, manager
):
    order = OrderFactory(store=demo, responsible=manager)
    with time_machine.travel(T0, tick=False):
        order_send_payment_link(order_id=order.pk, actor=manager)
    with time_machine.travel(T0 + timedelta(hours=2, minutes=1), tick=False):
        sweep()
    assert _templates() == ["payment_reminder"]
    with time_machine.travel(T0 + timedelta(days=3, minutes=1), tick=False):
        sweep()
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert order.cancel_reason.code == "not_paid"


def test_the_pickup_point_chain_messages_reminds_twice_then_gives_a_call_task(demo, manager):
    order = OrderFactory(
        store=demo, responsible=manager, status=Status.HANDED_TO_DELIVERY,
        delivery_method=DeliveryMethod.CDEK, pickup_point_code="MSK001", payment_status="paid",
    )  # fmt: skip
    with time_machine.travel(T0, tick=False):
        order_arrive_at_pickup_point(order_id=order.pk, actor=manager)
        sweep()
    assert _templates() == ["ready_for_pickup"]
    with time_machine.travel(T0 + timedelta(days=2, minutes=1), tick=False):
        sweep()
    assert _templates() == ["ready_for_pickup", "pickup_reminder"]
    assert not Task.objects.exists()
    with time_machine.travel(T0 + timedelta(days=3, minutes=1), tick=False):
        sweep()
    assert _templates() == ["ready_for_pickup", "pickup_reminder", "pickup_last_call"]
    task = Task.objects.get()
    assert task.assignee == manager
    assert "не забран" in task.title
    with time_machine.travel(T0 + timedelta(days=3, minutes=1), tick=False):
        order_issue(order_id=order.pk, actor=manager)
        sweep()
    assert Task.objects.filter(title__startswith="Звонок контроля качества").exists()


def test_a_late_new_order_alerts_the_team_lead(demo, manager, team_lead):
    from automation.models import Notification
    from orders.models import Order

    limit = StageLimit.objects.get(subject="orders.order", state="new")
    assert (limit.minutes, limit.time_kind) == (15, "working")
    with time_machine.travel(T0, tick=False):
        from automation.lifecycle import before_stage_saved

        order = OrderFactory(store=demo, responsible=manager)
        before_stage_saved(order, now=T0)
        Order.objects.filter(pk=order.pk).update(stage_deadline_at=order.stage_deadline_at)
    with time_machine.travel(T0 + timedelta(minutes=16), tick=False):
        sweep()
        sweep()
    alerts = Notification.objects.filter(user=team_lead, text__contains=order.number)
    assert alerts.count() == 1
