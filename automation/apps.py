from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    """The machinery that watches deals and orders: the staged-model base, the transition
    runner, and (issue «Automation») stage time limits, triggers, tasks and notifications."""

    name = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        from contacts.signals import message_failed

        from .receivers import notify_message_failed

        message_failed.connect(notify_message_failed, dispatch_uid="automation-message-failed")
