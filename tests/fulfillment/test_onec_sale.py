"""The sale side of the 1C exchange: orders and assembly documents given to 1C (mode=query),
1C's confirmation (mode=success), and the changes 1C sends back (mode=file)."""

from __future__ import annotations

import base64
import io
from decimal import Decimal

import pytest
import time_machine

from automation.models import Via
from fulfillment.onec.models import ExchangeLog, OnecOrder
from integrations.commerceml.documents import iter_documents
from orders.models import Order, OrderTransition, PaymentStatus, Status
from orders.services import order_start_assembly
from tests.factories import CompanyFactory, OrderFactory

from .factories import confirmed_order, product, stock

pytestmark = pytest.mark.django_db

URL = "/1c/exchange"


@pytest.fixture(autouse=True)
def _exchange_settings(settings, tmp_path):
    settings.ONEC_EXCHANGE_USER = "1c"
    settings.ONEC_EXCHANGE_PASSWORD = "s3cret"
    settings.ONEC_EXCHANGE_DIR = tmp_path / "onec"
    settings.ONEC_EXCHANGE_ENCODING = "windows-1251"


@pytest.fixture
def onec(client):
    auth = "Basic " + base64.b64encode(b"1c:s3cret").decode()
    response = client.get(URL, {"type": "sale", "mode": "checkauth"}, HTTP_AUTHORIZATION=auth)
    _status, name, value = response.content.decode().split("\n")
    client.cookies[name] = value
    client.get(URL, {"type": "sale", "mode": "init"})
    return client


def query(client) -> list:
    response = client.get(URL, {"type": "sale", "mode": "query"})
    assert response["Content-Type"] == "application/xml; charset=windows-1251"
    assert response.content.startswith(b'<?xml version="1.0" encoding="windows-1251"?>')
    return list(iter_documents(io.BytesIO(response.content)))


def test_an_order_is_given_to_1c_as_an_order_document(onec, store_a):
    order = OrderFactory(
        store=store_a,
        company=CompanyFactory(name="ООО «Ромашка»", inn="7707083893", kpp="773601001"),
        delivery_cost=Decimal("390"),
        items=2,
    )
    order.recalculate_totals()
    Order.objects.filter(pk=order.pk).update(total=order.total)

    (document,) = query(onec)

    assert (document.id, document.number, document.operation, document.role) == (
        str(order.pk),
        order.number,
        "Заказ товара",
        "Продавец",
    )
    assert document.amount == Decimal("2390.00")
    buyer = document.counterparties[0]
    assert (buyer.name, buyer.inn, buyer.kpp, buyer.role) == (
        "ООО «Ромашка»",
        "7707083893",
        "773601001",
        "Покупатель",
    )
    goods, delivery = document.lines[:2], document.lines[2]
    assert [line.sku for line in goods] == list(order.items.values_list("sku", flat=True))
    assert goods[0].price == Decimal("1000.00")
    assert (delivery.id, delivery.is_service, delivery.amount) == (
        "ORDER_DELIVERY",
        True,
        Decimal("390.00"),
    )
    assert document.requisite("Статус заказа").startswith("[new] ")
    assert document.requisite("Заказ оплачен") == "false"
    assert document.requisite("Отменен") == "false"


def test_a_person_is_given_with_names_and_contacts(onec, store_a):
    order = OrderFactory(store=store_a)
    order.contact.full_name = "Иванова Анна"
    order.contact.save()

    (document,) = query(onec)

    buyer = document.counterparties[0]
    assert (buyer.last_name, buyer.first_name) == ("Иванова", "Анна")
    assert ("Телефон мобильный", order.contact.phone) in buyer.contacts
    assert not buyer.inn


def test_success_moves_the_cursor_and_only_changes_are_given_again(onec, store_a):
    with time_machine.travel("2026-03-02 10:00 +0300"):
        first = OrderFactory(store=store_a)
        second = OrderFactory(store=store_a)
    with time_machine.travel("2026-03-02 11:00 +0300", tick=False):
        assert len(query(onec)) == 2
        assert len(query(onec)) == 2  # not confirmed yet: given again
        onec.get(URL, {"type": "sale", "mode": "success"})
    with time_machine.travel("2026-03-02 12:00 +0300"):
        assert query(onec) == []
        first.comment = "Позвонить заранее"
        first.save()

        (document,) = query(onec)

    assert document.number == first.number != second.number
    log = ExchangeLog.objects.filter(kind="sale_query", confirmed_at__isnull=False).get()
    assert log.counts["order_documents"] == 2


