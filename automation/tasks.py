from celery import shared_task


@shared_task
def record_heartbeat_task(*, name: str = "beat") -> None:
    """Beat runs this every minute; the admin shows how long ago it last ran."""
    from .services import heartbeat_record

    heartbeat_record(name=name)
