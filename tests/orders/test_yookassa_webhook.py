"""`POST /webhooks/yookassa/`: YooKassa's notifications, re-fetched before anything is done.

Most tests fake YooKassa in memory (tests.factories.FakeYooKassa); the last one runs the whole
link lifecycle through the real client against `responses`.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import pytest
import responses
from django.urls import reverse

from automation.models import Notification
from contacts.models import Message
from integrations.errors import PermanentError, TransientError
from integrations.yookassa.client import YooKassaError, YooRefund
from orders import tasks
from orders.demo_automation import TEMPLATES
from orders.models import Order, Payment, PaymentStatus, Refund, Status
from orders.services import order_cancel, order_recalculate_totals, order_send_payment_link
from tests.factories import (
    ContactFactory,
    MessageTemplateFactory,
    OrderFactory,
    OrderItemFactory,
    PaymentFactory,
    RefundFactory,
    RefusalReasonFactory,
    paid_order,
)

pytestmark = pytest.mark.django_db

URL = "/webhooks/yookassa/"
YOOKASSA_IP = "185.71.76.10"


@pytest.fixture
def awaiting(store_a, manager, yoo):
    """An order awaiting payment by its live link, known to YooKassa as pending."""
    payment = PaymentFactory(order__store=store_a, order__responsible=manager)
    yoo.add(payment.provider_payment_id, amount=payment.amount)
    return payment


def _body(event: str, obj_id: str, *, status: str = "succeeded", value: str = "1000.00", **extra):
    obj = {"id": obj_id, "status": status, "amount": {"value": value, "currency": "RUB"}, **extra}
    return json.dumps({"type": "notification", "event": event, "object": obj})


def _notify(client, event: str, obj_id: str, *, remote_addr: str = YOOKASSA_IP, **kwargs):
    return client.post(
        URL,
        data=_body(event, obj_id, **kwargs),
        content_type="application/json",
        REMOTE_ADDR=remote_addr,
    )


def _history(order: Order) -> list[str]:
    return list(order.transitions.order_by("created_at", "pk").values_list("name", flat=True))


# --- payments -------------------------------------------------------------------------------


def test_a_paid_payment_marks_the_order_paid_via_the_webhook_and_tells_the_manager(
    client, awaiting, yoo, manager
):
    yoo.pay(awaiting.provider_payment_id)

    response = _notify(client, "payment.succeeded", awaiting.provider_payment_id)

    assert response.status_code == 200
    awaiting.refresh_from_db()
    assert (awaiting.status, awaiting.applied_to_order) == (Payment.Status.SUCCEEDED, True)
    order = awaiting.order
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (Status.PAID, PaymentStatus.PAID)
    assert _history(order) == ["payment_paid", "mark_paid"]
    mark_paid = order.transitions.get(name="mark_paid")
    assert (mark_paid.via, mark_paid.actor, mark_paid.source) == (
        "webhook",
        None,
        Status.AWAITING_PAYMENT,
    )
    assert yoo.names() == ["get_payment"]  # the body was not trusted
    assert order.number in Notification.objects.get(user=manager).text


def test_a_repeated_notification_changes_nothing_and_is_answered_200(
    client, awaiting, yoo, manager
):
    yoo.pay(awaiting.provider_payment_id)
    _notify(client, "payment.succeeded", awaiting.provider_payment_id)

    response = _notify(client, "payment.succeeded", awaiting.provider_payment_id)

    assert response.status_code == 200
    assert _history(awaiting.order) == ["payment_paid", "mark_paid"]
    assert Notification.objects.filter(user=manager).count() == 1


def test_a_notification_saying_paid_is_not_believed_while_yookassa_says_pending(
    client, awaiting, yoo
):
    response = _notify(client, "payment.succeeded", awaiting.provider_payment_id)

    assert response.status_code == 200
    awaiting.refresh_from_db()
    assert awaiting.status == Payment.Status.PENDING
    awaiting.order.refresh_from_db()
    assert awaiting.order.status == Status.AWAITING_PAYMENT
    assert not awaiting.order.transitions.exists()


def test_an_amount_other_than_ours_is_never_accepted_and_alerts_the_team_lead(
    client, awaiting, yoo, team_lead
):
    yoo.set(awaiting.provider_payment_id, status="succeeded", amount=Decimal("1.00"))

    response = _notify(client, "payment.succeeded", awaiting.provider_payment_id, value="1.00")
    _notify(client, "payment.succeeded", awaiting.provider_payment_id, value="1.00")

    assert response.status_code == 200
    awaiting.refresh_from_db()
    assert awaiting.status == Payment.Status.ERROR
    assert "1.00" in awaiting.error
    assert "1000,00" in awaiting.error
    order = awaiting.order
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (Status.AWAITING_PAYMENT, PaymentStatus.PENDING)
    assert _history(order) == ["payment_error"]
    alert = Notification.objects.get(user=team_lead)
    assert alert.level == Notification.Level.ALERT


def test_a_notification_for_an_unknown_payment_is_answered_200_and_logged(client, yoo, caplog):
    yoo.add("2f000999-000f-5000-9000-000000000999", amount=Decimal("500.00"), status="succeeded")

    with caplog.at_level(logging.INFO, logger="orders.webhooks"):
        response = _notify(client, "payment.succeeded", "2f000999-000f-5000-9000-000000000999")

    assert response.status_code == 200
    assert "2f000999-000f-5000-9000-000000000999" in caplog.text
    assert not Payment.objects.exists()


def test_a_payment_yookassa_does_not_know_is_answered_200(client, yoo):
    response = _notify(client, "payment.succeeded", "forged-id")

    assert response.status_code == 200
    assert yoo.names() == ["get_payment"]


def test_a_payment_whose_id_was_never_saved_is_found_by_its_metadata(client, awaiting, yoo):
    # The worker died between YooKassa's answer and our write: only the metadata links them.
    Payment.objects.filter(pk=awaiting.pk).update(provider_payment_id=None)
    yoo.set(
        awaiting.provider_payment_id,
        metadata={"order_id": str(awaiting.order_id), "payment_id": str(awaiting.pk)},
    )
    yoo.pay(awaiting.provider_payment_id)

    _notify(client, "payment.succeeded", awaiting.provider_payment_id)

    awaiting.refresh_from_db()
    assert awaiting.status == Payment.Status.SUCCEEDED
    assert awaiting.provider_payment_id in yoo.payments


def test_an_expired_link_is_recorded_and_the_order_keeps_awaiting_payment(client, awaiting, yoo):
    yoo.expire(awaiting.provider_payment_id)

    _notify(client, "payment.canceled", awaiting.provider_payment_id, status="canceled")

    awaiting.refresh_from_db()
    assert (awaiting.status, awaiting.cancellation_reason) == (
        Payment.Status.CANCELED,
        "expired_on_confirmation",
    )
    awaiting.order.refresh_from_db()
    assert awaiting.order.status == Status.AWAITING_PAYMENT
    assert _history(awaiting.order) == ["payment_expired"]


def test_a_declined_payment_is_recorded_as_cancelled(client, awaiting, yoo):
    yoo.expire(awaiting.provider_payment_id, reason="insufficient_funds")

    _notify(client, "payment.canceled", awaiting.provider_payment_id, status="canceled")

    awaiting.refresh_from_db()
    assert awaiting.status == Payment.Status.CANCELED
    log = awaiting.order.transitions.get()
    assert (log.name, log.via) == ("payment_canceled", "webhook")
    assert "insufficient_funds" in log.comment


def test_waiting_for_capture_is_only_recorded(client, awaiting, yoo):
    yoo.set(awaiting.provider_payment_id, status="waiting_for_capture")

    response = _notify(
        client, "payment.waiting_for_capture", awaiting.provider_payment_id, status="canceled"
    )

    assert response.status_code == 200
    awaiting.refresh_from_db()
    assert awaiting.status == Payment.Status.PENDING
    assert not awaiting.order.transitions.exists()


def test_money_for_an_order_cancelled_meanwhile_is_refunded_and_the_team_lead_alerted(
    client, awaiting, yoo, manager, team_lead, django_capture_on_commit_callbacks, monkeypatch
):
    refunds = []
    monkeypatch.setattr(tasks.send_refund_task, "delay", lambda **kw: refunds.append(kw))
    order_cancel(order_id=awaiting.order_id, actor=manager, reason=RefusalReasonFactory())
    yoo.pay(awaiting.provider_payment_id)

    with django_capture_on_commit_callbacks(execute=True):
        response = _notify(client, "payment.succeeded", awaiting.provider_payment_id)

    assert response.status_code == 200
    awaiting.refresh_from_db()
    assert (awaiting.status, awaiting.applied_to_order) == (Payment.Status.SUCCEEDED, False)
    refund = Refund.objects.get()
    assert (refund.payment, refund.amount) == (awaiting, awaiting.amount)
    assert refunds == [{"refund_id": refund.pk}]
    order = awaiting.order
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert Notification.objects.get(user=team_lead).level == Notification.Level.ALERT


def test_a_link_for_a_total_since_edited_does_not_make_the_order_paid(
    client, awaiting, yoo, team_lead, django_capture_on_commit_callbacks, monkeypatch
):
    # The manager added an item (total 1000 → 1500) and has not sent the new link yet; the
    # customer pays the old link: 1000 ₽ is not the order's price, it is refunded.
    refunds = []
    monkeypatch.setattr(tasks.send_refund_task, "delay", lambda **kw: refunds.append(kw))
    order = awaiting.order
    OrderItemFactory(order=order, price=Decimal("500.00"))
    order_recalculate_totals(order=order)
    yoo.pay(awaiting.provider_payment_id)

    with django_capture_on_commit_callbacks(execute=True):
        response = _notify(client, "payment.succeeded", awaiting.provider_payment_id)

    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (Status.AWAITING_PAYMENT, PaymentStatus.PENDING)
    awaiting.refresh_from_db()
    assert (awaiting.status, awaiting.applied_to_order) == (Payment.Status.SUCCEEDED, False)
    refund = Refund.objects.get()
    assert (refund.payment, refund.amount) == (awaiting, Decimal("1000.00"))
    assert refunds == [{"refund_id": refund.pk}]
    assert "mark_paid" not in _history(order)
    assert Notification.objects.get(user=team_lead).level == Notification.Level.ALERT


def test_yookassa_unreachable_answers_503_so_that_it_notifies_again(client, awaiting, yoo):
    yoo.errors["get_payment"] = [TransientError("yookassa unreachable")]

    response = _notify(client, "payment.succeeded", awaiting.provider_payment_id)

    assert response.status_code == 503
    awaiting.order.refresh_from_db()
    assert awaiting.order.status == Status.AWAITING_PAYMENT


@pytest.mark.parametrize(
    "error",
    [
        YooKassaError("bad credentials", status_code=401, code="invalid_credentials"),
        YooKassaError("forbidden", status_code=403, code="forbidden"),
        PermanentError("yookassa: unreadable payment (KeyError: 'amount')"),
    ],
)
def test_a_notification_we_could_not_check_is_not_acknowledged(
    client, awaiting, yoo, caplog, error
):
    # Our credentials or YooKassa's answer are at fault, not the notification: a 200 would
    # make YooKassa stop repeating a payment we never recorded.
    yoo.pay(awaiting.provider_payment_id)
    yoo.errors["get_payment"] = [error]

    with caplog.at_level(logging.ERROR, logger="orders.webhooks"):
        response = _notify(client, "payment.succeeded", awaiting.provider_payment_id)

    assert response.status_code == 503
    assert awaiting.provider_payment_id in caplog.text
    awaiting.order.refresh_from_db()
    assert awaiting.order.status == Status.AWAITING_PAYMENT

    response = _notify(client, "payment.succeeded", awaiting.provider_payment_id)  # repeated

    assert response.status_code == 200
    awaiting.order.refresh_from_db()
    assert awaiting.order.status == Status.PAID


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b'{"type": "notification"}', b'{"event": "payment.succeeded"}'],
)
def test_a_body_that_is_not_a_notification_is_answered_400(client, yoo, body):
    response = client.post(URL, data=body, content_type="application/json")

    assert response.status_code == 400
    assert yoo.calls == []


def test_only_post_is_accepted(client):
    assert client.get(URL).status_code == 405


# --- refunds --------------------------------------------------------------------------------


@pytest.fixture
def refund_in_progress(store_a, yoo):
    order = paid_order(store=store_a, status=Status.RETURNED)
    refund = RefundFactory(
        payment=order.payments.get(), amount=Decimal("400.00"), status=Refund.Status.PENDING
    )
    yoo.refunds[refund.provider_refund_id] = YooRefund(
        id=refund.provider_refund_id,
        status="succeeded",
        amount=refund.amount,
        payment_id=refund.payment.provider_payment_id,
    )
    return refund


def test_a_succeeded_refund_moves_the_payment_status(client, refund_in_progress):
    response = _notify(
        client,
        "refund.succeeded",
        refund_in_progress.provider_refund_id,
        value="400.00",
        payment_id=refund_in_progress.payment.provider_payment_id,
    )
    _notify(  # and again
        client,
        "refund.succeeded",
        refund_in_progress.provider_refund_id,
        value="400.00",
        payment_id=refund_in_progress.payment.provider_payment_id,
    )

    assert response.status_code == 200
    refund_in_progress.refresh_from_db()
    assert refund_in_progress.status == Refund.Status.SUCCEEDED
    order = refund_in_progress.order
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert _history(order) == ["refund_succeeded"]


def test_a_refund_notification_overtaking_the_worker_is_matched_by_payment_and_amount(
    client, refund_in_progress
):
    provider_id = refund_in_progress.provider_refund_id
    Refund.objects.filter(pk=refund_in_progress.pk).update(provider_refund_id=None)

    _notify(
        client,
        "refund.succeeded",
        provider_id,
        value="400.00",
        payment_id=refund_in_progress.payment.provider_payment_id,
    )

    refund_in_progress.refresh_from_db()
    assert (refund_in_progress.provider_refund_id, refund_in_progress.status) == (
        provider_id,
        Refund.Status.SUCCEEDED,
    )


# --- where it comes from --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check_ip", "remote_addr", "forwarded", "expected"),
    [
        (False, "95.213.1.7", "", 200),  # off: anyone may notify, the re-fetch decides
        (True, YOOKASSA_IP, "", 200),
        (True, "95.213.1.7", "", 403),
        (True, "95.213.1.7", YOOKASSA_IP, 403),  # a header from outside is not believed
        (True, "127.0.0.1", f"95.213.1.7, {YOOKASSA_IP}", 200),  # our proxy appended it
        (True, "10.0.0.5", f"{YOOKASSA_IP}, 95.213.1.7", 403),  # only the last entry counts
        (True, "2a02:5180::1", "", 200),
    ],
)
def test_the_sender_address_is_checked_only_when_switched_on(
    client, awaiting, yoo, settings, check_ip, remote_addr, forwarded, expected
):
    settings.YOOKASSA_CHECK_IP = check_ip
    yoo.pay(awaiting.provider_payment_id)
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}

    response = client.post(
        URL,
        data=_body("payment.succeeded", awaiting.provider_payment_id),
        content_type="application/json",
        REMOTE_ADDR=remote_addr,
        **extra,
    )

    assert response.status_code == expected
    awaiting.order.refresh_from_db()
    paid = awaiting.order.status == Status.PAID
    assert paid is (expected == 200)


# --- the whole way, through the real client -------------------------------------------------


@responses.activate
def test_the_link_goes_out_is_paid_and_the_order_becomes_paid_through_the_real_client(
    client, store_a, manager, settings, django_capture_on_commit_callbacks, monkeypatch
):
    api = settings.YOOKASSA_API_URL.rstrip("/")
    name, text = TEMPLATES["payment_link"]
    MessageTemplateFactory(code="payment_link", name=name, text=text)
    order = OrderFactory(
        store=store_a, responsible=manager, contact=ContactFactory(phone="+79991234567")
    )
    queued = []
    monkeypatch.setattr(
        tasks.create_payment_and_send_link_task, "delay", lambda **kw: queued.append(kw)
    )
    yoo_id = "2f1a5b0c-000f-5000-9000-1b68e7b15f3f"
    pending = {
        "id": yoo_id,
        "status": "pending",
        "paid": False,
        "amount": {"value": "1000.00", "currency": "RUB"},
        "confirmation": {
            "type": "redirect",
            "confirmation_url": f"https://yoomoney.ru/checkout/payments/v2/contract?orderId={yoo_id}",
        },
        "created_at": "2026-11-23T09:00:00.000Z",
        "metadata": {},
        "refundable": False,
        "test": True,
    }
    create = responses.post(f"{api}/payments", json=pending)

    with django_capture_on_commit_callbacks(execute=True):
        order_send_payment_link(order_id=order.pk, actor=manager)
    tasks.create_payment_and_send_link_task.apply(kwargs=queued.pop())

    sent = json.loads(create.calls[0].request.body)
    assert sent["amount"] == {"value": "1000.00", "currency": "RUB"}
    assert sent["metadata"]["order_id"] == str(order.pk)
    assert create.calls[0].request.headers["Idempotence-Key"] == f"order-{order.pk}-1000.00-v1"
    assert yoo_id in Message.objects.get().text

    paid = {**pending, "status": "succeeded", "paid": True, "refundable": True}
    responses.get(f"{api}/payments/{yoo_id}", json=paid)
    response = client.post(
        URL,
        data=json.dumps({"type": "notification", "event": "payment.succeeded", "object": paid}),
        content_type="application/json",
    )

    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (Status.PAID, PaymentStatus.PAID)
    assert _history(order) == [
        "send_payment_link",
        "payment_created",
        "payment_link_sent",
        "payment_paid",
        "mark_paid",
    ]


def test_the_webhook_url_is_mounted():
    assert reverse("webhook-yookassa") == URL
