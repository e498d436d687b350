"""The back office as a manager and the team lead use it: lists, search, buttons, forms.

The UI is Russian and its translation may lag behind, so these tests look at status codes,
the rows and forms in the response context and the database, not at the wording.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.messages import ERROR, SUCCESS
from django.forms.formsets import BaseFormSet
from django.urls import reverse
from django.utils import translation

from deals.choices import Channel, DeliveryMethod, PaymentMethod
from deals.models import Deal, deal_has_payment_method
from orders.models import Order, OrderItem, PaymentStatus, Status
from orders.services import order_send_payment_link
from tests.factories import (
    ContactFactory,
    DealFactory,
    DealItemFactory,
    OrderFactory,
    ProductFactory,
    RefusalReasonFactory,
)

pytestmark = pytest.mark.django_db

BUTTON = re.compile(r'name="_fsm_transition_to"\s+value="([^"]+)"')


def _change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def _transition_url(order: Order, name: str) -> str:
    return reverse("admin:orders_order_transition", args=[order.pk, name])


def _form_data(response) -> dict:
    """What the browser would send back for the rendered add/change form, inlines included."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset: BaseFormSet = inline.formset
        forms += [formset.management_form, *formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    return data


def _buttons(response) -> set[str]:
    return set(BUTTON.findall(response.content.decode()))


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
def order_a(store_a):
    return OrderFactory(store=store_a, contact=ContactFactory(phone="+79991234567"))


@pytest.fixture
def order_b(store_b):
    return OrderFactory(store=store_b, contact=ContactFactory(phone="+79997654321"))


# --- seeing only one's own stores -----------------------------------------------------------


def test_it_lists_only_the_orders_of_the_managers_store(anna, order_a, order_b):
    response = anna.get(reverse("admin:orders_order_changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [order_a]


def test_it_lists_the_orders_of_every_store_to_the_team_lead(lead, order_a, order_b):
    response = lead.get(reverse("admin:orders_order_changelist"))

    assert set(response.context["cl"].result_list) == {order_a, order_b}


def test_it_hides_another_stores_order_behind_a_404(anna, order_b):
    Order.objects.filter(pk=order_b.pk).update(number="77777")

    for url in (_change_url(order_b), _transition_url(order_b, "cancel")):
        response = anna.get(url)

        assert response.status_code == 404
        assert b"77777" not in response.content


@pytest.mark.parametrize("name", ["no_such_action", "delete", "win"])
def test_it_answers_404_for_a_transition_page_of_something_that_is_no_transition(
    anna, order_a, name
):
    response = anna.get(_transition_url(order_a, name))

    assert response.status_code == 404


def test_it_refuses_a_transition_posted_for_another_stores_order(anna, order_b):
    response = anna.post(_change_url(order_b), {"_fsm_transition_to": "send_payment_link"})

    assert response.status_code == 404
    order_b.refresh_from_db()
    assert order_b.status == Status.NEW


def test_it_finds_an_order_by_the_phone_as_the_customer_dictates_it(anna, order_a):
    OrderFactory(store=order_a.store)  # another customer of the same store

    response = anna.get(reverse("admin:orders_order_changelist"), {"q": "8 999 123-45-67"})

    assert list(response.context["cl"].result_list) == [order_a]


def test_it_finds_nothing_by_the_phone_of_another_stores_customer(anna, order_a, order_b):
    response = anna.get(reverse("admin:orders_order_changelist"), {"q": "8 999 765-43-21"})

    assert list(response.context["cl"].result_list) == []


def test_it_suggests_the_contact_by_a_dictated_phone_in_the_order_form(anna, order_a):
    ContactFactory(phone="+79990000000")

    response = anna.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "orders",
            "model_name": "order",
            "field_name": "contact",
            "term": "8 (999) 123-45-67",
        },
    )

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(order_a.contact_id)]


# --- transition buttons ---------------------------------------------------------------------


