"""Celery tasks of orders: thin adapters around `orders.payments`."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from integrations.errors import PermanentError, TransientError

#: A provider's own "retry after" is honoured up to this, seconds.
_MAX_PROVIDER_PAUSE = 600

# YooKassa's 5xx means "result unknown, repeat with the same key": the key makes the retries
# safe. Backoff 10 s, 20 s … capped at 10 minutes, five retries: about 5 minutes in all.
_RETRY = {
    "bind": True,
    "autoretry_for": (TransientError,),
    "dont_autoretry_for": (PermanentError,),
    "retry_backoff": 10,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


def _error_text(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def _give_up_on_payment(
    self: Task, exc: Exception, task_id: str, args: tuple, kwargs: dict[str, Any], einfo: Any
) -> None:
    # Called once the task has failed for good (retries spent, or an error not retried):
    # the payment must not stay «создан» with nobody creating it.
    from .payments import payment_give_up

    payment_give_up(payment_id=kwargs["payment_id"], error=_error_text(exc))


def _give_up_on_refund(
    self: Task, exc: Exception, task_id: str, args: tuple, kwargs: dict[str, Any], einfo: Any
) -> None:
    from .payments import refund_give_up

    refund_give_up(refund_id=kwargs["refund_id"], error=_error_text(exc))


def _retry_as_asked(self: Task, exc: TransientError) -> None:
    if exc.retry_after:
        raise self.retry(exc=exc, countdown=min(exc.retry_after, _MAX_PROVIDER_PAUSE)) from exc


@shared_task(**_RETRY, on_failure=_give_up_on_payment)
def create_payment_and_send_link_task(self: Task, *, payment_id: int) -> None:
    """Create the payment at YooKassa and text the link (`payment_create_at_provider`).

    Retried on transient provider errors; after the last retry the payment is «ошибка» and
    the manager is notified (`payment_give_up`).
    """
    from .payments import payment_create_at_provider

    try:
        payment_create_at_provider(payment_id=payment_id)
    except TransientError as exc:
        _retry_as_asked(self, exc)
        raise


@shared_task(**_RETRY, on_failure=_give_up_on_refund)
def send_refund_task(self: Task, *, refund_id: int) -> None:
    """Ask YooKassa for the refund (`refund_send`); retried like the payment."""
    from .payments import refund_send

    try:
        refund_send(refund_id=refund_id)
    except TransientError as exc:
        _retry_as_asked(self, exc)
        raise


@shared_task
def reconcile_payments_task() -> str:
    """Periodic: finish what a lost task or notification left (`payments_reconcile`)."""
    from .payments import payments_reconcile

    return str(payments_reconcile())


@shared_task
def deliver_store_event_task(*, event_pk: int) -> None:
    """Send one event to the store's website (`store_event_deliver`). Not retried by Celery:
    the next attempt's time is in the row, and the beat job below enqueues it."""
    from .store_events import store_event_deliver

    store_event_deliver(event_pk=event_pk)


@shared_task
def enqueue_due_store_events_task() -> int:
    """Periodic: the events whose retry time has come, or whose task was lost."""
    from .store_events import store_events_enqueue_due

    return store_events_enqueue_due()


@shared_task
def refresh_customer_stats_task() -> int:
    """Nightly: every contact's figures, segment and rating (`contact_stats_refresh_all`);
    segments move with time alone (active → lapsed)."""
    from .segments import contact_stats_refresh_all

    return contact_stats_refresh_all()
