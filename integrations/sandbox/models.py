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


class SandboxCdekOrder(models.Model):
    """An order the fake CDEK accepted; it travels one status a step (integrations/sandbox/cdek.py).

    The outcome of CDEK's validation is decided when the order is accepted (`planned_errors`)
    and shown `cdek.VALIDATION_SECONDS` later; the beat tick then writes it down.
    """

    class Kind(models.TextChoices):
        PICKUP_POINT = "pickup_point", _("to a pickup point")
        DOOR = "door", _("to the door")

    uuid = models.CharField(_("uuid"), max_length=36, unique=True)
    number = models.CharField(_("number"), max_length=40, db_index=True)
    cdek_number = models.CharField(_("CDEK number"), max_length=20, blank=True)
    tariff_code = models.PositiveIntegerField(_("tariff"))
    kind = models.CharField(_("delivery"), max_length=16, choices=Kind.choices)
    recipient_name = models.CharField(_("recipient"), max_length=255)
    sender_city = models.CharField(_("sender city"), max_length=64)
    recipient_city = models.CharField(_("recipient city"), max_length=64)
    #: The request as CDEK received it.
    request_payload = models.JSONField(_("request payload"), default=dict)
    #: CREATE request: ACCEPTED until validated, then SUCCESSFUL or INVALID.
    request_state = models.CharField(_("request state"), max_length=16, default="ACCEPTED")
    #: What validation will say: `[{"code", "message"}]`, empty for a good order.
    planned_errors = models.JSONField(_("validation errors"), default=list, blank=True)
    #: The recipient will not take the parcel: the journey ends NOT_DELIVERED.
    fails = models.BooleanField(_("will not be delivered"), default=False)
    #: Index of the current status in the order's journey (cdek.journey()).
    step = models.PositiveSmallIntegerField(_("step"), default=0)
    status_code = models.CharField(_("status"), max_length=48, default="ACCEPTED")
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    #: When the tick moves it on; None once it has arrived, failed or was refused.
    next_step_at = models.DateTimeField(_("next step"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("sandbox CDEK order")
        verbose_name_plural = _("sandbox CDEK orders")
        indexes = [
            models.Index(
                fields=["next_step_at"],
                name="sandbox_cdek_due",
                condition=models.Q(next_step_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.status_code}"


class SandboxCdekStatus(models.Model):
    """One entry of a sandbox order's status history, pushed once to the subscribed webhooks."""

    order = models.ForeignKey(
        SandboxCdekOrder, on_delete=models.CASCADE, related_name="statuses", verbose_name=_("order")
    )
    code = models.CharField(_("code"), max_length=48)
    name = models.CharField(_("name"), max_length=128)
    city = models.CharField(_("city"), max_length=64)
    reason_code = models.CharField(_("reason"), max_length=8, blank=True)
    date_time = models.DateTimeField(_("time"))
    #: When it was pushed to the webhooks (CDEK pushes once and never retries); None: not yet.
    pushed_at = models.DateTimeField(_("pushed"), null=True, blank=True)

    class Meta:
        ordering = ["-date_time", "-pk"]
        verbose_name = _("sandbox CDEK status")
        verbose_name_plural = _("sandbox CDEK statuses")
        indexes = [
            models.Index(
                fields=["date_time"],
                name="sandbox_cdek_unpushed",
                condition=models.Q(pushed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.code}"


class SandboxCdekWebhook(models.Model):
    """A webhook subscription of the fake CDEK (`POST /v2/webhooks`)."""

    uuid = models.CharField(_("uuid"), max_length=36, unique=True)
    url = models.URLField(_("URL"), max_length=2048)
    type = models.CharField(_("type"), max_length=32, default="ORDER_STATUS")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("sandbox CDEK webhook")
        verbose_name_plural = _("sandbox CDEK webhooks")

    def __str__(self) -> str:
        return f"{self.type} {self.url}"
