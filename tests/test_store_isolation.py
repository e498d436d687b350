"""A manager of store A never sees store B's rows: lists, search, change pages, their own pages
(print, handover, payment buttons, reply), the CSV exports, autocomplete, the dashboard and the
funnel. Each store has one of everything, marked by its deal number: 71001 in A, 72002 in B.

Contacts are one customer base shared by the stores (docs/architecture.md, «Store scoping»):
the last tests pin that down, so that a change of that decision is a visible one.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.choices import AssignmentStrategy
from deals.distribution_models import DealAssignment
from fulfillment.models import AssemblyDocument
from fulfillment.shipment_models import Shipment
from orders.models import Order
from orders.store_events_models import StoreEvent
from tests.factories import ContactFactory, UserFactory, issued_order, open_return

pytestmark = pytest.mark.django_db

A, B = "71001", "72002"


def _store_world(store, number: str, responsible) -> dict:
    contact = ContactFactory(full_name=f"Покупатель {number}")
    order = issued_order(store, contact=contact, deal__number=number, responsible=responsible)
    deal = order.deal
    now = timezone.now()
    # Overdue in its stage, so the dashboard lists it; the manager of A is responsible for
    # both deals, so only the store can keep B's off her dashboard.
    type(deal).objects.filter(pk=deal.pk).update(
        responsible=responsible,
        stage_deadline_at=now - datetime.timedelta(hours=2),
        overdue_since=now - datetime.timedelta(hours=2),
    )
    return {
        "store": store,
        "contact": contact,
        "deal": deal,
        "order": order,
        "return": open_return(order),
        "document": AssemblyDocument.objects.create(number=f"D-{number}", order=order, store=store),
        "shipment": Shipment.objects.create(
            order=order, store=store, kind=Shipment.Kind.COURIER, status="delivered"
        ),
        "event": StoreEvent.objects.create(
            store=store,
            order=order,
            sequence=1,
            type=StoreEvent.Type.STATUS_CHANGED,
            payload={"number": number},
        ),
        "assignment": DealAssignment.objects.create(
            deal=deal,
            manager=responsible,
            strategy=AssignmentStrategy.MANUAL,
            rule_name=f"rule {number}",
            at=now,
        ),
    }


@pytest.fixture
def world(store_a, store_b, manager):
    return {A: _store_world(store_a, A, manager), B: _store_world(store_b, B, manager)}


@pytest.fixture
def anna(client, manager):
    client.force_login(manager)
    return client


#: admin changelist → the object of the world it lists
LISTS = {
    "admin:deals_deal_changelist": "deal",
    "admin:orders_order_changelist": "order",
    "admin:orders_orderreturn_changelist": "return",
    "admin:orders_storeevent_changelist": "event",
    "admin:fulfillment_shipment_changelist": "shipment",
    "admin:fulfillment_assemblydocument_changelist": "document",
    "admin:deals_dealassignment_changelist": "assignment",
}


def _listed(client, url_name: str, **query) -> set[int]:
    response = client.get(reverse(url_name), query)
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.mark.parametrize("url_name", LISTS)
def test_a_list_shows_only_the_managers_store(anna, world, url_name):
    key = LISTS[url_name]

    assert _listed(anna, url_name) == {world[A][key].pk}


@pytest.mark.parametrize("url_name", LISTS)
def test_a_search_does_not_find_another_stores_rows(anna, world, url_name):
    key = LISTS[url_name]

    assert _listed(anna, url_name, q=A) == {world[A][key].pk}
    assert _listed(anna, url_name, q=B) == set()


@pytest.mark.parametrize("url_name", LISTS)
def test_the_team_lead_sees_both_stores(client, team_lead, world, url_name):
    client.force_login(team_lead)
    key = LISTS[url_name]

    assert _listed(client, url_name) == {world[A][key].pk, world[B][key].pk}


#: (admin change page, the object of the world it opens)
CHANGE_PAGES = [
    ("admin:deals_deal_change", "deal"),
    ("admin:orders_order_change", "order"),
    ("admin:orders_orderreturn_change", "return"),
    ("admin:orders_storeevent_change", "event"),
    ("admin:fulfillment_shipment_change", "shipment"),
    ("admin:fulfillment_assemblydocument_change", "document"),
    ("admin:fulfillment_assemblydocument_print", "document"),
    ("admin:fulfillment_shipment_handover", "shipment"),
    ("admin:deals_dealassignment_change", "assignment"),
    ("admin:catalog_store_change", "store"),
]


@pytest.mark.parametrize(("url_name", "key"), CHANGE_PAGES)
def test_another_stores_page_is_not_found(anna, world, url_name, key):
    own = anna.get(reverse(url_name, args=[world[A][key].pk]))
    other = anna.get(reverse(url_name, args=[world[B][key].pk]))

    assert own.status_code == 200
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("url_name", "args", "data"),
    [
        ("admin:orders_order_payment_action", lambda w: [w["order"].pk, "resend"], {}),
        ("admin:deals_deal_reply", lambda w: [w["deal"].pk], {"text": "Здравствуйте"}),
    ],
)
def test_another_stores_buttons_are_not_found_and_change_nothing(anna, world, url_name, args, data):
    order = world[B]["order"]
    before = Order.objects.filter(pk=order.pk).values().get()

    response = anna.post(reverse(url_name, args=args(world[B])), data)

    assert response.status_code == 404
    assert Order.objects.filter(pk=order.pk).values().get() == before
    assert not world[B]["contact"].messages.exists()


def test_the_processing_export_has_only_the_managers_orders(anna, world):
    response = anna.get(reverse("admin:orders_processing_csv"))

    text = response.content.decode()
    assert response.status_code == 200
    assert A in text
    assert B not in text


@pytest.mark.parametrize(
    "url_name",
    ["admin:orders_processing_csv", "admin:orders_reports", "admin:orders_processing"],
)
def test_asking_for_another_stores_figures_gives_nothing_of_it(anna, world, url_name):
    response = anna.get(reverse(url_name), {"store": world[B]["store"].pk})

    assert response.status_code in (200, 404)
    assert B not in response.content.decode()


def test_a_report_export_of_another_store_is_not_found(anna, world):
    url = reverse("admin:orders_reports_csv", kwargs={"export": "managers"})

    response = anna.get(url, {"store": world[B]["store"].pk})

    assert response.status_code == 404


def test_the_dashboard_lists_only_the_managers_store(anna, world):
    page = anna.get(reverse("overdue-dashboard")).content.decode()

    assert A in page
    assert B not in page
    assert (
        anna.get(reverse("overdue-dashboard"), {"store": world[B]["store"].pk}).status_code == 404
    )


def test_the_funnel_counts_only_the_managers_store(anna, client, team_lead, world):
    mine = anna.get(reverse("admin:orders_funnel")).context["funnel"]
    other = anna.get(reverse("admin:orders_funnel"), {"store": world[B]["store"].pk})
    client.force_login(team_lead)
    everyone = client.get(reverse("admin:orders_funnel")).context["funnel"]

    assert mine.steps[0].count == 1
    assert other.context["funnel"] is None
    assert everyone.steps[0].count == 2


@pytest.mark.parametrize(
    ("app_label", "model_name", "field_name", "key"),
    [
        ("orders", "orderreturn", "order", "order"),
        ("orders", "storeevent", "order", "order"),
        ("fulfillment", "shipment", "order", "order"),
        ("deals", "dealassignment", "deal", "deal"),
        ("orders", "order", "deal", "deal"),
    ],
)
@pytest.mark.parametrize("term", ["", B])
def test_autocomplete_offers_only_the_managers_deals_and_orders(
    anna, world, app_label, model_name, field_name, key, term
):
    # Django answers any foreign key whose target admin has search fields, not only the
    # autocomplete_fields: the target admin's scoped queryset is what keeps B out.
    response = anna.get(
        "/admin/autocomplete/",
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )

    ids = [row["id"] for row in response.json()["results"]]
    assert ids == ([str(world[A][key].pk)] if term == "" else [])


def test_the_store_list_and_page_show_no_api_secret_to_staff(anna, world):
    store = world[A]["store"]

    page = anna.get(reverse("admin:catalog_store_change", args=[store.pk])).content.decode()
    listing = anna.get(reverse("admin:catalog_store_changelist")).content.decode()

    assert store.name in page
    assert store.api_secret not in page
    assert world[B]["store"].name not in listing


def test_the_administrator_sees_and_edits_the_api_secret(client, world):
    client.force_login(UserFactory(username="root", is_superuser=True))
    store = world[B]["store"]

    page = client.get(reverse("admin:catalog_store_change", args=[store.pk])).content.decode()

    assert f'name="api_secret" value="{store.api_secret}"' in page


# --- contacts: shared by design ----------------------------------------------------------


def test_contacts_are_shared_a_manager_finds_another_stores_customer(anna, world):
    other = world[B]["contact"]

    listing = anna.get(reverse("admin:contacts_contact_changelist"), {"q": other.full_name})
    suggested = anna.get(
        "/admin/autocomplete/",
        {"app_label": "orders", "model_name": "order", "field_name": "contact", "term": B},
    )

    assert other.full_name in listing.content.decode()
    assert [row["id"] for row in suggested.json()["results"]] == [str(other.pk)]