def test_an_assembly_document_is_given_with_a_warehouse_per_line(onec, store_a, wh):
    pan = product("HOME-PAN")
    pan.external_id = "guid-pan"
    pan.save()
    stock(pan, main=1, shop=2)
    order = confirmed_order(store_a, [(pan, 3)])
    order_start_assembly(order_id=order.pk, actor=None, via=Via.SYSTEM)
    assembly = order.assembly_documents.get()

    documents = query(onec)

    (document,) = [d for d in documents if d.operation == "Отпуск товара"]
    assert (document.id, document.number) == (f"assembly-{assembly.number}", assembly.number)
    assert document.requisite("Заказ") == order.number
    assert [
        (line.id, line.quantity, dict(line.requisites)["Склад"], dict(line.requisites)["Резерв"])
        for line in document.lines
    ] == [
        ("guid-pan", 1, "Основной склад", "reserved"),
        ("guid-pan", 2, "Магазин на Тверской", "reserved"),
    ]


def _requisite(name: str, value: str) -> str:
    return (
        f"<ЗначениеРеквизита><Наименование>{name}</Наименование>"
        f"<Значение>{value}</Значение></ЗначениеРеквизита>"
    )


CHANGES = (
    '<?xml version="1.0" encoding="windows-1251"?>\n'
    '<КоммерческаяИнформация ВерсияСхемы="2.05" ДатаФормирования="2026-03-02T12:00:00">'
    "<Документ><Ид>{pk}</Ид><Номер>{number}</Номер><Дата>2026-03-02</Дата>"
    "<ХозОперация>Заказ товара</ХозОперация><Роль>Продавец</Роль><ЗначенияРеквизитов>"
    + _requisite("Номер по 1С", "УТ-000123")
    + _requisite("Дата по 1С", "2026-03-02")
    + _requisite("Проведен", "true")
    + _requisite("Дата оплаты по 1С", "{paid}")
    + _requisite("Статус заказа", "Открыт")
    + "</ЗначенияРеквизитов></Документ>"
    "<Документ><Ид>999999</Ид><Номер>NOT-OURS</Номер><Дата>2026-03-02</Дата>"
    "<ХозОперация>Заказ товара</ХозОперация><Роль>Продавец</Роль></Документ>\n"
    "{tail}"
)


def changes(order, *, paid="2026-03-02", tail="</КоммерческаяИнформация>") -> bytes:
    text = CHANGES.format(pk=order.pk, number=order.number, paid=paid, tail=tail)
    return text.encode("windows-1251")


def send(client, data: bytes, *, pieces: int = 1):
    size = -(-len(data) // pieces)
    for start in range(0, len(data), size):
        response = client.post(
            f"{URL}?type=sale&mode=file&filename=orders.xml",
            data=data[start : start + size],
            content_type="application/xml",
        )
    return response.content.decode("windows-1251").split("\n")


def awaiting_payment(store):
    return OrderFactory(
        store=store, status=Status.AWAITING_PAYMENT, payment_status=PaymentStatus.PENDING
    )


def test_an_order_paid_in_1c_is_marked_paid_and_gets_1cs_number(onec, store_a):
    order = awaiting_payment(store_a)

    assert send(onec, changes(order), pieces=3) == ["success"]

    order.refresh_from_db()
    assert (order.status, order.payment_status) == (Status.PAID, PaymentStatus.PAID)
    paid = order.transitions.get(name="mark_paid")
    assert (paid.actor, paid.via) == (None, Via.API)
    onec_order = OnecOrder.objects.get(order=order)
    assert (onec_order.number, onec_order.posted, onec_order.status) == (
        "УТ-000123",
        True,
        "Открыт",
    )
    log = ExchangeLog.objects.get(kind="sale_file")
    assert log.counts == {"orders_changed": 1, "orders_paid": 1, "orders_unknown": 1}


def test_the_same_file_twice_changes_nothing_more(onec, store_a):
    order = awaiting_payment(store_a)
    send(onec, changes(order))
    entries = OrderTransition.objects.filter(order=order).count()
    onec.get(URL, {"type": "sale", "mode": "init"})  # a new exchange, same file

    assert send(onec, changes(order)) == ["success"]

    assert OrderTransition.objects.filter(order=order).count() == entries
    assert OnecOrder.objects.count() == 1


def test_without_a_payment_date_the_values_only_go_to_the_history(onec, store_a):
    order = awaiting_payment(store_a)

    send(onec, changes(order, paid=""))

    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT
    entry = order.transitions.get(name="onec_order_updated")
    assert "УТ-000123" in entry.comment
    assert entry.via == Via.API


def test_a_broken_file_from_1c_changes_nothing(onec, store_a):
    order = awaiting_payment(store_a)
    broken = changes(order, tail="<Документ><Ид>1</Ид></КоммерческаяИнформация>")

    answer = send(onec, broken)

    assert answer[0] == "failure"
    assert "Malformed XML" in answer[1]
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT
    assert not OnecOrder.objects.exists()
    assert ExchangeLog.objects.get(kind="sale_file").status == "failure"


def test_success_without_a_query_is_harmless(onec):
    response = onec.get(URL, {"type": "sale", "mode": "success"})

    assert response.content == b"success"
    assert not ExchangeLog.objects.exists()
