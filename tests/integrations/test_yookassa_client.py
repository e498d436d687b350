from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest
import requests

from integrations.errors import DeliveryUnknown, PermanentError, TransientError
from integrations.yookassa.client import (
    VAT_20,
    VAT_22,
    ReceiptItem,
    YooKassaError,
    YooPayment,
    YooRefund,
    cancel_payment,
    create_payment,
    create_refund,
    format_amount,
    get_payment,
    get_refund,
    vat_code_for_rate,
)

YOOKASSA = "https://yookassa.test/v3"
PAYMENTS = f"{YOOKASSA}/payments"
REFUNDS = f"{YOOKASSA}/refunds"
KEY = "order-37-pay-1"

# external-apis.md, section 0: REAL samples from YooKassa's documentation, verbatim.
CREATE_PAYMENT_REQUEST = {
    "amount": {"value": "100.00", "currency": "RUB"},
    "capture": True,
    "confirmation": {"type": "redirect", "return_url": "https://www.example.com/return_url"},
    "description": "Заказ №37",
    "metadata": {"order_id": "37"},
}
REFUND_REQUEST = {
    "amount": {"value": "2.00", "currency": "RUB"},
    "payment_id": "215d8da0-000f-50be-b000-0003308c89be",
}
REFUND_RESPONSE = {
    "id": "216749f7-0016-50be-b000-078d43a63ae4",
    "status": "succeeded",
    "amount": {"value": "1", "currency": "RUB"},
    "created_at": "2017-10-04T19:27:51.407Z",
    "payment_id": "216749da-000f-50be-b000-096747fad91e",
}
ERROR_IDEMPOTENCE_KEY_DUPLICATED = {
    "type": "error",
    "id": "ab5a11cd-13cc-4e33-af8b-75a74e18dd09",
    "code": "invalid_request",
    "description": "Idempotence key duplicated",
    "parameter": "Idempotence-Key",
}
# CONSTRUCTED from the documented fields of the create answer (external-apis.md, section 2).
PAYMENT_ID = "23d93cac-000f-5000-8000-126628f15141"
PENDING_PAYMENT = {
    "id": PAYMENT_ID,
    "status": "pending",
    "paid": False,
    "amount": {"value": "100.00", "currency": "RUB"},
    "confirmation": {
        "type": "redirect",
        "return_url": "https://www.example.com/return_url",
        "confirmation_url": "https://yoomoney.ru/api-pages/v2/payment-confirm/epl?orderId="
        + PAYMENT_ID,
    },
    "created_at": "2019-01-22T14:30:45.129Z",
    "description": "Заказ №37",
    "metadata": {"order_id": "37"},
    "recipient": {"account_id": "100001", "gateway_id": "1000001"},
    "refundable": False,
    "test": False,
}
SUCCEEDED_PAYMENT = {
    **{k: v for k, v in PENDING_PAYMENT.items() if k != "confirmation"},
    "status": "succeeded",
    "paid": True,
    "refundable": True,
    "captured_at": "2019-01-22T14:31:02.118Z",
    "payment_method": {"type": "bank_card", "id": PAYMENT_ID, "saved": False},
}
CANCELED_PAYMENT = {
    **{k: v for k, v in PENDING_PAYMENT.items() if k != "confirmation"},
    "status": "canceled",
    "cancellation_details": {"party": "yoo_money", "reason": "expired_on_confirmation"},
}


@pytest.fixture(autouse=True)
def _yookassa_settings(settings):
    settings.YOOKASSA_API_URL = YOOKASSA
    settings.YOOKASSA_SHOP_ID = "100001"
    settings.YOOKASSA_SECRET_KEY = "test_secret-key"
    settings.YOOKASSA_RETURN_URL = "https://office.test/paid/"


def _create(**kwargs) -> YooPayment:
    arguments = {
        "amount": Decimal("100.00"),
        "description": "Заказ №37",
        "metadata": {"order_id": "37"},
        "idempotence_key": KEY,
        "return_url": "https://www.example.com/return_url",
    }
    return create_payment(**{**arguments, **kwargs})


def _sent(http, index: int = 0) -> dict:
    return json.loads(http.calls[index].request.body)


# --- create_payment: the request ---------------------------------------------------------------


