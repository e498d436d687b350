"""The order pages cost a fixed number of queries, whatever the number of rows on the page, and
the list does not count a big table row by row (automation.paginator).

The dashboard and the funnel have their own constant-query tests (test_dashboard.py,
test_funnel.py), and test_order_admin.py the plain order list at two sizes.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from automation.paginator import EstimatedCountPaginator
from orders.admin import OrderAdmin
from orders.models import Order, OrderTransition, Payment
from tests.factories import ContactFactory, OrderFactory, OrderItemFactory, PaymentFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:orders_order_changelist")


@pytest.fixture
def lead(client, team_lead):
    client.force_login(team_lead)
    return client


def _order_with(store, *, rows: int) -> Order:
    """An order awaiting payment (its lines still editable) with `rows` lines, `rows` history
    entries and `rows` payments, the last one live."""
    order = OrderFactory(store=store, status=Order.Status.AWAITING_PAYMENT, items=0)
    for i in range(rows):
        OrderItemFactory(order=order)
        OrderTransition.objects.create(
            order=order,
            name="send_payment_link",
            source="new",
            target="awaiting_payment",
            via="admin",
        )
        last = i == rows - 1
        PaymentFactory(
            order=order,
            amount=Decimal("1000.00"),
            status=Payment.Status.PENDING if last else Payment.Status.CANCELED,
        )
    return order


def _change(order: Order) -> str:
    return reverse("admin:orders_order_change", args=[order.pk])


def test_the_order_page_costs_the_same_queries_for_one_line_or_many(
    lead, store_a, django_assert_max_num_queries
):
    small, big = _order_with(store_a, rows=1), _order_with(store_a, rows=12)
    lead.get(_change(small))  # warm the caches (content types, sessions)
    with CaptureQueriesContext(connection) as one_row:
        assert lead.get(_change(small)).status_code == 200

    with django_assert_max_num_queries(len(one_row)):
        response = lead.get(_change(big))

    assert response.status_code == 200
    items = next(
        f for f in response.context["inline_admin_formsets"] if f.opts.model.__name__ == "OrderItem"
    )
    assert len(items.formset.forms) == 12


def test_each_line_of_the_order_page_names_its_own_product(lead, store_a):
    order = _order_with(store_a, rows=3)
    html = lead.get(_change(order)).content.decode()

    for line in order.items.select_related("product"):
        assert f'<option value="{line.product_id}" selected>{line.product}</option>' in html


@pytest.mark.parametrize("per_page", [3, 30])
@pytest.mark.parametrize(
    "query",
    [{}, {"status": "new", "store": "{store}"}, {"q": "8 999 123-45-67"}, {"p": "2"}],
    ids=["all", "status and store", "phone", "second page"],
)
def test_the_order_list_costs_the_same_queries_for_any_page_size(
    lead, store_a, monkeypatch, per_page, query, django_assert_max_num_queries
):
    monkeypatch.setattr(OrderAdmin, "list_per_page", per_page)
    customer = ContactFactory(phone="+79991234567")
    for _ in range(2 * per_page):
        OrderFactory(store=store_a, contact=customer)
    params = {key: value.format(store=store_a.pk) for key, value in query.items()}

    with django_assert_max_num_queries(12):
        response = lead.get(LIST, params)

    assert len(response.context["cl"].result_list) == per_page


def test_the_list_counts_exactly_on_sqlite_and_below_the_threshold(lead, store_a):
    for _ in range(3):
        OrderFactory(store=store_a)

    response = lead.get(LIST)

    cl = response.context["cl"]
    assert isinstance(cl.paginator, EstimatedCountPaginator)
    assert (cl.result_count, cl.paginator.is_estimate) == (3, False)
    assert "≈" not in response.content.decode()


@pytest.mark.postgres
def test_above_the_threshold_the_list_shows_the_planners_estimate(
    on_postgres, lead, store_a, monkeypatch
):
    monkeypatch.setattr(EstimatedCountPaginator, "exact_up_to", 5)
    for _ in range(8):
        OrderFactory(store=store_a)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")  # the statistics the estimate comes from

    response = lead.get(LIST)

    cl = response.context["cl"]
    assert (cl.result_count, cl.paginator.is_estimate) == (8, True)
    assert "≈&nbsp;8" in response.content.decode()


@pytest.mark.postgres
def test_a_filtered_list_at_or_below_the_threshold_is_counted_exactly(
    on_postgres, lead, store_a, monkeypatch
):
    monkeypatch.setattr(EstimatedCountPaginator, "exact_up_to", 5)
    for _ in range(8):
        OrderFactory(store=store_a)
    OrderFactory(store=store_a, status=Order.Status.CONFIRMED)

    response = lead.get(LIST, {"status": "confirmed"})

    cl = response.context["cl"]
    assert (cl.result_count, cl.paginator.is_estimate) == (1, False)
    assert "≈" not in response.content.decode()
