"""Fulfillment's models: the assembly document with its lines (which are also the order's stock
reservations), and the record of a refused assembly start for lack of stock."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from automation.models import Task
from catalog.models import Product, Store, Warehouse
from orders.models import Order, OrderItem


class AssemblyDocument(models.Model):
    """«Документ на сборку»: what a warehouse user picks for one order, from which warehouse,
    by when. Created by `start_assembly` together with the reservations (its lines)."""

    class Status(models.TextChoices):
        OPEN = "open", _("To assemble")
        ASSEMBLED = "assembled", _("Assembled")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=32, unique=True)
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="assembly_documents",
    )
    # The order's store, copied: documents are listed and scoped by store without a join.
    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.PROTECT)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assembler"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assembly_documents",
    )
    due_at = models.DateTimeField(_("assemble by"), null=True, blank=True)
    move_note = models.TextField(
        _("moves between warehouses"),
        blank=True,
        help_text=_("Lines that lie in another warehouse and must be brought to the first one."),
    )
    task = models.OneToOneField(
        Task,
        verbose_name=_("task"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assembly_document",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    assembled_at = models.DateTimeField(_("assembled at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Every change sets it, bulk updates included: the 1C exchange reads what changed since.
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("assembly document")
        verbose_name_plural = _("assembly documents")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # start_assembly runs once per order; a second live document would reserve twice.
            models.UniqueConstraint(
                fields=["order"],
                condition=~Q(status="cancelled"),
                name="assemblydocument_one_live_per_order",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "assembled", "cancelled"]),
                name="assemblydocument_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "status"], name="assemblydoc_store_status"),
            models.Index(
                fields=["assignee"], condition=Q(status="open"), name="assemblydoc_open_assignee"
            ),
        ]

    def __str__(self) -> str:
        return f"№{self.number}"


class AssemblyLine(models.Model):
    """One order line, or a part of it, taken from one warehouse. It is also the reservation:
    while «reserved» its quantity is counted in that warehouse's `StockLevel.reserved`."""

    class State(models.TextChoices):
        RESERVED = "reserved", _("reserved")
        CONSUMED = "consumed", _("left the warehouse")
        RELEASED = "released", _("released")
        RETURNED = "returned", _("received back")

    document = models.ForeignKey(
        AssemblyDocument,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    order_item = models.ForeignKey(
        OrderItem, verbose_name=_("order line"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    state = models.CharField(
        _("reservation"), max_length=16, choices=State.choices, default=State.RESERVED
    )

    class Meta:
        verbose_name = _("assembly line")
        verbose_name_plural = _("assembly lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="assemblyline_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["reserved", "consumed", "released", "returned"]),
                name="assemblyline_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} × {self.quantity} @ {self.warehouse.code}"


class StockShortage(models.Model):
    """A refused `start_assembly`: which SKUs were short, and the manager's task «связаться с
    клиентом: замена или отмена». One open task per order: a second refusal updates it."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="stock_shortages"
    )
    task = models.OneToOneField(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="stock_shortage"
    )
    details = models.TextField(_("what is missing"))
    created_at = models.DateTimeField(_("first refused"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last refused"), auto_now=True)

    class Meta:
        verbose_name = _("stock shortage")
        verbose_name_plural = _("stock shortages")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"{self.order}: {self.details[:60]}"


# The 1C exchange's own state lives next to its code.
from .onec.models import ExchangeLog, OnecOrder  # noqa: E402, F401
from .shipment_models import CarrierStatusMapping, Shipment, ShipmentEvent  # noqa: E402,F401
