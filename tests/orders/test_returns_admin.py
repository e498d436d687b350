"""Returns in the admin: the order's buttons «Оформить возврат» / «Завершить возврат» /
«Отклонить возврат» with their forms, the returns list (store-scoped, with its figures) and the
return page where the warehouse records the inspection."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.messages import ERROR, SUCCESS
from django.urls import reverse

from catalog.models import StockLevel
from orders.models import Order, OrderReturn, Status
from orders.returns import Verdict
from tests.factories import (
    OrderFactory,
    ReturnReasonFactory,
    StoreFactory,
    WarehouseFactory,
    issued_order,
    open_return,
)

pytestmark = pytest.mark.django_db


def _transition_url(order: Order, name: str) -> str:
    return reverse("admin:orders_order_transition", args=[order.pk, name])


def _messages(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in response.context["messages"]]


@pytest.fixture
def anna(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def lead(client, team_lead):
    client.force_login(team_lead)
    return client


@pytest.fixture
def sklad(client, warehouse_user):
    client.force_login(warehouse_user)
    return client


@pytest.fixture
def order(store_a):
    return issued_order(store_a, lines=[(Decimal("500.00"), 3), (Decimal("200.00"), 1)])


def _request_data(order: Order, **lines) -> dict:
    pan, lid = order.items.order_by("pk")
    return {
        f"line_{pan.pk}": lines.get("pan", 0),
        f"line_{lid.pk}": lines.get("lid", 0),
        "reason": ReturnReasonFactory().pk,
        "channel": "phone",
        "method": "pickup_point",
        "comment": "Не подошёл",
    }


def test_the_request_form_offers_each_line_up_to_what_can_be_returned(anna, order):
    response = anna.get(_transition_url(order, "request_return"))

    assert response.status_code == 200
    fields = response.context["transition_form"].fields
    pan, lid = order.items.order_by("pk")
    assert (fields[f"line_{pan.pk}"].max_value, fields[f"line_{lid.pk}"].max_value) == (3, 1)
    assert "Куплено 3" in str(fields[f"line_{pan.pk}"].help_text)


def test_a_manager_registers_a_partial_return_from_the_order_page(anna, order):
    response = anna.post(
        _transition_url(order, "request_return"), _request_data(order, pan=2), follow=True
    )

    assert [level for level, _text in _messages(response)] == [SUCCESS]
    order.refresh_from_db()
    assert order.status == Status.RETURN_REQUESTED
    line = order.returns.get().lines.get()
    assert (line.order_item.sku, line.quantity) == (order.items.first().sku, 2)


@pytest.mark.parametrize(
    ("lines", "error_field"), [({}, "__all__"), ({"pan": 4}, "line")], ids=["none", "too many"]
)
def test_a_bad_request_re_shows_the_form_and_writes_nothing(anna, order, lines, error_field):
    response = anna.post(_transition_url(order, "request_return"), _request_data(order, **lines))

    assert response.status_code == 200
    errors = response.context["transition_form"].errors
    assert any(name.startswith(error_field) for name in errors)
    order.refresh_from_db()
    assert order.status == Status.ISSUED
    assert not OrderReturn.objects.exists()


def test_a_courier_return_needs_the_window(anna, order):
    data = {**_request_data(order, lid=1), "method": "courier_pickup"}

    response = anna.post(_transition_url(order, "request_return"), data)

    assert "pickup_date" in response.context["transition_form"].errors
    assert not OrderReturn.objects.exists()


def test_the_complete_form_starts_from_the_recorded_inspection_and_completes(lead, store_a):
    WarehouseFactory(code="main", priority=1)
    order = issued_order(store_a, status=Status.RETURN_REQUESTED)
    order_return = open_return(order, inspected=True)
    line = order_return.lines.get()

    response = lead.get(_transition_url(order, "complete_return"))
    field = response.context["transition_form"].fields[f"line_{line.pk}"]
    assert field.initial == Verdict.ACCEPT
    assert "1000.00 ₽" in str(field.help_text)

    response = lead.post(
        _transition_url(order, "complete_return"),
        {f"line_{line.pk}": Verdict.ACCEPT, "warehouse": ""},
        follow=True,
    )

    assert [level for level, _text in _messages(response)] == [SUCCESS]
    order.refresh_from_db()
    assert order.status == Status.RETURNED
    assert StockLevel.objects.get().quantity == 1


def test_completing_with_nothing_accepted_re_shows_the_form(lead, store_a):
    order = issued_order(store_a, status=Status.RETURN_REQUESTED)
    line = open_return(order).lines.get()

    response = lead.post(
        _transition_url(order, "complete_return"), {f"line_{line.pk}": Verdict.REFUSE}
    )

    assert response.status_code == 200
    assert "отклоните возврат" in str(response.context["transition_form"].errors)
    order.refresh_from_db()
    assert order.status == Status.RETURN_REQUESTED


def test_rejecting_from_the_order_page_asks_why(lead, store_a):
    order = issued_order(store_a, status=Status.RETURN_REQUESTED)
    open_return(order)

    response = lead.post(_transition_url(order, "reject_return"), {"comment": ""})
    assert "comment" in response.context["transition_form"].errors

    lead.post(_transition_url(order, "reject_return"), {"comment": "Нет дефекта"})
    order.refresh_from_db()
    assert order.status == Status.ISSUED
    assert order.returns.get().rejection_comment == "Нет дефекта"


def test_the_order_page_shows_its_returns(anna, store_a):
    order = issued_order(store_a, status=Status.RETURN_REQUESTED)
    open_return(order)

    response = anna.get(reverse("admin:orders_order_change", args=[order.pk]))

    models = {inline.opts.model for inline in response.context["inline_admin_formsets"]}
    assert OrderReturn in models
    assert "Ожидает проверки" in response.content.decode()


# --- the returns list and the return page ---------------------------------------------------


def test_the_returns_list_is_scoped_to_the_managers_stores(anna, store_a):
    mine = open_return(OrderFactory(store=store_a, status=Status.RETURN_REQUESTED))
    theirs = open_return(
        OrderFactory(store=StoreFactory(code="far"), status=Status.RETURN_REQUESTED)
    )

    response = anna.get(reverse("admin:orders_orderreturn_changelist"))

    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown == [mine]
    assert response.context["month_stats"].registered == 1
    url = reverse("admin:orders_orderreturn_change", args=[theirs.pk])
    assert anna.get(url).status_code == 404


def test_the_returns_list_runs_a_constant_number_of_queries(
    lead, store_a, django_assert_max_num_queries
):
    for _ in range(5):
        open_return(issued_order(store_a, status=Status.RETURN_REQUESTED))

    with django_assert_max_num_queries(20):
        response = lead.get(reverse("admin:orders_orderreturn_changelist"))
    assert len(response.context["cl"].result_list) == 5


def test_the_warehouse_records_the_inspection_on_the_return_page(sklad, store_a):
    order = issued_order(store_a, status=Status.RETURN_REQUESTED)
    order_return = open_return(order)
    line = order_return.lines.get()
    url = reverse("admin:orders_orderreturn_change", args=[order_return.pk])

    response = sklad.post(
        url,
        {
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "1",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000",
            "lines-0-id": line.pk,
            "lines-0-order_return": order_return.pk,
            "lines-0-verdict": Verdict.ACCEPT_DEFECT,
            "lines-0-inspection_note": "Скол на ручке",
        },
        follow=True,
    )

    assert [level for level, _text in _messages(response)] != [ERROR]
    line.refresh_from_db()
    assert (line.condition, line.accepted, line.inspection_note) == (
        "defect",
        True,
        "Скол на ручке",
    )
    assert order.transitions.filter(name="return_inspected").exists()


def test_a_manager_sees_the_return_page_read_only(anna, store_a):
    order_return = open_return(OrderFactory(store=store_a, status=Status.RETURN_REQUESTED))
    url = reverse("admin:orders_orderreturn_change", args=[order_return.pk])

    assert anna.get(url).status_code == 200
    anna.post(url, {"lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"})
    assert order_return.lines.get().accepted is None
