"""Shipments: how an order's goods travel to the customer (our pickup point, a city courier,
CDEK), the carrier's status events, and the table that turns CDEK statuses into transitions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from automation.models import Task
from catalog.models import Store
from orders.models import Order


class Shipment(models.Model):
    class Kind(models.TextChoices):
        PICKUP = "pickup", _("Our pickup point")
        COURIER = "courier", _("City courier")
        CDEK = "cdek", _("CDEK")

    class Status(models.TextChoices):
        # CDEK: new → registering (POST sent, CDEK validates) → in_transit (CDEK number known)
        # → delivered | not_delivered. An invalid or refused order is «ошибка» until retried.
        NEW = "new", _("To be created")
        SENDING = "sending", _("Being sent to the carrier")
        REGISTERING = "registering", _("Carrier is checking it")
        IN_TRANSIT = "in_transit", _("On its way")
        DELIVERED = "delivered", _("Delivered")
        NOT_DELIVERED = "not_delivered", _("Not delivered")
        ERROR = "error", _("Error")
        CANCELLED = "cancelled", _("Cancelled")

    #: Statuses in which the poller asks CDEK about the shipment.
    TRACKED = (Status.REGISTERING, Status.IN_TRANSIT)

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="shipments"
    )
    # The order's store, copied: shipments are listed and scoped by store without a join.
    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.PROTECT)
    kind = models.CharField(_("method"), max_length=16, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    address = models.CharField(_("address"), max_length=500, blank=True)
    pickup_point_code = models.CharField(_("CDEK pickup point code"), max_length=32, blank=True)
    cash_on_delivery = models.DecimalField(
        _("to collect on delivery"), max_digits=12, decimal_places=2, default=0
    )
    # City courier
    window_start = models.DateTimeField(_("deliver from"), null=True, blank=True)
    window_end = models.DateTimeField(_("deliver until"), null=True, blank=True)
    courier_name = models.CharField(_("courier"), max_length=200, blank=True)
    courier_phone = models.CharField(_("courier's phone"), max_length=32, blank=True)
    task = models.ForeignKey(
        Task,
        verbose_name=_("task"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # CDEK
    tariff_code = models.PositiveIntegerField(_("CDEK tariff"), null=True, blank=True)
    cdek_uuid = models.CharField(_("CDEK uuid"), max_length=64, blank=True, db_index=True)
    cdek_number = models.CharField(_("CDEK number"), max_length=32, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts to create"), default=0)
    error = models.TextField(_("error"), blank=True)
    carrier_status = models.CharField(_("carrier status"), max_length=64, blank=True)
    carrier_status_name = models.CharField(_("carrier status name"), max_length=200, blank=True)
    carrier_status_at = models.DateTimeField(_("carrier status since"), null=True, blank=True)
    #: The order status the latest carrier status calls for (the disagreement report).
    expected_order_status = models.CharField(_("order status expected"), max_length=32, blank=True)
    checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-created_at"]
        constraints = [
            # A retried hand-over never makes a second live shipment of the order.
            models.UniqueConstraint(
                fields=["order"],
                condition=~Q(status="cancelled"),
                name="shipment_one_live_per_order",
            ),
        ]
        indexes = [
            # The poller: tracked CDEK shipments, least recently checked first.
            models.Index(
                fields=["checked_at"],
                name="shipment_tracked_checked",
                condition=Q(kind="cdek", status__in=["registering", "in_transit"]),
            ),
        ]
        permissions = [("retry_shipment", _("Can send a refused shipment to CDEK again"))]

    def __str__(self) -> str:
        number = f" {self.cdek_number}" if self.cdek_number else ""
        return f"{self.get_kind_display()}{number} (№{self.order.number})"


class ShipmentEvent(models.Model):
    """A status the carrier reported, stored once per (code, time) whatever way it came."""

    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="events"
    )
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("status"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=200, blank=True)
    happened_at = models.DateTimeField(_("time"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    #: The transition it ran, or why none.
    outcome = models.CharField(_("result"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("carrier status")
        verbose_name_plural = _("carrier statuses")
        ordering = ["-happened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "code", "happened_at"], name="shipment_event_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.happened_at:%d.%m.%Y %H:%M}"


class CarrierStatusMapping(models.Model):
    """What a CDEK status code does to the order. Codes without a row are only recorded."""

    class Action(models.TextChoices):
        RECORD = "", _("Record only")
        ARRIVE = "arrive_at_pickup_point", _("At the pickup point")
        ISSUE = "issue", _("Issued")
        FAIL = "fail_delivery", _("Not delivered / not picked up")

    code = models.CharField(_("CDEK status code"), max_length=64, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    action = models.CharField(
        _("order transition"), max_length=32, choices=Action.choices, blank=True
    )

    class Meta:
        verbose_name = _("CDEK status mapping")
        verbose_name_plural = _("CDEK status mapping")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} → {self.get_action_display()}"
