"""Order documents: reading real 1C and 1C-Bitrix files, and writing ours so that they read
back the same and have the structure of the samples."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from integrations.commerceml.documents import (
    Counterparty,
    Document,
    DocumentLine,
    iter_documents,
    write_documents,
)

from .conftest import SAMPLES


def test_the_bitrix_query_answer_in_windows_1251_is_read():
    raw = (SAMPLES / "commerceml_orders_bitrix_query_cp1251.xml").read_bytes()
    assert b'encoding="windows-1251"' in raw[:60]

    first, second = iter_documents(io.BytesIO(raw))

    assert (first.number, first.date, first.amount) == ("132", date(2021, 2, 11), Decimal("231.74"))
    assert first.requisite("Статус заказа") == "[N] Принят, ожидается оплата"
    assert first.requisite("Комментарии покупателя") == "Я повелитель порошочков"
    assert first.lines[0].quantity == 1
    assert second.number == "133"


def test_the_changes_1c_sends_back_are_read():
    documents = list(iter_documents(str(SAMPLES / "commerceml_orders.xml")))

    assert [d.number for d in documents] == ["36", "92", "93"]
    assert documents[0].lines[0].id == "ORDER_DELIVERY"
    assert documents[0].lines[0].is_service
    changed = documents[1]
    assert changed.requisite("Номер по 1С") == "MM92"
    assert changed.requisite("проведен") == "true"


def _document() -> Document:
    return Document(
        id="7",
        number="A-0007",
        date=date(2026, 3, 1),
        time=time(10, 30),
        amount=Decimal("2290.00"),
        comment="Позвонить заранее",
        counterparties=[
            Counterparty(id="company-1", name="ООО «Ромашка»", inn="7707083893", kpp="773601001")
        ],
        lines=[
            DocumentLine(
                id="guid-1",
                sku="PAN-28",
                name="Сковорода 28 см",
                price=Decimal("1000"),
                quantity=Decimal(2),
                amount=Decimal("1900"),
                discount=Decimal("100"),
            ),
            DocumentLine(
                id="ORDER_DELIVERY",
                name="Доставка заказа",
                price=Decimal("390"),
                quantity=Decimal(1),
                amount=Decimal("390"),
                is_service=True,
            ),
        ],
        requisites=[("Статус заказа", "[paid] Оплачен"), ("Заказ оплачен", "true")],
    )


@pytest.mark.parametrize("encoding", ["windows-1251", "utf-8"])
def test_written_documents_read_back_the_same(encoding):
    document = _document()

    data = write_documents([document], generated_at=datetime(2026, 3, 1, 12), encoding=encoding)

    assert data.startswith(f'<?xml version="1.0" encoding="{encoding}"?>'.encode())
    (back,) = iter_documents(io.BytesIO(data))
    assert back.counterparties[0].inn == "7707083893"
    assert back.lines[0].sku == "PAN-28"
    assert back.lines[1].is_service
    assert back.requisite("Заказ оплачен") == "true"
    assert (back.id, back.number, back.date, back.time, back.amount) == (
        "7",
        "A-0007",
        date(2026, 3, 1),
        time(10, 30),
        Decimal("2290.00"),
    )


def _tags(element) -> list[str]:
    return [child.tag for child in element]


def test_written_documents_have_the_structure_of_the_sample():
    sample = ElementTree.parse(SAMPLES / "commerceml_orders.xml").getroot()
    ours = ElementTree.fromstring(
        write_documents([_document()], generated_at=datetime(2026, 3, 1, 12))
    )

    assert ours.tag == sample.tag
    assert ours.get("ВерсияСхемы") == "2.05"
    assert ours.get("ДатаФормирования") == "2026-03-01T12:00:00"
    expected = ["Ид", "Номер", "Дата", "Время", "ХозОперация", "Роль", "Валюта", "Курс", "Сумма"]
    assert _tags(ours.find("Документ"))[:9] == _tags(sample.find("Документ"))[:9] == expected
    assert ours.find("Документ/ХозОперация").text == "Заказ товара"
    assert ours.find("Документ/Роль").text == "Продавец"
    sample_line = set(_tags(sample.find("Документ/Товары/Товар")))
    assert sample_line - {"ИдКаталога"} <= set(_tags(ours.find("Документ/Товары/Товар")))


def test_characters_the_encoding_lacks_become_references():
    document = _document()
    document.comment = "Подарок 🎁"

    data = write_documents([document], generated_at=datetime(2026, 3, 1))

    assert b"&#127873;" in data
    assert next(iter_documents(io.BytesIO(data))).comment == "Подарок 🎁"
