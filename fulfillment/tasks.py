"""Celery tasks of fulfillment: thin adapters around its services."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


# OperationalError: on SQLite (the demo) the refused transaction may still hold the database's
# write lock for a moment; the retry comes after it is gone.
@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_jitter=True, max_retries=5)
def record_stock_shortage_task(*, order_id: int, actor_id: int | None = None) -> None:
    """The manager's task after a start of assembly refused for lack of stock
    (`fulfillment.shortage.shortage_record`)."""
    from .shortage import shortage_record

    shortage_record(order_id=order_id, actor_id=actor_id)
