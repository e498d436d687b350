"""Inbound webhooks of the payment provider (mounted at /webhooks/yookassa/)."""

from django.urls import path

from . import webhooks

urlpatterns = [
    path("", webhooks.yookassa_webhook, name="webhook-yookassa"),
]
