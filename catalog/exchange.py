"""Applying 1C's catalogue files (CommerceML 2) to the catalogue: goods from `import.xml`,
prices and stock from `offers.xml` (and `prices.xml` / `rests.xml` of newer modules).

A file is applied in one transaction: any error (malformed XML, a required field missing, a
negative stock, a price that is not a number) raises `ExchangeError` and nothing is written.
Records are applied in batches of `BATCH` with bulk queries, so a file of tens of thousands of
offers is a few hundred queries, streamed without holding the file in memory.

Mapping (docs/onec-exchange.md):
- Товар/Ид → Product.external_id (found first by it, then by Артикул = Product.sku for goods
  we had before 1C); Артикул → sku (whitespace turned into «-»; Ид when empty); Наименование
  → name; Статус «Удален» or ПометкаУдаления → is_active False, else True.
- Предложение/Ид → the product with that external_id (unknown offers are skipped and counted);
  ЦенаЗаЕдиницу of the chosen price type → price; per-warehouse stock → StockLevel.quantity of
  the warehouse with that Warehouse.external_id; a bare total «Количество» → the main warehouse.
- Склады/Склад unknown to us → a new *inactive* warehouse (its stock is kept, nothing is sold
  from it until someone activates it and sets its kind); it is listed in the warnings.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.commerceml.catalog import (
    OfferRecord,
    PackageHeader,
    PriceTypeRecord,
    ProductRecord,
    WarehouseRecord,
    iter_catalog,
)
from integrations.commerceml.errors import CommerceMLError

from .models import Product, StockLevel, Warehouse

logger = logging.getLogger(__name__)

BATCH = 500
PROGRESS_EVERY = 5000
DEFAULT_PRICE_TYPE = "Розничная"
MAX_WARNINGS = 50
_SKU_SPACES = re.compile(r"\s+")


class ExchangeError(Exception):
    """The file was refused; the message is the line 1C shows to its operator."""


@dataclass
class ImportResult:
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, name: str, number: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + number

    def warn(self, text: str) -> None:
        self.add("warnings")
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(text)


def normalize_sku(article: str, external_id: str) -> str:
    sku = _SKU_SPACES.sub("-", article.strip()) or external_id.strip()
    return sku[:64]


def catalog_import_file(
    path: Path | str,
    *,
    price_type: str | None = None,
    progress: Callable[[dict[str, int]], None] | None = None,
) -> ImportResult:
    """Apply one CommerceML catalogue file; raises ExchangeError (nothing written) if refused.

    `price_type` (a name or an id) defaults to settings.ONEC_PRICE_TYPE. `progress(counts)` is
    called every PROGRESS_EVERY records.
    """
    importer = _Importer(
        price_type=settings.ONEC_PRICE_TYPE if price_type is None else price_type,
        progress=progress,
    )
    try:
        with transaction.atomic(), open(path, "rb") as stream:
            for record in iter_catalog(stream):
                importer.take(record)
            importer.flush()
    except CommerceMLError as error:
        raise ExchangeError(str(error)) from None
    except DatabaseError as error:
        logger.exception("1C import of %s failed in the database", path)
        raise ExchangeError(_("Database error: %(error)s") % {"error": error}) from None
    logger.info("1C import of %s done: %s", Path(path).name, importer.result.counts)
    return importer.result


def _bulk_set(model, fields: list[str], rows: list[tuple]) -> None:
    """UPDATE `fields` of the rows (pk, *values) with one prepared statement run many times.

    QuerySet.bulk_update builds a CASE per field and row in Python and costs ~1 ms a row;
    tens of thousands of offers need this instead. Values are adapted like the ORM does."""
    if not rows:
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(meta.db_table),
        ", ".join(f"{quote(field.column)} = %s" for field in columns),
        quote(meta.pk.column),
    )
    params = [
        [
            field.get_db_prep_save(value, connection)
            for field, value in zip(columns, values, strict=True)
        ]
        + [pk]
        for pk, *values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


class _Importer:
    def __init__(self, *, price_type: str, progress) -> None:
        self.wanted_price_type = price_type.strip()
        self.progress = progress
        self.result = ImportResult()
        self.now = timezone.now()
        self.price_types: list[PriceTypeRecord] = []
        self.price_type_id: str | None = None
        self.warehouses = {w.external_id: w for w in Warehouse.objects.exclude(external_id="")}
        self._main: Warehouse | None = None
        self.products: list[ProductRecord] = []
        self.offers: list[OfferRecord] = []
        self.seen = 0

    # --- dispatch ------------------------------------------------------------------------

    def take(self, record) -> None:
        if isinstance(record, ProductRecord):
            self.products.append(record)
            if len(self.products) >= BATCH:
                self._flush_products()
        elif isinstance(record, OfferRecord):
            self.offers.append(record)
            if len(self.offers) >= BATCH:
                self._flush_offers()
        elif isinstance(record, WarehouseRecord):
            self._warehouse(record.external_id, record.name)
        elif isinstance(record, PriceTypeRecord):
            self.price_types.append(record)
            self.price_type_id = None
        elif isinstance(record, PackageHeader):
            self.result.counts.setdefault("only_changes", int(record.only_changes))
        else:  # pragma: no cover - the parser yields nothing else
            raise TypeError(record)

    def flush(self) -> None:
        self._flush_products()
        self._flush_offers()

    def _tick(self, number: int) -> None:
        before, self.seen = self.seen, self.seen + number
        if before // PROGRESS_EVERY != self.seen // PROGRESS_EVERY:
            logger.info("1C import: %d records, %s", self.seen, self.result.counts)
            if self.progress is not None:
                self.progress(dict(self.result.counts))

    # --- warehouses ------------------------------------------------------------------------

    def _warehouse(self, external_id: str, name: str = "") -> Warehouse:
        warehouse = self.warehouses.get(external_id)
        if warehouse is None:
            digest = hashlib.sha1(external_id.encode(), usedforsecurity=False).hexdigest()[:12]
            warehouse, created = Warehouse.objects.get_or_create(
                code=f"1c-{digest}",
                defaults={
                    "name": (name or external_id)[:200],
                    "kind": Warehouse.Kind.STORE,
                    "external_id": external_id,
                    "priority": 900,
                    "is_active": False,
                },
            )
            if created:
                self.result.add("warehouses_created")
                self.result.warn(
                    _("New warehouse «%(name)s» (1C id %(id)s) created inactive.")
                    % {"name": warehouse.name, "id": external_id}
                )
            self.warehouses[external_id] = warehouse
        return warehouse

    def _main_warehouse(self) -> Warehouse:
        if self._main is None:
            self._main = (
                Warehouse.objects.filter(kind=Warehouse.Kind.MAIN, is_active=True)
                .order_by("priority", "pk")
                .first()
            )
            if self._main is None:
                raise ExchangeError(
                    _("The file gives only total stock, and there is no active main warehouse.")
                )
        return self._main

    # --- goods -----------------------------------------------------------------------------

    def _flush_products(self) -> None:
        records, self.products = self.products, []
        if not records:
            return
        by_id: dict[str, Product] = {}
        for product in Product.objects.filter(
            external_id__in={r.external_id for r in records}
        ).order_by("pk"):
            by_id.setdefault(product.external_id, product)
        wanted_skus = {normalize_sku(r.sku, r.external_id) for r in records}
        by_sku = {p.sku: p for p in Product.objects.filter(sku__in=wanted_skus)}
        created: list[Product] = []
        changed: dict[int, Product] = {}
        for record in records:
            sku = normalize_sku(record.sku, record.external_id)
            product = by_id.get(record.external_id)
            if product is None:
                product = by_sku.get(sku)
                if product is not None and product.external_id:
                    self.result.warn(
                        _("SKU %(sku)s of 1C product %(id)s belongs to another 1C product.")
                        % {"sku": sku, "id": record.external_id}
                    )
                    self.result.add("products_skipped")
                    continue
            if product is None:
                if record.deleted:
                    continue
                if not record.name:
                    raise ExchangeError(
                        _("New product %(id)s has no name (Наименование).")
                        % {"id": record.external_id}
                    )
                product = Product(
                    sku=sku,
                    name=record.name[:300],
                    price=Decimal(0),
                    external_id=record.external_id,
                    onec_synced_at=self.now,
                )
                by_sku[sku] = by_id[record.external_id] = product
                created.append(product)
                continue
            if product.sku != sku:
                owner = by_sku.get(sku)
                if owner is not None and owner is not product:
                    self.result.warn(
                        _("SKU %(sku)s of 1C product %(id)s is taken; kept %(old)s.")
                        % {"sku": sku, "id": record.external_id, "old": product.sku}
                    )
                else:
                    by_sku.pop(product.sku, None)
                    product.sku, by_sku[sku] = sku, product
            product.external_id = record.external_id
            product.name = record.name[:300] or product.name
            if record.deleted and product.is_active:
                self.result.add("products_deactivated")
            product.is_active = not record.deleted
            product.onec_synced_at = product.updated_at = self.now
            by_id[record.external_id] = product
            if product.pk is not None:
                changed[product.pk] = product
        Product.objects.bulk_create(created)
        _bulk_set(
            Product,
            ["sku", "name", "external_id", "is_active", "onec_synced_at", "updated_at"],
            [
                (p.pk, p.sku, p.name, p.external_id, p.is_active, p.onec_synced_at, p.updated_at)
                for p in changed.values()
            ],
        )
        self.result.add("products_created", len(created))
        self.result.add("products_updated", len(changed))
        self._tick(len(records))

    # --- offers ----------------------------------------------------------------------------

    def _chosen_price_type(self, offer: OfferRecord) -> str | None:
        """The ИдТипаЦены whose price becomes Product.price, or None to keep prices."""
        if self.price_type_id is None and self.price_types:
            wanted = (self.wanted_price_type or DEFAULT_PRICE_TYPE).casefold()
            for price_type in self.price_types:
                if wanted in (price_type.external_id.casefold(), price_type.name.casefold()):
                    self.price_type_id = price_type.external_id
                    break
            else:
                if self.wanted_price_type:
                    raise ExchangeError(
                        _("Price type «%(name)s» (ONEC_PRICE_TYPE) is not in the file.")
                        % {"name": self.wanted_price_type}
                    )
                self.price_type_id = self.price_types[0].external_id
        if self.price_type_id is not None:
            return self.price_type_id
        if self.wanted_price_type:
            return self.wanted_price_type  # no ТипыЦен declared: match ИдТипаЦены directly
        return next(iter(offer.prices), None)

    def _stock_of(self, offer: OfferRecord) -> dict[int, int]:
        """Warehouse pk → quantity sent for it (a bare total goes to the main warehouse)."""
        if offer.stock:
            sent = {self._warehouse(wid).pk: value for wid, value in offer.stock.items()}
        elif offer.quantity is not None:
            sent = {self._main_warehouse().pk: offer.quantity}
        else:
            return {}
        for value in sent.values():
            if value < 0:
                raise ExchangeError(
                    _("Negative stock %(quantity)s for offer %(id)s.")
                    % {"quantity": value, "id": offer.external_id}
                )
        # Stock is counted in whole pieces: a fraction (goods sold by weight) is rounded down.
        return {pk: int(value) for pk, value in sent.items()}

    def _flush_offers(self) -> None:
        offers, self.offers = self.offers, []
        if not offers:
            return
        products: dict[str, Product] = {}
        for product in Product.objects.filter(
            external_id__in={o.external_id for o in offers}
        ).order_by("pk"):
            products.setdefault(product.external_id, product)
        priced: dict[int, Product] = {}
        wanted_stock: dict[tuple[int, int], int] = {}
        for offer in offers:
            product = products.get(offer.external_id)
            if product is None:
                self.result.add("offers_unknown")
                if self.result.counts["offers_unknown"] <= 10:
                    self.result.warn(
                        _("Offer %(id)s (%(name)s) matches no product; skipped.")
                        % {"id": offer.external_id, "name": offer.name or offer.sku}
                    )
                continue
            self.result.add("offers")
            price_type = self._chosen_price_type(offer)
            price = offer.prices.get(price_type) if price_type else None
            if price is not None:
                if price < 0:
                    raise ExchangeError(
                        _("Negative price %(price)s for offer %(id)s.")
                        % {"price": price, "id": offer.external_id}
                    )
                price = price.quantize(Decimal("0.01"))
                if price != product.price:
                    product.price = price
                    self.result.add("prices_changed")
            product.onec_synced_at = product.updated_at = self.now
            priced[product.pk] = product
            for warehouse_id, quantity in self._stock_of(offer).items():
                wanted_stock[(product.pk, warehouse_id)] = quantity
        _bulk_set(
            Product,
            ["price", "onec_synced_at", "updated_at"],
            [(p.pk, p.price, p.onec_synced_at, p.updated_at) for p in priced.values()],
        )
        self._apply_stock(wanted_stock)
        self._tick(len(offers))

    def _apply_stock(self, wanted: dict[tuple[int, int], int]) -> None:
        if not wanted:
            return
        existing = {
            (level.product_id, level.warehouse_id): level
            for level in StockLevel.objects.filter(
                product_id__in={p for p, _w in wanted}, warehouse_id__in={w for _p, w in wanted}
            )
        }
        changed, created = [], []
        for (product_id, warehouse_id), quantity in wanted.items():
            level = existing.get((product_id, warehouse_id))
            if level is None:
                created.append(
                    StockLevel(product_id=product_id, warehouse_id=warehouse_id, quantity=quantity)
                )
            elif level.quantity != quantity:
                level.quantity, level.updated_at = quantity, self.now
                changed.append(level)
        # Only `quantity` is written: `reserved` moves concurrently with F() updates.
        _bulk_set(
            StockLevel,
            ["quantity", "updated_at"],
            [(level.pk, level.quantity, level.updated_at) for level in changed],
        )
        StockLevel.objects.bulk_create(created)
        self.result.add("stock_changed", len(changed) + len(created))
