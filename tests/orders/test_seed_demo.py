from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from catalog.models import Product, Store
from contacts.models import Contact, CustomerSegment
from deals.models import Deal
from orders.demo import DEMO_PASSWORD
from orders.models import Order, Status
from orders.roles import MANAGER, TEAM_LEAD, WAREHOUSE

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo", deals=40, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_it_loads_stores_catalogue_and_staff_who_can_log_in(seeded):
    assert set(Store.objects.values_list("code", flat=True)) == {"dom", "sport"}
    assert Product.objects.count() >= 45
    assert Product.objects.filter(stock_levels__quantity__gt=0).distinct().count() > 30
    for username, role in [("lead", TEAM_LEAD), ("anna", MANAGER), ("sklad", WAREHOUSE)]:
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        assert user.groups.filter(name=role).exists()
    assert authenticate(username="admin", password=DEMO_PASSWORD).is_superuser


def test_it_spreads_deals_and_orders_over_every_stage(seeded):
    assert set(Order.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(Deal.objects.values_list("stage", flat=True)) == set(Deal.Stage.values)
    assert Deal.objects.filter(responsible__isnull=True).exists()  # the queue has something
    cancelled = Order.objects.filter(status=Status.CANCELLED)
    assert all(order.transitions.exists() for order in cancelled)


def test_it_leaves_some_open_orders_without_movement_for_days(seeded):
    from datetime import timedelta

    from django.utils import timezone

    stale = Order.objects.filter(
        closed_at__isnull=True, stage_changed_at__lt=timezone.now() - timedelta(days=2)
    )
    assert stale.exists()


def test_running_it_again_adds_nothing(seeded):
    counts = (Deal.objects.count(), Order.objects.count(), Product.objects.count())
    call_command("seed_demo", deals=40, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (Deal.objects.count(), Order.objects.count(), Product.objects.count()) == counts


def test_returns_in_the_demo_are_registered_inspected_and_refunded(seeded):
    from orders.models import OrderReturn

    for order in Order.objects.filter(status=Status.RETURN_REQUESTED):
        assert order.returns.get().status == OrderReturn.Status.REQUESTED
    completed = OrderReturn.objects.filter(status=OrderReturn.Status.COMPLETED)
    assert completed.count() == Order.objects.filter(status=Status.RETURNED).count() > 0
    assert all(r.refund_total > 0 and r.lines.filter(accepted=True).exists() for r in completed)
    # Dates follow the backdated history, not the moment the demo ran.
    assert all(
        r.created_at <= r.order.transitions.latest("created_at").created_at for r in completed
    )


def test_every_demo_customer_has_figures_from_the_demo_orders(seeded):
    assert not Contact.objects.filter(stats_updated_at__isnull=True).exists()
    buyers = Contact.objects.filter(issued_orders_count__gt=0)
    assert buyers.exists()
    assert not buyers.filter(segment=CustomerSegment.NEW).exists()
    assert not buyers.filter(rating__isnull=True).exists()
