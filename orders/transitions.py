"""The one way an order's status changes: `order_transition` runs a transition of the matrix
with its log, the hooks of the apps above (orders.hooks), the deal following its order, and the
event for the store's website (orders.store_events).
orders.services and orders.returns build the per-transition services on it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from automation.models import Via
from automation.transitions import failed_conditions, run_transition
from deals.models import Deal, RefusalReason
from deals.services import deal_lose, deal_reach_step, deal_win

from .hooks import TransitionContext, run_transition_hooks
from .models import Order, Status
from .store_events import store_event_record
from .store_events_models import StoreEvent


def order_transition(
    *,
    order_id: int,
    name: str,
    actor: Any | None,
    via: str = Via.ADMIN,
    expected_state: str | None = None,
    reason: str = "",
    comment: str = "",
    kwargs: dict[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> Order:
    """Run transition `name` through automation.transitions.run_transition; see there for what
    is checked and raised. Then, in the same transaction, the hooks other apps registered for
    it (orders.hooks), given `data`: a hook that raises refuses the whole transition. The
    per-transition services below are what callers use."""
    with transaction.atomic():
        order, log = run_transition(
            model=Order,
            pk=order_id,
            name=name,
            actor=actor,
            via=via,
            expected_state=expected_state,
            reason=reason,
            comment=comment,
            kwargs=kwargs,
        )
        run_transition_hooks(
            order,
            TransitionContext(
                name=name, source=log.source, actor=actor, via=via, data=dict(data or {})
            ),
        )
        # Before the deal follows: its transition reloads the deal with the new step.
        deal_reach_step(deal=order.deal, step=order.funnel_step())
        _follow_with_deal(order, via=via)
        # After the hooks: the event tells the tracking number of the shipment just created.
        store_event_record(order, type=StoreEvent.Type.STATUS_CHANGED, previous_status=log.source)
    return order


def _follow_with_deal(order: Order, *, via: str) -> None:
    """The deal follows its order: issued → won, cancelled → lost with the same reason."""
    deal = order.deal
    if deal.stage != Deal.Stage.ORDER_PLACED:
        return
    if order.status == Status.ISSUED:
        deal_win(deal_id=deal.pk, via=via)
    elif order.status == Status.CANCELLED and not failed_conditions(deal, "lose"):
        reason = order.cancel_reason or not_picked_up_reason()
        deal_lose(
            deal_id=deal.pk,
            actor=None,
            reason=reason,
            comment=_("Order %(number)s cancelled.") % {"number": order.number},
            via=via,
        )


#: The refusal reason of an order the customer did not pick up (seeded by deals/0002).
NOT_PICKED_UP = "not_picked_up"


def not_picked_up_reason() -> RefusalReason:
    with translation.override(settings.LANGUAGE_CODE):
        reason, _created = RefusalReason.objects.get_or_create(
            code=NOT_PICKED_UP, defaults={"name": _("The customer did not pick up the order")}
        )
    return reason
