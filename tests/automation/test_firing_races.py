"""A trigger's action and a person's (or the provider's) transition on the same order at the
same moment: one waits for the other, and the loser is refused, never both half-applied."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from automation import firing
from automation.exceptions import TransitionError
from automation.models import Trigger, TriggerAction, TriggerFiring
from orders.models import PaymentStatus, Status
from orders.services import order_mark_paid, order_send_payment_link
from tests.factories import OrderFactory, RefusalReasonFactory


@pytest.mark.django_db(transaction=True)
def test_a_payment_arriving_during_the_auto_cancel_waits_and_is_refused(
    on_postgres, store_a, manager, monkeypatch
):
    RefusalReasonFactory(code="not_paid", name="Не оплатил")
    trigger = Trigger.objects.create(
        name="auto-cancel", subject="orders.order", state=Status.AWAITING_PAYMENT,
        event="stays", delay_minutes=1,
    )  # fmt: skip
    TriggerAction.objects.create(
        trigger=trigger, kind="transition", transition="cancel", reason_code="not_paid"
    )
    order = order_send_payment_link(
        order_id=OrderFactory(store=store_a, responsible=manager).pk, actor=None
    )
    TriggerFiring.objects.update(due_at=timezone.now() - timedelta(seconds=1))

    locked, release = threading.Event(), threading.Event()
    original = firing.ACTIONS["transition"]

    def slow_transition(f, obj, now):
        locked.set()  # the order row is locked by execute_firing now
        release.wait(10)
        return original(f, obj, now)

    monkeypatch.setitem(firing.ACTIONS, "transition", slow_transition)
    outcome: dict[str, object] = {}

    def run_sweep() -> None:
        try:
            firing.run_due_firings()
        finally:
            connection.close()

    def pay() -> None:
        try:
            order_mark_paid(order_id=order.pk, actor=None)
            outcome["payment"] = "applied"
        except TransitionError as exc:
            outcome["payment"] = type(exc).__name__
        finally:
            connection.close()

    sweeper = threading.Thread(target=run_sweep)
    sweeper.start()
    assert locked.wait(10)
    payer = threading.Thread(target=pay)
    payer.start()
    payer.join(1)
    assert payer.is_alive(), "the payment must wait for the order's row lock"
    release.set()
    sweeper.join(20)
    payer.join(20)

    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert order.payment_status != PaymentStatus.PAID
    assert outcome["payment"] == "TransitionNotAllowed"
    assert list(order.transitions.values_list("name", flat=True)) == [
        "send_payment_link",
        "cancel",
    ]
