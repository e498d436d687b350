"""Alerts to staff: in-app notifications, and the team lead's Telegram chat."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .models import Notification


def team_leads() -> QuerySet:
    """Active staff who get the escalations of every manager (the team lead's role)."""
    perm = Q(
        groups__permissions__codename="receive_escalations",
        groups__permissions__content_type__app_label="automation",
    ) | Q(
        user_permissions__codename="receive_escalations",
        user_permissions__content_type__app_label="automation",
    )
    return get_user_model().objects.filter(perm, is_active=True).distinct()


def notify(
    *,
    users: Iterable[Any],
    text: str,
    link: str = "",
    level: str = Notification.Level.INFO,
    key: str | None = None,
    telegram: bool = False,
) -> list[Notification]:
    """Create one notification per user; with `key`, a repeated event notifies nobody twice.

    With `telegram=True` the text also goes to each user's Telegram chat (if they have one),
    after commit, from a worker.
    """
    rows = [
        Notification(user=user, text=text[:500], link=link, level=level, key=key)
        for user in {u.pk: u for u in users if u is not None}.values()
    ]
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows, ignore_conflicts=key is not None)
    if telegram:
        from .tasks import send_notification_telegram_task

        # bulk_create with ignore_conflicts gives no pks; look the rows up by their key.
        query = Notification.objects.filter(user__in=[r.user for r in rows], text=rows[0].text)
        if key is not None:
            query = Notification.objects.filter(key=key, user__in=[r.user for r in rows])
        for notification in query.filter(user__telegram_chat_id__gt="", telegram_sent_at=None):
            send_notification_telegram_task.delay_on_commit(notification_id=notification.pk)
    return created


def notify_many(notifications: Iterable[Notification]) -> int:
    """Insert prepared notifications in one statement; rows whose (user, key) exists already
    are skipped. For the sweep, where one batch alerts up to a thousand managers' objects."""
    rows = list(notifications)
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)
