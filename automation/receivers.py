"""Automation's answers to events of lower apps."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .firing import admin_link
from .models import Notification
from .notify import notify


def notify_message_failed(sender, message, **kwargs) -> None:
    """A customer message could not be delivered: tell whoever handles what it was about."""
    subject = message.subject
    responsible = getattr(subject, "responsible", None) or message.contact.responsible
    if responsible is None:
        return
    notify(
        users=[responsible],
        text=_("Message to %(contact)s not delivered: %(error)s")
        % {"contact": message.contact, "error": message.error or message.get_status_display()},
        link=admin_link(subject) if subject is not None else admin_link(message.contact),
        level=Notification.Level.WARNING,
        key=f"message-failed-{message.pk}",
    )
