"""The overdue dashboard («Просрочки»): what is overdue or soon will be, per stage and per
manager, the overdue list, and the one-click reassignment of a row.

A user who sees every store (the team lead) gets the whole team; anyone else gets their own
version: only the deals, orders and tasks they are responsible for. Every figure is a fixed
number of queries whatever the number of rows (aggregates, select_related, capped lists).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from automation.firing import admin_link
from automation.models import StagedModel, Task, Via
from automation.notify import notify
from catalog.models import Store, user_sees_all_stores
from deals.distribution import deal_log_manual_assignment
from deals.models import Deal

from .charts import AMBER, RED, Series, bar_chart
from .history import order_log_event, register_events
from .models import CLOSED, Order

#: The overdue list shows at most this many rows (longest overdue first).
LIST_LIMIT = 200

REASSIGNED = "reassigned"
register_events({REASSIGNED: gettext_lazy("Manager changed")})


@dataclass(frozen=True)
class Scope:
    """Whose figures: the stores the user may see (optionally one of them), a channel, and for
    a user who does not see every store, only what they are responsible for."""

    user: Any
    store_id: int | None = None
    channel: str = ""

    @property
    def is_team_view(self) -> bool:
        return user_sees_all_stores(self.user)

    def stores(self) -> QuerySet[Store]:
        stores = Store.objects.visible_to(self.user)
        return stores.filter(pk=self.store_id) if self.store_id else stores

    def filter(self, queryset: QuerySet, *, channel_field: str) -> QuerySet:
        if self.store_id or not self.is_team_view:
            queryset = queryset.filter(store__in=self.stores())
        if self.channel:
            queryset = queryset.filter(**{channel_field: self.channel})
        if not self.is_team_view:
            queryset = queryset.filter(responsible=self.user)
        return queryset


def open_deals(scope: Scope) -> QuerySet[Deal]:
    return scope.filter(Deal.objects.filter(stage__in=Deal.OPEN_STAGES), channel_field="channel")


def open_orders(scope: Scope) -> QuerySet[Order]:
    return scope.filter(Order.objects.exclude(status__in=CLOSED), channel_field="deal__channel")


_OVERDUE = Q(overdue_since__isnull=False)
_AT_RISK = Q(warned_at__isnull=False, overdue_since__isnull=True)


@dataclass
class Counts:
    label: str
    overdue: int = 0
    at_risk: int = 0


def _kinds(scope: Scope) -> list[tuple[type[StagedModel], QuerySet, str]]:
    return [
        (Deal, open_deals(scope), capfirst(Deal._meta.verbose_name)),
        (Order, open_orders(scope), capfirst(Order._meta.verbose_name)),
    ]


def stage_counts(scope: Scope) -> list[Counts]:
    """Overdue and at-risk counts per deal stage and per order status, in the stages' order;
    stages with nothing to report are left out. One query per model."""
    result = []
    for model, queryset, kind in _kinds(scope):
        field = model.STATE_FIELD
        found = {
            row[field]: row
            for row in queryset.filter(_OVERDUE | _AT_RISK)
            .values(field)
            .annotate(overdue=Count("pk", filter=_OVERDUE), at_risk=Count("pk", filter=_AT_RISK))
            .order_by()
        }
        for value, label in model._meta.get_field(field).flatchoices:
            if value in found:
                row = found[value]
                result.append(Counts(f"{kind}: {label}", row["overdue"], row["at_risk"]))
    return result


def manager_counts(scope: Scope) -> list[Counts]:
    """Overdue and at-risk counts per responsible manager, deals and orders together, most
    overdue first. One query per model."""
    by_manager: dict[Any, Counts] = {}
    for _model, queryset, _kind in _kinds(scope):
        rows = (
            queryset.filter(_OVERDUE | _AT_RISK)
            .values("responsible__username", "responsible__first_name", "responsible__last_name")
            .annotate(overdue=Count("pk", filter=_OVERDUE), at_risk=Count("pk", filter=_AT_RISK))
            .order_by()
        )
        for row in rows:
            name = " ".join(
                filter(None, [row["responsible__first_name"], row["responsible__last_name"]])
            )
            label = name or row["responsible__username"] or _("(nobody)")
            counts = by_manager.setdefault(row["responsible__username"], Counts(label))
            counts.overdue += row["overdue"]
            counts.at_risk += row["at_risk"]
    return sorted(by_manager.values(), key=lambda c: (-c.overdue, -c.at_risk, c.label))


def counts_chart(counts: list[Counts], *, title: str) -> SafeString:
    """The counts as bars, overdue in the admin's red and at risk in the badges' amber, each
    row's two bars one under the other."""
    return bar_chart(
        [(c.label, c.overdue, c.at_risk) for c in counts],
        title=title,
        series=[
            Series(pgettext("chart legend", "Overdue"), RED),
            Series(pgettext("chart legend", "At risk"), AMBER),
        ],
        css_class="overdue-chart",
    )


