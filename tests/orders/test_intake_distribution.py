"""A website order lands with a manager at once, or waits in the queue with its order."""

from __future__ import annotations

import pytest
import time_machine

from deals.choices import AssignmentStrategy, Presence
from deals.distribution import deal_log_manual_assignment, distribute_queue
from deals.models import DealAssignment
from orders.models import Order

from ..deals.conftest import NOON, make_profile
from ..factories import ContactFactory, DealFactory, ProductFactory
from .api_client import signed_post, site_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalogue(db):
    ProductFactory(sku="KETTLE-01")
    ProductFactory(sku="MUG-02")


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOON, tick=False):
        yield


def test_the_order_goes_to_an_available_manager(client, store_a, manager):
    make_profile(manager)

    response = signed_post(client, store_a, site_order())

    order = Order.objects.get(pk=response.json()["order_id"])
    assert order.responsible == manager
    assert order.deal.responsible == manager
    entry = DealAssignment.objects.get()
    assert (entry.deal, entry.strategy) == (order.deal, AssignmentStrategy.ROUND_ROBIN)


def test_a_returning_customer_goes_to_their_own_manager(client, store_a, manager, other_manager):
    other_manager.stores.add(store_a)
    make_profile(manager)
    make_profile(other_manager)
    customer = ContactFactory(phone="+79161234567")
    DealFactory(store=store_a, contact=customer, responsible=other_manager)

    signed_post(client, store_a, site_order())

    assert Order.objects.get().responsible == other_manager
    assert DealAssignment.objects.get().strategy == AssignmentStrategy.RETURNING_CUSTOMER


def test_nobody_at_the_desk_the_order_waits_in_the_queue_then_follows_its_deal(
    client, store_a, manager
):
    profile = make_profile(manager, presence=Presence.AWAY)

    signed_post(client, store_a, site_order())

    order = Order.objects.get()
    assert order.responsible is None
    assert order.deal.queued_since is not None

    profile.presence = Presence.AT_DESK
    profile.save()
    assert distribute_queue(now=NOON) == 1

    order.refresh_from_db()
    assert order.responsible == manager
    assert order.deal.responsible == manager


def test_website_orders_nobody_has_acted_on_count_against_the_cap(client, store_a, manager):
    make_profile(manager, max_open_deals=1)

    signed_post(client, store_a, site_order("A-1"))
    signed_post(client, store_a, site_order("A-2"))

    first, second = Order.objects.order_by("pk")
    assert first.responsible == manager
    assert second.responsible is None  # the cap is full: the second waits in the queue
    assert second.deal.queued_since is not None


def test_a_queued_website_order_taken_by_hand_gets_the_manager_too(
    client, store_a, manager, team_lead
):
    make_profile(manager, presence=Presence.AWAY)
    signed_post(client, store_a, site_order())
    order = Order.objects.get()
    client.force_login(team_lead)
    page = client.get("/admin/deals/deal/?queued=yes").content.decode()
    assert order.deal.number in page
    assert "ждёт" in page  # the queue column shows a placed website order waiting too

    # What the deal page does when the team lead picks the manager (DealAdmin.save_model).
    deal = order.deal
    deal.responsible = manager
    deal.save()
    deal_log_manual_assignment(deal=deal, actor=team_lead)

    order.refresh_from_db()
    assert order.responsible == manager
    deal.refresh_from_db()
    assert deal.queued_since is None
