from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = _("Deals")

    def ready(self) -> None:
        from automation.registry import register_condition_choices, register_transition_runner

        from .choices import Channel, DeliveryMethod, PaymentMethod
        from .services import deal_run_system_transition

        register_transition_runner("deals.deal", deal_run_system_transition)
        register_condition_choices(
            channel=Channel.choices,
            delivery_method=DeliveryMethod.choices,
            payment_method=PaymentMethod.choices,
        )