def test_create_sends_the_documented_body_with_basic_auth_and_the_key(http):
    http.post(PAYMENTS, json=PENDING_PAYMENT)

    _create()

    request = http.calls[0].request
    assert _sent(http) == CREATE_PAYMENT_REQUEST
    assert request.headers["Idempotence-Key"] == KEY
    assert request.headers["Content-Type"] == "application/json"
    expected = base64.b64encode(b"100001:test_secret-key").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"


def test_create_returns_to_the_configured_url_by_default(http):
    http.post(PAYMENTS, json=PENDING_PAYMENT)

    _create(return_url=None)

    assert _sent(http)["confirmation"] == {
        "type": "redirect",
        "return_url": "https://office.test/paid/",
    }


def test_create_writes_amounts_with_two_decimals(http):
    http.post(PAYMENTS, json=PENDING_PAYMENT)

    _create(amount=Decimal("1234.5"), description="")

    body = _sent(http)
    assert body["amount"] == {"value": "1234.50", "currency": "RUB"}
    # No description at all rather than an empty one.
    assert "description" not in body


def test_create_cuts_the_description_to_128_characters(http):
    http.post(PAYMENTS, json=PENDING_PAYMENT)

    _create(description="Ж" * 200)

    assert _sent(http)["description"] == "Ж" * 128


def test_create_sends_the_receipt_lines_and_the_customer(http):
    http.post(PAYMENTS, json=PENDING_PAYMENT)
    items = [
        ReceiptItem("Чайник электрический " + "x" * 200, Decimal("2"), Decimal("1500.25"), VAT_22),
        ReceiptItem("Сыр, кг", Decimal("0.455"), Decimal("1000.00"), VAT_20),
        ReceiptItem("Доставка", Decimal("1"), Decimal("344"), VAT_22),
    ]

    _create(
        amount=Decimal("3799.50"),
        receipt_items=items,
        customer_phone="+7 (999) 123-45-67",
        customer_email="buyer@example.com",
    )

    assert _sent(http)["receipt"] == {
        "customer": {"phone": "79991234567", "email": "buyer@example.com"},
        "items": [
            {
                "description": ("Чайник электрический " + "x" * 200)[:128],
                "quantity": "2.00",
                "amount": {"value": "1500.25", "currency": "RUB"},
                "vat_code": 11,
                "payment_mode": "full_payment",
                "payment_subject": "commodity",
            },
            {
                "description": "Сыр, кг",
                "quantity": "0.455",
                "amount": {"value": "1000.00", "currency": "RUB"},
                "vat_code": 4,
                "payment_mode": "full_payment",
                "payment_subject": "commodity",
            },
            {
                "description": "Доставка",
                "quantity": "1.00",
                "amount": {"value": "344.00", "currency": "RUB"},
                "vat_code": 11,
                "payment_mode": "full_payment",
                "payment_subject": "commodity",
            },
        ],
    }


def test_create_sends_only_the_contact_it_has(http):
    http.post(PAYMENTS, json=PENDING_PAYMENT)

    _create(
        receipt_items=[ReceiptItem("Товар", Decimal("1"), Decimal("100.00"), VAT_22)],
        customer_email="buyer@example.com",
    )

    assert _sent(http)["receipt"]["customer"] == {"email": "buyer@example.com"}


def test_create_refuses_a_receipt_without_a_contact_before_sending():
    with pytest.raises(PermanentError, match="phone or e-mail"):
        _create(receipt_items=[ReceiptItem("Товар", Decimal("1"), Decimal("100.00"), VAT_22)])


def test_create_refuses_a_receipt_that_does_not_add_up_before_sending():
    with pytest.raises(PermanentError, match=r"add up to 99\.00, the amount is 100\.00"):
        _create(
            receipt_items=[ReceiptItem("Товар", Decimal("3"), Decimal("33.00"), VAT_22)],
            customer_phone="+79991234567",
        )


@pytest.mark.parametrize("amount", [100.0, 100, "100.00", Decimal("100.001"), Decimal("NaN")])
def test_create_refuses_amounts_that_are_not_exact_kopecks(amount):
    with pytest.raises(ValueError, match="amount"):
        _create(amount=amount)


@pytest.mark.parametrize("key", ["", "k" * 65])
def test_create_refuses_a_missing_or_too_long_key(key):
    with pytest.raises(ValueError, match="Idempotence-Key"):
        _create(idempotence_key=key)


# --- create_payment and get_payment: the answer ------------------------------------------------


