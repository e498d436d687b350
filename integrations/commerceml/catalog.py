"""`import.xml` (goods) and `offers.xml` / `prices.xml` / `rests.xml` (prices and stock), read as
one stream of records in file order: a header per «Каталог»/«ПакетПредложений», then the
warehouses and price types they declare, then the goods or offers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO
from xml.etree.ElementTree import Element

from .errors import CommerceMLError
from .reader import child, children, iter_records, requisites, text
from .values import parse_bool, parse_decimal

DELETED_STATUS = "Удален"


@dataclass(frozen=True)
class PackageHeader:
    """Start of a «Каталог» (goods) or «ПакетПредложений» (offers)."""

    kind: str  # "catalog" | "offers"
    only_changes: bool


@dataclass(frozen=True)
class WarehouseRecord:
    external_id: str
    name: str


@dataclass(frozen=True)
class PriceTypeRecord:
    external_id: str
    name: str
    currency: str = ""


@dataclass(frozen=True)
class ProductRecord:
    external_id: str
    sku: str
    name: str
    deleted: bool = False
    barcode: str = ""
    group_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class OfferRecord:
    external_id: str
    sku: str = ""
    name: str = ""
    #: ИдТипаЦены → ЦенаЗаЕдиницу
    prices: dict[str, Decimal] = field(default_factory=dict)
    #: «Количество»: the total over every warehouse; None when not sent.
    quantity: Decimal | None = None
    #: ИдСклада → quantity, from `<Склад ИдСклада КоличествоНаСкладе>` (2.04–2.07) or
    #: `<Остатки><Остаток><Склад><Ид/><Количество/>` (2.08+); empty when not sent.
    stock: dict[str, Decimal] = field(default_factory=dict)


CatalogRecord = PackageHeader | WarehouseRecord | PriceTypeRecord | ProductRecord | OfferRecord


def _required(element: Element, name: str, what: str) -> str:
    value = text(element, name)
    if not value:
        raise CommerceMLError(f"{what} without <{name}>")
    return value


def _warehouse(element: Element) -> WarehouseRecord:
    return WarehouseRecord(
        external_id=_required(element, "Ид", "Склад"), name=text(element, "Наименование")
    )


def _price_type(element: Element) -> PriceTypeRecord:
    return PriceTypeRecord(
        external_id=_required(element, "Ид", "ТипЦены"),
        name=text(element, "Наименование"),
        currency=text(element, "Валюта"),
    )


def _is_deleted(element: Element) -> bool:
    if element.get("Статус") == DELETED_STATUS or text(element, "Статус") == DELETED_STATUS:
        return True
    if parse_bool(text(element, "ПометкаУдаления")):
        return True
    return any(
        name == "ПометкаУдаления" and parse_bool(value) for name, value in requisites(element)
    )


def _product(element: Element) -> ProductRecord:
    external_id = _required(element, "Ид", "Товар")
    groups = child(element, "Группы")
    return ProductRecord(
        external_id=external_id,
        sku=text(element, "Артикул"),
        name=text(element, "Наименование"),
        deleted=_is_deleted(element),
        barcode=text(element, "Штрихкод"),
        group_ids=tuple(text(g) for g in children(groups, "Ид")) if groups is not None else (),
    )


def _offer(element: Element) -> OfferRecord:
    external_id = _required(element, "Ид", "Предложение")
    where = f"offer {external_id}"
    prices: dict[str, Decimal] = {}
    block = child(element, "Цены")
    for price in children(block, "Цена") if block is not None else []:
        value = parse_decimal(text(price, "ЦенаЗаЕдиницу"), field=f"the price of {where}")
        if value is not None:
            prices.setdefault(text(price, "ИдТипаЦены"), value)
    stock: dict[str, Decimal] = {}
    for warehouse in children(element, "Склад"):  # 2.04–2.07: attributes
        warehouse_id = warehouse.get("ИдСклада", "").strip()
        value = parse_decimal(warehouse.get("КоличествоНаСкладе"), field=f"the stock of {where}")
        if warehouse_id and value is not None:
            stock[warehouse_id] = stock.get(warehouse_id, Decimal(0)) + value
    quantity = parse_decimal(text(element, "Количество"), field=f"the stock of {where}")
    rests = child(element, "Остатки")  # 2.08+: nested elements
    for rest in children(rests, "Остаток") if rests is not None else []:
        for warehouse in children(rest, "Склад"):
            warehouse_id = text(warehouse, "Ид")
            value = parse_decimal(text(warehouse, "Количество"), field=f"the stock of {where}")
            if warehouse_id and value is not None:
                stock[warehouse_id] = stock.get(warehouse_id, Decimal(0)) + value
        if quantity is None and not children(rest, "Склад"):
            # <Остаток><Количество/></Остаток> without a warehouse: the total.
            quantity = parse_decimal(text(rest, "Количество"), field=f"the stock of {where}")
    return OfferRecord(
        external_id=external_id,
        sku=text(element, "Артикул"),
        name=text(element, "Наименование"),
        prices=prices,
        quantity=quantity,
        stock=stock,
    )


HANDLERS = {
    ("Склад", "Склады"): _warehouse,
    ("ТипЦены", "ТипыЦен"): _price_type,
    ("Товар", "Товары"): _product,
    ("Предложение", "Предложения"): _offer,
}
_PACKAGES = {"Каталог": "catalog", "ПакетПредложений": "offers"}


def _header(name: str, attrib: dict[str, str]) -> PackageHeader | None:
    kind = _PACKAGES.get(name)
    if kind is None:
        return None
    return PackageHeader(kind=kind, only_changes=parse_bool(attrib.get("СодержитТолькоИзменения")))


def iter_catalog(source: IO[bytes] | str) -> Iterator[CatalogRecord]:
    """Every record of an import/offers/prices/rests file, streamed; raises CommerceMLError."""
    return iter_records(source, HANDLERS, on_start=_header)
