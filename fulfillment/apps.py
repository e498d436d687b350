from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfillmentConfig(AppConfig):
    """Assembly documents, shipments and return receipts (issue «Fulfillment»)."""

    name = "fulfillment"
    verbose_name = _("Fulfillment")

    def ready(self) -> None:
        # Registers fulfillment's work in the order transitions and its history labels.
        from . import hooks, shipments  # noqa: F401
