"""Celery tasks of the customer conversation: thin adapters around `contacts.messaging`."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from integrations.errors import PermanentError, TransientError

#: A provider's own "retry after" (Telegram's flood control) is honoured up to this, seconds.
_MAX_PROVIDER_PAUSE = 600


def _give_up_on_message(
    self: Task, exc: Exception, task_id: str, args: tuple, kwargs: dict[str, Any], einfo: Any
) -> None:
    # Celery calls this once the task has failed for good: the retries are exhausted, or an
    # error it does not retry. The message must not stay "queued" with nobody sending it.
    from .messaging import message_give_up

    message_give_up(message_id=kwargs["message_id"], error=f"{type(exc).__name__}: {exc}")


@shared_task(
    bind=True,
    autoretry_for=(TransientError,),
    dont_autoretry_for=(PermanentError,),
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    on_failure=_give_up_on_message,
)
def deliver_message_task(self: Task, *, message_id: int) -> None:
    """Send one queued message (`message_deliver`); retried on transient provider errors.

    After the last retry, or on an unexpected error, `on_failure` marks the message `error`
    (`message_give_up`), which notifies the manager.
    """
    from .messaging import message_deliver

    try:
        message_deliver(message_id=message_id)
    except TransientError as exc:
        if exc.retry_after:
            # The provider named its pause (Telegram's flood control): wait that, not our backoff.
            raise self.retry(exc=exc, countdown=min(exc.retry_after, _MAX_PROVIDER_PAUSE)) from exc
        raise
