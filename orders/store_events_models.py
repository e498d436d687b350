"""The outbox of events for the stores' websites: one row per change of an order that the
store's site is told about, written in the transaction of the change and sent after it
(orders.store_events)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import Store


class StoreEvent(models.Model):
    class Type(models.TextChoices):
        STATUS_CHANGED = "order.status_changed", _("Status changed")
        PAYMENT_STATUS_CHANGED = "order.payment_status_changed", _("Payment status changed")

    class State(models.TextChoices):
        # «Доставлено»: an event, not a parcel; the context keeps the two apart.
        PENDING = "pending", pgettext_lazy("store event", "Waiting to be sent")
        DELIVERED = "delivered", pgettext_lazy("store event", "Delivered")
        FAILED = "failed", pgettext_lazy("store event", "Not delivered")

    #: Sent as `X-Event-Id` and `event_id`: the site de-duplicates on it.
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    # The order's store, copied: the list is scoped by store without a join.
    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.PROTECT)
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.CASCADE,
        related_name="store_events",
    )
    #: 1, 2, 3 … per order, in the order the changes happened; sent as `sequence`.
    sequence = models.PositiveIntegerField(_("number in the order"))
    type = models.CharField(_("type"), max_length=40, choices=Type.choices)
    #: The JSON body, frozen when the change happened.
    payload = models.JSONField(_("event"))
    state = models.CharField(
        pgettext_lazy("store event", "sending"),
        max_length=16,
        choices=State.choices,
        default=State.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    #: When a worker may send it (next): a retry's time, or the end of a worker's claim.
    #: None once delivered or failed.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(
        _("last HTTP code"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event for the website")
        verbose_name_plural = _("events for the website")
        ordering = ["-created_at", "-pk"]
        permissions = [("resend_storeevent", _("Can send an event to the website again"))]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "sequence"], name="storeevent_unique_order_sequence"
            ),
        ]
        indexes = [
            # The beat's scan: only events still to be sent are indexed.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="storeevent_pending_due",
            ),
            models.Index(fields=["store", "state"], name="storeevent_store_state"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.sequence} ({self.event_id})"

    @property
    def status(self) -> str:
        """The order status the event reports."""
        return str(self.payload.get("status", ""))
