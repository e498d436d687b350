"""Task publishes that failed because the broker was down, sent again once it is back.

`orders_office.task_base.Task.apply_async` keeps a publish that the broker refused
(`unsent_task_keep`); the beat job `automation-resend-unsent-tasks` sends them again in the
order they came (`unsent_tasks_resend`). Every task is idempotent, so one sent twice (the
publish went through but the row could not be deleted) does no harm.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .models import UnsentTask

logger = logging.getLogger(__name__)

RESEND_BATCH = 500


def _moment(value: Any, now: datetime) -> datetime | None:
    """A publish option (seconds from now, a datetime or its ISO text) as a moment."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return now + timedelta(seconds=value)
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def unsent_task_keep(
    *,
    task: str,
    args: Sequence[Any] | None,
    kwargs: Mapping[str, Any] | None,
    options: Mapping[str, Any],
    error: BaseException,
) -> UnsentTask | None:
    """Keep a publish the broker refused. Never raises: it runs after the caller's transaction
    has committed, where an error would turn a saved order into a server error. With the
    database down too, the task is lost and said so in the log (the sweeps find most such work
    again: lost messages, store events, payments)."""
    now = timezone.now()
    text = f"{type(error).__name__}: {error}"[:500]
    try:
        with transaction.atomic():  # a savepoint: a caller's transaction survives a failure
            row = UnsentTask.objects.create(
                task=task,
                args=list(args or ()),
                kwargs=dict(kwargs or {}),
                due_at=_moment(options.get("eta"), now)
                or _moment(options.get("countdown"), now)
                or now,
                expires_at=_moment(options.get("expires"), now),
                error=text,
            )
    except Exception:
        logger.exception("task %s lost: the broker refused it (%s) and it was not kept", task, text)
        return None
    logger.warning("task %s not published (%s): kept as unsent task %s", task, text, row.pk)
    return row


def unsent_tasks_resend(*, now: datetime | None = None, limit: int = RESEND_BATCH) -> int:
    """Publish the kept tasks that are due, oldest first, and forget them; drop those whose
    expiry has passed. Stops at the first publish the broker refuses (the rest wait for the
    next run). Returns how many were published."""
    from orders_office.celery import app

    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        rows = list(
            UnsentTask.objects.select_for_update(skip_locked=True)
            .filter(due_at__lte=now)
            .order_by("pk")[:limit]
        )
        done = []
        for row in rows:
            if row.expires_at is not None and row.expires_at <= now:
                done.append(row.pk)
                continue
            try:
                app.send_task(row.task, args=row.args, kwargs=row.kwargs, expires=row.expires_at)
            except Exception as exc:
                logger.warning("unsent tasks: the broker still refuses (%s)", type(exc).__name__)
                break
            done.append(row.pk)
            sent += 1
        UnsentTask.objects.filter(pk__in=done).delete()
    if sent:
        logger.info("unsent tasks: %s published again", sent)
    return sent
