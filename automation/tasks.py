from celery import shared_task

from integrations.errors import PermanentError, TransientError


@shared_task
def record_heartbeat_task(*, name: str = "beat") -> None:
    """Beat runs this every minute; the admin shows how long ago it last ran."""
    from .services import heartbeat_record

    heartbeat_record(name=name)


@shared_task
def sweep_task() -> str:
    """Beat, every minute: overdue marks, warnings, reminders, due trigger actions."""
    from .sweep import sweep

    return str(sweep())


@shared_task
def run_due_firings_task() -> int:
    """Right after a transition that scheduled actions due at once."""
    from .firing import run_due_firings

    return run_due_firings()


@shared_task(
    autoretry_for=(TransientError,),
    dont_autoretry_for=(PermanentError,),
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def send_notification_telegram_task(*, notification_id: int) -> None:
    from .services import notification_send_telegram

    notification_send_telegram(notification_id=notification_id)


@shared_task
def resend_unsent_tasks_task() -> int:
    """Beat, every minute: publish the tasks the broker refused while it was down."""
    from .outbox import unsent_tasks_resend

    return unsent_tasks_resend()
