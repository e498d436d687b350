"""The real YooKassa client against the fake one: both sides speak the same wire format, and
the sandbox's refusals and injected faults are classified the way the demo promises."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import responses

from integrations.errors import TransientError
from integrations.sandbox.models import SandboxPayment
from integrations.yookassa.client import (
    VAT_22,
    ReceiptItem,
    YooKassaError,
    cancel_payment,
    create_payment,
    create_refund,
    get_payment,
    get_refund,
)

from .conftest import SITE

pytestmark = pytest.mark.usefixtures("sandbox")

HOST = "http://sandbox.test"
FORWARDED_HEADERS = ("Authorization", "Idempotence-Key")
ITEMS = [
    ReceiptItem("Чайник электрический", Decimal("2"), Decimal("1500.25"), VAT_22),
    ReceiptItem("Доставка", Decimal("1"), Decimal("799"), VAT_22),
]


@pytest.fixture(autouse=True)
def _through_the_sandbox(settings, client, http):
    settings.YOOKASSA_API_URL = f"{HOST}/sandbox/yookassa/v3"
    settings.YOOKASSA_SHOP_ID = "100001"
    settings.YOOKASSA_SECRET_KEY = "test_secret"
    settings.YOOKASSA_RETURN_URL = f"{SITE}/orders/37/"

    def forward(request):
        url = urlsplit(request.url)
        body = request.body or b""
        response = client.generic(
            request.method,
            url.path,
            data=body.encode() if isinstance(body, str) else body,
            content_type=request.headers.get("Content-Type", ""),
            headers={k: v for k, v in request.headers.items() if k in FORWARDED_HEADERS},
        )
        return response.status_code, {}, response.content

    pattern = re.compile(rf"{re.escape(HOST)}/.*")
    http.add_callback(responses.POST, pattern, callback=forward)
    http.add_callback(responses.GET, pattern, callback=forward)
    # Not every test uses both methods.
    http.assert_all_requests_are_fired = False


def _create(key: str = "order-37-1", **changes):
    arguments = {
        "amount": Decimal("3799.50"),
        "description": "Заказ №37",
        "metadata": {"order_id": "37"},
        "idempotence_key": key,
        "receipt_items": ITEMS,
        "customer_phone": "+7 999 123-45-67",
    }
    return create_payment(**{**arguments, **changes})


def test_a_created_payment_reads_back_with_its_page_and_receipt():
    payment = _create()

    stored = SandboxPayment.objects.get()
    assert payment.id == stored.payment_id
    assert (payment.status, payment.paid, payment.amount) == ("pending", False, Decimal("3799.50"))
    assert payment.confirmation_url == f"{SITE}/sandbox/yookassa/pay/{payment.id}/"
    assert payment.metadata == {"order_id": "37"}
    assert payment.test is True
    assert stored.return_url == f"{SITE}/orders/37/"
    assert [item["description"] for item in stored.receipt["items"]] == [
        "Чайник электрический",
        "Доставка",
    ]
    assert get_payment(payment.id) == payment


def test_a_retry_with_the_same_key_is_the_same_payment():
    assert _create() == _create()
    assert SandboxPayment.objects.count() == 1


def test_the_same_key_for_another_amount_is_a_yookassa_error():
    _create()

    with pytest.raises(YooKassaError, match="Idempotence key duplicated"):
        _create(amount=Decimal("100.00"), receipt_items=None)


def test_fail500_is_a_transient_error():
    with pytest.raises(TransientError, match="internal_server_error"):
        _create(description="Заказ №37 FAIL500")


def test_a_pending_payment_cannot_be_canceled():
    payment = _create()

    with pytest.raises(YooKassaError) as caught:
        cancel_payment(payment.id, idempotence_key="order-37-cancel-1")

    assert caught.value.code == "invalid_request"


def test_an_unknown_payment_is_not_found():
    with pytest.raises(YooKassaError) as caught:
        get_payment("2d8d9ea4-000f-5000-8000-000000000000")

    assert (caught.value.status_code, caught.value.code) == (404, "not_found")


def test_refunds_of_a_paid_payment_up_to_its_amount():
    payment = _create()
    SandboxPayment.objects.update(status=SandboxPayment.Status.SUCCEEDED)

    refund = create_refund(
        payment_id=payment.id, amount=Decimal("3000.50"), idempotence_key="order-37-r1"
    )
    with pytest.raises(YooKassaError, match="exceeds"):
        create_refund(payment_id=payment.id, amount=Decimal("800.00"), idempotence_key="r2")

    assert (refund.status, refund.amount, refund.payment_id) == (
        "succeeded",
        Decimal("3000.50"),
        payment.id,
    )
    assert get_refund(refund.id) == refund
    assert get_payment(payment.id).refundable is True
