from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from deals.services import register_order_placer

        from .services import order_place_from_deal

        register_order_placer(order_place_from_deal)
