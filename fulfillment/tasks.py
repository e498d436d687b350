"""Celery tasks of fulfillment: thin adapters around its services."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from integrations.errors import PermanentError, TransientError


# OperationalError: on SQLite (the demo) the refused transaction may still hold the database's
# write lock for a moment; the retry comes after it is gone.
@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_jitter=True, max_retries=5)
def record_stock_shortage_task(*, order_id: int, actor_id: int | None = None) -> None:
    """The manager's task after a start of assembly refused for lack of stock
    (`fulfillment.shortage.shortage_record`)."""
    from .shortage import shortage_record

    shortage_record(order_id=order_id, actor_id=actor_id)


@shared_task(
    bind=True,
    autoretry_for=(TransientError,),
    dont_autoretry_for=(PermanentError,),
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def send_shipment_to_cdek_task(self, *, shipment_id: int) -> None:
    """Create the shipment's CDEK order (`shipment_send_to_cdek`, at most once); retried while
    CDEK is unreachable, each retry looking the order up by number before sending."""
    from .shipments import shipment_send_to_cdek

    shipment_send_to_cdek(shipment_id=shipment_id)


@shared_task(
    autoretry_for=(TransientError,),
    dont_autoretry_for=(PermanentError,),
    retry_backoff=10,
    retry_jitter=True,
    max_retries=5,
)
def sync_shipment_task(*, shipment_id: int, via: str = "webhook") -> None:
    """Read the shipment from CDEK and apply what is new (`shipment_sync`)."""
    from .shipments import shipment_sync

    shipment_sync(shipment_id=shipment_id, via=via)


@shared_task
def poll_cdek_shipments_task() -> str:
    """Periodic: one batch of tracked CDEK shipments, within the request rate."""
    from .shipments import shipments_poll

    result = shipments_poll()
    return f"checked {result.checked}, failed {result.failed}, new statuses {result.new_events}"
