from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from automation.registry import register_transition_runner
        from deals.services import register_order_placer
        from integrations.sandbox.storesite import register_secret_lookup

        from . import receivers  # noqa: F401
        from .default_templates import create_missing_default_templates
        from .services import order_place_from_deal, order_run_system_transition

        register_order_placer(order_place_from_deal)
        register_transition_runner("orders.order", order_run_system_transition)
        # The demo's fake store website checks our events with the store's secret.
        register_secret_lookup(store_secret)
        post_migrate.connect(create_missing_default_templates, sender=self)


def store_secret(code: str) -> str | None:
    from catalog.models import Store

    return Store.objects.filter(code=code).values_list("api_secret", flat=True).first()
