"""The base class of every Celery task of the project (`app.task_cls`).

Two faults must not lose work:

* **The broker is down** when a task is published (Redis restarting, a network cut). Tasks are
  published after the transaction that made their work has committed, so the publish error
  used to reach the user as a server error for an order that *was* saved, and the task was
  gone. Now the publish is kept in the database (`automation.UnsentTask`) and a beat job sends
  it again once the broker is back (`automation.outbox`).
* **The database is down** while a task runs (PostgreSQL restarting, a failover). The task is
  retried a little later instead of failing for good; every task is idempotent.
"""

from __future__ import annotations

import logging

from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

logger = logging.getLogger(__name__)

#: What a publish raises when the broker cannot be reached: kombu's wrapper once its own short
#: retries are spent, or the socket's error when the connection breaks mid-publish.
BROKER_ERRORS: tuple[type[BaseException], ...] = (BrokerOperationalError, ConnectionError, OSError)
try:  # Redis is the production broker; its client is absent only in a minimal demo install.
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    BROKER_ERRORS += (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover
    pass

#: The database went away under a running task (restart, failover, a cut connection).
DATABASE_ERRORS = (OperationalError, InterfaceError)


class Task(DjangoTask):
    #: Seconds between the runs of a task that lost the database, and how many runs: PostgreSQL
    #: restarts in seconds, a failover in about a minute.
    database_retry_seconds = 15
    database_max_retries = 8

    def apply_async(self, args=None, kwargs=None, *rest, **options):
        """Publish, or keep the task to be sent again when the broker is unreachable
        (returns None then: the caller never waits on a result, there is no result backend)."""
        try:
            return self.publish(args, kwargs, *rest, **options)
        except BROKER_ERRORS as exc:
            from automation.outbox import unsent_task_keep

            unsent_task_keep(task=self.name, args=args, kwargs=kwargs, options=options, error=exc)
            return None

    def publish(self, args=None, kwargs=None, *rest, **options):
        """Celery's own publish: raises when the broker is unreachable."""
        return super().apply_async(args, kwargs, *rest, **options)

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except DATABASE_ERRORS as exc:
            if self.request.called_directly or self.request.is_eager:
                raise
            logger.warning(
                "task %s lost the database (%s): retry %s of %s in %s s",
                self.name,
                type(exc).__name__,
                self.request.retries + 1,
                self.database_max_retries,
                self.database_retry_seconds,
            )
            raise self.retry(
                exc=exc,
                countdown=self.database_retry_seconds,
                max_retries=self.database_max_retries,
            ) from exc
