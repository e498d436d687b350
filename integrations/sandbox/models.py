from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
