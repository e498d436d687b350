from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _


class SandboxConfig(AppConfig):
    """Fake messaging providers: an outbox instead of real customers' phones."""

    name = "integrations.sandbox"
    label = "sandbox"
    verbose_name = _("Sandbox providers")

    def ready(self) -> None:
        checks.register(sandbox_off_in_production, checks.Tags.security, deploy=True)


def sandbox_off_in_production(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: the sandbox mounts pages anyone may open under /sandbox/ and gives the
    webhook secrets defaults that are public (they are in settings.py)."""
    if not settings.SANDBOX_ENABLED:
        return []
    return [
        checks.Warning(
            "SANDBOX_ENABLED is on: fake providers are served under /sandbox/ and the "
            "webhook secrets default to the public sandbox values.",
            hint="Set SANDBOX_ENABLED=false in production.",
            id="sandbox.W001",
        )
    ]
