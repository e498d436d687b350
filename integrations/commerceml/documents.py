"""Documents of the sale exchange (`type=sale`): orders the site gives to 1C (`mode=query`),
and the changes 1C sends back (`mode=file`). Same `<Документ>` structure both ways."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO
from xml.etree.ElementTree import Element, SubElement, tostring

from .errors import CommerceMLError
from .reader import child, children, iter_records, requisites, text
from .values import ROOT, format_decimal, format_quantity, parse_decimal

ORDER = "Заказ товара"
SELLER = "Продавец"
BUYER = "Покупатель"
DELIVERY_LINE_ID = "ORDER_DELIVERY"
SCHEMA_VERSION = "2.05"


@dataclass
class Counterparty:
    """A buyer: a person (names, contacts) or a company (`inn`, `kpp`)."""

    id: str
    name: str
    full_name: str = ""
    last_name: str = ""
    first_name: str = ""
    inn: str = ""
    kpp: str = ""
    address: str = ""
    #: (Тип, Значение): ("Почта", "a@b.ru"), ("Телефон мобильный", "+7...")
    contacts: list[tuple[str, str]] = field(default_factory=list)
    role: str = BUYER


@dataclass
class DocumentLine:
    id: str
    name: str
    price: Decimal
    quantity: Decimal
    amount: Decimal
    sku: str = ""
    is_service: bool = False
    discount: Decimal = Decimal(0)
    #: Extra ЗначенияРеквизитов of the line (e.g. the warehouse of an assembly line).
    requisites: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Document:
    id: str
    number: str
    date: date | None
    time: time | None = None
    operation: str = ORDER
    role: str = SELLER
    currency: str = "руб"
    rate: Decimal = Decimal(1)
    amount: Decimal = Decimal(0)
    comment: str = ""
    counterparties: list[Counterparty] = field(default_factory=list)
    lines: list[DocumentLine] = field(default_factory=list)
    #: A document-wide discount already deducted from `amount`.
    discount: Decimal = Decimal(0)
    requisites: list[tuple[str, str]] = field(default_factory=list)

    def requisite(self, name: str, default: str = "") -> str:
        """The value of ЗначениеРеквизита `name` (case-insensitive), or `default`."""
        wanted = name.casefold()
        for key, value in self.requisites:
            if key.casefold() == wanted:
                return value
        return default


# --- reading ---------------------------------------------------------------------------------


def _parse_date(value: str, what: str) -> date | None:
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value[:10], pattern).date()  # noqa: DTZ007 a date only
        except ValueError:
            continue
    raise CommerceMLError(f"Not a date in {what}: {value!r}")


def _parse_time(value: str) -> time | None:
    try:
        return time.fromisoformat(value) if value else None
    except ValueError:
        return None


def _counterparty(element: Element) -> Counterparty:
    address = child(element, "АдресРегистрации")
    if address is None:
        address = child(element, "Адрес")
    contacts_block = child(element, "Контакты")
    return Counterparty(
        id=text(element, "Ид"),
        name=text(element, "Наименование"),
        full_name=text(element, "ПолноеНаименование") or text(element, "ОфициальноеНаименование"),
        last_name=text(element, "Фамилия"),
        first_name=text(element, "Имя"),
        inn=text(element, "ИНН"),
        kpp=text(element, "КПП"),
        address=text(address, "Представление") if address is not None else "",
        contacts=[
            (text(c, "Тип"), text(c, "Значение"))
            for c in (children(contacts_block, "Контакт") if contacts_block is not None else [])
        ],
        role=text(element, "Роль", BUYER),
    )


def _line(element: Element, where: str) -> DocumentLine:
    props = dict(requisites(element))
    kind = props.get("ТипНоменклатуры") or props.get("ВидНоменклатуры") or ""
    return DocumentLine(
        id=text(element, "Ид"),
        sku=text(element, "Артикул"),
        name=text(element, "Наименование"),
        price=parse_decimal(text(element, "ЦенаЗаЕдиницу"), field=where) or Decimal(0),
        quantity=parse_decimal(text(element, "Количество"), field=where) or Decimal(0),
        amount=parse_decimal(text(element, "Сумма"), field=where) or Decimal(0),
        is_service=kind == "Услуга",
        requisites=list(props.items()),
    )


def _all(block: Element | None, name: str) -> list[Element]:
    return children(block, name) if block is not None else []


def _document(element: Element) -> Document:
    number = text(element, "Номер")
    document_id = text(element, "Ид")
    if not number and not document_id:
        raise CommerceMLError("Документ without <Ид> and <Номер>")
    where = f"document {number or document_id}"
    parties = child(element, "Контрагенты")
    goods = child(element, "Товары")
    return Document(
        id=document_id,
        number=number,
        date=_parse_date(text(element, "Дата"), where),
        time=_parse_time(text(element, "Время")),
        operation=text(element, "ХозОперация"),
        role=text(element, "Роль"),
        currency=text(element, "Валюта"),
        rate=parse_decimal(text(element, "Курс"), field=where) or Decimal(1),
        amount=parse_decimal(text(element, "Сумма"), field=where) or Decimal(0),
        comment=text(element, "Комментарий"),
        counterparties=[_counterparty(c) for c in _all(parties, "Контрагент")],
        lines=[_line(g, where) for g in _all(goods, "Товар")],
        requisites=requisites(element),
    )


def iter_documents(source: IO[bytes] | str) -> Iterator[Document]:
    """Every `<Документ>` of an orders file, streamed; raises CommerceMLError."""
    return iter_records(source, {("Документ", ROOT): _document})


# --- writing ---------------------------------------------------------------------------------


def _add(parent: Element, name: str, value: str | None) -> Element:
    element = SubElement(parent, name)
    if value is not None:
        element.text = value
    return element


def _add_requisites(parent: Element, pairs: Iterable[tuple[str, str]]) -> None:
    pairs = list(pairs)
    if not pairs:
        return
    block = SubElement(parent, "ЗначенияРеквизитов")
    for name, value in pairs:
        item = SubElement(block, "ЗначениеРеквизита")
        _add(item, "Наименование", name)
        _add(item, "Значение", value)


def _write_counterparty(parent: Element, party: Counterparty) -> None:
    element = SubElement(parent, "Контрагент")
    _add(element, "Ид", party.id)
    _add(element, "Наименование", party.name)
    if party.inn:
        _add(element, "ОфициальноеНаименование", party.full_name or party.name)
        _add(element, "ИНН", party.inn)
        if party.kpp:
            _add(element, "КПП", party.kpp)
    else:
        _add(element, "ПолноеНаименование", party.full_name or party.name)
        if party.last_name:
            _add(element, "Фамилия", party.last_name)
        if party.first_name:
            _add(element, "Имя", party.first_name)
    if party.address:
        address = SubElement(element, "АдресРегистрации")
        _add(address, "Представление", party.address)
    if party.contacts:
        contacts = SubElement(element, "Контакты")
        for kind, value in party.contacts:
            contact = SubElement(contacts, "Контакт")
            _add(contact, "Тип", kind)
            _add(contact, "Значение", value)
    _add(element, "Роль", party.role)


def _write_line(parent: Element, line: DocumentLine) -> None:
    element = SubElement(parent, "Товар")
    _add(element, "Ид", line.id)
    if line.sku:
        _add(element, "Артикул", line.sku)
    _add(element, "Наименование", line.name)
    unit = _add(element, "БазоваяЕдиница", "шт")
    unit.attrib.update(
        {"Код": "796", "НаименованиеПолное": "Штука", "МеждународноеСокращение": "PCE"}
    )
    _add(element, "ЦенаЗаЕдиницу", format_decimal(line.price))
    _add(element, "Количество", format_quantity(line.quantity))
    _add(element, "Сумма", format_decimal(line.amount))
    if line.discount:
        _write_discount(element, line.discount)
    kind = "Услуга" if line.is_service else "Товар"
    _add_requisites(
        element, [("ВидНоменклатуры", kind), ("ТипНоменклатуры", kind), *line.requisites]
    )


def _write_discount(parent: Element, amount: Decimal) -> None:
    discount = SubElement(SubElement(parent, "Скидки"), "Скидка")
    _add(discount, "Наименование", "Скидка")
    _add(discount, "Сумма", format_decimal(amount))
    _add(discount, "УчтеноВСумме", "true")


def _write_document(parent: Element, document: Document) -> None:
    element = SubElement(parent, "Документ")
    _add(element, "Ид", document.id)
    _add(element, "Номер", document.number)
    _add(element, "Дата", document.date.isoformat() if document.date else "")
    if document.time is not None:
        _add(element, "Время", document.time.strftime("%H:%M:%S"))
    _add(element, "ХозОперация", document.operation)
    _add(element, "Роль", document.role)
    _add(element, "Валюта", document.currency)
    _add(element, "Курс", format_quantity(document.rate))
    _add(element, "Сумма", format_decimal(document.amount))
    if document.counterparties:
        parties = SubElement(element, "Контрагенты")
        for party in document.counterparties:
            _write_counterparty(parties, party)
    _add(element, "Комментарий", document.comment)
    if document.discount:
        _write_discount(element, document.discount)
    goods = SubElement(element, "Товары")
    for line in document.lines:
        _write_line(goods, line)
    _add_requisites(element, document.requisites)


def write_documents(
    documents: Iterable[Document],
    *,
    generated_at: datetime,
    encoding: str = "windows-1251",
    version: str = SCHEMA_VERSION,
) -> bytes:
    """A `<КоммерческаяИнформация>` with the documents, encoded as declared in its prolog
    (characters the encoding lacks become character references)."""
    root = Element(
        ROOT,
        {
            "ВерсияСхемы": version,
            "ДатаФормирования": generated_at.strftime("%Y-%m-%dT%H:%M:%S"),
        },
    )
    for document in documents:
        _write_document(root, document)
    body = tostring(root, encoding="unicode")
    prolog = f'<?xml version="1.0" encoding="{encoding}"?>\n'
    return (prolog + body).encode(encoding, "xmlcharrefreplace")
