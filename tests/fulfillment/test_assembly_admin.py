"""The assembly documents in the back office: the list a warehouse user works from, the
printable page, and the block on the order page. Scoped by store like the orders."""

from __future__ import annotations

import pytest
from django.contrib.messages import SUCCESS
from django.urls import reverse
from django.utils import translation

from fulfillment.models import AssemblyDocument
from orders.models import Status
from orders.services import order_finish_assembly, order_start_assembly
from tests.factories import ContactFactory
from tests.orders.test_order_admin import _form_data

from .factories import confirmed_order, product, stock

pytestmark = pytest.mark.django_db

LIST = "admin:fulfillment_assemblydocument_changelist"


def _print_url(document) -> str:
    return reverse("admin:fulfillment_assemblydocument_print", args=[document.pk])


def _change_url(document) -> str:
    return reverse("admin:fulfillment_assemblydocument_change", args=[document.pk])


@pytest.fixture
def goods(wh):
    pan, mug = product("HOME-PAN"), product("HOME-MUG")
    stock(pan, main=100, shop=100)
    stock(mug, main=1, shop=100)
    return pan, mug


def _document(store, actor, lines, **order_fields) -> AssemblyDocument:
    order = confirmed_order(store, lines, **order_fields)
    order_start_assembly(order_id=order.pk, actor=actor)
    return order.assembly_documents.get()


@pytest.fixture
def doc_a(store_a, team_lead, warehouse_user, goods):
    pan, mug = goods
    contact = ContactFactory(full_name="Иванова Мария", phone="+79161234567")
    return _document(store_a, team_lead, [(pan, 2), (mug, 3)], contact=contact)


@pytest.fixture
def doc_b(store_b, team_lead, goods):
    return _document(store_b, team_lead, [(goods[0], 1)])


@pytest.fixture
def sklad(client, warehouse_user):
    client.force_login(warehouse_user)
    return client


def _rows(response) -> list[AssemblyDocument]:
    return list(response.context["cl"].result_list)


def test_a_warehouse_user_lists_and_opens_only_their_stores_documents(sklad, doc_a, doc_b):
    assert _rows(sklad.get(reverse(LIST))) == [doc_a]
    assert sklad.get(_change_url(doc_a)).status_code == 200
    assert sklad.get(_change_url(doc_b)).status_code == 404
    assert sklad.get(_print_url(doc_b)).status_code == 404


def test_the_document_page_is_read_only(sklad, doc_a):
    response = sklad.post(_change_url(doc_a), {"status": "cancelled"})

    assert response.status_code == 403
    doc_a.refresh_from_db()
    assert doc_a.status == AssemblyDocument.Status.OPEN


def test_the_printable_page_has_the_order_customer_delivery_and_lines_by_warehouse(sklad, doc_a):
    with translation.override("en"):
        response = sklad.get(_print_url(doc_a))

    assert response.status_code == 200
    assert response.templates[0].name == "fulfillment/assembly_document_print.html"
    groups = [
        (warehouse.code, [(line.product.sku, line.quantity) for line in lines])
        for warehouse, lines in response.context["groups"]
    ]
    assert groups == [("main", [("HOME-PAN", 2), ("HOME-MUG", 1)]), ("shop", [("HOME-MUG", 2)])]
    page = response.content.decode()
    for text in (
        doc_a.order.number,
        "Иванова Мария",
        "+79161234567",
        "Москва, ул. Тверская",
        "Переместить 2 шт. HOME-MUG со склада «Магазин на Тверской» на склад «Основной склад».",
        "Собрал",
        "Проверил",
    ):
        assert text in page
    assert page.count("☐") == 3
    assert "<script" not in page.replace("window.print()", "")  # nothing but the print button


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=open", ["a"]),
        ("status=assembled", ["b"]),
        ("assignee=me", ["a", "b"]),
        ("assignee=none", []),
        ("warehouse=shop", ["a"]),
    ],
)
def test_the_list_filters_by_status_assembler_and_warehouse(
    sklad, store_a, team_lead, warehouse_user, doc_a, goods, wh, query, expected
):
    doc = _document(store_a, team_lead, [(goods[0], 1)])
    order_finish_assembly(order_id=doc.order_id, actor=warehouse_user)
    names = {doc_a.pk: "a", doc.pk: "b"}
    if query.startswith("warehouse="):
        query = f"warehouse={wh[query.split('=')[1]].pk}"

    rows = _rows(sklad.get(f"{reverse(LIST)}?{query}"))

    assert sorted(names[d.pk] for d in rows) == expected


@pytest.mark.parametrize("rows", [5, 30])
def test_the_list_costs_the_same_queries_for_any_page_size(
    client, team_lead, store_a, goods, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        _document(store_a, team_lead, [(goods[0], 1), (goods[1], 1)])
    client.force_login(team_lead)

    with django_assert_max_num_queries(16):
        response = client.get(reverse(LIST))

    assert len(_rows(response)) == rows


def test_the_order_page_shows_its_assembly_with_the_print_link(client, manager, doc_a):
    client.force_login(manager)

    response = client.get(reverse("admin:orders_order_change", args=[doc_a.order_id]))

    assert response.status_code == 200
    assert _print_url(doc_a) in response.content.decode()
    assert client.get(_print_url(doc_a)).status_code == 200


def test_a_manager_of_another_store_cannot_print_it(client, other_manager, doc_a):
    client.force_login(other_manager)

    assert client.get(_print_url(doc_a)).status_code == 404


@pytest.mark.parametrize("rows", [1, 8])
def test_the_order_page_costs_the_same_queries_for_any_number_of_lines(
    client, team_lead, store_a, wh, rows, django_assert_max_num_queries
):
    lines = []
    for n in range(rows):
        item = product(f"SKU-{n}")
        stock(item, main=1, shop=1)
        lines.append((item, 2))
    document = _document(store_a, team_lead, lines)
    client.force_login(team_lead)

    # 28: the page with its inlines (items, payments, refunds, returns, assembly, shipments,
    # events for the website, «in 1C»…).
    with django_assert_max_num_queries(28):
        response = client.get(reverse("admin:orders_order_change", args=[document.order_id]))

    assert response.status_code == 200
    assert len(document.lines.all()) == 2 * rows


def test_starting_the_assembly_from_the_order_page_creates_the_document(
    client, manager, store_a, warehouse_user, goods
):
    client.force_login(manager)
    order = confirmed_order(store_a, [(goods[0], 2)])
    url = reverse("admin:orders_order_change", args=[order.pk])

    data = _form_data(client.get(url))
    response = client.post(url, {**data, "_fsm_transition_to": "start_assembly"}, follow=True)

    assert [m.level for m in response.context["messages"]] == [SUCCESS]
    order.refresh_from_db()
    assert order.status == Status.ASSEMBLING
    assert order.assembly_documents.get().assignee == warehouse_user
