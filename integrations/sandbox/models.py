from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SandboxMessage(models.Model):
    """One message a fake provider accepted, as the customer would have received it."""

    class Provider(models.TextChoices):
        # Brand names: the same in every language.
        SMSRU = "smsru", "SMS.ru"
        TELEGRAM = "telegram", "Telegram"
        WHATSAPP = "whatsapp", "WhatsApp"
        VK = "vk", "VK"
        VIBER = "viber", "Viber"

    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    recipient = models.CharField(_("recipient"), max_length=64)
    text = models.TextField(_("text"))
    #: The request as the provider received it, credentials removed.
    request_payload = models.JSONField(_("request payload"), default=dict)
    provider_message_id = models.CharField(
        _("message id"), max_length=128, blank=True, db_index=True
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("sandbox message")
        verbose_name_plural = _("sandbox messages")

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_message_id}"


class SandboxPayment(models.Model):
    """A payment the fake YooKassa created; the buyer pays or refuses it on the sandbox page."""

    class Status(models.TextChoices):
        # YooKassa's own status names; a one-stage payment never waits for capture.
        PENDING = "pending", pgettext_lazy("yookassa status", "pending")
        SUCCEEDED = "succeeded", pgettext_lazy("yookassa status", "succeeded")
        CANCELED = "canceled", pgettext_lazy("yookassa status", "canceled")

    payment_id = models.CharField(_("payment id"), max_length=64, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    description = models.CharField(_("description"), max_length=128, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    #: The `receipt` of the request ({"customer": …, "items": […]}), None without one.
    receipt = models.JSONField(_("receipt"), null=True, blank=True)
    return_url = models.CharField(_("return URL"), max_length=2048, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    cancellation_party = models.CharField(_("canceled by"), max_length=32, blank=True)
    cancellation_reason = models.CharField(_("cancellation reason"), max_length=64, blank=True)
    #: The create request's key and body: the same key with another body is refused.
    idempotence_key = models.CharField(_("Idempotence-Key"), max_length=64, unique=True)
    request_payload = models.JSONField(_("request payload"), default=dict)
    #: The shop id of the Basic auth: YooKassa's `recipient.account_id`.
    account_id = models.CharField(_("shop id"), max_length=64)
    #: A secret key starting with "test_" is a test shop's: its objects say `"test": true`.
    test = models.BooleanField(_("test"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("sandbox payment")
        verbose_name_plural = _("sandbox payments")

    def __str__(self) -> str:
        return f"{self.payment_id} {self.status}"

    def refunded_amount(self) -> Decimal:
        """The sum of the refunds that succeeded."""
        total = self.refunds.filter(status=SandboxRefund.Status.SUCCEEDED).aggregate(
            total=models.Sum("amount")
        )["total"]
        return total or Decimal(0)


class SandboxRefund(models.Model):
    """A refund of a sandbox payment; the fake YooKassa makes it succeed at once."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("yookassa status", "pending")
        SUCCEEDED = "succeeded", pgettext_lazy("yookassa status", "succeeded")
        CANCELED = "canceled", pgettext_lazy("yookassa status", "canceled")

    refund_id = models.CharField(_("refund id"), max_length=64, unique=True)
    payment = models.ForeignKey(
        SandboxPayment,
        on_delete=models.CASCADE,
        related_name="refunds",
        verbose_name=_("payment"),
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    description = models.CharField(_("description"), max_length=250, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUCCEEDED
    )
    idempotence_key = models.CharField(_("Idempotence-Key"), max_length=64, unique=True)
    request_payload = models.JSONField(_("request payload"), default=dict)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("sandbox refund")
        verbose_name_plural = _("sandbox refunds")

    def __str__(self) -> str:
        return f"{self.refund_id} {self.status}"
