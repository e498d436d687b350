from __future__ import annotations

import socket

from django.utils import timezone

from integrations.errors import TransientError
from integrations.telegram.client import send_message as telegram_send

from .models import Heartbeat, Notification


def heartbeat_record(*, name: str) -> Heartbeat:
    heartbeat, _created = Heartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now(), "hostname": socket.gethostname()}
    )
    return heartbeat


def notification_send_telegram(*, notification_id: int) -> None:
    """Send a notification to its user's Telegram chat once.

    The row is claimed before the call; a transient failure releases it for the retry.
    Raises TransientError (retried by the task) or PermanentError.
    """
    claimed = Notification.objects.filter(pk=notification_id, telegram_sent_at=None).update(
        telegram_sent_at=timezone.now()
    )
    if not claimed:
        return
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    chat_id = notification.user.telegram_chat_id
    if not chat_id:
        return
    try:
        telegram_send(chat_id=chat_id, text=notification.text)
    except TransientError:
        Notification.objects.filter(pk=notification_id).update(telegram_sent_at=None)
        raise


def notification_mark_read(*, user, ids: list[int] | None = None) -> int:
    query = Notification.objects.filter(user=user, read_at=None)
    if ids is not None:
        query = query.filter(pk__in=ids)
    return query.update(read_at=timezone.now())
