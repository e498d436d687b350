"""Processing time of a period and the «зависшие» (frozen) deals, for the «Время обработки»
admin page (orders.admin_processing). Definitions and examples: docs/processing-time.md.

Times are in working hours of the order's (or deal's) store: its hours and days and the
Russian production calendar (automation.calendar), so a night or a weekend in between does not
count. Percentiles interpolate linearly between the closest ranks (`percentile`).

- Per order: the orders of the stores issued in the period (`issued_at` within it), from
  creation to issue.
- Per order stage: the same orders, each stay in a status on their way to the issue, from
  entering the status until the next status change (the status log, `OrderTransition`; its
  entries that keep the status are history events and do not count).
- Per deal stage: the deals created in the period, their closed stays in «Новая» (until taken
  into work or lost) and «В работе» (until the order is placed or the deal lost).
- Frozen deals: open deals of the stores (whatever the period) with no change for N days: no
  save of the deal or of its orders (`updated_at`), no message in or out about either.

Whatever the data size, a fixed number of queries: rows come with `values_list`, the times are
computed in Python."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from automation.calendar import WorkingHours, working_minutes_between
from automation.deadlines import working_hours_for
from catalog.models import Store
from contacts.models import Message
from deals.models import Deal, DealTransition

from . import charts
from .charts import AMBER, BLUE, Series, bar_chart
from .models import Order, OrderTransition, Status
from .reports import period_bounds

#: How many of the slowest orders the page lists (the CSV export has them all).
SLOWEST_LIMIT = 20
#: How many frozen deals the page lists; the counts per manager cover them all.
FROZEN_LIMIT = 50
DEFAULT_FROZEN_DAYS = 3
#: The deal stages whose time the page shows: taking a deal into work, and working it until
#: the order is placed. What follows is the order's time.
DEAL_STAGES = (Deal.Stage.NEW, Deal.Stage.IN_PROGRESS)

_TENTH = Decimal("0.1")


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` (0 to 1) percentile of `values`, interpolating linearly between the closest
    ranks: the value at position (n - 1) × share of the sorted values. The same as
    `statistics.quantiles(method="inclusive")` and numpy's default; the median of an even
    count is the mean of the middle two, and a single value is every percentile of itself."""
    if not values:
        raise ValueError("percentile() of no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def hours(minutes: float) -> Decimal:
    """Working minutes as hours with one decimal, halves rounded up."""
    return (Decimal(str(minutes)) / 60).quantize(_TENTH, rounding=ROUND_HALF_UP)


@dataclass
class Spread:
    """How long a group of things took: their count, median and 90th percentile in working
    hours (None when the group is empty)."""

    count: int
    p50: Decimal | None
    p90: Decimal | None

    @classmethod
    def of(cls, minutes: Sequence[float]) -> Spread:
        if not minutes:
            return cls(0, None, None)
        return cls(len(minutes), hours(percentile(minutes, 0.5)), hours(percentile(minutes, 0.9)))


@dataclass
class GroupSpread:
    label: str
    spread: Spread


@dataclass
class OrderTime:
    pk: int
    number: str
    customer: str
    store: str
    manager: str
    created_at: datetime.datetime
    issued_at: datetime.datetime
    minutes: int

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)


@dataclass
class OrderTimes:
    """Creation to issue: overall, by store and by manager, and every order slowest first."""

    overall: Spread
    by_store: list[GroupSpread]
    by_manager: list[GroupSpread]
    orders: list[OrderTime]

    @property
    def slowest(self) -> list[OrderTime]:
        return self.orders[:SLOWEST_LIMIT]


@dataclass
class StageRow:
    label: str
    #: One per column of the table, in its order.
    cells: list[Spread]


@dataclass
class StageTable:
    """Time in each stage (the columns): overall, by store and by manager (the rows)."""

    stages: list[str]
    overall: StageRow
    by_store: list[StageRow]
    by_manager: list[StageRow]


@dataclass
class FrozenDeal:
    pk: int
    number: str
    customer: str
    store: str
    stage: str
    manager: str
    last_change: datetime.datetime
    days: int


@dataclass
class FrozenDeals:
    days: int
    total: int
    by_manager: list[tuple[str, int]]
    #: The longest without a change first, at most FROZEN_LIMIT of them.
    deals: list[FrozenDeal]


@dataclass
class Processing:
    orders: OrderTimes
    order_stages: StageTable
    deal_stages: StageTable
    frozen: FrozenDeals


@dataclass
class _Subject:
    """An order or a deal as the figures need it."""

    store_id: int
    manager: str
    #: Working minutes of each closed stay, by status.
    stays: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))


def build_processing(
    stores: QuerySet[Store],
    date_from: datetime.date,
    date_to: datetime.date,
    *,
    frozen_days: int,
    now: datetime.datetime,
) -> Processing:
    start, end = period_bounds(date_from, date_to)
    store_list = list(stores)
    names = {store.pk: store.name for store in store_list}
    store_hours = {store.pk: working_hours_for(store) for store in store_list}
    orders, order_subjects = order_times(stores, start, end, names, store_hours)
    order_stages = stage_table(
        order_subjects, [status for status in Status if status != Status.ISSUED], names
    )
    deal_subjects = deal_stays(stores, start, end, store_hours)
    deal_stages = stage_table(deal_subjects, list(DEAL_STAGES), names)
    return Processing(
        orders, order_stages, deal_stages, frozen_deals(stores, days=frozen_days, now=now)
    )


