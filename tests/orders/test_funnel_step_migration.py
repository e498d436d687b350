"""orders/0016 fills Deal.furthest_step of the existing deals with the step the funnel used to
derive at request time from the stage log and the orders (kept here as the reference)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db.models import Exists, OuterRef, Q

from deals.models import Deal, DealTransition
from orders.models import Order, OrderTransition, Status
from tests.factories import DealFactory, OrderFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("orders.migrations.0016_fill_deal_furthest_step")

PAID_OR_CONFIRMED = (Status.PAID, Status.CONFIRMED)


def request_time_steps() -> dict[int, int]:
    """Each deal's furthest step by the conditions orders.funnel used before the field."""
    orders = Order.objects.filter(deal=OuterRef("pk"))
    has_order = Exists(orders)
    paid = Exists(
        orders.filter(
            Q(paid_at__isnull=False)
            | Q(issued_at__isnull=False)
            | Q(status__in=PAID_OR_CONFIRMED)
            | Exists(
                OrderTransition.objects.filter(order=OuterRef("pk"), target__in=PAID_OR_CONFIRMED)
            )
        )
    )
    issued = Exists(orders.filter(issued_at__isnull=False))
    in_progress = (
        Exists(DealTransition.objects.filter(deal=OuterRef("pk"), target=Deal.Stage.IN_PROGRESS))
        | Q(stage__in=(Deal.Stage.IN_PROGRESS, Deal.Stage.ORDER_PLACED, Deal.Stage.WON))
        | has_order
    )
    rows = Deal.objects.annotate(a=in_progress, b=has_order, c=paid, d=issued)
    return {row.pk: row.a + row.b + row.c + row.d for row in rows}


def log(deal_or_order, target: str) -> None:
    if isinstance(deal_or_order, Deal):
        DealTransition.objects.create(
            deal=deal_or_order, name="x", source="new", target=target, via="admin"
        )
    else:
        OrderTransition.objects.create(
            order=deal_or_order, name="x", source="new", target=target, via="admin"
        )


def test_it_computes_the_steps_the_funnel_derived_from_the_history(store_a):
    new = DealFactory(store=store_a)
    taken_then_lost = DealFactory(store=store_a, stage=Deal.Stage.LOST)
    log(taken_then_lost, "in_progress")
    lost_untouched = DealFactory(store=store_a, stage=Deal.Stage.LOST)
    in_progress = DealFactory(store=store_a, stage=Deal.Stage.IN_PROGRESS)
    placed = OrderFactory(store=store_a, status=Status.AWAITING_PAYMENT)
    confirmed_then_cancelled = OrderFactory(store=store_a, status=Status.CANCELLED)
    log(confirmed_then_cancelled, "confirmed")
    paid_then_cancelled = OrderFactory(store=store_a, status=Status.CANCELLED)
    Order.objects.filter(pk=paid_then_cancelled.pk).update(paid_at="2026-03-11T12:00:00Z")
    assembling = OrderFactory(store=store_a, status=Status.ASSEMBLING)
    log(assembling, "paid")
    returned = OrderFactory(store=store_a, status=Status.RETURNED)
    Order.objects.filter(pk=returned.pk).update(issued_at="2026-03-12T12:00:00Z")
    Deal.objects.update(furthest_step=0)  # as deals/0008 left them

    migration.fill_furthest_step(apps, None)

    steps = dict(Deal.objects.values_list("pk", "furthest_step"))
    assert steps == request_time_steps()
    expected = {
        new: 0,
        taken_then_lost: 1,
        lost_untouched: 0,
        in_progress: 1,
        placed.deal: 2,
        confirmed_then_cancelled.deal: 3,
        paid_then_cancelled.deal: 3,
        assembling.deal: 3,
        returned.deal: 4,
    }
    assert steps == {deal.pk: step for deal, step in expected.items()}


def test_it_never_lowers_a_step_already_stored(store_a):
    deal = DealFactory(store=store_a)
    Deal.objects.filter(pk=deal.pk).update(furthest_step=3)

    migration.fill_furthest_step(apps, None)

    assert Deal.objects.get(pk=deal.pk).furthest_step == 3
