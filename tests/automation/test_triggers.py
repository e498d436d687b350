"""Triggers: actions on entering a stage, after a delay in it, or on becoming overdue."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group

from automation.firing import run_due_firings
from automation.models import Notification, Task, Trigger, TriggerAction, TriggerFiring
from automation.sweep import sweep
from contacts.models import Message, MessageTemplate
from deals.choices import DeliveryMethod
from orders.models import Status
from orders.roles import MANAGER
from orders.services import (
    order_arrive_at_pickup_point,
    order_mark_paid,
    order_send_payment_link,
)
from tests.factories import OrderFactory, RefusalReasonFactory, UserFactory

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=MSK)
Event, Kind = Trigger.Event, TriggerAction.Kind
CALL_STEPS = "Позвонить клиенту\nПродлить хранение или оформить отказ"


@pytest.fixture
def template(db):
    return MessageTemplate.objects.create(
        code="payment_reminder",
        name="Напоминание об оплате",
        text="Заказ №{order_number} на {total} ₽ ждёт оплаты.",
    )


def trigger(state, event, *actions, delay=0, **conditions):
    t = Trigger.objects.create(
        name=f"{state}/{event}",
        subject="orders.order",
        state=state,
        event=event,
        delay_minutes=delay,
        **conditions,
    )
    for position, fields in enumerate(actions):
        TriggerAction.objects.create(trigger=t, position=position, **fields)
    return t


def awaiting_payment(store, manager):
    order = OrderFactory(store=store, responsible=manager)
    with time_machine.travel(T0, tick=False):
        return order_send_payment_link(order_id=order.pk, actor=None)


def test_a_delayed_message_goes_once_if_the_order_is_still_unpaid(store_a, manager, template):
    trigger(
        Status.AWAITING_PAYMENT,
        Event.STAYS,
        {"kind": Kind.MESSAGE, "template": template},
        delay=120,
    )
    order = awaiting_payment(store_a, manager)

    with time_machine.travel(T0 + timedelta(minutes=119), tick=False):
        sweep()
    assert not Message.objects.exists()
    with time_machine.travel(T0 + timedelta(minutes=121), tick=False):
        sweep()
        sweep()  # a doubled beat tick

    message = Message.objects.get()
    assert message.text == f"Заказ №{order.number} на 1000,00 ₽ ждёт оплаты."
    assert message.contact == order.contact
    assert TriggerFiring.objects.get().status == TriggerFiring.Status.DONE


def test_a_delayed_action_is_dropped_when_the_stage_changes_first(store_a, manager, template):
    trigger(
        Status.AWAITING_PAYMENT,
        Event.STAYS,
        {"kind": Kind.MESSAGE, "template": template},
        delay=120,
    )
    order = awaiting_payment(store_a, manager)
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        order_mark_paid(order_id=order.pk, actor=None)
    with time_machine.travel(T0 + timedelta(minutes=200), tick=False):
        sweep()

    assert not Message.objects.exists()
    assert TriggerFiring.objects.get().status == TriggerFiring.Status.SKIPPED


def test_unpaid_for_three_days_the_order_is_cancelled_for_non_payment(store_a, manager):
    RefusalReasonFactory(code="not_paid", name="Не оплатил")
    trigger(
        Status.AWAITING_PAYMENT,
        Event.STAYS,
        {"kind": Kind.TRANSITION, "transition": "cancel", "reason_code": "not_paid"},
        delay=3 * 24 * 60,
    )
    order = awaiting_payment(store_a, manager)
    with time_machine.travel(T0 + timedelta(days=3, minutes=1), tick=False):
        sweep()

    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert order.cancel_reason.code == "not_paid"
    assert order.transitions.last().via == "beat"
    assert order.deal.stage == "lost"


def test_the_pickup_chain_messages_then_reminds_then_calls(store_a, manager, template):
    ready = MessageTemplate.objects.create(
        code="ready", name="Готов", text="Заказ ждёт в {pickup_point}"
    )
    again = MessageTemplate.objects.create(code="again", name="Напоминание", text="Заберите заказ")
    trigger(Status.AWAITING_PICKUP, Event.ENTERS, {"kind": Kind.MESSAGE, "template": ready})
    trigger(
        Status.AWAITING_PICKUP,
        Event.STAYS,
        {"kind": Kind.MESSAGE, "template": again},
        delay=2 * 1440,
    )
    trigger(
        Status.AWAITING_PICKUP,
        Event.STAYS,
        {"kind": Kind.MESSAGE, "template": again},
        {"kind": Kind.TASK, "text": "Позвонить: заказ №{order_number} не забран",
         "due_minutes": 120, "checklist": CALL_STEPS},
        delay=3 * 1440,
    )  # fmt: skip
    order = OrderFactory(
        store=store_a,
        responsible=manager,
        status=Status.HANDED_TO_DELIVERY,
        delivery_method=DeliveryMethod.CDEK,
        pickup_point_code="MSK123",
    )
    with time_machine.travel(T0, tick=False):
        order_arrive_at_pickup_point(order_id=order.pk, actor=None)
        sweep()
    assert list(Message.objects.values_list("template_code", flat=True)) == ["ready"]
    with time_machine.travel(T0 + timedelta(days=2, minutes=1), tick=False):
        sweep()
    assert Message.objects.count() == 2
    assert not Task.objects.exists()
    with time_machine.travel(T0 + timedelta(days=3, minutes=1), tick=False):
        sweep()

    assert Message.objects.count() == 3
    task = Task.objects.get()
    assert task.title == f"Позвонить: заказ №{order.number} не забран"
    assert task.assignee == manager
    assert task.subject == order
    assert list(task.checklist.values_list("text", flat=True)) == [
        "Позвонить клиенту",
        "Продлить хранение или оформить отказ",
    ]
    assert Notification.objects.filter(user=manager, text__contains=task.title).exists()


def test_conditions_limit_a_trigger_to_its_store_and_payment(store_a, store_b, manager, template):
    t = trigger(Status.AWAITING_PAYMENT, Event.ENTERS, {"kind": Kind.MESSAGE, "template": template},
                payment_method="online")  # fmt: skip
    t.stores.add(store_b)
    awaiting_payment(store_a, manager)
    with time_machine.travel(T0, tick=False):
        sweep()
    assert not TriggerFiring.objects.exists()


def test_overdue_triggers_reassign_to_the_least_busy_manager_and_alert_the_team_lead(
    limit, store_a, manager, team_lead
):
    limit(Status.AWAITING_PAYMENT, 15)
    vera = UserFactory(username="vera", groups=[MANAGER], stores=[store_a])
    Task.objects.create(title="busy", assignee=manager)
    trigger(
        Status.AWAITING_PAYMENT,
        Event.OVERDUE,
        {"kind": Kind.REASSIGN, "assignee_group": Group.objects.get(name=MANAGER)},
        {"kind": Kind.ALERT, "text": "Заказ №{order_number} просрочен"},
    )
    order = awaiting_payment(store_a, manager)
    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        sweep()

    order.refresh_from_db()
    assert order.responsible == vera
    assert Notification.objects.filter(user=vera, level="warning").exists()
    assert Notification.objects.filter(
        user=team_lead, text=f"Заказ №{order.number} просрочен"
    ).exists()


def test_running_due_actions_twice_does_nothing_twice(store_a, manager, template):
    trigger(Status.AWAITING_PAYMENT, Event.ENTERS, {"kind": Kind.MESSAGE, "template": template})
    awaiting_payment(store_a, manager)
    with time_machine.travel(T0, tick=False):
        assert run_due_firings() == 1
        assert run_due_firings() == 0
    assert Message.objects.count() == 1


def test_a_broken_action_is_logged_failed_and_the_others_still_run(store_a, manager, template):
    trigger(
        Status.AWAITING_PAYMENT,
        Event.ENTERS,
        {"kind": Kind.TRANSITION, "transition": "no_such_transition"},
        {"kind": Kind.MESSAGE, "template": template},
    )
    awaiting_payment(store_a, manager)
    with time_machine.travel(T0, tick=False):
        run_due_firings()
    statuses = dict(TriggerFiring.objects.values_list("action__kind", "status"))
    assert statuses == {"transition": "failed", "message": "done"}


def test_an_action_naming_an_unknown_transition_is_refused_when_saved(db):
    from django.core.exceptions import ValidationError

    t = trigger(Status.AWAITING_PAYMENT, Event.STAYS, delay=60)
    action = TriggerAction(trigger=t, kind=Kind.TRANSITION, transition="teleport")
    with pytest.raises(ValidationError) as error:
        action.full_clean()
    assert "cancel" in str(error.value)
    without_reason = TriggerAction(trigger=t, kind=Kind.TRANSITION, transition="cancel")
    with pytest.raises(ValidationError, match="reason"):
        without_reason.full_clean()
    RefusalReasonFactory(code="not_paid", name="Не оплатил")
    TriggerAction(
        trigger=t, kind=Kind.TRANSITION, transition="cancel", reason_code="not_paid"
    ).full_clean()


def test_a_task_title_with_an_unknown_placeholder_is_refused_when_saved(db):
    from django.core.exceptions import ValidationError

    t = trigger(Status.ISSUED, Event.ENTERS)
    with pytest.raises(ValidationError, match="ordr_number"):
        TriggerAction(trigger=t, kind=Kind.TASK, text="Позвонить: {ordr_number}").full_clean()


def test_the_trigger_add_page_refuses_an_unknown_transition(admin_client):
    response = admin_client.post(
        "/admin/automation/trigger/add/",
        {
            "name": "Телепорт",
            "subject": "orders.order",
            "state": "awaiting_payment",
            "event": "stays",
            "delay_minutes": "60",
            "is_active": "on",
            "position": "1",
            "actions-TOTAL_FORMS": "1",
            "actions-INITIAL_FORMS": "0",
            "actions-0-kind": "transition",
            "actions-0-transition": "teleport",
            "actions-0-position": "0",
        },
    )
    assert response.status_code == 200
    assert not Trigger.objects.exists()


def test_switching_a_trigger_off_stops_what_it_scheduled(store_a, manager, template):
    t = trigger(Status.AWAITING_PAYMENT, Event.STAYS, {"kind": Kind.MESSAGE, "template": template},
                delay=60)  # fmt: skip
    awaiting_payment(store_a, manager)
    t.is_active = False
    t.save()
    with time_machine.travel(T0 + timedelta(minutes=61), tick=False):
        sweep()
    assert not Message.objects.exists()
    assert TriggerFiring.objects.get().status == TriggerFiring.Status.SKIPPED


def test_a_firing_whose_worker_died_runs_again_later(store_a, manager, template):
    trigger(Status.AWAITING_PAYMENT, Event.ENTERS, {"kind": Kind.MESSAGE, "template": template})
    awaiting_payment(store_a, manager)
    TriggerFiring.objects.update(status=TriggerFiring.Status.RUNNING, claimed_at=T0)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        assert run_due_firings() == 0  # maybe still running
    with time_machine.travel(T0 + timedelta(minutes=11), tick=False):
        assert run_due_firings() == 1
    assert Message.objects.count() == 1
    assert TriggerFiring.objects.get().status == TriggerFiring.Status.DONE


def test_reassignment_never_picks_someone_outside_the_store(store_a, store_b, manager):
    from automation.firing import least_busy_member

    UserFactory(username="boris", groups=[MANAGER], stores=[store_b])
    group = Group.objects.get(name=MANAGER)
    assert least_busy_member(group, store_id=store_a.pk) == manager
    manager.stores.clear()
    assert least_busy_member(group, store_id=store_a.pk) is None


def test_an_inactive_template_is_not_sent(store_a, manager, template):
    trigger(Status.AWAITING_PAYMENT, Event.ENTERS, {"kind": Kind.MESSAGE, "template": template})
    MessageTemplate.objects.update(is_active=False)
    awaiting_payment(store_a, manager)
    with time_machine.travel(T0, tick=False):
        run_due_firings()
    assert not Message.objects.exists()
    assert TriggerFiring.objects.get().status == TriggerFiring.Status.SKIPPED
