"""Customer figures and segments (docs/segments.md): how many orders a contact placed and
received, what they spent, when they last bought, their segment and their 1–5 rating.

The figures are stored on `contacts.Contact` and computed here, because they are read from
orders, deals and returns (apps above contacts). `contact_stats_refresh` is called after an
order is issued, cancelled or returned and after a deal is lost (orders.receivers), and nightly
for everyone (`refresh_customer_stats_task`): a segment moves with time alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from contacts.models import Contact, CustomerSegment
from deals.models import Deal

from .models import ZERO, Order, Status
from .returns_models import OrderReturn
from .transitions import NOT_PICKED_UP

#: Contacts refreshed per round of the nightly job: 4 queries each, whatever the size.
BATCH_SIZE = 500

_FIELDS = [
    "orders_count",
    "issued_orders_count",
    "total_spent",
    "average_order",
    "last_order_at",
    "segment",
    "rating",
    "stats_updated_at",
]


def rating_for(*, issued: int, refused: int, not_picked_up: int, returned: int) -> int | None:
    """The customer's stars, 1 to 5, or None with no history to judge by.

    Everyone starts at 3. Each issued order adds half a star, each refusal (a cancelled order,
    a deal lost without an order) and each completed return takes half a star away, and each
    order not picked up takes a whole star: it cost us delivery both ways. The sum is rounded
    half up and kept within 1–5. So: 1 issued → 4; 4 issued → 5; 1 refusal → 3 (a single
    refusal is no verdict); 2 refusals → 2; 1 not picked up → 2; 3 issued and 1 return → 4.
    """
    if not (issued or refused or not_picked_up or returned):
        return None
    score = 3 + 0.5 * issued - 0.5 * refused - 1.0 * not_picked_up - 0.5 * returned
    return max(1, min(5, math.floor(score + 0.5)))


def segment_for(*, issued: int, last_issued_at: datetime | None, now: datetime) -> str:
    """No issued order → new; the last one more than CUSTOMER_ACTIVE_DAYS ago → lapsed;
    within them, one issued order → active, two or more → repeat."""
    if not issued or last_issued_at is None:
        return CustomerSegment.NEW
    if last_issued_at < now - timedelta(days=settings.CUSTOMER_ACTIVE_DAYS):
        return CustomerSegment.LAPSED
    return CustomerSegment.REPEAT if issued >= 2 else CustomerSegment.ACTIVE


def contact_stats_refresh(contact_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Recompute and store the figures of `contact_ids`; returns how many were given.

    Four queries for any number of contacts: the orders, the completed returns and the lost
    deals, each aggregated by contact, then one bulk update. A contact with no orders gets
    zeros, segment new and no rating. Orders of a company count for its contact person (the
    order's contact).
    """
    ids = sorted({int(pk) for pk in contact_ids if pk is not None})
    if not ids:
        return 0
    now = now or timezone.now()
    issued = Q(issued_at__isnull=False)
    cancelled = Q(status=Status.CANCELLED)
    no_pickup = cancelled & Q(cancel_reason__code=NOT_PICKED_UP)
    orders = {
        row["contact_id"]: row
        for row in Order.objects.filter(contact_id__in=ids)
        .order_by()
        .values("contact_id")
        .annotate(
            placed=Count("pk", filter=~cancelled),
            issued=Count("pk", filter=issued),
            issued_total=Sum("total", filter=issued),
            last_issued_at=Max("issued_at"),
            refused=Count("pk", filter=cancelled & ~no_pickup),
            not_picked_up=Count("pk", filter=no_pickup),
        )
    }
    returns = {
        row["order__contact_id"]: row
        for row in OrderReturn.objects.filter(
            order__contact_id__in=ids, status=OrderReturn.Status.COMPLETED
        )
        .order_by()
        .values("order__contact_id")
        .annotate(returned=Count("pk"), refunded=Sum("refund_total"))
    }
    # A lost deal that had an order is counted by its cancelled order already.
    lost_deals = dict(
        Deal.objects.filter(contact_id__in=ids, stage=Deal.Stage.LOST, orders__isnull=True)
        .order_by()
        .values("contact_id")
        .annotate(lost=Count("pk"))
        .values_list("contact_id", "lost")
    )
    contacts = [
        _figures(pk, orders.get(pk, {}), returns.get(pk, {}), lost_deals.get(pk, 0), now)
        for pk in ids
    ]
    Contact.objects.bulk_update(contacts, _FIELDS)
    return len(ids)


def _figures(pk: int, orders: dict, returns: dict, lost: int, now: datetime) -> Contact:
    issued = orders.get("issued", 0)
    returned = returns.get("returned", 0)
    spent = (orders.get("issued_total") or ZERO) - (returns.get("refunded") or ZERO)
    spent = max(spent, ZERO)
    last_issued_at = orders.get("last_issued_at")
    return Contact(
        pk=pk,
        orders_count=orders.get("placed", 0),
        issued_orders_count=issued,
        total_spent=spent,
        average_order=(spent / issued).quantize(Decimal("0.01")) if issued else None,
        last_order_at=last_issued_at,
        segment=segment_for(issued=issued, last_issued_at=last_issued_at, now=now),
        rating=rating_for(
            issued=issued,
            refused=orders.get("refused", 0) + lost,
            not_picked_up=orders.get("not_picked_up", 0),
            returned=returned,
        ),
        stats_updated_at=now,
    )


def contact_stats_refresh_all(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Refresh every contact, `batch_size` at a time in order of id (the nightly job and
    `manage.py refresh_customer_stats`); returns how many."""
    now = now or timezone.now()
    done, last_pk = 0, 0
    while True:
        batch = list(
            Contact.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            return done
        done += contact_stats_refresh(batch, now=now)
        last_pk = batch[-1]
