from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils import timezone

from automation.models import Heartbeat

register = template.Library()

#: Beat ticks every minute; three missed ticks mean the worker or beat is down.
STALE_AFTER = timedelta(minutes=3)


@register.inclusion_tag("automation/heartbeat_status.html")
def heartbeat_status() -> dict:
    heartbeat = Heartbeat.objects.filter(name="beat").first()
    return {
        "heartbeat": heartbeat,
        "alive": heartbeat is not None and timezone.now() - heartbeat.beat_at < STALE_AFTER,
    }


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    from automation.models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).count()