# --- orders ---------------------------------------------------------------------------------


def order_times(
    stores: QuerySet[Store],
    start: datetime.datetime,
    end: datetime.datetime,
    names: dict[int, str],
    store_hours: dict[int, WorkingHours],
) -> tuple[OrderTimes, list[_Subject]]:
    """The orders issued in [start, end): their times, and their stays for the stage table.
    Two queries."""
    issued = Order.objects.filter(store__in=stores, issued_at__gte=start, issued_at__lt=end)
    rows = issued.values_list(
        "pk",
        "number",
        "store_id",
        "contact__full_name",
        "contact__phone",
        "company__name",
        "responsible__username",
        "responsible__first_name",
        "responsible__last_name",
        "created_at",
        "issued_at",
    ).order_by()
    changes = _status_changes(
        OrderTransition.objects.filter(order__in=issued), "order_id", until=Status.ISSUED
    )
    times: list[OrderTime] = []
    subjects: list[_Subject] = []
    for row in rows:
        (pk, number, store_id, full_name, phone, company, *manager_fields) = row[:9]
        created_at, issued_at = row[9], row[10]
        working = store_hours[store_id]
        manager = manager_label(*manager_fields)
        minutes = working_minutes_between(created_at, issued_at, working)
        times.append(
            OrderTime(
                pk,
                number,
                company or full_name or phone or "",
                names[store_id],
                manager,
                created_at,
                issued_at,
                minutes,
            )
        )
        subject = _Subject(store_id, manager)
        for status, entered, left in stays(created_at, changes.get(pk, ())):
            subject.stays[status].append(working_minutes_between(entered, left, working))
        subjects.append(subject)
    times.sort(key=lambda time: (-time.minutes, time.number))
    result = OrderTimes(
        Spread.of([time.minutes for time in times]),
        _spreads(times, lambda time: time.store),
        _spreads(times, lambda time: time.manager),
        times,
    )
    return result, subjects


def _spreads(times: list[OrderTime], key) -> list[GroupSpread]:
    groups: dict[str, list[int]] = defaultdict(list)
    for time in times:
        groups[key(time)].append(time.minutes)
    return [GroupSpread(label, Spread.of(groups[label])) for label in _ordered(groups)]


# --- stages ---------------------------------------------------------------------------------


def _status_changes(
    log: QuerySet, owner: str, *, until: str | None = None
) -> dict[int, list[tuple[str, str, datetime.datetime]]]:
    """(source, target, when) of each status change in `log`, by owner id, in time order.
    Entries that keep the status (history events) are left out; with `until`, an owner's
    changes stop at its first move to that status."""
    changes: dict[int, list[tuple[str, str, datetime.datetime]]] = defaultdict(list)
    finished: set[int] = set()
    rows = (
        log.exclude(source=F("target"))
        .order_by(owner, "created_at", "pk")
        .values_list(owner, "source", "target", "created_at")
    )
    for owner_id, source, target, when in rows:
        if owner_id in finished:
            continue
        changes[owner_id].append((source, target, when))
        if target == until:
            finished.add(owner_id)
    return changes


def stays(
    created_at: datetime.datetime, changes: Iterable[tuple[str, str, datetime.datetime]]
) -> Iterator[tuple[str, datetime.datetime, datetime.datetime]]:
    """(status, entered, left) of each closed stay: the first status from creation to the first
    change, each next one from the change that entered it to the change that left it. The
    status left is the change's source; the stay still going on is not yielded."""
    entered = created_at
    for source, _target, when in changes:
        yield source, entered, when
        entered = when


def deal_stays(
    stores: QuerySet[Store],
    start: datetime.datetime,
    end: datetime.datetime,
    store_hours: dict[int, WorkingHours],
) -> list[_Subject]:
    """The deals created in [start, end) with their closed stays. Two queries."""
    created = Deal.objects.filter(store__in=stores, created_at__gte=start, created_at__lt=end)
    changes = _status_changes(DealTransition.objects.filter(deal__in=created), "deal_id")
    subjects = []
    for pk, store_id, created_at, *manager_fields in created.values_list(
        "pk",
        "store_id",
        "created_at",
        "responsible__username",
        "responsible__first_name",
        "responsible__last_name",
    ).order_by():
        working = store_hours[store_id]
        subject = _Subject(store_id, manager_label(*manager_fields))
        for stage, entered, left in stays(created_at, changes.get(pk, ())):
            subject.stays[stage].append(working_minutes_between(entered, left, working))
        subjects.append(subject)
    return subjects


