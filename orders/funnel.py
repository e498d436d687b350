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
Three queries whatever the data size: one pass over the cohort for the steps and the lost
deals, the cancelled orders by reason, the names of the reasons; the chart of the steps is drawn
from them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from catalog.models import Store
from deals.models import Deal, FunnelStep, RefusalReason

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
    start, end = period_bounds(date_from, date_to)
    deals = cohort(stores, date_from, date_to)
    # One pass over the cohort (the index deal_funnel) gives both the steps and the lost deals:
    # a group per refusal reason, each deal counted in every step up to its furthest_step
    # (kept by the services as deals and orders move).
    by_reason = list(
        deals.values("lost_reason_id")
        .annotate(
            **{
                _step_key(step): Count("pk", filter=Q(furthest_step__gte=step))
                for step in FunnelStep
            },
            lost=Count("pk", filter=Q(stage=Deal.Stage.LOST)),
        )
        .order_by()
    )
    figures = {step: sum(row[_step_key(step)] for row in by_reason) for step in FunnelStep}
    lost = {row["lost_reason_id"]: row["lost"] for row in by_reason if row["lost"]}
    # A join, not «deal IN (cohort)»: PostgreSQL hashes the 120,000 cancelled orders (the
    # partial index order_cancelled_deal) instead of the cohort's hundreds of thousands of
    # deals. Counting deal_id keeps the scan on that index.
    cancelled = dict(
        Order.objects.filter(
            status=Status.CANCELLED,
            deal__store__in=stores,
            deal__created_at__gte=start,
            deal__created_at__lt=end,
        )
        .values("cancel_reason_id")
        .annotate(n=Count("deal_id"))
        .order_by()
        .values_list("cancel_reason_id", "n")
    )
    names = dict(
        RefusalReason.objects.filter(pk__in={*lost, *cancelled} - {None}).values_list("pk", "name")
    )
    return Funnel(
        steps(figures),
        _by_reason(_("Lost deals"), lost, names)
        + _by_reason(_("Cancelled orders"), cancelled, names),
    )


def _step_key(step: FunnelStep) -> str:
    return f"step_{step.value}"


def steps(figures: dict[FunnelStep, int]) -> list[Step]:
    counts = [(str(step.label), figures[step] or 0) for step in FunnelStep]
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


def _by_reason(what: str, counts: dict[int | None, int], names: dict[int, str]) -> list[LostRow]:
    """The most frequent reasons first, those without one last (reasons of one name as one)."""
    by_name: dict[str | None, int] = {}
    for reason, n in counts.items():
        name = names.get(reason)
        by_name[name] = by_name.get(name, 0) + n
    ordered = sorted(by_name.items(), key=lambda row: (row[0] is None, -row[1], row[0] or ""))
    return [LostRow(what, name or _("No reason given"), n) for name, n in ordered]


def funnel_chart(steps: list[Step]) -> SafeString:
    """One bar per step, in the funnel's blue; an empty period draws zero-width bars."""
    return bar_chart(
        [(step.label, step.count) for step in steps],
        title=_("Deals created in the period, by the furthest step reached"),
        css_class="funnel-chart",
    )
