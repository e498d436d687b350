"""Applying 1C's catalogue files: goods, prices, stock per warehouse; a refused file changes
nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from catalog.exchange import ExchangeError, catalog_import_file
from catalog.models import Product, StockLevel, Warehouse
from tests.factories import ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parents[1] / "integrations" / "samples"
IMPORT = SAMPLES / "commerceml_import.xml"
OFFERS = SAMPLES / "commerceml_offers.xml"
MOSCOW = "dd306af1-19c9-11e7-80c2-0cc47ab29cd1"
PORTABLE = "bd8c4e15-18f9-11e7-80c2-0cc47ab29cd1"


@pytest.fixture
def main(db):
    return WarehouseFactory(code="main", name="Основной склад", priority=10, external_id=MOSCOW)


def write(tmp_path, body: str, *, name="offers.xml", head: str = "") -> Path:
    path = tmp_path / name
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.07">'
        f"<ПакетПредложений>{head}<Предложения>{body}</Предложения></ПакетПредложений>"
        "</КоммерческаяИнформация>",
        encoding="utf-8",
    )
    return path


def stock_of(sku: str) -> dict[str, int]:
    return dict(
        StockLevel.objects.filter(product__sku=sku).values_list("warehouse__code", "quantity")
    )


def test_the_sample_files_give_goods_prices_and_stock(main):
    catalog_import_file(IMPORT)
    result = catalog_import_file(OFFERS)

    assert sorted(Product.objects.values_list("sku", flat=True)) == [
        "DS-521-MX-LCFT",
        "PM-421-LE",
        "PM-421-WP",
    ]  # the deleted one is not created
    product = Product.objects.get(external_id=PORTABLE)
    assert (product.sku, product.price, product.is_active) == ("PM-421-WP", Decimal("100"), True)
    assert product.onec_synced_at is not None
    assert stock_of("PM-421-WP")["main"] == 376
    assert result.counts["offers_unknown"] == 1  # the deleted product's offer


def test_unknown_warehouses_are_created_inactive_with_their_stock(main):
    catalog_import_file(IMPORT)
    result = catalog_import_file(OFFERS)

    created = Warehouse.objects.exclude(pk=main.pk)
    assert sorted(created.values_list("name", "is_active")) == [
        ("Владивосток", False),
        ("Новосибирск", False),
    ]
    assert result.counts["warehouses_created"] == 2
    assert any("Владивосток" in warning for warning in result.warnings)
    assert sum(stock_of("PM-421-LE").values()) == 11


def test_a_deleted_product_we_sell_is_taken_off_sale(main):
    ProductFactory(sku="KM-245-BC", external_id="b631c9c1-49de-11e9-80c9-0cc47ab29cd1")

    result = catalog_import_file(IMPORT)

    assert not Product.objects.get(sku="KM-245-BC").is_active
    assert result.counts["products_deactivated"] == 1


def test_a_product_we_had_before_1c_is_linked_by_its_sku(main):
    ours = ProductFactory(sku="PM-421-WP", name="Коврик", price=Decimal("990"))

    catalog_import_file(IMPORT)

    ours.refresh_from_db()
    assert ours.external_id == PORTABLE
    assert ours.name.startswith("Портативный коврик")
    assert ours.price == Decimal("990")  # prices come with offers.xml


def test_a_total_without_warehouses_goes_to_the_main_warehouse(tmp_path, main):
    WarehouseFactory(code="shop", kind=Warehouse.Kind.STORE, priority=5)
    ProductFactory(sku="PAN", external_id="p1")

    catalog_import_file(
        write(tmp_path, "<Предложение><Ид>p1</Ид><Количество>7</Количество></Предложение>")
    )

    assert stock_of("PAN") == {"main": 7}


def test_the_stock_is_set_and_the_reservations_stay(tmp_path, main):
    product = ProductFactory(sku="PAN", external_id="p1")
    StockLevel.objects.create(product=product, warehouse=main, quantity=10, reserved=4)
    body = (
        f'<Предложение><Ид>p1</Ид><Склад ИдСклада="{MOSCOW}" КоличествоНаСкладе="6"/></Предложение>'
    )

    catalog_import_file(write(tmp_path, body))

    level = StockLevel.objects.get(product=product)
    assert (level.quantity, level.reserved, level.available) == (6, 4, 2)


PRICE_TYPES = (
    "<ТипыЦен><ТипЦены><Ид>opt</Ид><Наименование>Оптовая</Наименование></ТипЦены>"
    "<ТипЦены><Ид>rozn</Ид><Наименование>Розничная</Наименование></ТипЦены></ТипыЦен>"
)
PRICED = (
    "<Предложение><Ид>p1</Ид><Цены>"
    "<Цена><ИдТипаЦены>opt</ИдТипаЦены><ЦенаЗаЕдиницу>800</ЦенаЗаЕдиницу></Цена>"
    "<Цена><ИдТипаЦены>rozn</ИдТипаЦены><ЦенаЗаЕдиницу>1 190,50</ЦенаЗаЕдиницу></Цена>"
    "</Цены></Предложение>"
)


@pytest.mark.parametrize(
    ("setting", "price"), [("", "1190.50"), ("Оптовая", "800"), ("opt", "800")]
)
def test_the_price_comes_from_the_chosen_price_type(tmp_path, main, settings, setting, price):
    settings.ONEC_PRICE_TYPE = setting
    ProductFactory(sku="PAN", external_id="p1")

    catalog_import_file(write(tmp_path, PRICED, head=PRICE_TYPES))

    assert Product.objects.get(sku="PAN").price == Decimal(price)


def test_a_price_type_missing_from_the_file_refuses_it(tmp_path, main, settings):
    settings.ONEC_PRICE_TYPE = "Закупочная"
    ProductFactory(sku="PAN", external_id="p1", price=Decimal("5"))

    with pytest.raises(ExchangeError, match="Закупочная"):
        catalog_import_file(write(tmp_path, PRICED, head=PRICE_TYPES))

    assert Product.objects.get(sku="PAN").price == Decimal("5")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            '<Предложение><Ид>p2</Ид><Склад ИдСклада="x" КоличествоНаСкладе="-1"/></Предложение>',
            "Отрицательный остаток",
        ),
        ("<Предложение><Ид>p2</Ид><Количество>1", "Malformed XML"),
    ],
)
def test_a_broken_file_changes_nothing(tmp_path, main, body, reason):
    ProductFactory(sku="A", external_id="p1")
    ProductFactory(sku="B", external_id="p2")
    good = (
        f'<Предложение><Ид>p1</Ид><Склад ИдСклада="{MOSCOW}" КоличествоНаСкладе="5"/></Предложение>'
    )

    with pytest.raises(ExchangeError, match=reason):
        catalog_import_file(write(tmp_path, good + body))

    assert not StockLevel.objects.exists()
    assert Warehouse.objects.count() == 1


def test_importing_the_same_files_again_changes_nothing_more(main):
    catalog_import_file(IMPORT)
    catalog_import_file(OFFERS)

    again = catalog_import_file(OFFERS)

    assert again.counts.get("stock_changed", 0) == 0
    assert again.counts.get("prices_changed", 0) == 0
    assert Warehouse.objects.count() == 3


def test_a_product_without_article_gets_its_1c_id_as_sku_and_spaces_become_dashes(tmp_path, main):
    path = tmp_path / "import.xml"
    path.write_text(
        "<КоммерческаяИнформация><Каталог><Товары>"
        "<Товар><Ид>guid-1</Ид><Наименование>Без артикула</Наименование></Товар>"
        "<Товар><Ид>guid-2</Ид><Артикул> AB 12 </Артикул>"
        "<Наименование>С пробелом</Наименование></Товар>"
        "</Товары></Каталог></КоммерческаяИнформация>",
        encoding="utf-8",
    )

    catalog_import_file(path)

    assert dict(Product.objects.values_list("external_id", "sku")) == {
        "guid-1": "guid-1",
        "guid-2": "AB-12",
    }
