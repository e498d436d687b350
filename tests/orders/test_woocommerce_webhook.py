"""POST /webhooks/woocommerce/<store>/: WooCommerce's orders through the same intake."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from catalog.models import Product, Warehouse
from contacts.models import Contact
from deals.models import Deal
from integrations.woocommerce.webhooks import signature
from orders.models import Order

from ..factories import ContactFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parents[1] / "integrations" / "samples" / "woocommerce_order_created.json"


def url(store) -> str:
    return f"/webhooks/woocommerce/{store.code}/"


def deliver(client, store, payload: dict | bytes, *, secret=None, topic="order.created"):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(
        url(store),
        data=body,
        content_type="application/json",
        headers={
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Signature": signature(body, secret or store.api_secret),
            "X-WC-Webhook-Delivery-ID": "8f4c1d5e0b2a9c3f7d6e5b4a3c2d1e0f",
        },
    )


def russian_order(**overrides) -> dict:
    """The documented order as a Russian shop sends it: CDEK plugin, YooKassa, paid."""
    order = json.loads(SAMPLE.read_text())
    order["billing"].update(
        first_name="Ольга",
        last_name="Смирнова",
        phone="+7 (926) 555-12-34",
        email="olga@example.ru",
        country="RU",
        city="Москва",
        state="",
        postcode="101000",
        address_1="ул. Мясницкая, 1",
        company="",
    )
    order["shipping"].update(
        country="RU", city="Москва", state="", postcode="101000", address_1="ул. Мясницкая, 1"
    )
    order["shipping_lines"] = [
        {
            "id": 317,
            "method_title": "СДЭК",
            "method_id": "official_cdek",
            "total": "350.00",
            "total_tax": "0.00",
            "taxes": [],
            "meta_data": [{"id": 1, "key": "_official_cdek_office_code", "value": "MSK123"}],
        }
    ]
    order["shipping_total"] = "350.00"
    order["payment_method"] = "yookassa_epl"
    order["payment_method_title"] = "ЮKassa"
    order["transaction_id"] = "2d9f1c4e-000f-5000-9000-1b5b1e7c8f11"
    order["customer_note"] = "Домофон 12"
    order["coupon_lines"] = [{"id": 9, "code": "winter10", "discount": "100.00"}]
    order.update(overrides)
    return order


def test_the_ping_on_webhook_creation_answers_200(client, store_a):
    response = client.post(
        url(store_a), data="webhook_id=12", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert not Deal.objects.exists()


def test_documented_payload_creates_deal_and_order(client, store_a):
    body = (SAMPLE.parent / "woocommerce_order_created.body.json").read_bytes()

    response = deliver(client, store_a, body)

    assert response.status_code == 201, response.content
    order = Order.objects.get()
    assert order.external_id == "727"
    assert order.deal.source == "woocommerce"
    assert order.payment_method == "invoice"  # bacs: a bank transfer
    assert (order.delivery_method, order.delivery_address) == (
        "courier",
        "94103, CA, San Francisco, 969 Market",
    )
    assert order.delivery_cost == Decimal("10.00")
    assert [(i.sku, i.quantity, i.price) for i in order.items.order_by("pk")] == [
        ("wc-93", 2, Decimal("3.23")),
        ("Bar3", 1, Decimal("12.90")),
    ]
    assert Product.objects.filter(needs_review=True).count() == 2
    # A US number is no Russian phone: the contact is found by e-mail, the number kept in
    # the comment for the manager.
    assert order.contact.email == "john.doe@example.com"
    assert order.contact.phone == ""
    assert "(555) 555-5555" in order.comment
    assert "727" in order.comment


def test_russian_shop_paid_with_cdek_point(client, store_a):
    known = ContactFactory(phone="+79265551234", full_name="Ольга С.")

    response = deliver(client, store_a, russian_order())

    assert response.status_code == 201, response.content
    order = Order.objects.get()
    assert order.contact == known
    assert (order.delivery_method, order.pickup_point_code) == ("cdek", "MSK123")
    assert (order.status, order.payment_status) == ("paid", "paid")
    assert order.payments.get().provider_payment_id == "2d9f1c4e-000f-5000-9000-1b5b1e7c8f11"
    assert order.coupon == "winter10"
    assert order.comment.startswith("Домофон 12")


def test_cash_on_delivery_and_the_only_pickup_point(client, store_a):
    point = WarehouseFactory(code="pvz", kind=Warehouse.Kind.PICKUP_POINT)
    payload = russian_order(payment_method="cod", date_paid=None, date_paid_gmt=None)
    payload["shipping_lines"] = [
        {"id": 1, "method_id": "local_pickup", "total": "0.00", "meta_data": []}
    ]

    deliver(client, store_a, payload)

    order = Order.objects.get()
    assert (order.payment_method, order.pickup_point) == ("cash_on_delivery", point)
    assert order.status == "new"


def test_a_repeated_delivery_creates_nothing(client, store_a):
    first = deliver(client, store_a, russian_order())
    again = deliver(client, store_a, russian_order())

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert (Deal.objects.count(), Order.objects.count(), Contact.objects.count()) == (1, 1, 1)


def test_other_topics_are_acknowledged_and_ignored(client, store_a):
    response = deliver(client, store_a, russian_order(), topic="order.updated")

    assert response.status_code == 200
    assert not Deal.objects.exists()


@pytest.mark.parametrize("store_code", ["dom", "nope"])
def test_bad_signature_or_unknown_store_answers_403_and_writes_nothing(client, store_a, store_code):
    body = json.dumps(russian_order()).encode()
    response = client.post(
        f"/webhooks/woocommerce/{store_code}/",
        data=body,
        content_type="application/json",
        headers={
            "X-WC-Webhook-Topic": "order.created",
            "X-WC-Webhook-Signature": signature(
                body, "wrong" if store_code == "dom" else store_a.api_secret
            ),
        },
    )

    assert response.status_code == 403
    assert not Deal.objects.exists()
    assert not Contact.objects.exists()


def test_an_order_without_phone_or_email_answers_400_and_writes_nothing(client, store_a):
    payload = russian_order()
    payload["billing"].update(phone="", email="")

    response = deliver(client, store_a, payload)

    assert response.status_code == 400
    assert "customer" in response.json()
    assert not Deal.objects.exists()
    assert not Product.objects.exists()


def test_long_free_text_is_cut_and_a_too_long_sku_refused(client, store_a):
    payload = russian_order()
    payload["billing"]["first_name"] = "Я" * 300
    payload["line_items"][0]["name"] = "Товар " * 100

    assert deliver(client, store_a, payload).status_code == 201
    order = Order.objects.get()
    assert len(order.contact.full_name) == 200
    assert len(order.items.order_by("pk").first().product.name) == 300

    payload = russian_order(id=728)
    payload["line_items"][0]["sku"] = "S" * 100
    response = deliver(client, store_a, payload)
    assert response.status_code == 400
    assert "items.0.sku" in response.json()
    assert Order.objects.count() == 1
