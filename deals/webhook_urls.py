"""Messenger webhooks (mounted under /webhooks/)."""

from django.urls import path

from . import webhooks

urlpatterns = [
    path("telegram/<str:secret>/", webhooks.telegram_webhook, name="webhook-telegram"),
    path("whatsapp/", webhooks.whatsapp_webhook, name="webhook-whatsapp"),
    path("vk/", webhooks.vk_webhook, name="webhook-vk"),
    path("viber/", webhooks.viber_webhook, name="webhook-viber"),
]
