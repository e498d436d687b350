"""Point the Celery app at another broker for the length of a test (or of the session)."""

from __future__ import annotations

from kombu import pools as kombu_pools

from orders_office.celery import app


def switch_broker(url: str) -> str:
    """Publish to and consume from `url` from now on; return the broker used until now.

    The read and write URLs are set too: Celery's `broker_url` prefers the CELERY_BROKER_URL
    environment variable to the configuration, so with it set (CI) the switch used to change
    nothing and every test's tasks went to the real Redis.
    """
    previous = app.conf.broker_write_url
    # Producers opened earlier would still publish to the old broker.
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    kombu_pools.reset()
    app.conf.broker_url = url
    app.conf.broker_read_url = url
    app.conf.broker_write_url = url
    return previous
