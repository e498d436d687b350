"""The assembly document: who assembles, by when, from where, with which task; closed when the
order is assembled; readable by the 1C exchange."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from automation.models import Notification, Task
from fulfillment.assembly import documents_changed_since
from fulfillment.models import AssemblyDocument
from orders.models import Status
from orders.roles import MANAGER, WAREHOUSE
from orders.services import order_finish_assembly, order_start_assembly
from tests.factories import StoreFactory, UserFactory

from .factories import confirmed_order, product, stock

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
FRIDAY_EVENING = datetime(2026, 11, 20, 17, 30, tzinfo=MSK)


@pytest.fixture
def pan(wh):
    pan = product("HOME-PAN")
    stock(pan, main=10, shop=10)
    return pan


def _start(order, actor):
    with translation.override("en"):
        order_start_assembly(order_id=order.pk, actor=actor)
    return order.assembly_documents.get()


def test_the_least_busy_warehouse_user_of_the_store_gets_the_document_and_a_task(
    store_a, manager, warehouse_user, pan
):
    busy = UserFactory(username="busy", groups=[WAREHOUSE], stores=[store_a])
    UserFactory(username="elsewhere", groups=[WAREHOUSE], stores=[StoreFactory()])
    UserFactory(username="manager2", groups=[MANAGER], stores=[store_a])
    _start(confirmed_order(store_a, [(pan, 1)]), manager)  # to warehouse_user (lower id)
    assert AssemblyDocument.objects.get().assignee == warehouse_user

    document = _start(confirmed_order(store_a, [(pan, 1)]), manager)

    assert document.assignee == busy
    task = document.task
    assert (task.assignee, task.subject, task.due_at) == (busy, document.order, document.due_at)
    assert Notification.objects.filter(user=busy, key=f"task-{task.pk}").exists()


def test_nobody_gets_it_when_the_store_has_no_warehouse_user(store_a, manager, pan):
    UserFactory(username="elsewhere", groups=[WAREHOUSE], stores=[StoreFactory()])

    document = _start(confirmed_order(store_a, [(pan, 1)]), manager)

    assert document.assignee is None
    assert document.task is None
    assert document.status == AssemblyDocument.Status.OPEN


def test_it_is_due_two_working_hours_later_by_the_store_calendar(
    store_a, manager, warehouse_user, pan
):
    # Friday 17:30 in a Monday–Friday 9–18 store: 30 minutes today, 90 on Monday.
    with time_machine.travel(FRIDAY_EVENING, tick=False):
        document = _start(confirmed_order(store_a, [(pan, 1)]), manager)

    assert document.due_at == datetime(2026, 11, 23, 10, 30, tzinfo=MSK)


def test_no_due_time_when_switched_off(settings, store_a, manager, warehouse_user, pan):
    settings.ASSEMBLY_DUE_WORKING_MINUTES = 0

    document = _start(confirmed_order(store_a, [(pan, 1)]), manager)

    assert document.due_at is None
    assert document.task.due_at is None


def test_lines_from_two_warehouses_say_what_to_move_and_the_checklist_lists_every_line(
    store_a, manager, warehouse_user, wh
):
    pan, mug = product("HOME-PAN"), product("HOME-MUG")
    stock(pan, main=1, shop=5)
    stock(mug, main=4)
    order = confirmed_order(store_a, [(pan, 3), (mug, 2)])

    document = _start(order, manager)

    assert (
        document.move_note == "Move 2 pcs of HOME-PAN from Магазин на Тверской to Основной склад."
    )
    steps = list(document.task.checklist.values_list("text", flat=True))
    assert steps[0] == document.move_note
    assert len(steps) == 1 + 3 + 1  # the move, three lines, check and pack
    assert [(line.warehouse.code, line.quantity) for line in document.lines.all()] == [
        ("main", 1),
        ("shop", 2),
        ("main", 2),
    ]


def test_a_document_from_one_warehouse_has_no_move_note(store_a, manager, warehouse_user, pan):
    document = _start(confirmed_order(store_a, [(pan, 2)]), manager)

    assert document.move_note == ""


def test_finishing_the_assembly_closes_the_document_and_its_task(
    store_a, manager, warehouse_user, pan
):
    order = confirmed_order(store_a, [(pan, 2)])
    document = _start(order, manager)

    order_finish_assembly(order_id=order.pk, actor=warehouse_user)

    document.refresh_from_db()
    assert document.status == AssemblyDocument.Status.ASSEMBLED
    assert document.assembled_at is not None
    task = Task.objects.get(pk=document.task_id)
    assert task.done_at is not None
    assert not task.checklist.filter(done=False).exists()


def test_finishing_an_order_assembled_before_documents_existed_still_works(store_a, warehouse_user):
    order = confirmed_order(store_a, [(product("OLD"), 1)], status=Status.ASSEMBLING)

    order_finish_assembly(order_id=order.pk, actor=warehouse_user)

    order.refresh_from_db()
    assert order.status == Status.ASSEMBLED


def test_the_history_tells_the_reservation_and_the_document(store_a, manager, warehouse_user, pan):
    order = confirmed_order(store_a, [(pan, 2)])

    _start(order, manager)

    assert list(order.transitions.values_list("name", flat=True)) == [
        "start_assembly",
        "stock_reserved",
        "assembly_document_created",
    ]


def test_documents_changed_since_gives_documents_with_lines_and_warehouses_in_few_queries(
    store_a, manager, warehouse_user, pan, django_assert_num_queries
):
    with time_machine.travel(FRIDAY_EVENING, tick=False):
        old = confirmed_order(store_a, [(pan, 1)])
        _start(old, manager)
    recent = confirmed_order(store_a, [(pan, 2)])
    _start(recent, manager)
    with time_machine.travel(FRIDAY_EVENING + timedelta(days=1), tick=False):
        order_finish_assembly(order_id=old.pk, actor=warehouse_user)

    since = FRIDAY_EVENING + timedelta(hours=1)
    with django_assert_num_queries(2):
        documents = list(documents_changed_since(since))
        lines = [
            (line.product.sku, line.warehouse.code, line.quantity, line.state)
            for document in documents
            for line in document.lines.all()
        ]

    assert [d.order for d in documents] == [old, recent]  # oldest change first
    assert documents[0].status == AssemblyDocument.Status.ASSEMBLED
    assert lines == [("HOME-PAN", "main", 1, "reserved"), ("HOME-PAN", "main", 2, "reserved")]
    assert len(documents_changed_since(None)) == 2
