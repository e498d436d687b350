"""POST /api/v1/orders/: a website's order becomes a contact, a deal and an order."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from catalog.models import Product, Warehouse
from contacts.models import Company, Contact
from deals.models import Deal
from orders.models import Order

from ..factories import ContactFactory, ProductFactory, WarehouseFactory
from .api_client import signed_get, signed_post, site_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    return [
        ProductFactory(sku="KETTLE-01", name="Чайник", price=Decimal("2600.00")),
        ProductFactory(sku="MUG-02", name="Кружка", price=Decimal("400.00")),
    ]


def written() -> tuple[int, int, int, int, int]:
    return (
        Contact.objects.count(),
        Company.objects.count(),
        Deal.objects.count(),
        Order.objects.count(),
        Product.objects.count(),
    )


def test_a_complete_order_creates_contact_deal_and_order(client, store_a, catalogue):
    response = signed_post(client, store_a, site_order())

    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get(pk=body["order_id"])
    assert body == {
        "number": order.number,
        "deal_id": order.deal_id,
        "order_id": order.pk,
        "status": "new",
        "payment_status": "unpaid",
    }
    contact = Contact.objects.get()
    assert (contact.full_name, contact.phone, contact.email) == (
        "Ирина Петрова",
        "+79161234567",
        "irina@example.ru",
    )
    deal = order.deal
    assert (deal.channel, deal.source, deal.external_id, deal.stage) == (
        "site",
        "cart",
        "A-1001",
        "order_placed",
    )
    assert order.store == store_a
    assert order.external_id == "A-1001"
    assert order.payment_method == "cash_on_delivery"
    assert (order.delivery_method, order.pickup_point_code) == ("cdek", "MSK123")
    # The site's prices, not the catalogue's: the customer was shown them.
    assert [(i.sku, i.quantity, i.price) for i in order.items.order_by("pk")] == [
        ("KETTLE-01", 1, Decimal("2490.00")),
        ("MUG-02", 2, Decimal("350.00")),
    ]
    assert (order.delivery_cost, order.total, order.coupon) == (
        Decimal("300.00"),
        Decimal("3490.00"),
        "WINTER",
    )
    assert order.transitions.get().via == "api"
    # The site's own time of the order is kept (processing time counts from it).
    assert deal.placed_at.isoformat() == "2026-12-04T09:30:00+00:00"


def test_paid_on_the_site_the_order_is_paid(client, store_a, catalogue):
    payload = site_order(
        payment={"method": "online", "paid": True, "transaction_id": "2d9f1c4e-site"}
    )
    response = signed_post(client, store_a, payload)

    assert response.status_code == 201, response.json()
    assert (response.json()["status"], response.json()["payment_status"]) == ("paid", "paid")
    order = Order.objects.get()
    assert order.payment_method == "online_on_site"
    payment = order.payments.get()
    assert (payment.amount, payment.provider_payment_id, payment.status) == (
        order.total,
        "2d9f1c4e-site",
        "succeeded",
    )
    assert list(order.transitions.order_by("pk").values_list("name", "target")) == [
        ("create", "new"),
        ("send_payment_link", "awaiting_payment"),
        ("payment_paid", "awaiting_payment"),
        ("mark_paid", "paid"),
    ]


def test_unpaid_online_order_waits_for_the_payment_link(client, store_a, catalogue):
    response = signed_post(client, store_a, site_order(payment={"method": "online"}))

    assert response.json()["status"] == "new"
    assert Order.objects.get().payment_method == "online"


def test_one_click_order_without_delivery_is_a_deal_for_the_manager_to_call(
    client, store_a, catalogue
):
    payload = site_order(source="one_click")
    del payload["delivery"], payload["payment"]

    response = signed_post(client, store_a, payload)

    assert response.status_code == 201
    assert response.json()["order_id"] is None
    deal = Deal.objects.get()
    assert (deal.stage, deal.source, deal.items.count()) == ("new", "one_click", 2)
    assert not Order.objects.exists()


def test_the_same_external_id_again_answers_200_and_creates_nothing(client, store_a, catalogue):
    first = signed_post(client, store_a, site_order())
    before = written()

    again = signed_post(client, store_a, site_order(comment="changed"))

    assert again.status_code == 200
    assert again.json() == first.json()
    assert written() == before


def test_external_ids_are_per_store(client, store_a, store_b, catalogue):
    signed_post(client, store_a, site_order())
    response = signed_post(client, store_b, site_order())

    assert response.status_code == 201
    assert Order.objects.count() == 2
    assert Contact.objects.count() == 1  # one customer base: the same phone is one contact


def test_returning_customer_is_found_by_phone_in_another_format(client, store_a, catalogue):
    known = ContactFactory(phone="+79161234567", full_name="Ирина", email="")

    signed_post(client, store_a, site_order())

    assert Contact.objects.get() == known
    known.refresh_from_db()
    assert known.full_name == "Ирина"  # a name the manager typed is kept
    assert known.email == "irina@example.ru"  # a missing e-mail is filled in
    assert Order.objects.get().contact == known


def test_legal_entity_gets_a_company(client, store_a, catalogue):
    payload = site_order(payment={"method": "invoice"})
    payload["customer"]["company"] = {
        "name": "ООО «Ромашка»",
        "inn": "7707083893",
        "kpp": "773601001",
    }

    response = signed_post(client, store_a, payload)

    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    assert order.company.inn == "7707083893"
    assert order.contact in order.company.contacts.all()


def test_unknown_sku_creates_a_product_for_review(client, store_a, catalogue):
    payload = site_order()
    payload["items"].append({"sku": "NEW-77", "name": "Плед", "quantity": 1, "price": "1990.00"})

    signed_post(client, store_a, payload)

    product = Product.objects.get(sku="NEW-77")
    assert (product.name, product.price, product.needs_review) == ("Плед", Decimal("1990.00"), True)
    assert Order.objects.get().items.filter(product=product).exists()


def test_pickup_from_our_point_by_its_code(client, store_a, catalogue):
    point = WarehouseFactory(code="pvz-lenina", kind=Warehouse.Kind.PICKUP_POINT)
    payload = site_order(delivery={"method": "pickup", "pickup_point_code": "pvz-lenina"})

    signed_post(client, store_a, payload)

    assert Order.objects.get().pickup_point == point


def test_state_endpoint_reads_the_order(client, store_a, catalogue):
    signed_post(client, store_a, site_order())
    order = Order.objects.get()

    response = signed_get(client, store_a, "A-1001")

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == order.number
    assert (body["status"], body["status_label"], body["payment_status"]) == (
        "new",
        "Новый",
        "unpaid",
    )
    assert (body["total"], body["tracking_number"], body["deal_stage"]) == (
        "3490.00",
        None,
        "order_placed",
    )


def test_state_endpoint_shows_only_the_stores_own_orders(client, store_a, store_b, catalogue):
    signed_post(client, store_a, site_order())

    assert signed_get(client, store_b, "A-1001").status_code == 404
    assert signed_get(client, store_a, "A-404").status_code == 404
    assert signed_get(client, store_a, "A-1001", secret="wrong").status_code == 401


# --- bad input: a clear answer and nothing written -----------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p["customer"].update(phone="12345"), "customer"),
        (lambda p: p["customer"].update(phone="", email=""), "customer"),
        (lambda p: p["items"][0].update(quantity=-1), "items"),
        (lambda p: p["items"][0].update(quantity=0), "items"),
        (lambda p: p["items"][0].update(price="-1.00"), "items"),
        (lambda p: p["items"][0].update(sku="with space"), "items"),
        (lambda p: p.update(items=[]), "items"),
        (lambda p: p.pop("external_id"), "external_id"),
        (lambda p: p.pop("customer"), "customer"),
        (lambda p: p.update(created_at="yesterday"), "created_at"),
        (lambda p: p["delivery"].update(method="teleport"), "delivery"),
        (lambda p: p["payment"].update(method="barter"), "payment"),
        (lambda p: p["customer"].update(company={"name": "ООО", "inn": "1234567890"}), "customer"),
    ],
)
def test_malformed_fields_answer_400_with_field_errors(client, store_a, catalogue, change, field):
    payload = site_order()
    change(payload)
    before = written()

    response = signed_post(client, store_a, payload)

    assert response.status_code == 400
    assert field in response.json()
    assert written() == before


@pytest.mark.parametrize(
    ("delivery", "payment", "field"),
    [
        ({"method": "courier"}, {"method": "cash_on_delivery"}, "delivery.address"),
        (
            {"method": "pickup", "pickup_point_code": "nowhere"},
            {"method": "cash_on_delivery"},
            "delivery.pickup_point_code",
        ),
        ({"method": "cdek"}, {"method": "cash_on_delivery"}, "delivery.pickup_point_code"),
        (
            {"method": "cdek", "address": "Москва"},
            {"method": "invoice", "paid": True},
            "payment.paid",
        ),
    ],
)
def test_incomplete_delivery_or_payment_answers_400_and_writes_nothing(
    client, store_a, catalogue, delivery, payment, field
):
    before = written()

    response = signed_post(client, store_a, site_order(delivery=delivery, payment=payment))

    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert written() == before


def test_malformed_json_answers_400(client, store_a, catalogue):
    response = signed_post(client, store_a, None, raw=b'{"external_id": "A-1",')

    assert response.status_code == 400
    assert written() == (0, 0, 0, 0, 2)


@pytest.mark.parametrize(
    "headers",
    [
        {"secret": "not-the-secret"},
        {"HTTP_X_SIGNATURE": ""},
    ],
)
def test_bad_signature_answers_401_and_writes_nothing(client, store_a, catalogue, headers):
    secret = headers.get("secret")
    if secret:
        response = signed_post(client, store_a, site_order(), secret=secret)
    else:
        body = json.dumps(site_order()).encode()
        response = client.post(
            "/api/v1/orders/",
            data=body,
            content_type="application/json",
            headers={"X-Store-Code": store_a.code},
        )

    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers
    assert written() == (0, 0, 0, 0, 2)


def test_a_body_changed_after_signing_answers_401(client, store_a, catalogue):
    body = json.dumps(site_order()).encode()
    from integrations.storesite.signing import sign

    response = client.post(
        "/api/v1/orders/",
        data=body.replace(b"WINTER", b"SUMMER"),
        content_type="application/json",
        headers={"X-Store-Code": store_a.code, "X-Signature": sign(body, store_a.api_secret)},
    )

    assert response.status_code == 401
    assert not Deal.objects.exists()


def test_unknown_or_inactive_store_answers_401(client, store_a, catalogue):
    store_a.is_active = False
    store_a.save()

    assert signed_post(client, store_a, site_order()).status_code == 401
    assert not Deal.objects.exists()


def test_a_body_over_one_megabyte_answers_413_before_it_is_read(client, store_a, catalogue):
    payload = site_order(comment="x" * (1024 * 1024))

    response = signed_post(client, store_a, payload)

    assert response.status_code == 413
    assert not Deal.objects.exists()


def test_a_total_too_large_for_the_books_answers_400(client, store_a, catalogue):
    payload = site_order()
    payload["items"][0].update(quantity=100_000, price="9999999999.99")
    before = written()

    response = signed_post(client, store_a, payload)

    assert response.status_code == 400
    assert "items" in response.json()
    assert written() == before
