"""The customer's segment and rating where the manager looks: the contact list and card, the
deal and order pages; the segment as a trigger condition."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from automation.models import Trigger
from contacts.models import Contact, CustomerSegment
from orders.models import Status
from tests.factories import ContactFactory, DealFactory, OrderFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:contacts_contact_changelist")


@pytest.fixture
def anna(client, manager):
    client.force_login(manager)
    return client


def customer(name: str, segment: str, rating: int | None, issued: int = 0, spent: str = "0"):
    contact = ContactFactory(full_name=name)
    # The figures are not editable: written as orders.segments writes them.
    Contact.objects.filter(pk=contact.pk).update(
        segment=segment, rating=rating, issued_orders_count=issued, total_spent=Decimal(spent)
    )
    contact.refresh_from_db()
    return contact


def test_the_contact_list_shows_the_figures_and_filters_by_segment(anna):
    customer("Повторная Покупательница", CustomerSegment.REPEAT, 4, issued=5, spent="42300")
    customer("Новый Клиент", CustomerSegment.NEW, None)

    response = anna.get(LIST_URL, {"segment__exact": CustomerSegment.REPEAT})

    assert response.status_code == 200
    text = response.content.decode()
    assert "Повторная Покупательница" in text
    assert "★★★★☆" in text
    assert "42\u00a0300\u00a0₽" in text
    assert "Новый Клиент" not in text


def test_the_contact_list_filters_by_rating(anna):
    customer("Пятизвёздный", CustomerSegment.REPEAT, 5)
    customer("Двухзвёздный", CustomerSegment.NEW, 2)

    text = anna.get(LIST_URL, {"rating": "2"}).content.decode()

    assert "Двухзвёздный" in text
    assert "Пятизвёздный" not in text


def test_the_contact_list_keeps_its_queries_whatever_the_number_of_rows(anna):
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert anna.get(LIST_URL).status_code == 200
        return len(queries)

    customer("Первый", CustomerSegment.ACTIVE, 4, issued=1, spent="1000")
    few = queries_for_list()
    for n in range(10):
        customer(f"Клиент {n}", CustomerSegment.REPEAT, 5, issued=3, spent="9000")

    assert queries_for_list() == few


def test_the_contact_card_shows_the_purchases_read_only(anna):
    contact = customer("Постоянная", CustomerSegment.REPEAT, 4, issued=5, spent="42300")

    response = anna.get(reverse("admin:contacts_contact_change", args=[contact.pk]))

    text = response.content.decode()
    assert "Покупки" in text
    assert "Повторный" in text
    assert "★★★★☆" in text
    assert 'name="segment"' not in text


def test_the_order_page_names_the_customers_segment_and_rating(anna, store_a, manager):
    contact = customer("Постоянная", CustomerSegment.REPEAT, 4, issued=5, spent="42300")
    order = OrderFactory(contact=contact, store=store_a, responsible=manager)

    response = anna.get(reverse("admin:orders_order_change", args=[order.pk]))

    assert "Повторный · ★★★★☆ · 5 заказов на 42\u00a0300\u00a0₽" in response.content.decode()


def test_the_deal_page_names_the_customers_segment_and_rating(anna, store_a, manager):
    contact = customer("Новенькая", CustomerSegment.ACTIVE, 4, issued=1, spent="2500")
    deal = DealFactory(contact=contact, store=store_a, responsible=manager)

    response = anna.get(reverse("admin:deals_deal_change", args=[deal.pk]))

    assert "Действующий · ★★★★☆ · 1 заказ на 2\u00a0500\u00a0₽" in response.content.decode()


@pytest.mark.parametrize(
    ("condition", "matches"),
    [("", True), (CustomerSegment.REPEAT, True), (CustomerSegment.LAPSED, False)],
)
def test_a_trigger_matches_the_segment_of_the_orders_contact(store_a, condition, matches):
    contact = customer("Постоянная", CustomerSegment.REPEAT, 4)
    order = OrderFactory(contact=contact, store=store_a, status=Status.ISSUED)
    trigger = Trigger.objects.create(
        name="Спасибо постоянным",
        subject="orders.order",
        state=Status.ISSUED,
        event=Trigger.Event.ENTERS,
        customer_segment=condition,
    )

    assert trigger.matches(order) is matches


def test_a_segment_condition_does_not_match_a_deal_without_a_contact(store_a):
    deal = DealFactory(store=store_a, contact=None)
    trigger = Trigger.objects.create(
        name="Новым клиентам",
        subject="deals.deal",
        state="new",
        event=Trigger.Event.ENTERS,
        customer_segment=CustomerSegment.NEW,
    )

    assert trigger.matches(deal) is False


def test_the_team_lead_picks_the_segment_on_the_trigger_form(client, team_lead):
    client.force_login(team_lead)

    response = client.get(reverse("admin:automation_trigger_add"))

    field = response.context["adminform"].form.fields["customer_segment"]
    assert [str(label) for _value, label in field.choices] == [
        "любой",
        "Новый",
        "Действующий",
        "Повторный",
        "Ушедший",
    ]
