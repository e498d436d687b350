"""«Заказ по звонку»: a manager types the caller's phone, then creates the deal (and the order)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from automation.exceptions import TransitionNotAllowed
from catalog.models import Warehouse
from contacts.models import Company, Contact
from deals.choices import Channel, DeliveryMethod, PaymentMethod
from deals.models import Deal, DealItem, NumberSequence
from deals.phone_order import DeliveryTerms, phone_order_create, phone_order_lookup
from deals.services import ItemSpec
from orders.models import Order
from tests.factories import (
    ContactFactory,
    DealFactory,
    OrderFactory,
    ProductFactory,
    UserFactory,
    WarehouseFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("admin:deals_deal_phone_order")


@pytest.fixture
def anna(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def sofa(db):
    return ProductFactory(sku="SOFA-1", name="Диван «Уют»", price=Decimal("25000.00"))


@pytest.fixture
def pillow(db):
    return ProductFactory(sku="PILLOW-1", name="Подушка", price=Decimal("900.00"))


def _items(*lines: tuple) -> dict[str, str]:
    """The items formset as the browser sends it: (product, quantity, price or "")."""
    data = {
        "items-TOTAL_FORMS": str(max(len(lines), 3)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "50",
    }
    for index, (product, quantity, price) in enumerate(lines):
        data[f"items-{index}-product"] = str(product.pk)
        data[f"items-{index}-quantity"] = str(quantity)
        data[f"items-{index}-price"] = str(price)
    return data


def _post(client, store, *, place: bool = False, items=None, **fields) -> object:
    data = {
        "phone": "8 (916) 555-12-34",
        "full_name": "Петров Иван",
        "email": "petrov@example.ru",
        "store": str(store.pk),
        "delivery_method": DeliveryMethod.COURIER,
        "delivery_address": "Москва, ул. Ленина, д. 5",
        "payment_method": PaymentMethod.CASH_ON_DELIVERY,
        "comment": "Позвонить за час",
        **items,
        **fields,
        "_place" if place else "_create": "1",
    }
    return client.post(URL, {k: v for k, v in data.items() if v is not None})


def _nothing_written() -> bool:
    return not (
        Contact.objects.exists()
        or Company.objects.exists()
        or Deal.objects.exists()
        or DealItem.objects.exists()
        or Order.objects.exists()
    )


# --- step 1: who is calling ------------------------------------------------------------------


def test_it_finds_the_contact_by_a_differently_formatted_phone(anna, manager, store_a):
    contact = ContactFactory(
        phone="+79161234567", full_name="Иванова Мария", email="maria@example.ru"
    )
    contact.responsible = UserFactory(first_name="Ольга", last_name="Смирнова")
    contact.save()

    page = anna.get(URL, {"phone": "8 (916) 123-45-67"})

    assert page.status_code == 200
    assert page.context["lookup"].contact == contact
    text = page.content.decode()
    assert "Клиент найден" in text
    assert "Иванова Мария" in text
    assert "maria@example.ru" in text
    assert "Смирнова" in text
    # The found card's name and e-mail are shown as they are, not retyped.
    form = page.context["form"]
    assert form.fields["full_name"].disabled
    assert form["full_name"].value() == "Иванова Мария"


def test_it_says_a_new_contact_will_be_created_for_an_unknown_phone(anna, store_a):
    page = anna.get(URL, {"phone": "+7 916 555 12 34"})

    assert page.context["lookup"].contact is None
    assert "новый контакт" in page.content.decode()
    assert not page.context["form"].fields["full_name"].disabled


def test_it_refuses_a_malformed_phone_at_the_lookup(anna, store_a):
    page = anna.get(URL, {"phone": "12-34"})

    assert page.context["lookup"] is None
    assert page.context["form"] is None
    assert "“12-34” — некорректный номер телефона." in page.content.decode()


def test_it_lists_the_callers_companies_and_latest_deals_with_their_orders(anna, store_a):
    contact = ContactFactory(phone="+79161234567")
    company = Company.objects.create(name="ООО «Ромашка»", inn="7707083893", kpp="773601001")
    company.contacts.add(contact)
    order = OrderFactory(store=store_a, contact=contact, status=Order.Status.PAID)

    page = anna.get(URL, {"phone": "89161234567"})

    text = page.content.decode()
    assert "ООО «Ромашка» (ИНН 7707083893)" in text
    assert f"№{order.number}" in text
    assert "Оплачен" in text
    assert reverse("admin:orders_order_change", args=[order.pk]) in text


def test_it_warns_about_an_open_deal_and_links_to_it(anna, store_a):
    contact = ContactFactory(phone="+79161234567")
    deal = DealFactory(store=store_a, contact=contact)

    page = anna.get(URL, {"phone": "8 916 123-45-67"})

    text = page.content.decode()
    assert "уже есть открытая сделка" in text
    assert reverse("admin:deals_deal_change", args=[deal.pk]) in text


def test_it_does_not_show_another_stores_deals_to_a_manager(anna, store_a, store_b):
    contact = ContactFactory(phone="+79161234567")
    hidden = DealFactory(store=store_b, contact=contact, title="Заказ в чужом магазине")

    page = anna.get(URL, {"phone": "8 916 123-45-67"})

    text = page.content.decode()
    assert hidden.title not in text
    assert "уже есть открытая сделка" not in text


def test_the_lookup_runs_a_constant_number_of_queries(manager, store_a):
    contact = ContactFactory(phone="+79161234567")
    OrderFactory(store=store_a, contact=contact)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            lookup = phone_order_lookup(phone="+79161234567", user=manager)
            shown = [
                (
                    deal.store.name,
                    deal.responsible,
                    [o.get_status_display() for o in deal.order_list],
                )
                for deal in lookup.recent_deals
            ]
        assert shown
        return len(queries)

    count()  # the first call also loads the user's permissions
    few = count()
    for _ in range(7):
        OrderFactory(store=store_a, contact=contact)
        DealFactory(store=store_a, contact=contact)
    assert count() == few


def test_the_lookup_page_runs_a_constant_number_of_queries(anna, store_a):
    contact = ContactFactory(phone="+79161234567")
    OrderFactory(store=store_a, contact=contact)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            anna.get(URL, {"phone": "+79161234567"})
        return len(queries)

    count()  # the first call also loads the user's permissions
    few = count()
    for _ in range(7):
        OrderFactory(store=store_a, contact=contact)
        DealFactory(store=store_a, contact=contact)
    assert count() == few


# --- step 2: creating ------------------------------------------------------------------------


def test_it_creates_the_deal_for_a_new_contact_with_catalogue_and_edited_prices(
    anna, manager, store_a, sofa, pillow
):
    response = _post(anna, store_a, items=_items((sofa, 1, ""), (pillow, 4, "750")))

    contact = Contact.objects.get()
    assert (contact.phone, contact.full_name, contact.email) == (
        "+79165551234",
        "Петров Иван",
        "petrov@example.ru",
    )
    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:deals_deal_change", args=[deal.pk])
    assert (deal.contact, deal.responsible, deal.store) == (contact, manager, store_a)
    assert (deal.stage, deal.channel, deal.source) == (Deal.Stage.NEW, Channel.PHONE, "phone")
    assert deal.title == f"Заказ №{deal.number}"
    assert (deal.delivery_method, deal.delivery_address, deal.comment) == (
        DeliveryMethod.COURIER,
        "Москва, ул. Ленина, д. 5",
        "Позвонить за час",
    )
    lines = [(i.product, i.quantity, i.price) for i in deal.items.all()]
    assert lines == [(sofa, 1, Decimal("25000.00")), (pillow, 4, Decimal("750.00"))]
    assert not Order.objects.exists()
    page = anna.get(response["Location"])
    assert f"Сделка «Заказ №{deal.number}» создана." in page.content.decode()


def test_it_attaches_the_deal_to_the_existing_contact_and_keeps_its_details(anna, store_a, sofa):
    contact = ContactFactory(phone="+79165551234", full_name="Петрова Анна", email="")

    _post(anna, store_a, items=_items((sofa, 1, "")), full_name="Кто-то другой")

    contact.refresh_from_db()
    assert Contact.objects.count() == 1
    assert Deal.objects.get().contact == contact
    # The name on the card stays; the blank e-mail is filled in.
    assert (contact.full_name, contact.email) == ("Петрова Анна", "petrov@example.ru")


def test_it_creates_and_places_the_order_new(anna, manager, store_a, sofa):
    response = _post(anna, store_a, place=True, items=_items((sofa, 2, "")))

    order = Order.objects.get()
    assert response["Location"] == reverse("admin:orders_order_change", args=[order.pk])
    assert order.status == Order.Status.NEW
    assert order.deal.stage == Deal.Stage.ORDER_PLACED
    assert order.responsible == manager
    assert order.total == Decimal("50000.00")
    assert order.contact.phone == "+79165551234"
    page = anna.get(response["Location"])
    assert f"Заказ №{order.number} оформлен." in page.content.decode()


def test_it_creates_a_company_order(anna, store_a, sofa):
    _post(
        anna,
        store_a,
        place=True,
        items=_items((sofa, 1, "")),
        is_company="on",
        company_name="ООО «Ромашка»",
        inn="7707083893",
        kpp="773601001",
        payment_method=PaymentMethod.INVOICE,
    )

    company = Company.objects.get()
    contact = Contact.objects.get()
    order = Order.objects.get()
    assert (company.name, company.inn, company.kpp) == ("ООО «Ромашка»", "7707083893", "773601001")
    assert list(company.contacts.all()) == [contact]
    assert (order.company, order.contact, order.payment_method) == (
        company,
        contact,
        PaymentMethod.INVOICE,
    )


def test_it_creates_a_pickup_order_at_our_point(anna, store_a, sofa):
    point = WarehouseFactory(kind=Warehouse.Kind.PICKUP_POINT, name="ПВЗ на Арбате")

    _post(
        anna,
        store_a,
        place=True,
        items=_items((sofa, 1, "")),
        delivery_method=DeliveryMethod.PICKUP,
        delivery_address="",
        pickup_point=str(point.pk),
    )

    assert Order.objects.get().pickup_point == point


@pytest.mark.parametrize(
    ("place", "fields", "field", "message"),
    [
        (False, {"phone": "12-34"}, None, "некорректный номер телефона"),
        (False, {"email": "not-an-email"}, "email", "некорректный адрес e-mail"),
        (False, {"items": "none"}, None, "Добавьте хотя бы один товар."),
        (
            False,
            {"is_company": "on", "company_name": "ООО «Ромашка»", "inn": "7707083894"},
            "inn",
            "Неверные контрольные цифры ИНН.",
        ),
        (
            False,
            {"is_company": "on", "company_name": "ООО «Ромашка»", "inn": "7707083893"},
            "kpp",
            "У организации с 10-значным ИНН должен быть КПП.",
        ),
        (True, {"delivery_address": ""}, "delivery_address", "Укажите адрес доставки."),
        (
            True,
            {"delivery_method": DeliveryMethod.CDEK, "delivery_address": ""},
            "pickup_point_code",
            "Укажите код ПВЗ СДЭК или адрес.",
        ),
        (True, {"delivery_method": ""}, "delivery_method", "Выберите способ доставки."),
        (True, {"payment_method": ""}, "payment_method", "Выберите способ оплаты."),
        (
            False,
            {"delivery_method": DeliveryMethod.PICKUP, "pickup_point_code": "MSK123"},
            "pickup_point_code",
            "Код ПВЗ СДЭК указывается только при доставке СДЭК.",
        ),
    ],
    ids=[
        "invalid-phone",
        "invalid-email",
        "no-items",
        "bad-inn",
        "company-without-kpp",
        "courier-without-address",
        "cdek-without-point",
        "no-delivery-method",
        "no-payment-method",
        "pickup-with-cdek-code",
    ],
)
def test_bad_input_re_shows_the_form_and_writes_nothing(
    anna, store_a, sofa, place, fields, field, message
):
    items = {} if fields.pop("items", None) == "none" else _items((sofa, 1, ""))
    sequence_before = list(NumberSequence.objects.values_list("last_value", flat=True))

    response = _post(anna, store_a, place=place, items=items, **fields)

    assert response.status_code == 200
    assert _nothing_written()
    assert list(NumberSequence.objects.values_list("last_value", flat=True)) == sequence_before
    assert message in response.content.decode()
    if field:
        assert message in " ".join(response.context["form"].errors[field])
    # What the manager typed is still there.
    assert "Позвонить за час" in response.content.decode()


def test_an_email_on_another_card_is_refused_naming_the_card(anna, store_a, sofa):
    other = ContactFactory(phone="+79990000001", full_name="Сидоров", email="petrov@example.ru")

    response = _post(anna, store_a, items=_items((sofa, 1, "")))

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["email"])
    assert f"Уже указан в карточке «Сидоров» (№{other.pk})." in errors
    assert Contact.objects.count() == 1
    assert not Deal.objects.exists()


def test_a_manager_cannot_create_a_deal_for_another_managers_store(client, other_manager, store_a):
    sofa = ProductFactory()
    client.force_login(other_manager)

    page = client.get(URL, {"phone": "89165551234"})
    assert store_a not in page.context["form"].fields["store"].queryset

    response = _post(client, store_a, items=_items((sofa, 1, "")))

    assert response.status_code == 200
    assert "Выберите один из магазинов, с которыми вы работаете." in " ".join(
        response.context["form"].errors["store"]
    )
    assert _nothing_written()


def test_the_service_refuses_a_store_the_actor_does_not_work_with(other_manager, store_a, sofa):
    with pytest.raises(Exception, match="не работаете"):
        phone_order_create(
            actor=other_manager,
            store=store_a,
            phone="+79165551234",
            items=[ItemSpec("SOFA-1", 1)],
            terms=DeliveryTerms(),
        )
    assert _nothing_written()


def test_placing_an_incomplete_deal_rolls_back_the_contact_too(manager, store_a, sofa):
    # The form checks delivery and payment first; the service's own refusal must not
    # leave the contact or the deal behind either.
    with pytest.raises(TransitionNotAllowed, match="способ оплаты"):
        phone_order_create(
            actor=manager,
            store=store_a,
            phone="8 916 555-12-34",
            full_name="Петров Иван",
            items=[ItemSpec("SOFA-1", 1)],
            terms=DeliveryTerms(delivery_method=DeliveryMethod.COURIER, delivery_address="Москва"),
            place=True,
        )
    assert _nothing_written()


def test_a_user_who_may_not_add_deals_gets_403(client, warehouse_user, store_a, sofa):
    client.force_login(warehouse_user)

    assert client.get(URL, {"phone": "89165551234"}).status_code == 403
    assert _post(client, store_a, items=_items((sofa, 1, ""))).status_code == 403
    assert _nothing_written()


def test_the_page_is_linked_from_the_deals_list_and_the_index(anna, client, warehouse_user):
    for page in (reverse("admin:deals_deal_changelist"), reverse("admin:index")):
        text = anna.get(page).content.decode()
        assert f'href="{URL}"' in text
        assert "Заказ по звонку" in text

    client.force_login(warehouse_user)
    assert f'href="{URL}"' not in client.get(reverse("admin:index")).content.decode()


def test_it_prefills_the_store_and_the_last_delivery_for_a_repeat_customer(anna, store_a):
    contact = ContactFactory(phone="+79161234567")
    DealFactory(
        store=store_a,
        contact=contact,
        delivery_method=DeliveryMethod.CDEK,
        delivery_address="",
        pickup_point_code="MSK77",
    )

    form = anna.get(URL, {"phone": "89161234567"}).context["form"]

    assert form["store"].value() == store_a.pk
    assert (form["delivery_method"].value(), form["pickup_point_code"].value()) == (
        DeliveryMethod.CDEK,
        "MSK77",
    )
