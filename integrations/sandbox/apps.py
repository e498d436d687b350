from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SandboxConfig(AppConfig):
    """Fake messaging providers: an outbox instead of real customers' phones."""

    name = "integrations.sandbox"
    label = "sandbox"
    verbose_name = _("Sandbox providers")
