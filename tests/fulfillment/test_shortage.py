"""A start of assembly refused for lack of stock leaves the responsible manager one task
«связаться с клиентом: замена или отмена», written by a worker since the refusal rolls back."""

from __future__ import annotations

import pytest
from django.contrib.messages import ERROR
from django.urls import reverse
from django.utils import translation

from automation.models import Notification, Task
from fulfillment.models import StockShortage
from fulfillment.shortage import shortage_record
from orders.exceptions import OrderError
from orders.models import Status
from orders.services import order_start_assembly
from tests.factories import UserFactory
from tests.orders.test_order_admin import _form_data

from .factories import confirmed_order, product, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def pan(wh):
    pan = product("HOME-PAN")
    stock(pan, main=1, shop=0)
    return pan


def _refuse(order, actor):
    with pytest.raises(OrderError), translation.override("en"):
        order_start_assembly(order_id=order.pk, actor=actor)


def _record(order, actor=None):
    with translation.override("en"):
        return shortage_record(order_id=order.pk, actor_id=actor.pk if actor else None)


def test_the_refusal_publishes_the_task_at_once_not_on_commit(
    store_a, manager, pan, published, django_capture_on_commit_callbacks
):
    order = confirmed_order(store_a, [(pan, 3)], responsible=manager)

    with django_capture_on_commit_callbacks() as callbacks:
        _refuse(order, manager)

    # Nothing commits after a refusal: an on_commit callback would never run.
    assert callbacks == []
    assert published == [{"order_id": order.pk, "actor_id": manager.pk}]


def test_the_worker_gives_the_responsible_manager_a_task_with_what_is_missing(
    store_a, manager, team_lead, pan
):
    order = confirmed_order(store_a, [(pan, 3)], responsible=manager)

    shortage = _record(order, actor=team_lead)

    task = shortage.task
    assert (task.assignee, task.subject, task.done_at) == (manager, order, None)
    assert task.title.startswith("Contact the customer: replacement or cancellation")
    steps = list(task.checklist.values_list("text", flat=True))
    assert "HOME-PAN: need 3, available 1 (Основной склад: 1, Магазин на Тверской: 0)" in steps
    assert Notification.objects.filter(user=manager, key=f"task-{task.pk}").exists()


def test_a_second_refusal_updates_the_open_task_instead_of_adding_one(store_a, manager, pan):
    order = confirmed_order(store_a, [(pan, 3)], responsible=manager)
    first = _record(order)
    first.task.checklist.filter(text="Call the customer").update(done=True)
    stock(pan, main=0, shop=2)

    second = _record(order)

    assert second.pk == first.pk
    assert Task.objects.count() == 1
    steps = dict(second.task.checklist.values_list("text", "done"))
    assert steps["Call the customer"] is True  # what was done stays done
    assert "HOME-PAN: need 3, available 2 (Основной склад: 0, Магазин на Тверской: 2)" in steps
    assert not any("available 1" in text for text in steps)


def test_once_the_task_is_done_a_new_refusal_makes_a_new_one(store_a, manager, pan):
    order = confirmed_order(store_a, [(pan, 3)], responsible=manager)
    Task.objects.filter(pk=_record(order).task_id).update(done_at="2026-11-20T10:00Z")

    _record(order)

    assert StockShortage.objects.filter(order=order).count() == 2


def test_without_a_responsible_manager_the_one_who_tried_gets_it(store_a, manager, pan):
    order = confirmed_order(store_a, [(pan, 3)], responsible=None)

    assert _record(order, actor=manager).task.assignee == manager


@pytest.mark.parametrize("change", ["stock_arrived", "assembly_started", "cancelled"])
def test_the_worker_does_nothing_when_it_no_longer_applies(store_a, manager, pan, change):
    order = confirmed_order(store_a, [(pan, 3)], responsible=manager)
    if change == "stock_arrived":
        stock(pan, main=3)
    else:
        status = Status.ASSEMBLING if change == "assembly_started" else Status.CANCELLED
        order = confirmed_order(store_a, [(pan, 3)], responsible=manager, status=status)

    assert _record(order) is None
    assert not Task.objects.exists()


def test_starting_the_assembly_later_closes_the_shortage_task(store_a, manager, pan):
    order = confirmed_order(store_a, [(pan, 3)], responsible=manager)
    task = _record(order).task
    stock(pan, main=3)

    order_start_assembly(order_id=order.pk, actor=manager)

    task.refresh_from_db()
    assert task.done_at is not None


def test_a_broker_that_is_down_does_not_hide_the_refusal(monkeypatch, store_a, manager, pan):
    from fulfillment.tasks import record_stock_shortage_task

    def down(**kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(record_stock_shortage_task, "apply_async", down)
    order = confirmed_order(store_a, [(pan, 3)], responsible=manager)

    _refuse(order, manager)


def test_in_the_admin_the_refusal_is_a_message_and_nothing_is_saved(
    client, manager, store_a, pan, published
):
    client.force_login(manager)
    order = confirmed_order(store_a, [(pan, 3)], responsible=manager)
    url = reverse("admin:orders_order_change", args=[order.pk])

    with translation.override("en"):
        data = _form_data(client.get(url))
        response = client.post(url, {**data, "_fsm_transition_to": "start_assembly"}, follow=True)

    messages = [(m.level, str(m)) for m in response.context["messages"]]
    assert [level for level, _text in messages] == [ERROR]
    assert "HOME-PAN: нужно 3, есть 1" in messages[0][1]
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED
    assert not order.transitions.exists()
    assert published == [{"order_id": order.pk, "actor_id": manager.pk}]
    # The worker, after the request was rolled back:
    assert _record(order, manager).task.assignee == manager


def test_nobody_to_give_it_to_is_logged_not_raised(store_a, pan):
    order = confirmed_order(store_a, [(pan, 3)], responsible=None)

    assert _record(order, UserFactory(is_active=False)) is None
