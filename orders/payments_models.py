"""The money of an order: online payments at the provider (YooKassa) and refunds of them.

`Order.payment_status` stays the summary the lists filter on; these rows are the detail behind
it. They are changed only by `orders.payments` (and the order services that call it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Message


class Payment(models.Model):
    """One payment the customer can make (a link), or has made, for an order.

    An order has at most one *live* payment (created or awaiting payment): the link the
    customer is expected to pay. A new link after the order was edited cancels the old one.
    """

    class Status(models.TextChoices):
        CREATED = "created", _("created")
        PENDING = "pending", _("awaiting payment")
        SUCCEEDED = "succeeded", _("paid")
        CANCELED = "canceled", _("cancelled")
        ERROR = "error", _("error")

    #: Statuses of the link the customer may still pay.
    LIVE = (Status.CREATED, Status.PENDING)

    class Provider(models.TextChoices):
        YOOKASSA = "yookassa", "YooKassa"

    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="payments"
    )
    provider = models.CharField(
        _("provider"), max_length=16, choices=Provider.choices, default=Provider.YOOKASSA
    )
    provider_payment_id = models.CharField(
        _("provider's payment id"), max_length=64, unique=True, null=True, blank=True
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.CREATED
    )
    confirmation_url = models.URLField(_("payment link"), max_length=500, blank=True)
    idempotence_key = models.CharField(_("idempotence key"), max_length=64, unique=True)
    sent_via = models.CharField(
        _("sent via"), max_length=16, choices=Message.Channel.choices, blank=True
    )
    sent_at = models.DateTimeField(_("link sent"), null=True, blank=True)
    resent_count = models.PositiveIntegerField(_("sent again"), default=0)
    cancellation_reason = models.CharField(_("cancellation reason"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    #: True for the payment that paid the order; a payment that arrived for an order that no
    #: longer wanted it (cancelled, paid otherwise, link replaced) is refunded instead.
    applied_to_order = models.BooleanField(_("paid the order"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Two simultaneous «send link» clicks cannot both leave a payable link behind.
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=["created", "pending"]),
                name="payment_one_live_per_order",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [
            # The reconciliation job reads only the few unfinished payments.
            models.Index(
                fields=["created_at"],
                condition=Q(status__in=["created", "pending"]),
                name="payment_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} ₽ · {self.get_status_display()}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE


class Refund(models.Model):
    """Money returned to the customer through the provider, from one payment."""

    class Status(models.TextChoices):
        PENDING = "pending", _("in progress")
        SUCCEEDED = "succeeded", _("refunded")
        CANCELED = "canceled", _("refused")
        ERROR = "error", _("error")

    #: Refunds that take (or took) money from their payment.
    COUNTED = (Status.PENDING, Status.SUCCEEDED)

    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="refunds"
    )
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    provider_refund_id = models.CharField(
        _("provider's refund id"), max_length=64, unique=True, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    reason = models.TextField(_("reason"), blank=True)
    idempotence_key = models.CharField(_("idempotence key"), max_length=64, unique=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    succeeded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(status="pending"), name="refund_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} ₽ · {self.get_status_display()}"
