"""The demo store website's checkout sends a real signed order through the store API."""

from __future__ import annotations

import pytest
import responses
from django.test import Client

from catalog.models import Warehouse
from orders.models import Order

from ..factories import ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(settings, client):
    """Requests to SITE_URL are answered by this very test server (the demo's runserver)."""
    settings.ROOT_URLCONF = "tests.orders.urls_sandbox"
    settings.SITE_URL = "http://127.0.0.1:8000"
    api = Client(SERVER_NAME="127.0.0.1")

    def forward(request):
        answer = api.post(
            "/api/v1/orders/",
            data=request.body,
            content_type="application/json",
            headers={k: v for k, v in request.headers.items() if k.startswith("X-")},
        )
        return answer.status_code, {}, answer.content

    with responses.RequestsMock() as mocked:
        mocked.add_callback(responses.POST, "http://127.0.0.1:8000/api/v1/orders/", forward)
        yield mocked


def test_a_paid_cdek_order_arrives_as_a_paid_order(site, client, store_a):
    ProductFactory(sku="KETTLE-01")

    page = client.post(
        "/sandbox/storesite/checkout/",
        {"store": store_a.pk, "delivery": "cdek", "payment": "paid", "phone": "8 916 123-45-67"},
    )

    assert page.status_code == 200
    order = Order.objects.get()
    assert (order.store, order.status, order.contact.phone) == (store_a, "paid", "+79161234567")
    assert f"/admin/orders/order/{order.pk}/change/" in page.content.decode()


def test_a_one_click_order_is_a_deal_only(site, client, store_a):
    ProductFactory(sku="KETTLE-01")
    WarehouseFactory(kind=Warehouse.Kind.PICKUP_POINT)

    client.post(
        "/sandbox/storesite/checkout/",
        {
            "store": store_a.pk,
            "delivery": "pickup",
            "payment": "cash_on_delivery",
            "one_click": "on",
        },
    )

    assert not Order.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_checkout_calls_the_api_outside_a_transaction(settings, client, store_a):
    # On the demo's SQLite a request transaction holds the write lock: our own API, called
    # over HTTP from inside it, would wait for it until "database is locked".
    from django.db import connection

    settings.ROOT_URLCONF = "tests.orders.urls_sandbox"
    settings.SITE_URL = "http://127.0.0.1:8000"
    ProductFactory(sku="KETTLE-01")
    seen = []

    def answer(request):
        seen.append(connection.in_atomic_block)
        return 201, {}, b'{"number": "10001", "deal_id": 1, "order_id": null}'

    with responses.RequestsMock() as mocked:
        mocked.add_callback(responses.POST, "http://127.0.0.1:8000/api/v1/orders/", answer)
        client.post(
            "/sandbox/storesite/checkout/",
            {"store": store_a.pk, "delivery": "cdek", "payment": "paid"},
        )

    assert seen == [False]
