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

        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .config import forget_configuration
        from .models import StageLimit, Trigger, TriggerAction

        for model in (StageLimit, Trigger, TriggerAction):
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_configuration, sender=model, dispatch_uid=f"automation-config-{model}"
                )
        m2m_changed.connect(
            forget_configuration,
            sender=Trigger.stores.through,
            dispatch_uid="automation-config-trigger-stores",
        )