def test_it_shows_a_manager_only_the_buttons_she_may_press(anna, store_a):
    new_prepaid = OrderFactory(store=store_a, payment_method=PaymentMethod.ONLINE)
    awaiting = OrderFactory(store=store_a, status=Status.AWAITING_PAYMENT)

    assert _buttons(anna.get(_change_url(new_prepaid))) == {"send_payment_link", "cancel"}
    assert _buttons(anna.get(_change_url(awaiting))) == {"cancel"}


def test_it_shows_the_team_lead_the_mark_paid_button(lead, store_a):
    awaiting = OrderFactory(store=store_a, status=Status.AWAITING_PAYMENT)

    assert _buttons(lead.get(_change_url(awaiting))) == {"mark_paid", "cancel"}


def test_it_shows_no_buttons_on_a_closed_order(anna, store_a):
    cancelled = OrderFactory(store=store_a, status=Status.CANCELLED)

    response = anna.get(_change_url(cancelled))

    assert response.status_code == 200
    assert _buttons(response) == set()


def test_it_forbids_a_manager_to_press_mark_paid_by_posting_it(anna, store_a):
    order = OrderFactory(store=store_a, status=Status.AWAITING_PAYMENT)
    data = _form_data(anna.get(_change_url(order)))

    response = anna.post(_change_url(order), {**data, "_fsm_transition_to": "mark_paid"})

    assert response.status_code == 403
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (Status.AWAITING_PAYMENT, PaymentStatus.UNPAID)
    assert not order.transitions.exists()


def test_it_runs_a_permitted_button_and_says_it_is_done(anna, manager, order_a):
    data = _form_data(anna.get(_change_url(order_a)))

    response = anna.post(
        _change_url(order_a), {**data, "_fsm_transition_to": "send_payment_link"}, follow=True
    )

    assert response.redirect_chain[-1][0] == _change_url(order_a)
    order_a.refresh_from_db()
    assert order_a.status == Status.AWAITING_PAYMENT
    log = order_a.transitions.get()
    assert (log.name, log.actor, log.via) == ("send_payment_link", manager, "admin")
    assert [level for level, _text in _messages(response)] == [SUCCESS]


def test_it_asks_for_the_reason_before_cancelling(anna, order_a):
    data = _form_data(anna.get(_change_url(order_a)))

    response = anna.post(_change_url(order_a), {**data, "_fsm_transition_to": "cancel"})

    assert response.status_code == 302
    assert response["Location"] == _transition_url(order_a, "cancel")
    order_a.refresh_from_db()
    assert order_a.status == Status.NEW
    form_page = anna.get(response["Location"])
    assert form_page.status_code == 200
    assert set(form_page.context["transition_form"].fields) == {"reason", "comment"}


def test_it_re_shows_the_cancel_form_without_a_reason_and_changes_nothing(anna, order_a):
    response = anna.post(_transition_url(order_a, "cancel"), {"comment": "Передумал"})

    assert response.status_code == 200
    assert "reason" in response.context["transition_form"].errors
    order_a.refresh_from_db()
    assert order_a.status == Status.NEW
    assert not order_a.transitions.exists()


