"""Stage time limits: the deadline stored on entry, the «Просрочен» mark, warnings, alerts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from automation.models import Notification
from automation.models.limits import TimeKind
from automation.sweep import sweep
from orders.models import Order, Status
from orders.services import order_confirm, order_send_payment_link
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=MSK)


def _awaiting(order) -> Order:
    return order_send_payment_link(order_id=order.pk, actor=None)


def test_the_deadline_in_working_time_skips_the_night_and_the_weekend(limit, store_a, manager):
    limit(Status.AWAITING_PAYMENT, 30)
    order = OrderFactory(store=store_a, responsible=manager)
    with time_machine.travel(at(2026, 11, 20, 17, 50), tick=False):  # a Friday
        order = _awaiting(order)
    assert order.stage_deadline_at == at(2026, 11, 23, 9, 20)  # Monday morning


def test_the_deadline_skips_the_new_year_holidays(limit, store_a):
    limit(Status.AWAITING_PAYMENT, 15)
    order = OrderFactory(store=store_a)
    with time_machine.travel(at(2026, 12, 30, 17, 55), tick=False):
        order = _awaiting(order)
    assert order.stage_deadline_at == at(2027, 1, 11, 9, 10)


def test_a_calendar_limit_counts_nights_too(limit, store_a):
    limit(Status.AWAITING_PAYMENT, 60, kind=TimeKind.CALENDAR)
    order = OrderFactory(store=store_a)
    with time_machine.travel(at(2026, 11, 20, 23, 30), tick=False):
        order = _awaiting(order)
    assert order.stage_deadline_at == at(2026, 11, 21, 0, 30)


def test_a_stage_without_a_limit_has_no_deadline(store_a):
    order = _awaiting(OrderFactory(store=store_a))
    assert order.stage_deadline_at is None


def test_an_order_is_flagged_overdue_once_and_alerts_the_manager_and_the_team_lead(
    limit, store_a, manager, team_lead
):
    limit(Status.AWAITING_PAYMENT, 15)
    order = OrderFactory(store=store_a, responsible=manager)
    with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        order = _awaiting(order)
    with time_machine.travel(at(2026, 11, 23, 10, 14), tick=False):
        assert sweep().overdue["orders.order"] == 0
    with time_machine.travel(at(2026, 11, 23, 10, 16), tick=False):
        first = sweep()
        second = sweep()
    assert first.overdue["orders.order"] == 1
    assert second.overdue["orders.order"] == 0
    order.refresh_from_db()
    assert order.overdue_since == at(2026, 11, 23, 10, 16)
    assert Notification.objects.filter(user=manager, level="alert").count() == 1
    lead_alerts = Notification.objects.filter(user=team_lead, level="alert")
    assert lead_alerts.count() == 1
    assert "overdue=overdue" in lead_alerts.get().link


def test_leaving_the_stage_clears_the_mark_and_the_next_stage_has_its_own_deadline(
    limit, store_a, manager
):
    limit(Status.NEW, 15)
    limit(Status.CONFIRMED, 60)
    from deals.choices import PaymentMethod

    order = OrderFactory(
        store=store_a, responsible=manager, payment_method=PaymentMethod.CASH_ON_DELIVERY
    )
    Order.objects.filter(pk=order.pk).update(
        stage_deadline_at=at(2026, 11, 23, 9, 0), overdue_since=at(2026, 11, 23, 9, 1)
    )
    with time_machine.travel(at(2026, 11, 23, 12, 0), tick=False):
        order = order_confirm(order_id=order.pk, actor=manager)
    assert order.overdue_since is None
    assert order.stage_deadline_at == at(2026, 11, 23, 13, 0)


def test_a_warning_goes_to_the_manager_at_the_share_of_the_limit(limit, store_a, manager):
    limit(Status.AWAITING_PAYMENT, 100, warn=80)
    order = OrderFactory(store=store_a, responsible=manager)
    with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        order = _awaiting(order)
    assert order.stage_warn_at == at(2026, 11, 23, 11, 20)
    with time_machine.travel(at(2026, 11, 23, 11, 21), tick=False):
        assert sweep().warned["orders.order"] == 1
        assert sweep().warned["orders.order"] == 0
    warning = Notification.objects.get(user=manager)
    assert warning.level == "warning"
    order.refresh_from_db()
    assert order.overdue_since is None


def test_check_overdue_runs_one_sweep_by_hand(limit, store_a, manager, capsys):
    limit(Status.AWAITING_PAYMENT, 15)
    order = OrderFactory(store=store_a, responsible=manager)
    with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        _awaiting(order)
    with time_machine.travel(at(2026, 11, 23, 11, 0), tick=False):
        call_command("check_overdue")
    assert "overdue 1" in capsys.readouterr().out
    order.refresh_from_db()
    assert order.is_overdue
