"""WooCommerce webhook signature and `order.created` payload (external-apis.md, section 7)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from integrations.errors import PermanentError
from integrations.woocommerce import webhooks as woo

SAMPLES = Path(__file__).parent / "samples"
BODY = (SAMPLES / "woocommerce_order_created.body.json").read_bytes()


def test_signature_of_the_documented_vector():
    assert (
        woo.signature(BODY, "test_webhook_secret") == "FFoylbP//CcNfBLCTSwt9rlZlaM9mduHb9aWDtRY+ss="
    )
    assert woo.signature_matches(
        BODY, "test_webhook_secret", "FFoylbP//CcNfBLCTSwt9rlZlaM9mduHb9aWDtRY+ss="
    )
    assert not woo.signature_matches(
        BODY + b" ", "test_webhook_secret", woo.signature(BODY, "test_webhook_secret")
    )
    assert not woo.signature_matches(BODY, "other", woo.signature(BODY, "test_webhook_secret"))
    assert not woo.signature_matches(BODY, "test_webhook_secret", "")


def test_ping_is_the_unsigned_form_body_without_topic():
    assert woo.is_ping(b"webhook_id=12", {})
    assert not woo.is_ping(BODY, {"X-WC-Webhook-Topic": "order.created"})


def test_the_documented_order_is_read():
    order = woo.parse_order(BODY)

    assert (order.id, order.number, order.status) == (727, "727", "processing")
    assert order.customer_name == "John Doe"
    assert order.email == "john.doe@example.com"
    assert order.address == "94103, CA, San Francisco, 969 Market"
    assert (order.payment_method, order.paid) == ("bacs", True)
    assert (order.shipping_method_id, order.shipping_total) == ("flat_rate", Decimal("10.00"))
    # A line without an SKU is named by its product id; the price is what the customer pays per
    # unit (line total with its tax); HTML entities in names are decoded.
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        ("wc-93", 2, Decimal("3.23")),
        ("Bar3", 1, Decimal("12.90")),
    ]
    assert order.lines[1].name == "Ship Your Idea – Color: Black, Size: M Test"
    assert order.created_at.isoformat() == "2017-03-22T19:28:02+00:00"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"id": "727"}',
        b'{"id": 1, "line_items": [{"quantity": 0}]}',
        b'{"id": 1, "shipping_total": "ten"}',
    ],
)
def test_unreadable_payloads_are_refused(body):
    with pytest.raises(PermanentError):
        woo.parse_order(body)
