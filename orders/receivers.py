"""What orders do when something happens in the apps below them."""

from __future__ import annotations

from django.dispatch import receiver

from deals.signals import deal_assigned

from .models import Order


@receiver(deal_assigned)
def order_follows_its_deal_manager(sender, deal, **kwargs) -> None:
    """A website order created while its deal waited in the queue gets the manager the queue
    gave the deal (an order someone already took keeps its manager)."""
    Order.objects.filter(deal=deal, responsible__isnull=True).update(responsible=deal.responsible)
