"""Tasks, reminders and the automation pages as managers use them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from automation.models import Notification, Task, Trigger, TriggerAction, TriggerFiring
from automation.sweep import sweep
from orders.models import Order
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=MSK)


def test_a_call_back_reminder_notifies_once_and_again_when_postponed(manager):
    task = Task.objects.create(title="Перезвонить Ивановой", assignee=manager, remind_at=T0)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        assert sweep().reminded == 1
        assert sweep().reminded == 0
    task.refresh_from_db()
    task.remind_at = T0 + timedelta(hours=2)
    task.save()
    with time_machine.travel(T0 + timedelta(hours=2, minutes=1), tick=False):
        assert sweep().reminded == 1
    assert Notification.objects.filter(user=manager, text__contains="Ивановой").count() == 2


def test_a_done_task_does_not_remind(manager):
    Task.objects.create(title="x", assignee=manager, remind_at=T0, done_at=T0)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        assert sweep().reminded == 0


def test_a_manager_sees_only_her_own_tasks(client, manager, other_manager):
    Task.objects.create(title="mine", assignee=manager)
    Task.objects.create(title="theirs", assignee=other_manager)
    client.force_login(manager)
    response = client.get(reverse("admin:automation_task_changelist"))
    assert [t.title for t in response.context["cl"].result_list] == ["mine"]


def test_a_manager_does_not_see_firings_of_another_stores_orders(client, manager, store_a, store_b):
    trigger = Trigger.objects.create(name="t", subject="orders.order", state="new", event="enters")
    action = TriggerAction.objects.create(trigger=trigger, kind="alert", text="x")
    content_type = ContentType.objects.get_for_model(Order)
    for store in (store_a, store_b):
        order = OrderFactory(store=store)
        TriggerFiring.objects.create(
            trigger=trigger, action=action, content_type=content_type, object_id=order.pk,
            state="new", stage_entered_at=T0, due_at=T0,
        )  # fmt: skip
    client.force_login(manager)

    response = client.get(reverse("admin:automation_triggerfiring_changelist"))

    [visible] = response.context["cl"].result_list
    assert Order.objects.get(pk=visible.object_id).store == store_a
    other = TriggerFiring.objects.exclude(pk=visible.pk).get()
    url = reverse("admin:automation_triggerfiring_change", args=[other.pk])
    assert client.get(url).status_code in (302, 404)


def test_a_manager_cannot_open_time_limits_or_triggers(client, manager):
    client.force_login(manager)
    for name in ("stagelimit", "trigger"):
        url = reverse(f"admin:automation_{name}_changelist")
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("tasks", [2, 20])
def test_the_order_page_costs_the_same_queries_for_any_number_of_tasks(
    client, team_lead, manager, store_a, tasks, django_assert_max_num_queries
):
    order = OrderFactory(store=store_a)
    for i in range(tasks):
        Task.objects.create(title=f"t{i}", assignee=manager, subject=order)
    client.force_login(team_lead)
    with django_assert_max_num_queries(40):
        response = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert response.status_code == 200


def test_the_start_page_shows_a_managers_overdue_work(client, manager, store_a):
    order = OrderFactory(store=store_a, responsible=manager)
    Order.objects.filter(pk=order.pk).update(overdue_since=T0)
    Task.objects.create(title="late", assignee=manager, due_at=T0)
    client.force_login(manager)

    response = client.get(reverse("admin:index"))

    summary = response.content.decode().split('id="work-summary"')[1].split("</div>")[0]
    assert "?overdue=overdue&amp;responsible=me" in summary
    assert ">1</a>" in summary  # one overdue order
    assert "state=overdue" in summary  # and the overdue task


def test_refusal_messages_join_into_one_readable_line():
    from automation.admin import join_messages

    assert join_messages(["Не хватает товара.", "HOME-PAN: нужно 3", "HOME-MUG: нужно 1"]) == (
        "Не хватает товара. HOME-PAN: нужно 3; HOME-MUG: нужно 1"
    )
