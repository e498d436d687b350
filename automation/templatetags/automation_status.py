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


@register.inclusion_tag("automation/work_summary.html", takes_context=True)
def work_summary(context) -> dict:
    """What needs this user now: their open and overdue tasks, and the overdue deals and
    orders they handle (all stores' for a team lead)."""
    from django.urls import reverse

    from automation.models import Task
    from automation.registry import staged_models
    from catalog.models import user_sees_all_stores

    user = context["request"].user
    tasks = Task.objects.filter(assignee=user, done_at__isnull=True)
    lead = user_sees_all_stores(user)
    rows = []
    for model in staged_models():
        overdue = model.objects.filter(overdue_since__isnull=False)
        if not lead:
            overdue = overdue.filter(responsible=user)
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + "?overdue=overdue"
        if not lead:
            url += "&responsible=me"
        rows.append({"label": opts.verbose_name_plural, "count": overdue.count(), "url": url})
    return {
        "open_tasks": tasks.count(),
        "overdue_tasks": tasks.filter(due_at__lt=timezone.now()).count(),
        "overdue": rows,
        "everyone": lead,
    }
