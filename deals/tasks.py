from celery import shared_task


@shared_task
def distribute_queue_task() -> int:
    """Beat, every minute (and when a manager comes back «на месте»): hand out queued deals."""
    from .distribution import distribute_queue

    return distribute_queue()
