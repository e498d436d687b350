"""The sales funnel of a period: how far the deals created in it went, step by step, and the
reasons they were lost. Shown on the «Воронка» admin page (orders.admin_funnel).

The cohort is the deals created in the period (dates, both included, local time zone) in the
given stores. A deal counts in a step when it reached it, whatever happened after (its
`furthest_step`, raised by deals.services.deal_reach_step as the deal and its orders move):

- «Сделки»: every deal of the cohort;
- «В работе»: its stage log has a move to in_progress, or it is past that stage (an order
  placed, won) or has an order;
- «Заказ оформлен»: it has an order;
- «Оплачен или подтверждён»: one of its orders was paid or confirmed (the status log, `paid_at`
  or the current status says so) or issued;
- «Выдан»: one of its orders was issued (`issued_at` is set).

Lost: the cohort's lost deals by refusal reason and its cancelled orders by cancellation reason.
Three aggregate queries whatever the data size; the chart of the steps is drawn from them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from catalog.models import Store
from deals.models import Deal, FunnelStep

from .charts import bar_chart
from .models import Order, Status
from .reports import period_bounds


@dataclass
class Step:
    label: str
    count: int
    #: Percent of the previous step and of the first one; None when that step is empty.
    of_previous: float | None
    of_first: float | None


@dataclass
class LostRow:
    what: str
    reason: str
    count: int


@dataclass
class Funnel:
    steps: list[Step]
    lost: list[LostRow]


def cohort(
    stores: QuerySet[Store], date_from: datetime.date, date_to: datetime.date
) -> QuerySet[Deal]:
    start, end = period_bounds(date_from, date_to)
    return Deal.objects.filter(store__in=stores, created_at__gte=start, created_at__lt=end)


def build_funnel(
    stores: QuerySet[Store], date_from: datetime.date, date_to: datetime.date
) -> Funnel:
    deals = cohort(stores, date_from, date_to)
    # Each deal counts in every step up to the furthest it reached (Deal.furthest_step, kept by
    # the services as deals and orders move): one pass over the index deal_funnel.
    figures = deals.aggregate(
        deals=Count("pk"),
        in_progress=Count("pk", filter=Q(furthest_step__gte=FunnelStep.IN_PROGRESS)),
        ordered=Count("pk", filter=Q(furthest_step__gte=FunnelStep.ORDER_PLACED)),
        paid=Count("pk", filter=Q(furthest_step__gte=FunnelStep.PAID_OR_CONFIRMED)),
        issued=Count("pk", filter=Q(furthest_step__gte=FunnelStep.ISSUED)),
    )
    labels = {
        "deals": _("Deals"),
        "in_progress": _("In progress"),
        "ordered": _("Order placed"),
        "paid": _("Paid or confirmed"),
        "issued": _("Issued"),
    }
    return Funnel(steps(labels, figures), lost_rows(deals))


def steps(labels: dict[str, str], figures: dict[str, int]) -> list[Step]:
    counts = [(labels[key], figures[key] or 0) for key in labels]
    first = counts[0][1]
    result = []
    previous = None
    for label, count in counts:
        of_previous = None if previous is None else percent(count, previous)
        result.append(Step(label, count, of_previous, percent(count, first)))
        previous = count
    return result


def percent(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


def lost_rows(deals: QuerySet[Deal]) -> list[LostRow]:
    lost = (
        deals.filter(stage=Deal.Stage.LOST)
        .values("lost_reason__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    cancelled = (
        Order.objects.filter(deal__in=deals, status=Status.CANCELLED)
        .values("cancel_reason__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _by_reason(_("Lost deals"), lost, "lost_reason__name") + _by_reason(
        _("Cancelled orders"), cancelled, "cancel_reason__name"
    )


def _by_reason(what: str, counts, key: str) -> list[LostRow]:
    """The most frequent reasons first, those without one last."""
    ordered = sorted(counts, key=lambda row: (row[key] is None, -row["n"], row[key] or ""))
    return [LostRow(what, row[key] or _("No reason given"), row["n"]) for row in ordered]


def funnel_chart(steps: list[Step]) -> SafeString:
    """One bar per step, in the funnel's blue; an empty period draws zero-width bars."""
    return bar_chart(
        [(step.label, step.count) for step in steps],
        title=_("Deals created in the period, by the furthest step reached"),
        css_class="funnel-chart",
    )
