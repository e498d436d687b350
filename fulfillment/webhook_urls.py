"""Inbound webhooks of the carrier (mounted at /webhooks/cdek/)."""

from django.urls import path

from . import webhooks

urlpatterns = [
    path("", webhooks.cdek_webhook, name="webhook-cdek"),
]
