"""What orders do when something happens in the apps below them."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.dispatch import receiver

from automation.signals import transition_committed
from deals.models import Deal
from deals.signals import deal_assigned

from .models import Order
from .segments import contact_stats_refresh

logger = logging.getLogger(__name__)


@receiver(deal_assigned)
def order_follows_its_deal_manager(sender, deal, **kwargs) -> None:
    """A website order created while its deal waited in the queue gets the manager the queue
    gave the deal (an order someone already took keeps its manager)."""
    Order.objects.filter(deal=deal, responsible__isnull=True).update(responsible=deal.responsible)


#: Transitions after which a customer's figures change: an order issued, returned or
#: refused (cancelled, not picked up), a deal lost.
STATS_TRANSITIONS = {
    Order: {"issue", "complete_return", "cancel", "receive_back"},
    Deal: {"lose"},
}


@receiver(transition_committed)
def refresh_customer_stats(sender, instance, name, **kwargs) -> None:
    """After commit, so a completed return's refund is in; a few aggregate queries. If this
    fails the transition stands, and the nightly job puts the figures right."""
    if name not in STATS_TRANSITIONS.get(sender, ()) or not instance.contact_id:
        return
    try:
        contact_stats_refresh([instance.contact_id])
    except DatabaseError:
        logger.exception("Customer figures of contact %s not refreshed", instance.contact_id)
