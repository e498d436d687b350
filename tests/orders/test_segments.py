"""Customer figures, segments and rating (orders.segments), on small known data."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import Contact, CustomerSegment
from deals.models import Deal
from orders.models import OrderReturn, ReturnReason, Status
from orders.returns_models import ReturnChannel, ReturnMethod
from orders.segments import contact_stats_refresh, rating_for
from orders.services import order_issue
from orders.tasks import refresh_customer_stats_task
from tests.factories import ContactFactory, DealFactory, OrderFactory, RefusalReasonFactory

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=MSK)


def days_ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def issued_order(contact, store, *, days: int, total: str, status=Status.ISSUED):
    return OrderFactory(
        contact=contact,
        store=store,
        items=0,
        status=status,
        total=Decimal(total),
        issued_at=days_ago(days),
        closed_at=days_ago(days),
    )


def completed_return(order, *, refund: str) -> OrderReturn:
    reason, _created = ReturnReason.objects.get_or_create(code="size", defaults={"name": "Размер"})
    return OrderReturn.objects.create(
        order=order,
        store=order.store,
        status=OrderReturn.Status.COMPLETED,
        reason=reason,
        channel=ReturnChannel.PHONE,
        method=ReturnMethod.PICKUP_POINT,
        refund_total=Decimal(refund),
        refund_by_hand=Decimal(refund),
    )


@pytest.fixture
def regular(store_a):
    """Three orders received (one of them returned and refunded), one on its way, one
    cancelled: 10 000 + 20 000 + 6 000 − 6 000 refunded = 30 000 ₽ over 3 issued orders."""
    contact = ContactFactory(full_name="Постоянная Покупательница")
    issued_order(contact, store_a, days=10, total="10000.00")
    issued_order(contact, store_a, days=100, total="20000.00")
    returned = issued_order(contact, store_a, days=50, total="6000.00", status=Status.RETURNED)
    completed_return(returned, refund="6000.00")
    OrderFactory(contact=contact, store=store_a, items=0, status=Status.PAID, total=Decimal(5000))
    OrderFactory(
        contact=contact,
        store=store_a,
        items=0,
        status=Status.CANCELLED,
        cancel_reason=RefusalReasonFactory(code="changed_mind"),
    )
    return contact


@pytest.fixture
def unreliable(store_a):
    """Never got an order: one not picked up, one deal lost without an order."""
    contact = ContactFactory(full_name="Ненадёжный Клиент")
    OrderFactory(
        contact=contact,
        store=store_a,
        status=Status.CANCELLED,
        cancel_reason=RefusalReasonFactory(code="not_picked_up", name="Не забрал заказ"),
    )
    DealFactory(
        contact=contact,
        store=store_a,
        stage=Deal.Stage.LOST,
        lost_reason=RefusalReasonFactory(code="changed_mind"),
    )
    return contact


def refreshed(*contacts: Contact) -> list[Contact]:
    contact_stats_refresh([c.pk for c in contacts], now=NOW)
    for contact in contacts:
        contact.refresh_from_db()
    return list(contacts)


def test_it_computes_the_figures_of_a_regular_customer(regular):
    [contact] = refreshed(regular)

    assert contact.orders_count == 4  # the cancelled one is not counted
    assert contact.issued_orders_count == 3
    assert contact.total_spent == Decimal("30000.00")
    assert contact.average_order == Decimal("10000.00")
    assert contact.last_order_at == days_ago(10)
    assert contact.segment == CustomerSegment.REPEAT
    # 3 + 3 × 0.5 (issued) − 0.5 (refusal) − 0.5 (return) = 3.5 → 4
    assert contact.rating == 4
    assert contact.stats_updated_at == NOW


def test_it_computes_the_figures_of_a_customer_who_never_bought(unreliable):
    [contact] = refreshed(unreliable)

    assert contact.orders_count == 0
    assert contact.issued_orders_count == 0
    assert contact.total_spent == Decimal("0.00")
    assert contact.average_order is None
    assert contact.last_order_at is None
    assert contact.segment == CustomerSegment.NEW
    # 3 − 0.5 (lost deal) − 1 (not picked up) = 1.5 → 2
    assert contact.rating == 2


def test_a_contact_without_any_history_is_new_and_not_rated(db):
    [contact] = refreshed(ContactFactory())

    assert (contact.segment, contact.rating, contact.orders_count) == (CustomerSegment.NEW, None, 0)


@pytest.mark.parametrize(
    ("orders_days", "segment"),
    [
        ([179], CustomerSegment.ACTIVE),
        ([181], CustomerSegment.LAPSED),
        ([179, 400], CustomerSegment.REPEAT),
        ([181, 400], CustomerSegment.LAPSED),
    ],
)
def test_the_segment_follows_the_last_issued_order(store_a, orders_days, segment):
    contact = ContactFactory()
    for days in orders_days:
        issued_order(contact, store_a, days=days, total="1000.00")

    [contact] = refreshed(contact)

    assert contact.segment == segment


@pytest.mark.parametrize(
    ("history", "stars"),
    [
        ({}, None),
        ({"issued": 1}, 4),
        ({"issued": 4}, 5),
        ({"issued": 20, "returned": 2}, 5),
        ({"refused": 1}, 3),
        ({"refused": 2}, 2),
        ({"not_picked_up": 1}, 2),
        ({"not_picked_up": 3}, 1),
        ({"issued": 3, "returned": 1}, 4),
        ({"issued": 2, "refused": 1, "not_picked_up": 1}, 3),
    ],
)
def test_rating_for_a_history(history, stars):
    counts = {"issued": 0, "refused": 0, "not_picked_up": 0, "returned": 0, **history}
    assert rating_for(**counts) == stars


def test_the_refresh_takes_the_same_queries_for_2_and_20_contacts(store_a):
    def queries_for(count: int) -> int:
        contacts = [ContactFactory() for _ in range(count)]
        for contact in contacts:
            issued_order(contact, store_a, days=5, total="1500.00")
        with CaptureQueriesContext(connection) as queries:
            contact_stats_refresh([c.pk for c in contacts], now=NOW)
        return len(queries)

    assert queries_for(2) == queries_for(20) == 4


def test_issuing_an_order_updates_its_customer(
    manager, store_a, django_capture_on_commit_callbacks
):
    contact = ContactFactory()
    order = OrderFactory(
        contact=contact,
        store=store_a,
        status=Status.AWAITING_PICKUP,
        payment_status="paid",
        items=2,
    )
    with django_capture_on_commit_callbacks(execute=True):
        order_issue(order_id=order.pk, actor=manager)

    contact.refresh_from_db()
    assert contact.issued_orders_count == 1
    assert contact.total_spent == Decimal("2000.00")
    assert contact.segment == CustomerSegment.ACTIVE
    assert contact.rating == 4


def test_the_nightly_job_moves_a_customer_whose_last_order_is_old_to_lapsed(store_a):
    contact = ContactFactory()
    issued_order(contact, store_a, days=170, total="1000.00")
    with time_machine.travel(NOW, tick=False):
        refresh_customer_stats_task()
    contact.refresh_from_db()
    assert contact.segment == CustomerSegment.ACTIVE

    with time_machine.travel(NOW + timedelta(days=11), tick=False):
        assert refresh_customer_stats_task() == 1
    contact.refresh_from_db()
    assert contact.segment == CustomerSegment.LAPSED


def test_the_command_fills_the_figures_of_an_existing_database(store_a):
    contact = ContactFactory()
    issued_order(contact, store_a, days=1, total="2500.00")

    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("refresh_customer_stats", stdout=out)

    contact.refresh_from_db()
    assert (contact.segment, contact.total_spent) == (CustomerSegment.ACTIVE, Decimal("2500.00"))
    assert "1 contacts" in out.getvalue()
