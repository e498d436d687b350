from __future__ import annotations

import secrets
from datetime import time
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def generate_api_secret() -> str:
    return secrets.token_hex(32)


class StoreQuerySet(models.QuerySet["Store"]):
    def visible_to(self, user) -> StoreQuerySet:
        """The stores whose deals and orders `user` may see."""
        if user_sees_all_stores(user):
            return self.all()
        return self.filter(members=user)


def user_sees_all_stores(user) -> bool:
    return user.is_superuser or user.has_perm("catalog.access_all_stores")


class Store(models.Model):
    """One of the online shops we process orders for."""

    code = models.SlugField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("Sent by the store's website in the X-Store-Code header."),
    )
    name = models.CharField(_("name"), max_length=200)
    api_secret = models.CharField(
        _("API secret"),
        max_length=128,
        default=generate_api_secret,
        help_text=_("Key of the HMAC-SHA256 signature of the store's API requests."),
    )
    callback_url = models.URLField(
        _("callback URL"),
        max_length=500,
        blank=True,
        help_text=_(
            "Every change of an order's status is POSTed here as a signed event "
            "(docs/store-callbacks.md). Empty: no events are sent."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Working hours: stage time limits "in working time" count only these hours.
    work_start = models.TimeField(_("work starts"), default=time(9, 0))
    work_end = models.TimeField(_("work ends"), default=time(18, 0))
    work_days = models.CharField(
        _("working days"),
        max_length=7,
        default="01234",
        validators=[RegexValidator(r"^[0-6]{1,7}$", _("Digits 0 (Monday) to 6 (Sunday)."))],
        help_text=_("0 is Monday, 6 is Sunday: 01234 is Monday to Friday."),
    )
    observe_holidays = models.BooleanField(
        _("closed on public holidays"),
        default=True,
        help_text=_("Russian non-working holidays do not count as working time."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff"),
        related_name="stores",
        blank=True,
        help_text=_("Managers and warehouse users who work with this store's orders."),
    )

    objects = StoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["name"]
        permissions = [("access_all_stores", _("Can see the orders of every store"))]

    def __str__(self) -> str:
        return self.name


class Warehouse(models.Model):
    class Kind(models.TextChoices):
        MAIN = "main", _("Main warehouse")
        STORE = "store", _("Store warehouse")
        PICKUP_POINT = "pickup_point", _("Pickup point")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.MAIN)
    address = models.CharField(_("address"), max_length=300, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    external_id = models.CharField(
        _("1C id"), max_length=64, blank=True, help_text=_("Warehouse id in 1C (CommerceML).")
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        default=100,
        help_text=_("Stock is reserved from warehouses with a lower number first."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["priority", "name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    class VatRate(models.TextChoices):
        # Values follow the receipt codes of Russian online cash registers (54-FZ).
        NONE = "none", _("No VAT")
        VAT0 = "0", "0%"
        VAT5 = "5", "5%"
        VAT7 = "7", "7%"
        VAT10 = "10", "10%"
        VAT20 = "20", "20%"
        VAT22 = "22", "22%"

    sku = models.CharField(
        _("SKU"),
        max_length=64,
        unique=True,
        validators=[RegexValidator(r"^\S+$", _("An SKU cannot contain spaces."))],
    )
    name = models.CharField(_("name"), max_length=300)
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    vat_rate = models.CharField(
        _("VAT rate"), max_length=8, choices=VatRate.choices, default=VatRate.VAT22
    )
    weight_grams = models.PositiveIntegerField(_("weight, g"), default=0)
    length_cm = models.PositiveSmallIntegerField(_("length, cm"), default=0)
    width_cm = models.PositiveSmallIntegerField(_("width, cm"), default=0)
    height_cm = models.PositiveSmallIntegerField(_("height, cm"), default=0)
    attributes = models.JSONField(
        _("attributes"),
        default=dict,
        blank=True,
        help_text=_('Such as {"size": "M", "colour": "black"}.'),
    )
    external_id = models.CharField(_("1C id"), max_length=64, blank=True, db_index=True)
    onec_synced_at = models.DateTimeField(
        _("last updated by 1C"), null=True, blank=True, editable=False
    )
    is_active = models.BooleanField(_("on sale"), default=True)
    needs_review = models.BooleanField(
        _("needs review"),
        default=False,
        help_text=_("Created automatically from an order with an unknown SKU."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    @property
    def attributes_display(self) -> str:
        return ", ".join(f"{key}: {value}" for key, value in sorted(self.attributes.items()))


class StockLevel(models.Model):
    """How many of a product lie in a warehouse, and how many of those are promised to orders."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="stock_levels"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="stock"
    )
    quantity = models.PositiveIntegerField(_("in stock"), default=0)
    reserved = models.PositiveIntegerField(_("reserved"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["warehouse__priority", "product__name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="stock_product_warehouse")
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} @ {self.warehouse.code}: {self.quantity}"

    @property
    def available(self) -> int:
        """What can still be promised; never negative, even if 1C lowered the stock."""
        return max(self.quantity - self.reserved, 0)