def test_create_reads_the_pending_payment(http):
    http.post(PAYMENTS, json=PENDING_PAYMENT)

    assert _create() == YooPayment(
        id=PAYMENT_ID,
        status="pending",
        paid=False,
        amount=Decimal("100.00"),
        currency="RUB",
        confirmation_url=PENDING_PAYMENT["confirmation"]["confirmation_url"],
        metadata={"order_id": "37"},
        cancellation_reason=None,
        refundable=False,
        test=False,
    )


def test_get_reads_a_succeeded_payment(http):
    http.get(f"{PAYMENTS}/{PAYMENT_ID}", json=SUCCEEDED_PAYMENT)

    payment = get_payment(PAYMENT_ID)

    assert (payment.status, payment.paid, payment.refundable) == ("succeeded", True, True)
    assert payment.confirmation_url is None
    assert http.calls[0].request.headers["Authorization"].startswith("Basic ")
    assert "Idempotence-Key" not in http.calls[0].request.headers


def test_get_reads_the_cancellation_reason(http):
    http.get(f"{PAYMENTS}/{PAYMENT_ID}", json=CANCELED_PAYMENT)

    payment = get_payment(PAYMENT_ID)

    assert (payment.status, payment.cancellation_reason) == ("canceled", "expired_on_confirmation")


def test_get_keeps_an_id_from_a_notification_inside_its_path_segment(http):
    http.get(f"{PAYMENTS}/..%2Frefunds%2Fx", json=SUCCEEDED_PAYMENT)

    get_payment("../refunds/x")


def test_get_raises_permanent_for_an_answer_that_is_not_a_payment(http):
    http.get(f"{PAYMENTS}/{PAYMENT_ID}", json={"id": PAYMENT_ID})

    with pytest.raises(PermanentError, match="unreadable payment"):
        get_payment(PAYMENT_ID)


def test_get_raises_permanent_for_a_non_json_answer(http):
    http.get(f"{PAYMENTS}/{PAYMENT_ID}", body="<html>ok</html>")

    with pytest.raises(PermanentError, match="non-JSON"):
        get_payment(PAYMENT_ID)


# --- errors ------------------------------------------------------------------------------------


def test_a_duplicated_key_is_a_yookassa_error_with_code_and_description(http):
    http.post(PAYMENTS, status=400, json=ERROR_IDEMPOTENCE_KEY_DUPLICATED)

    with pytest.raises(YooKassaError) as caught:
        _create()

    error = caught.value
    assert isinstance(error, PermanentError)
    assert (error.status_code, error.code, error.parameter) == (
        400,
        "invalid_request",
        "Idempotence-Key",
    )
    assert error.description == "Idempotence key duplicated"
    assert str(error) == (
        "yookassa HTTP 400 invalid_request: Idempotence key duplicated (Idempotence-Key)"
    )


@pytest.mark.parametrize(
    ("status", "code"), [(401, "invalid_credentials"), (403, "forbidden"), (404, "not_found")]
)
def test_other_4xx_are_permanent(http, status, code):
    http.get(
        f"{PAYMENTS}/{PAYMENT_ID}",
        status=status,
        json={"type": "error", "id": "e1", "code": code, "description": "Nope"},
    )

    with pytest.raises(YooKassaError, match=f"HTTP {status} {code}: Nope") as caught:
        get_payment(PAYMENT_ID)

    assert caught.value.code == code


def test_a_500_is_transient_with_retry_after_from_the_body_in_seconds(http):
    http.post(
        PAYMENTS,
        status=500,
        json={
            "type": "error",
            "id": "e2",
            "code": "internal_server_error",
            "description": "Internal server error",
            "retry_after": 1800,
        },
    )

    with pytest.raises(TransientError, match="internal_server_error") as caught:
        _create()

    assert caught.value.retry_after == 2


def test_a_429_is_transient_with_the_retry_after_header(http):
    http.post(
        REFUNDS,
        status=429,
        headers={"Retry-After": "7"},
        json={"type": "error", "id": "e3", "code": "too_many_requests", "description": "Slow"},
    )

    with pytest.raises(TransientError) as caught:
        create_refund(payment_id=PAYMENT_ID, amount=Decimal("2.00"), idempotence_key=KEY)

    assert caught.value.retry_after == 7


@pytest.mark.parametrize("status", [502, 503])
def test_a_5xx_without_yookassas_body_is_transient(http, status):
    http.get(f"{PAYMENTS}/{PAYMENT_ID}", status=status, body="<html>Bad Gateway</html>")

    with pytest.raises(TransientError, match=f"HTTP {status}"):
        get_payment(PAYMENT_ID)