@dataclass
class OverdueRow:
    obj: StagedModel
    kind: str
    link: str
    next_task: Task | None = None

    @property
    def overdue_since(self) -> datetime:
        # Overdue since the stage's deadline passed; the mark the minute sweep set may be
        # later (a worker that was down, data loaded with old deadlines).
        return self.obj.stage_deadline_at or self.obj.overdue_since

    def hours_overdue(self, now: datetime) -> int:
        return int((now - self.overdue_since).total_seconds() // 3600)


def overdue_rows(scope: Scope, *, limit: int = LIST_LIMIT) -> list[OverdueRow]:
    """Overdue deals and orders together, longest overdue first, at most `limit` rows; each
    with the earliest open task about it, if any. Three queries whatever the length."""
    rows: list[OverdueRow] = []
    for _model, queryset, kind in _kinds(scope):
        objects = (
            queryset.filter(_OVERDUE)
            .select_related("contact", "company", "responsible", "store")
            .order_by(Coalesce("stage_deadline_at", "overdue_since"), "pk")[:limit]
        )
        rows += [OverdueRow(obj, kind, admin_link(obj)) for obj in objects]
    rows.sort(key=lambda row: (row.overdue_since, row.kind, row.obj.pk))
    rows = rows[:limit]
    _attach_next_tasks(rows)
    return rows


def _attach_next_tasks(rows: list[OverdueRow]) -> None:
    if not rows:
        return
    types = ContentType.objects.get_for_models(Deal, Order)  # cached after the first call
    by_subject = {(types[type(row.obj)].pk, row.obj.pk): row for row in rows}
    subjects = Q()
    for model in (Deal, Order):
        ids = [row.obj.pk for row in rows if type(row.obj) is model]
        if ids:
            subjects |= Q(content_type=types[model], object_id__in=ids)
    tasks = Task.objects.filter(subjects, done_at__isnull=True).order_by(
        F("due_at").asc(nulls_last=True), "pk"
    )
    for task in tasks:
        row = by_subject.get((task.content_type_id, task.object_id))
        if row is not None and row.next_task is None:
            row.next_task = task


def overdue_count(counts: list[Counts]) -> int:
    return sum(c.overdue for c in counts)


def overdue_tasks(user, *, now: datetime | None = None, limit: int = LIST_LIMIT) -> list[Task]:
    """The user's open tasks whose due time has passed, the oldest first."""
    now = now or timezone.now()
    return list(
        Task.objects.filter(assignee=user, done_at__isnull=True, due_at__lt=now).order_by(
            "due_at", "pk"
        )[:limit]
    )


def store_managers(store_ids: set[int]) -> dict[int, list[Any]]:
    """The active staff who work for each store: the choices of the reassign select."""
    membership = Store.members.through.objects.filter(
        store_id__in=store_ids, user__is_active=True, user__is_staff=True
    ).select_related("user")
    result: dict[int, list[Any]] = {pk: [] for pk in store_ids}
    for row in membership.order_by("user__username"):
        result[row.store_id].append(row.user)
    return result


def reassign(obj: StagedModel, manager, actor) -> bool:
    """Make `manager` responsible for the deal or order `obj` (a manager of its store), record
    it in the object's history and tell the new manager. False if nothing changed."""
    if not Store.members.through.objects.filter(store_id=obj.store_id, user=manager).exists():
        raise ValueError(f"{manager} does not work for store {obj.store_id}")
    with transaction.atomic():
        model = type(obj)
        locked = (
            model.objects.select_for_update(of=("self",))
            .select_related("responsible")
            .get(pk=obj.pk)
        )
        previous = locked.responsible
        if locked.responsible_id == manager.pk:
            return False
        model.objects.filter(pk=obj.pk).update(responsible=manager, version=F("version") + 1)
        obj.responsible, obj.version = manager, locked.version + 1
        if isinstance(obj, Deal):
            deal_log_manual_assignment(deal=obj, actor=actor)
        else:
            order_log_event(
                obj,
                REASSIGNED,
                via=Via.ADMIN,
                actor=actor,
                comment=f"{previous or '—'} → {manager}",
            )
        notify(
            users=[manager],
            text=_("«%(object)s» is now yours.") % {"object": obj},
            link=admin_link(obj),
            level="warning",
            key=f"reassign-{obj._meta.label_lower}-{obj.pk}-{obj.version}",
        )
    return True
