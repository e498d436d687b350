"""The plain-SQL yardsticks of the benches write valid rows on the current schema: the raw intake
rows (bench.intake) and the raw transitions (bench.raw_transitions). A column added to a model
must not make them fail, or die silently and report a rate of 0 (the intake's raw contact lacked
the customer segment columns). PostgreSQL only: they connect with psycopg2 on their own, so the
rows are committed (transaction=True) for that connection to see them."""

from __future__ import annotations

import pytest
from django.db import connection

from bench import intake, raw_transitions
from bench.transitions import PATH
from contacts.models import Contact
from deals.models import Deal, DealItem
from orders.models import Order, OrderItem, OrderTransition
from tests.factories import OrderFactory, ProductFactory, StoreFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_transitions_path_follows_the_status_matrix():
    assert raw_transitions.path_states(Order, PATH, start="new") == [
        ("send_payment_link", "new", "awaiting_payment"),
        ("mark_paid", "awaiting_payment", "paid"),
        ("start_assembly", "paid", "assembling"),
        ("finish_assembly", "assembling", "assembled"),
        ("hand_to_delivery", "assembled", "handed_to_delivery"),
    ]
    with pytest.raises(ValueError, match="no transition 'mark_paid' from 'new'"):
        raw_transitions.path_states(Order, ["mark_paid"], start="new")


def test_raw_transitions_move_each_order_along_the_path_with_its_history(on_postgres):
    orders = [OrderFactory(), OrderFactory()]
    steps = raw_transitions.path_states(Order, PATH, start="new")

    rate = raw_transitions.measure(connection.settings_dict, [o.pk for o in orders], steps)

    assert rate.transitions == 10
    assert rate.per_second > 0
    for order in orders:
        moved = Order.objects.get(pk=order.pk)
        assert (moved.status, moved.version) == ("handed_to_delivery", order.version + 5)
        assert (
            list(
                OrderTransition.objects.filter(order=order, via="system")
                .order_by("pk")
                .values_list("name", "source", "target")
            )
            == steps
        )


def test_raw_intake_rows_insert_on_the_current_schema(on_postgres):
    store = StoreFactory()
    products = [ProductFactory().pk for _ in range(3)]

    rate = intake._raw_sql_rate(connection.settings_dict, 0.2, 1, store.pk, products)

    written = Order.objects.filter(store=store).count()
    assert written > 0
    assert rate > 0
    assert Deal.objects.filter(store=store).count() == written
    assert Contact.objects.filter(full_name__startswith="raw ").count() == written
    assert DealItem.objects.filter(deal__store=store).count() == 3 * written
    assert OrderItem.objects.filter(order__store=store).count() == 3 * written
