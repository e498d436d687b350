"""Inbound webhooks of the payment provider and of WooCommerce shops (mounted at /webhooks/)."""

from django.urls import path

from . import webhooks, woocommerce

urlpatterns = [
    path("yookassa/", webhooks.yookassa_webhook, name="webhook-yookassa"),
    path(
        "woocommerce/<slug:store_code>/",
        woocommerce.woocommerce_webhook,
        name="webhook-woocommerce",
    ),
]