def test_a_202_still_processing_is_transient(http):
    http.post(
        PAYMENTS,
        status=202,
        json={"type": "processing", "description": "Request accepted", "retry_after": 1500},
    )

    with pytest.raises(TransientError, match="still being processed") as caught:
        _create()

    assert caught.value.retry_after == 2


@pytest.mark.parametrize(
    "exception",
    [requests.exceptions.ConnectionError("refused"), requests.exceptions.ReadTimeout()],
)
def test_network_failures_are_transient_even_for_a_post(http, exception):
    # Unlike an SMS: the Idempotence-Key makes the repeat safe, so no DeliveryUnknown.
    http.post(PAYMENTS, body=exception)

    with pytest.raises(TransientError) as caught:
        _create()

    assert not isinstance(caught.value, DeliveryUnknown)
    assert "test_secret" not in str(caught.value)


# --- cancel and refunds ------------------------------------------------------------------------


def test_cancel_posts_with_its_own_key_and_reads_the_payment(http):
    http.post(f"{PAYMENTS}/{PAYMENT_ID}/cancel", json=CANCELED_PAYMENT)

    payment = cancel_payment(PAYMENT_ID, idempotence_key="order-37-cancel-1")

    assert payment.status == "canceled"
    assert http.calls[0].request.headers["Idempotence-Key"] == "order-37-cancel-1"
    assert _sent(http) == {}


def test_refund_sends_the_documented_body_and_reads_the_documented_answer(http):
    http.post(REFUNDS, json=REFUND_RESPONSE)

    refund = create_refund(
        payment_id="215d8da0-000f-50be-b000-0003308c89be",
        amount=Decimal("2.00"),
        idempotence_key="order-37-refund-1",
    )

    assert _sent(http) == REFUND_REQUEST
    assert http.calls[0].request.headers["Idempotence-Key"] == "order-37-refund-1"
    assert refund == YooRefund(
        id="216749f7-0016-50be-b000-078d43a63ae4",
        status="succeeded",
        amount=Decimal("1"),
        payment_id="216749da-000f-50be-b000-096747fad91e",
    )


def test_refund_sends_a_description_and_a_refund_receipt(http):
    http.post(REFUNDS, json=REFUND_RESPONSE)

    create_refund(
        payment_id=PAYMENT_ID,
        amount=Decimal("300.00"),
        idempotence_key=KEY,
        description="Возврат по заказу №37",
        receipt_items=[ReceiptItem("Кружка", Decimal("2"), Decimal("150.00"), VAT_22)],
        customer_phone="+79991234567",
    )

    body = _sent(http)
    assert body["description"] == "Возврат по заказу №37"
    assert body["receipt"]["items"][0]["amount"] == {"value": "150.00", "currency": "RUB"}


def test_refund_over_the_paid_amount_is_a_yookassa_error(http):
    http.post(
        REFUNDS,
        status=400,
        json={
            "type": "error",
            "id": "e4",
            "code": "invalid_request",
            "description": "Refund amount exceeds the amount available for refund",
            "parameter": "amount.value",
        },
    )

    with pytest.raises(YooKassaError, match="exceeds") as caught:
        create_refund(payment_id=PAYMENT_ID, amount=Decimal("200.00"), idempotence_key=KEY)

    assert caught.value.parameter == "amount.value"


def test_get_refund(http):
    http.get(f"{REFUNDS}/216749f7-0016-50be-b000-078d43a63ae4", json=REFUND_RESPONSE)

    refund = get_refund("216749f7-0016-50be-b000-078d43a63ae4")

    assert (refund.status, refund.amount) == ("succeeded", Decimal("1.00"))


# --- money and VAT -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("1"), "1.00"), (Decimal("1234.5"), "1234.50"), (Decimal("0.010"), "0.01")],
)
def test_format_amount(value, text):
    assert format_amount(value) == text


@pytest.mark.parametrize(
    ("rate", "code"),
    [("none", 1), ("0", 2), ("10", 3), ("20", 4), ("5", 7), ("7", 8), ("22", 11)],
)
def test_vat_codes_follow_yookassas_table(rate, code):
    assert vat_code_for_rate(rate) == code


def test_an_unknown_vat_rate_has_no_code():
    with pytest.raises(ValueError, match="18"):
        vat_code_for_rate("18")