def test_it_cancels_with_the_reason_from_the_form(anna, manager, order_a):
    reason = RefusalReasonFactory(code="found_cheaper", name="Нашёл дешевле")

    response = anna.post(
        _transition_url(order_a, "cancel"),
        {"reason": reason.pk, "comment": "Нашёл на маркетплейсе"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == _change_url(order_a)
    order_a.refresh_from_db()
    assert order_a.status == Status.CANCELLED
    assert (order_a.cancel_reason, order_a.cancel_comment) == (reason, "Нашёл на маркетплейсе")
    assert order_a.transitions.get().actor == manager
    assert [level for level, _text in _messages(response)] == [SUCCESS]


def test_it_does_not_let_a_manager_cancel_a_paid_order_from_the_form(anna, store_a):
    order = OrderFactory(store=store_a, status=Status.PAID, payment_status=PaymentStatus.PAID)
    reason = RefusalReasonFactory()

    assert "cancel" not in _buttons(anna.get(_change_url(order)))
    anna.post(_transition_url(order, "cancel"), {"reason": reason.pk})

    order.refresh_from_db()
    assert order.status == Status.PAID
    assert not order.transitions.exists()


# --- editing --------------------------------------------------------------------------------


def test_it_refuses_a_form_opened_before_someone_else_changed_the_order(anna, team_lead, order_a):
    data = _form_data(anna.get(_change_url(order_a)))
    order_send_payment_link(order_id=order_a.pk, actor=team_lead)

    response = anna.post(_change_url(order_a), {**data, "comment": "Доставить после 18:00"})

    assert response.status_code == 200
    assert response.context["adminform"].form.has_error("__all__", code="stale")
    order_a.refresh_from_db()
    assert order_a.comment == ""


def test_it_refuses_a_button_pressed_on_a_form_someone_else_saved_meanwhile(
    client, manager, team_lead, order_a
):
    client.force_login(manager)
    annas = _form_data(client.get(_change_url(order_a)))
    client.force_login(team_lead)
    leads = _form_data(client.get(_change_url(order_a)))
    client.post(_change_url(order_a), {**leads, "delivery_address": "Москва, ул. Арбат, д. 2"})
    client.force_login(manager)

    response = client.post(_change_url(order_a), {**annas, "_fsm_transition_to": "cancel"})

    assert response.status_code == 200
    assert response.context["adminform"].form.has_error("__all__", code="stale")
    order_a.refresh_from_db()
    assert order_a.status == Status.NEW
    assert order_a.delivery_address == "Москва, ул. Арбат, д. 2"


def _items_prefix(data: dict) -> str:
    return next(k.removesuffix("-TOTAL_FORMS") for k in data if k.startswith("items"))


def test_it_recalculates_the_totals_when_the_items_of_a_new_order_are_edited(anna, store_a):
    order = OrderFactory(store=store_a)  # one line of 1000
    line = order.items.get()
    data = _form_data(anna.get(_change_url(order)))
    items = _items_prefix(data)

    response = anna.post(
        _change_url(order),
        {
            **data,
            f"{items}-0-quantity": "3",
            f"{items}-0-discount": "200.00",
            "discount_amount": "300.00",
            "delivery_cost": "500.00",
        },
    )

    assert response.status_code == 302
    line.refresh_from_db()
    assert line.quantity == 3
    order.refresh_from_db()
    assert order.items_total == Decimal("2800.00")
    assert order.total == Decimal("3000.00")


def test_it_accepts_a_discount_covered_by_a_line_added_in_the_same_save(anna, store_a):
    order = OrderFactory(store=store_a)  # one line of 1000
    second = ProductFactory(price=Decimal("2000.00"))
    data = _form_data(anna.get(_change_url(order)))
    items = _items_prefix(data)

    response = anna.post(
        _change_url(order),
        {
            **data,
            f"{items}-TOTAL_FORMS": "2",
            f"{items}-1-product": second.pk,
            f"{items}-1-quantity": "1",
            f"{items}-1-discount": "0",
            f"{items}-1-order": order.pk,
            "discount_amount": "1500.00",
        },
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.items.count() == 2
    assert (order.items_total, order.total) == (Decimal("3000.00"), Decimal("1500.00"))


def test_it_refuses_an_order_discount_above_the_items_total(anna, store_a):
    order = OrderFactory(store=store_a)  # one line of 1000
    data = _form_data(anna.get(_change_url(order)))

    response = anna.post(_change_url(order), {**data, "discount_amount": "1500.00"})

    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.discount_amount, order.total) == (Decimal("0.00"), Decimal("1000.00"))


def test_it_shows_the_items_of_a_paid_order_read_only(anna, store_a):
    order = OrderFactory(store=store_a, status=Status.PAID, payment_status=PaymentStatus.PAID)
    line = order.items.get()
    page = anna.get(_change_url(order))
    items = next(i for i in page.context["inline_admin_formsets"] if i.opts.model is OrderItem)
    assert not items.has_add_permission
    assert not items.has_change_permission
    assert not items.has_delete_permission
    data = _form_data(page)
    prefix = _items_prefix(data)

    anna.post(_change_url(order), {**data, f"{prefix}-0-quantity": "5", f"{prefix}-0-id": line.pk})

    line.refresh_from_db()
    assert line.quantity == 1
    order.refresh_from_db()
    assert order.total == Decimal("1000.00")


# --- deals ----------------------------------------------------------------------------------


def test_it_lets_a_manager_add_a_deal_for_her_store_with_a_number(anna, manager, store_a):
    contact = ContactFactory()
    page = anna.get(reverse("admin:deals_deal_add"))
    data = _form_data(page)

    response = anna.post(
        reverse("admin:deals_deal_add"),
        {**data, "store": store_a.pk, "channel": Channel.PHONE, "contact": contact.pk},
    )

    assert response.status_code == 302
    deal = Deal.objects.get()
    assert (deal.store, deal.contact, deal.responsible) == (store_a, contact, manager)
    assert deal.number.isdigit()
    assert deal.title == f"Заказ №{deal.number}"
    assert deal.stage == Deal.Stage.NEW


def test_it_does_not_let_a_manager_choose_another_store_for_a_deal(anna, store_a, store_b):
    page = anna.get(reverse("admin:deals_deal_add"))
    assert list(page.context["adminform"].form.fields["store"].queryset) == [store_a]

    response = anna.post(
        reverse("admin:deals_deal_add"),
        {
            **_form_data(page),
            "store": store_b.pk,
            "channel": Channel.PHONE,
            "contact": ContactFactory().pk,
        },
    )

    assert response.status_code == 200
    assert "store" in response.context["adminform"].form.errors
    assert not Deal.objects.exists()


def test_it_places_the_order_from_the_deal_page(anna, manager, store_a):
    deal = DealFactory(
        store=store_a,
        responsible=manager,
        delivery_method=DeliveryMethod.COURIER,
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
    )
    DealItemFactory(deal=deal, quantity=2, price=Decimal("1500.00"))
    page = anna.get(_change_url(deal))
    assert "place_order" in _buttons(page)

    response = anna.post(
        _change_url(deal), {**_form_data(page), "_fsm_transition_to": "place_order"}, follow=True
    )

    order = Order.objects.get(deal=deal)
    assert (order.number, order.total, order.status) == (
        deal.number,
        Decimal("3000.00"),
        Status.NEW,
    )
    deal.refresh_from_db()
    assert deal.stage == Deal.Stage.ORDER_PLACED
    assert [level for level, _text in _messages(response)] == [SUCCESS]


def test_it_explains_why_an_incomplete_deal_cannot_be_placed(anna, manager, store_a, settings):
    deal = DealFactory(store=store_a, responsible=manager, payment_method="")
    DealItemFactory(deal=deal)
    page = anna.get(_change_url(deal))
    assert "place_order" not in _buttons(page)

    response = anna.post(
        _change_url(deal), {**_form_data(page), "_fsm_transition_to": "place_order"}, follow=True
    )

    assert not Order.objects.exists()
    deal.refresh_from_db()
    assert deal.stage == Deal.Stage.NEW
    [(level, text)] = _messages(response)
    assert level == ERROR
    with translation.override(settings.LANGUAGE_CODE):  # the language the page was shown in
        assert str(deal_has_payment_method.description) in text


# --- regressions ----------------------------------------------------------------------------


def test_it_refuses_a_cancel_form_opened_before_the_order_was_paid(lead, team_lead, store_a):
    """The team lead must not cancel (and refund) an order she saw unpaid without noticing."""
    order = OrderFactory(store=store_a, status=Status.AWAITING_PAYMENT)
    form_page = lead.get(_transition_url(order, "cancel"))
    version_seen = re.search(r'name="version_seen" value="(\d+)"', form_page.content.decode())
    from orders.services import order_mark_paid

    order_mark_paid(order_id=order.pk, actor=None)
    response = lead.post(
        _transition_url(order, "cancel"),
        {"version_seen": version_seen.group(1), "reason": RefusalReasonFactory().pk},
        follow=True,
    )

    order.refresh_from_db()
    assert order.status == Status.PAID
    assert [level for level, _text in _messages(response)] == [ERROR]


def test_it_lets_a_warehouse_user_press_her_buttons_without_editing_the_order(
    client, warehouse_user, store_a
):
    order = OrderFactory(store=store_a, status=Status.ASSEMBLING)
    client.force_login(warehouse_user)
    page = client.get(_change_url(order))
    assert page.status_code == 200
    assert _buttons(page) == {"finish_assembly"}
    assert "delivery_address" not in page.context["adminform"].form.fields

    response = client.post(
        _change_url(order), {**_form_data(page), "_fsm_transition_to": "finish_assembly"}
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.ASSEMBLED
    assert order.transitions.get().actor == warehouse_user


def test_it_hides_another_stores_deal_behind_a_404(anna, store_b):
    deal = DealFactory(store=store_b, number="88888")

    response = anna.get(_change_url(deal))

    assert response.status_code == 404
    assert b"88888" not in response.content


def test_it_does_not_name_other_stores_in_the_store_filter(anna, order_a, order_b):
    for url in (reverse("admin:orders_order_changelist"), reverse("admin:deals_deal_changelist")):
        response = anna.get(url)
        store_filter = next(f for f in response.context["cl"].filter_specs if f.title == "магазин")
        assert [name for _pk, name in store_filter.lookup_choices] == ["Уютный дом"]


def test_it_saves_nothing_when_the_pressed_button_is_refused(anna, order_a):
    page = anna.get(_change_url(order_a))
    data = {
        **_form_data(page),
        "payment_method": PaymentMethod.CASH_ON_DELIVERY,
        "comment": "edited just before pressing",
        "_fsm_transition_to": "send_payment_link",  # refused: cash on delivery is not prepaid
    }

    response = anna.post(_change_url(order_a), data, follow=True)

    assert [level for level, _text in _messages(response)] == [ERROR]
    order_a.refresh_from_db()
    assert (order_a.status, order_a.payment_method, order_a.comment) == (
        Status.NEW,
        PaymentMethod.ONLINE,
        "",
    )
    assert order_a.version == 1


def test_it_takes_the_new_products_price_when_a_line_changes_product(anna, store_a):
    order = OrderFactory(store=store_a, items=1)
    cheap = ProductFactory(name="Дешёвый", price=Decimal("100.00"))
    page = anna.get(_change_url(order))
    data = _form_data(page)
    data["items-0-product"] = cheap.pk

    response = anna.post(_change_url(order), data)

    assert response.status_code == 302
    line = order.items.get()
    assert (line.product, line.name, line.price) == (cheap, "Дешёвый", Decimal("100.00"))
    order.refresh_from_db()
    assert order.total == Decimal("100.00")


def test_it_refuses_a_courier_order_without_an_address(anna, order_a):
    data = {**_form_data(anna.get(_change_url(order_a))), "delivery_address": ""}

    response = anna.post(_change_url(order_a), data)

    assert response.status_code == 200
    assert "delivery_address" in response.context["adminform"].form.errors
    order_a.refresh_from_db()
    assert order_a.delivery_address


@pytest.mark.parametrize("rows", [5, 30])
def test_the_order_list_costs_the_same_queries_for_any_page_size(
    lead, store_a, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        OrderFactory(store=store_a)
    with django_assert_max_num_queries(14):
        response = lead.get(reverse("admin:orders_order_changelist"))
    assert len(response.context["cl"].result_list) == rows


@pytest.mark.parametrize("rows", [5, 30])
def test_the_deal_list_costs_the_same_queries_for_any_page_size(
    lead, store_a, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        DealItemFactory(deal=DealFactory(store=store_a))
    with django_assert_max_num_queries(14):
        response = lead.get(reverse("admin:deals_deal_changelist"))
    assert len(response.context["cl"].result_list) == rows
