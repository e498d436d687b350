from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from automation.registry import register_transition_runner
        from deals.services import register_order_placer

        from . import receivers  # noqa: F401
        from .services import order_place_from_deal, order_run_system_transition

        register_order_placer(order_place_from_deal)
        register_transition_runner("orders.order", order_run_system_transition)