def stage_table(subjects: list[_Subject], statuses: list, names: dict[int, str]) -> StageTable:
    """Columns: the statuses of `statuses` somebody stayed in, in that order."""
    columns = [status for status in statuses if any(s.stays.get(status) for s in subjects)]

    def row(label: str, group: list[_Subject]) -> StageRow:
        cells = [
            Spread.of([minutes for s in group for minutes in s.stays.get(status, ())])
            for status in columns
        ]
        return StageRow(label, cells)

    by_store: dict[str, list[_Subject]] = defaultdict(list)
    by_manager: dict[str, list[_Subject]] = defaultdict(list)
    for subject in subjects:
        if any(subject.stays.get(status) for status in columns):
            by_store[names[subject.store_id]].append(subject)
            by_manager[subject.manager].append(subject)
    return StageTable(
        [status.label for status in columns],
        row(_("All"), subjects),
        [row(label, by_store[label]) for label in _ordered(by_store)],
        [row(label, by_manager[label]) for label in _ordered(by_manager)],
    )


# --- frozen deals ---------------------------------------------------------------------------


def frozen_deals(stores: QuerySet[Store], *, days: int, now: datetime.datetime) -> FrozenDeals:
    """Open deals of `stores` whose last change is `days` days or more before `now`. The last
    change is the latest of: the deal's `updated_at` (any save: a stage change, an edit), its
    orders' `updated_at`, the last message in or out about the deal or one of its orders.
    Three queries at most (two cached content types, the list, the counts)."""
    deal_type = ContentType.objects.get_for_model(Deal)
    order_type = ContentType.objects.get_for_model(Order)
    last_order_save = Order.objects.filter(deal=OuterRef("pk")).order_by("-updated_at")
    deal_messages = Message.objects.filter(content_type=deal_type, object_id=OuterRef("pk"))
    order_messages = Message.objects.filter(
        content_type=order_type,
        object_id__in=Order.objects.filter(deal=OuterRef(OuterRef("pk"))).values("pk"),
    )

    def latest(queryset: QuerySet, name: str) -> Coalesce:
        newest = queryset.order_by(f"-{name}").values(name)[:1]
        return Coalesce(Subquery(newest), F("updated_at"))

    frozen = (
        Deal.objects.filter(store__in=stores, stage__in=Deal.OPEN_STAGES)
        .alias(
            last_change=Greatest(
                "updated_at",
                latest(last_order_save, "updated_at"),
                latest(deal_messages, "created_at"),
                latest(order_messages, "created_at"),
            )
        )
        .filter(last_change__lte=now - datetime.timedelta(days=days))
    )
    counts = [
        (manager_label(*row[:3]), row[3])
        for row in frozen.values_list(
            "responsible__username", "responsible__first_name", "responsible__last_name"
        )
        .annotate(n=Count("pk"))
        .order_by()
    ]
    rows = frozen.annotate(changed_at=F("last_change")).order_by("changed_at", "pk")[:FROZEN_LIMIT]
    listed = [
        FrozenDeal(
            pk,
            number,
            company or full_name or phone or "",
            store,
            Deal.Stage(stage).label,
            manager_label(username, first, last),
            changed_at,
            (now - changed_at).days,
        )
        for (
            pk,
            number,
            full_name,
            phone,
            company,
            store,
            stage,
            username,
            first,
            last,
            changed_at,
        ) in rows.values_list(
            "pk",
            "number",
            "contact__full_name",
            "contact__phone",
            "company__name",
            "store__name",
            "stage",
            "responsible__username",
            "responsible__first_name",
            "responsible__last_name",
            "changed_at",
        )
    ]
    nobody = _("(nobody)")
    by_manager = sorted(counts, key=lambda item: (-item[1], item[0] == nobody, item[0]))
    return FrozenDeals(days, sum(n for _label, n in counts), by_manager, listed)


# --- labels ---------------------------------------------------------------------------------


def manager_label(username: str | None, first_name: str | None, last_name: str | None) -> str:
    name = " ".join(filter(None, [first_name, last_name]))
    return name or username or _("(nobody)")


def _ordered(labels: Iterable[str]) -> list[str]:
    """Alphabetically, «(nobody)» last."""
    nobody = _("(nobody)")
    return sorted(labels, key=lambda label: (label == nobody, label))


# --- chart ----------------------------------------------------------------------------------


def stages_chart(processing: Processing) -> SafeString:
    """Median and 90th percentile of every deal stage and order status, all stores and managers
    together, in working hours: where the time goes at a glance."""
    rows = [
        (f"{capfirst(Deal._meta.verbose_name)}: {stage}", cell.p50, cell.p90)
        for stage, cell in zip(
            processing.deal_stages.stages, processing.deal_stages.overall.cells, strict=True
        )
    ] + [
        (f"{capfirst(Order._meta.verbose_name)}: {status}", cell.p50, cell.p90)
        for status, cell in zip(
            processing.order_stages.stages, processing.order_stages.overall.cells, strict=True
        )
    ]
    return bar_chart(
        rows,
        title=_("Time in each stage, working hours"),
        series=[Series(_("Median"), BLUE), Series(_("90th percentile"), AMBER)],
        formatter=charts.hours,
        css_class="processing-chart",
    )
