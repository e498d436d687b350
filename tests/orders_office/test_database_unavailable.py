"""While PostgreSQL cannot be reached the web answers 503 with Retry-After, never 500, and the
request wrote nothing: the store's website sends it again and it is taken once."""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import OperationalError, connection

from deals.models import Deal
from orders.models import Order
from tests.factories import ProductFactory
from tests.orders.api_client import signed_post, site_order

pytestmark = pytest.mark.django_db

#: Statements the test's own transaction needs to roll the request back; the rest "fail".
_KEEP = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")


@contextmanager
def database_down():
    """Every query fails as it does while PostgreSQL restarts."""

    def refuse(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(_KEEP):
            return execute(sql, params, many, context)
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        yield


@pytest.fixture
def catalogue(db):
    ProductFactory(sku="KETTLE-01", price=Decimal("2490.00"))
    ProductFactory(sku="MUG-02", price=Decimal("350.00"))


def test_the_api_answers_503_with_retry_after_and_the_retry_is_taken_once(
    client, store_a, catalogue
):
    with database_down():
        response = signed_post(client, store_a, site_order("A-503"))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "detail": "Сервис временно недоступен. Повторите запрос через несколько секунд."
    }
    assert Deal.objects.count() == 0

    again = signed_post(client, store_a, site_order("A-503"))
    assert again.status_code == 201
    assert Order.objects.filter(external_id="A-503").count() == 1


def test_an_admin_page_answers_503_as_text(client, manager):
    client.force_login(manager)

    with database_down():
        response = client.get("/admin/orders/order/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_other_errors_are_still_server_errors(client, store_a, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("orders.api.views.order_intake", broken)

    with pytest.raises(RuntimeError):
        signed_post(client, store_a, site_order("A-500"))
