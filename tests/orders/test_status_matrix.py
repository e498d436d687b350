"""Every (status, transition) pair of the matrix: the allowed ones succeed, all others are refused
and change nothing."""

from __future__ import annotations

import pytest
from django.db.models import F
from django.utils import timezone

from automation.exceptions import TransitionNotAllowed
from deals.choices import DeliveryMethod, PaymentMethod
from orders.models import Order, PaymentStatus, Status
from orders.services import ORDER_TRANSITION_SERVICES
from tests.factories import (
    OrderFactory,
    RefusalReasonFactory,
    ReturnReasonFactory,
    StockLevelFactory,
    WarehouseFactory,
    open_return,
)

S = Status

#: The status matrix of DESIGN.md section 2, written out by hand: (from, transition) → to.
MATRIX = {
    (S.NEW, "send_payment_link"): S.AWAITING_PAYMENT,
    (S.NEW, "confirm"): S.CONFIRMED,
    (S.AWAITING_PAYMENT, "mark_paid"): S.PAID,
    (S.PAID, "start_assembly"): S.ASSEMBLING,
    (S.CONFIRMED, "start_assembly"): S.ASSEMBLING,
    (S.ASSEMBLING, "finish_assembly"): S.ASSEMBLED,
    (S.ASSEMBLED, "hand_to_delivery"): S.HANDED_TO_DELIVERY,
    (S.ASSEMBLED, "ready_for_pickup"): S.AWAITING_PICKUP,
    (S.HANDED_TO_DELIVERY, "arrive_at_pickup_point"): S.AWAITING_PICKUP,
    (S.HANDED_TO_DELIVERY, "issue"): S.ISSUED,
    (S.AWAITING_PICKUP, "issue"): S.ISSUED,
    (S.HANDED_TO_DELIVERY, "fail_delivery"): S.RETURNING,
    (S.AWAITING_PICKUP, "fail_delivery"): S.RETURNING,
    (S.RETURNING, "receive_back"): S.CANCELLED,
    (S.ISSUED, "request_return"): S.RETURN_REQUESTED,
    (S.RETURN_REQUESTED, "complete_return"): S.RETURNED,
    (S.RETURN_REQUESTED, "reject_return"): S.ISSUED,
    **{
        (source, "cancel"): S.CANCELLED
        for source in (S.NEW, S.AWAITING_PAYMENT, S.CONFIRMED, S.PAID, S.ASSEMBLING, S.ASSEMBLED)
    },
}

#: Order details under which each transition's conditions hold, so that only the state decides.
SETUP = {
    "send_payment_link": {"payment_method": PaymentMethod.ONLINE},
    "confirm": {"payment_method": PaymentMethod.CASH_ON_DELIVERY},
    "hand_to_delivery": {"delivery_method": DeliveryMethod.COURIER},
    "ready_for_pickup": {"delivery_method": DeliveryMethod.PICKUP},
    "arrive_at_pickup_point": {"delivery_method": DeliveryMethod.CDEK},
    "issue": {"payment_status": PaymentStatus.PAID},
    "request_return": {"issued_at": timezone.now},
}

PAIRS = [(status, name) for status in Status for name in ORDER_TRANSITION_SERVICES]


def _run(name: str, order: Order, actor) -> Order:
    extra = {}
    if name == "cancel":
        extra = {"reason": RefusalReasonFactory(), "comment": "test"}
    elif name == "request_return":
        extra = {"reason": ReturnReasonFactory(), "lines": {i.pk: 1 for i in order.items.all()}}
    elif name == "reject_return":
        extra = {"comment": "test"}
    return ORDER_TRANSITION_SERVICES[name](order_id=order.pk, actor=actor, **extra)


@pytest.mark.parametrize(("status", "name"), PAIRS, ids=[f"{s}-{n}" for s, n in PAIRS])
def test_matrix_pair(status, name, team_lead, store_a):
    details = {k: (v() if callable(v) else v) for k, v in SETUP.get(name, {}).items()}
    if status in (S.ISSUED, S.RETURN_REQUESTED) and "issued_at" not in details:
        details["issued_at"] = timezone.now()
    order = OrderFactory(status=status, store=store_a, **details)
    if status == S.RETURN_REQUESTED:
        open_return(order, inspected=True)
        WarehouseFactory()  # where the accepted goods go back to
    if name == "start_assembly":
        # Starting the assembly reserves stock (fulfillment), or refuses without it.
        for item in order.items.all():
            StockLevelFactory(product=item.product, quantity=item.quantity)
    expected = MATRIX.get((status, name))

    if expected is None:
        with pytest.raises(TransitionNotAllowed):
            _run(name, order, team_lead)
        order.refresh_from_db()
        assert order.status == status
        assert not order.transitions.exists()
    else:
        _run(name, order, team_lead)
        order.refresh_from_db()
        assert order.status == expected
        # One status change; apps above orders may add history events (source == target).
        log = order.transitions.exclude(source=F("target")).get()
        assert (log.source, log.target, log.name, log.actor) == (status, expected, name, team_lead)


def test_matrix_table_matches_the_model():
    """The hand-written table and the @transition declarations describe the same matrix."""
    declared = {
        (source, tr.name): tr.target
        for tr in Order._meta.get_field("status").get_all_transitions(Order)
        for source in [tr.source]
    }
    assert declared == MATRIX


def test_assigning_status_directly_is_refused(store_a):
    order = OrderFactory(store=store_a)
    with pytest.raises(AttributeError):
        order.status = Status.ISSUED
    order.refresh_from_db()
    assert order.status == Status.NEW
