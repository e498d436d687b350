"""Team lead reports of a period for a set of stores: orders by status, returns, refusal reasons
and payments. Each report is a `Report` of plain rows, shown as a table and exported to CSV
(orders.admin_reports). Every figure is an aggregate: a constant number of queries whatever the
data size.

The period is of dates, both included, in the local time zone; each report counts the event it
is about: orders, returns, cancelled orders and lost deals by the date they were created,
payments by the date the money came."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from catalog.models import Store
from deals.choices import PaymentMethod
from deals.models import Deal

from .charts import AMBER, BLUE, Series, bar_chart, rubles
from .models import ZERO, Order, Payment, Status
from .returns_models import OrderReturn, ReturnLine

Cell = str | int | Decimal


@dataclass
class Report:
    """One table: `key` names its CSV export, `rows` hold plain values (money as Decimal).
    `chart` draws the part of it a picture helps with; None when there is nothing to draw."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    chart: SafeString | None = None


def _chart(rows: list[tuple], **options) -> SafeString | None:
    return bar_chart(rows, **options) if rows else None


def period_bounds(
    date_from: datetime.date, date_to: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of the local days from `date_from` to `date_to`, both included."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(
        date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    return start, end


def orders_by_status(
    stores: QuerySet[Store], date_from: datetime.date, date_to: datetime.date
) -> Report:
    start, end = period_bounds(date_from, date_to)
    figures = {
        row["status"]: row
        for row in Order.objects.filter(store__in=stores, created_at__gte=start, created_at__lt=end)
        .values("status")
        .annotate(n=Count("pk"), money=Sum("total"))
        .order_by()
    }
    # In the order of an order's life, not by count: statuses keep their place between periods.
    rows: list[list[Cell]] = [
        [status.label, figures[status]["n"], figures[status]["money"] or ZERO]
        for status in Status
        if status in figures
    ]
    chart = _chart([(r[0], r[1]) for r in rows], title=_("Orders by status"))
    rows.append([_("Total"), sum(r[1] for r in rows), sum((r[2] for r in rows), ZERO)])
    headers = [_("Status"), _("Orders"), _("Sum, ₽")]
    return Report("orders", _("Orders by status"), headers, rows, chart)


def returns_report(
    stores: QuerySet[Store], date_from: datetime.date, date_to: datetime.date
) -> Report:
    start, end = period_bounds(date_from, date_to)
    returns = OrderReturn.objects.filter(
        store__in=stores, created_at__gte=start, created_at__lt=end
    )
    lines = ReturnLine.objects.filter(order_return__in=returns)
    rows: list[list[Cell]] = []
    # Units come from the lines, counts and money from the returns: one join would repeat a
    # return's refund once per line.
    units_by_status = _units(lines, "order_return__status")
    by_status = {
        row["status"]: row
        for row in returns.values("status")
        .annotate(n=Count("pk"), money=Sum("refund_total"))
        .order_by()
    }
    for status in OrderReturn.Status:
        if status in by_status:
            row = by_status[status]
            figures = [row["n"], units_by_status[status], row["money"] or ZERO]
            rows.append([_("Status"), status.label, *figures])
    units_by_reason = _units(lines, "order_return__reason__name")
    by_reason = []
    for row in (
        returns.values("reason__name")
        .annotate(n=Count("pk"), money=Sum("refund_total"))
        .order_by("-n", "reason__name")
    ):
        name = row["reason__name"]
        rows.append([_("Reason"), name, row["n"], units_by_reason[name], row["money"] or ZERO])
        by_reason.append((name, row["n"]))
    headers = [_("Grouped by"), _("Value"), _("Returns"), _("Units"), _("Refunded, ₽")]
    chart = _chart(by_reason, title=_("Returns by reason"))
    return Report("returns", _("Returns"), headers, rows, chart)


def _units(lines: QuerySet[ReturnLine], key: str) -> dict[str, int]:
    units: dict[str, int] = defaultdict(int)
    for row in lines.values(key).annotate(units=Sum("quantity")).order_by():
        units[row[key]] = row["units"] or 0
    return units


def refusal_reasons(
    stores: QuerySet[Store], date_from: datetime.date, date_to: datetime.date
) -> Report:
    start, end = period_bounds(date_from, date_to)
    cancelled = (
        Order.objects.filter(
            store__in=stores,
            created_at__gte=start,
            created_at__lt=end,
            status=Status.CANCELLED,
        )
        .values("cancel_reason__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    # A deal lost after its order was placed is counted once, as the cancelled order.
    lost = (
        Deal.objects.filter(
            store__in=stores,
            created_at__gte=start,
            created_at__lt=end,
            stage=Deal.Stage.LOST,
            orders__isnull=True,
        )
        .values("lost_reason__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    cancelled_rows = _by_reason(_("Cancelled orders"), cancelled, "cancel_reason__name")
    lost_rows = _by_reason(_("Lost deals"), lost, "lost_reason__name")
    headers = [_("What"), _("Reason"), _("Count")]
    title = _("Cancellation and refusal reasons")
    chart = _chart(
        _side_by_side(cancelled_rows, lost_rows),
        title=title,
        series=[Series(_("Cancelled orders"), BLUE), Series(_("Lost deals"), AMBER)],
    )
    return Report("refusals", title, headers, cancelled_rows + lost_rows, chart)


def _by_reason(what: str, counts, key: str) -> list[list[Cell]]:
    """The most frequent reasons first; those without a reason last (databases put NULL first
    or last as they like)."""
    ordered = sorted(counts, key=lambda row: (row[key] is None, -row["n"], row[key] or ""))
    return [[what, row[key] or _("No reason given"), row["n"]] for row in ordered]


def _side_by_side(*tables: list[list[Cell]]) -> list[tuple]:
    """`(reason, count in the first table, count in the second…)` for every reason of the
    `_by_reason` tables: the most frequent in all first, «no reason» last as in the tables."""
    by_reason: dict[str, list[int]] = {}
    for column, table in enumerate(tables):
        for _what, reason, n in table:
            by_reason.setdefault(reason, [0] * len(tables))[column] += n
    no_reason = _("No reason given")
    ordered = sorted(
        by_reason.items(), key=lambda item: (item[0] == no_reason, -sum(item[1]), item[0])
    )
    return [(reason, *counts) for reason, counts in ordered]


def payments_report(
    stores: QuerySet[Store], date_from: datetime.date, date_to: datetime.date
) -> Report:
    start, end = period_bounds(date_from, date_to)
    rows: list[list[Cell]] = []
    by_method = []
    for row in (
        Order.objects.filter(store__in=stores, paid_at__gte=start, paid_at__lt=end)
        .values("payment_method")
        .annotate(n=Count("pk"), money=Sum("total"))
        .order_by("-money", "payment_method")
    ):
        label = PaymentMethod(row["payment_method"]).label
        rows.append([_("Paid orders by method"), label, row["n"], row["money"] or ZERO])
        by_method.append((label, row["money"] or ZERO))
    for row in (
        Payment.objects.filter(
            order__store__in=stores,
            status=Payment.Status.SUCCEEDED,
            paid_at__gte=start,
            paid_at__lt=end,
        )
        .values("provider")
        .annotate(n=Count("pk"), money=Sum("amount"))
        .order_by("provider")
    ):
        label = Payment.Provider(row["provider"]).label
        rows.append([_("Online payments by provider"), label, row["n"], row["money"] or ZERO])
    headers = [_("Grouped by"), _("Value"), _("Count"), _("Sum, ₽")]
    chart = _chart(by_method, title=_("Paid orders by method, ₽"), formatter=rubles)
    return Report("payments", _("Payments"), headers, rows, chart)


#: The reports of the page, in its order.
REPORTS = (orders_by_status, returns_report, refusal_reasons, payments_report)


def build_reports(
    stores: QuerySet[Store], date_from: datetime.date, date_to: datetime.date
) -> list[Report]:
    return [report(stores, date_from, date_to) for report in REPORTS]
