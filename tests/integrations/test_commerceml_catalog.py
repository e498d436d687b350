"""Reading 1C's catalogue and offers files: the real samples, older (2.04: a total only) and
newer (2.08+: the Остатки block) stock formats, encodings, decimal commas, broken files."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from integrations.commerceml.catalog import (
    OfferRecord,
    PackageHeader,
    PriceTypeRecord,
    ProductRecord,
    WarehouseRecord,
    iter_catalog,
)
from integrations.commerceml.errors import CommerceMLError
from integrations.commerceml.values import parse_decimal

from .conftest import SAMPLES

MOSCOW = "dd306af1-19c9-11e7-80c2-0cc47ab29cd1"


def records(data: bytes | str, kind=None):
    source = io.BytesIO(data if isinstance(data, bytes) else data.encode("utf-8"))
    found = list(iter_catalog(source))
    return [r for r in found if kind is None or isinstance(r, kind)]


def offers_xml(body: str, *, encoding: str = "UTF-8", namespace: bool = False) -> str:
    ns = ' xmlns="urn:1C.ru:commerceml_2"' if namespace else ""
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<КоммерческаяИнформация{ns} ВерсияСхемы="2.04">'
        f'<ПакетПредложений СодержитТолькоИзменения="true"><Предложения>{body}</Предложения>'
        "</ПакетПредложений></КоммерческаяИнформация>"
    )


def test_the_real_import_xml_with_its_bom_gives_the_goods_and_the_deleted_one():
    raw = (SAMPLES / "commerceml_import.xml").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")

    found = records(raw)

    assert found[0] == PackageHeader(kind="catalog", only_changes=False)
    goods = [r for r in found if isinstance(r, ProductRecord)]
    assert [(p.sku, p.deleted) for p in goods] == [
        ("PM-421-WP", False),
        ("PM-421-LE", False),
        ("DS-521-MX-LCFT", False),
        ("KM-245-BC", True),
    ]
    assert goods[0].external_id == "bd8c4e15-18f9-11e7-80c2-0cc47ab29cd1"
    assert goods[0].name == "Портативный коврик Portable 140x200x1 см, Деревянные лошадки"


def test_the_real_offers_xml_gives_prices_warehouses_and_per_warehouse_stock():
    found = records((SAMPLES / "commerceml_offers.xml").read_bytes())

    assert records((SAMPLES / "commerceml_offers.xml").read_bytes(), PriceTypeRecord) == [
        PriceTypeRecord("279b6812-740b-11e8-80c8-0cc47ab29cd1", "BASE", "RUB")
    ]
    assert [w.name for w in found if isinstance(w, WarehouseRecord)] == [
        "Владивосток",
        "Новосибирск",
        "Москва",
    ]
    first = next(r for r in found if isinstance(r, OfferRecord))
    assert first.prices == {"279b6812-740b-11e8-80c8-0cc47ab29cd1": Decimal("100")}
    assert first.quantity == Decimal("377")
    assert first.stock[MOSCOW] == Decimal("376")
    assert sum(first.stock.values()) == first.quantity


def test_a_2_04_offer_has_only_the_total():
    xml = offers_xml("<Предложение><Ид>p1</Ид><Количество>12</Количество></Предложение>")

    (offer,) = records(xml, OfferRecord)

    assert (offer.quantity, offer.stock) == (Decimal("12"), {})


def test_the_2_08_rests_block_gives_stock_per_warehouse():
    xml = offers_xml(
        "<Предложение><Ид>p1</Ид><Остатки>"
        "<Остаток><Склад><Ид>w1</Ид><Количество>3</Количество></Склад></Остаток>"
        "<Остаток><Склад><Ид>w2</Ид><Количество>4,5</Количество></Склад></Остаток>"
        "</Остатки></Предложение>",
        namespace=True,
    )

    (offer,) = records(xml, OfferRecord)

    assert offer.stock == {"w1": Decimal("3"), "w2": Decimal("4.5")}
    assert offer.quantity is None


def test_windows_1251_with_decimal_commas_and_spaces_between_thousands():
    xml = offers_xml(
        "<Предложение><Ид>p1</Ид><Наименование>Сковорода</Наименование><Цены><Цена>"
        "<ИдТипаЦены>retail</ИдТипаЦены><ЦенаЗаЕдиницу>1 234,50</ЦенаЗаЕдиницу></Цена></Цены>"
        '<Склад ИдСклада="w1" КоличествоНаСкладе="1\u00a0000"/></Предложение>',
        encoding="windows-1251",
    )

    (offer,) = records(xml.encode("windows-1251"), OfferRecord)

    assert offer.name == "Сковорода"
    assert offer.prices == {"retail": Decimal("1234.50")}
    assert offer.stock == {"w1": Decimal("1000")}


def test_the_only_changes_flag_is_read():
    assert records(offers_xml(""), PackageHeader) == [
        PackageHeader(kind="offers", only_changes=True)
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("<КоммерческаяИнформация><Каталог>", "Malformed XML"),
        ("<Другое/>", "Not a CommerceML file"),
        (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
            "<КоммерческаяИнформация>&a;</КоммерческаяИнформация>",
            "DTD or XML entities",
        ),
        (offers_xml("<Предложение><Количество>1</Количество></Предложение>"), "without <Ид>"),
        (
            offers_xml("<Предложение><Ид>p</Ид><Количество>много</Количество></Предложение>"),
            "много",
        ),
    ],
)
def test_a_broken_file_is_refused_with_the_reason(data, message):
    with pytest.raises(CommerceMLError, match=message):
        records(data)


def test_decimals_as_1c_writes_them():
    assert parse_decimal("1 234,50") == Decimal("1234.50")
    assert parse_decimal("0,01") == Decimal("0.01")
    assert parse_decimal("-3") == Decimal("-3")
    assert parse_decimal("  ") is None
    with pytest.raises(CommerceMLError):
        parse_decimal("1,2,3")
