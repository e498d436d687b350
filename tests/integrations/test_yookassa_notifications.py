from __future__ import annotations

import json

import pytest

from integrations.errors import PermanentError
from integrations.yookassa.client import YooNotification, is_yookassa_address, parse_notification

PAYMENT_ID = "22d6d597-000f-5000-9000-145f6df21d6f"
REFUND_ID = "216749f7-0016-50be-b000-078d43a63ae4"


def _payment(status: str, **extra) -> dict:
    # The envelope documented in external-apis.md, section 2, around a payment object.
    return {
        "id": PAYMENT_ID,
        "status": status,
        "paid": status in ("succeeded", "waiting_for_capture"),
        "amount": {"value": "2.00", "currency": "RUB"},
        "created_at": "2018-07-10T14:27:54.691Z",
        "description": "Заказ №72",
        "metadata": {"order_id": "72"},
        "recipient": {"account_id": "100500", "gateway_id": "100700"},
        "refundable": status == "succeeded",
        "test": False,
        **extra,
    }


def _body(event: str, obj: dict) -> bytes:
    return json.dumps({"type": "notification", "event": event, "object": obj}).encode()


@pytest.mark.parametrize(
    "event", ["payment.succeeded", "payment.waiting_for_capture", "payment.canceled"]
)
def test_it_reads_the_payment_events(event):
    status = event.split(".", 1)[1]
    extra = (
        {"cancellation_details": {"party": "yoo_money", "reason": "general_decline"}}
        if status == "canceled"
        else {}
    )

    notification = parse_notification(_body(event, _payment(status, **extra)))

    assert notification == YooNotification(
        event=event, object_type="payment", object_id=PAYMENT_ID, payment_id=PAYMENT_ID
    )


def test_it_reads_a_refund_event_with_its_payment():
    refund = {
        "id": REFUND_ID,
        "payment_id": PAYMENT_ID,
        "status": "succeeded",
        "amount": {"value": "1.00", "currency": "RUB"},
        "created_at": "2017-10-04T19:27:51.407Z",
    }

    notification = parse_notification(_body("refund.succeeded", refund))

    assert notification == YooNotification(
        event="refund.succeeded", object_type="refund", object_id=REFUND_ID, payment_id=PAYMENT_ID
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        json.dumps({"event": "payment.succeeded", "object": {"id": PAYMENT_ID}}).encode(),
        json.dumps({"type": "error", "code": "x"}).encode(),
        json.dumps({"type": "notification", "object": {"id": PAYMENT_ID}}).encode(),
        json.dumps({"type": "notification", "event": "payment.succeeded"}).encode(),
        json.dumps({"type": "notification", "event": "payment", "object": {"id": "x"}}).encode(),
        _body("payment.succeeded", {"status": "succeeded"}),
        _body("payment.succeeded", {"id": ""}),
        _body("refund.succeeded", {"id": REFUND_ID, "status": "succeeded"}),
        _body("payout.succeeded", {"id": "po-1"}),
        _body("payment_method.active", {"id": "pm-1"}),
    ],
)
def test_it_refuses_anything_else(body):
    with pytest.raises(PermanentError):
        parse_notification(body)


@pytest.mark.parametrize(
    "ip",
    [
        "185.71.76.0",
        "185.71.76.31",
        "185.71.77.1",
        "185.71.77.31",
        "77.75.153.0",
        "77.75.153.127",
        "77.75.156.11",
        "77.75.156.35",
        "77.75.154.128",
        "77.75.154.255",
        "2a02:5180::1",
        "2a02:5180:ffff:ffff:ffff:ffff:ffff:ffff",
        "::ffff:185.71.76.10",
        " 185.71.76.10 ",
    ],
)
def test_yookassas_addresses_are_recognised(ip):
    assert is_yookassa_address(ip) is True


@pytest.mark.parametrize(
    "ip",
    [
        "185.71.76.32",  # just past the /27
        "185.71.75.255",
        "185.71.77.32",
        "77.75.153.128",  # the upper half of the /24 is not in the /25
        "77.75.156.12",
        "77.75.156.34",
        "77.75.154.127",  # the lower half of the /24 is not in the /25
        "2a02:5181::1",
        "2a02:517f:ffff::1",
        "::ffff:8.8.8.8",
        "127.0.0.1",
        "::1",
        "",
        "yookassa.ru",
        "185.71.76.300",
    ],
)
def test_other_addresses_are_not(ip):
    assert is_yookassa_address(ip) is False
