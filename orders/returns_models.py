"""Returns of issued goods: what the customer brings back, why, and what the inspection found.

A return is registered with the order's «Оформить возврат» (request_return) for some of its lines
and quantities; the goods come back by courier or to a pickup point; each line is inspected (no
defect / defect, accepted or not); completing the return (complete_return) restocks the accepted
lines without a defect and refunds the accepted lines. The operations are in orders.returns.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Store, Warehouse

ZERO = Decimal("0.00")


class ReturnReason(models.Model):
    """Why the customer returns the goods. The team lead edits the list; reports group by it."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("return reason")
        verbose_name_plural = _("return reasons")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class ReturnChannel(models.TextChoices):
    """How the customer asked for the return."""

    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("E-mail")
    MESSENGER = "messenger", _("Messenger")
    WEBSITE = "website", _("Website form")
    PICKUP_POINT = "pickup_point", _("At the pickup point")


class ReturnMethod(models.TextChoices):
    """How the goods come back to us."""

    COURIER_PICKUP = "courier_pickup", _("A courier collects them from the customer")
    PICKUP_POINT = "pickup_point", _("The customer brings them to a pickup point")


class Condition(models.TextChoices):
    PENDING = "pending", _("Not inspected")
    NO_DEFECT = "no_defect", _("No defect")
    DEFECT = "defect", _("Defect")


class OrderReturn(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting inspection")
        COMPLETED = "completed", _("Completed")
        REJECTED = "rejected", _("Rejected")

    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="returns"
    )
    # The order's store, copied: the returns list is scoped and reported by store.
    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    reason = models.ForeignKey(
        ReturnReason, verbose_name=_("reason"), on_delete=models.PROTECT, related_name="returns"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ReturnChannel.choices)
    method = models.CharField(_("how it comes back"), max_length=16, choices=ReturnMethod.choices)
    pickup_address = models.CharField(_("address to collect from"), max_length=300, blank=True)
    pickup_from = models.DateTimeField(_("collect from"), null=True, blank=True)
    pickup_until = models.DateTimeField(_("collect until"), null=True, blank=True)
    pickup_point = models.ForeignKey(
        Warehouse,
        verbose_name=_("pickup point"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    task = models.ForeignKey(
        "automation.Task",
        verbose_name=_("courier task"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rejection_comment = models.TextField(_("why rejected"), blank=True)
    restock_warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("restocked to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    refund_total = models.DecimalField(
        _("refund"), max_digits=12, decimal_places=2, default=ZERO, editable=False
    )
    refund_online = models.DecimalField(
        _("refunded online"), max_digits=12, decimal_places=2, default=ZERO, editable=False
    )
    refund_by_hand = models.DecimalField(
        _("to return by hand"), max_digits=12, decimal_places=2, default=ZERO, editable=False
    )

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-created_at", "-pk"]
        permissions = [("inspect_orderreturn", _("Can record the inspection of returned goods"))]
        constraints = [
            # One open return per order: a second request waits until the first is closed.
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="requested"), name="orderreturn_one_open"
            ),
            models.CheckConstraint(
                condition=Q(refund_total=models.F("refund_online") + models.F("refund_by_hand")),
                name="orderreturn_refund_parts_add_up",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "status"], name="orderreturn_store_status"),
            models.Index(fields=["created_at"], name="orderreturn_created"),
            models.Index(fields=["closed_at"], name="orderreturn_closed"),
        ]

    def __str__(self) -> str:
        return _("Return of order №%(number)s") % {"number": self.order.number}

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.REQUESTED


class ReturnLine(models.Model):
    order_return = models.ForeignKey(
        OrderReturn, verbose_name=_("return"), on_delete=models.CASCADE, related_name="lines"
    )
    order_item = models.ForeignKey(
        "orders.OrderItem",
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        related_name="return_lines",
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    condition = models.CharField(
        _("condition"), max_length=16, choices=Condition.choices, default=Condition.PENDING
    )
    accepted = models.BooleanField(_("accepted"), null=True, blank=True)
    inspection_note = models.CharField(_("inspection note"), max_length=300, blank=True)
    refund_amount = models.DecimalField(
        _("refund"), max_digits=12, decimal_places=2, default=ZERO, editable=False
    )
    restocked = models.BooleanField(_("restocked"), default=False, editable=False)

    class Meta:
        verbose_name = _("returned item")
        verbose_name_plural = _("returned items")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_return", "order_item"], name="returnline_one_per_item"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="returnline_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_item.name} × {self.quantity}"

    @property
    def is_inspected(self) -> bool:
        return self.condition != Condition.PENDING and self.accepted is not None
