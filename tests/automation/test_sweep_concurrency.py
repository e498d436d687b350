"""Two sweeps at once (beat and `check_overdue`, or two beat ticks) flag and alert once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from automation.models import Notification
from automation.sweep import flag_overdue
from orders.models import Order
from tests.factories import OrderFactory


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_sweeps_flag_each_order_once(on_postgres, store_a, manager):
    orders = [OrderFactory(store=store_a, responsible=manager) for _ in range(60)]
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(
        stage_deadline_at=timezone.now() - timedelta(minutes=5)
    )
    now = timezone.now()
    barrier = threading.Barrier(2)
    claimed: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            claimed.append(flag_overdue(Order, now=now))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not errors
    all_claimed = claimed[0] + claimed[1]
    assert sorted(all_claimed) == sorted(o.pk for o in orders)  # every order, none twice
    assert Order.objects.filter(overdue_since__isnull=False).count() == 60
    assert Notification.objects.filter(user=manager).count() == 60
