from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """Clients and payload formats of external systems. Knows none of our models."""

    name = "integrations"
    verbose_name = _("Integrations")
