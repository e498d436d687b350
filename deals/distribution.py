"""Distribution of new deals to managers, as the team lead configured it (docs/distribution.md).

A new deal nobody is responsible for goes, in this order:

1. to the returning customer's own manager (the company's or contact's responsible manager,
   else the manager of their latest deal), if the store sends returning customers to their
   manager and that manager is available;
2. else to the available manager of the matching rule who received a deal least recently
   (round-robin); no rule matching, any manager whose profile takes the deal;
3. else to the store's queue (`Deal.queued_since`), which `distribute_queue` hands out when
   managers become available (every minute, and at once when one comes back «на месте»).

A manager is *available* when their profile takes new deals, their presence is «на месте»,
the moment is within their shift, and they have fewer open deals (`COUNTS_AGAINST_CAP`) than
their cap.
The profiles that may take the deal are locked (SELECT … FOR UPDATE, by primary key, in one
statement) before the open deals are counted, so two deals distributed at the same moment see
each other and never push a manager over the cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from automation.calendar import WorkingHours, add_working_minutes

from .choices import AssignmentStrategy, CustomerType, Presence, QueueOrder
from .models import (
    Deal,
    DealAssignment,
    DistributionRule,
    ManagerProfile,
    StoreDistributionSettings,
)
from .signals import deal_assigned

#: The deals that count against a manager's cap: the ones still being worked as requests, and
#: those whose order nobody has acted on yet («Новый»: a complete website order lands there).
#: Once the order moves on, its processing is the order's and no longer takes a slot. (The
#: order's status is named by its value, as deal_has_no_active_order does: deals does not
#: import orders.)
CAP_STAGES = (Deal.Stage.NEW, Deal.Stage.IN_PROGRESS)


def counts_against_cap(prefix: str = "") -> Q:
    """The deals that take a slot, as a filter on Deal, or through the relation `prefix`
    (e.g. "user__deals__" from a manager profile)."""
    return Q(**{f"{prefix}stage__in": CAP_STAGES}) | Q(
        **{f"{prefix}stage": Deal.Stage.ORDER_PLACED, f"{prefix}orders__status": "new"}
    )


COUNTS_AGAINST_CAP = counts_against_cap()

#: How many waiting deals of one store one run of the queue looks at.
QUEUE_BATCH = 200


@dataclass(frozen=True)
class DistributionOutcome:
    """What `deal_distribute` did: who got the deal (None: queued) by which strategy and rule."""

    strategy: str | None
    manager: Any | None
    rule: DistributionRule | None
    assignment: DealAssignment | None

    @property
    def assigned(self) -> bool:
        return self.manager is not None


@dataclass(frozen=True)
class _Choice:
    profile: ManagerProfile | None
    returning: bool
    rule: DistributionRule | None
    note: str
    anyone_available: bool


# --- who is available -----------------------------------------------------------------------


def customer_type_of(deal: Deal) -> str:
    return CustomerType.LEGAL_ENTITY if deal.company_id else CustomerType.INDIVIDUAL


def profile_is_on_shift(profile: ManagerProfile, *, now: datetime) -> bool:
    hours = WorkingHours(
        start=profile.work_start,
        end=profile.work_end,
        weekdays=frozenset(int(day) for day in profile.work_days),
        observe_holidays=profile.observe_holidays,
        tz=settings.TIME_ZONE,
    )
    # Zero working minutes from a moment inside the shift is that very moment.
    return add_working_minutes(now, 0, hours) == now


def profile_is_present(profile: ManagerProfile, *, now: datetime) -> bool:
    """Takes deals, «на месте» and on shift; the cap is checked under the lock."""
    return (
        profile.accepts_deals
        and profile.presence == Presence.AT_DESK
        and profile_is_on_shift(profile, now=now)
    )


def profile_takes(profile: ManagerProfile, *, channel: str, customer_type: str) -> bool:
    return (not profile.channels or channel in profile.channels) and (
        not profile.customer_types or customer_type in profile.customer_types
    )


def profiles_for_store(store_id: int) -> QuerySet[ManagerProfile]:
    """Profiles that may take the store's deals: members of the store whose profile lists it
    (or lists no store at all)."""
    return (
        ManagerProfile.objects.filter(user__is_active=True, user__stores=store_id)
        .filter(Q(stores__isnull=True) | Q(stores=store_id))
        .distinct()
    )


def open_deal_counts(user_ids: list[int]) -> dict[int, int]:
    """How many open deals (COUNTS_AGAINST_CAP) each of these managers has."""
    rows = (
        Deal.objects.filter(COUNTS_AGAINST_CAP, responsible_id__in=user_ids)
        .values("responsible_id")
        .annotate(n=Count("pk", distinct=True))
    )
    return {row["responsible_id"]: row["n"] for row in rows}


def store_settings_for(store_id: int) -> StoreDistributionSettings:
    found = StoreDistributionSettings.objects.filter(store_id=store_id).first()
    return found or StoreDistributionSettings(store_id=store_id)


# --- what the deal matches -------------------------------------------------------------------


def matching_rule(deal: Deal) -> DistributionRule | None:
    """The active rule for this deal: lowest priority number, then the most specific."""
    rules = DistributionRule.objects.filter(is_active=True).filter(
        Q(store__isnull=True) | Q(store=deal.store_id)
    )
    matching = [
        rule
        for rule in rules.prefetch_related("managers")
        if rule.matches(
            store_id=deal.store_id,
            channel=deal.channel,
            customer_type=customer_type_of(deal),
            source=deal.source,
        )
    ]
    if not matching:
        return None
    return min(matching, key=lambda rule: (rule.priority, -rule.specificity, rule.pk))


def own_manager_id(deal: Deal) -> int | None:
    """The returning customer's manager: the one responsible for the company (or contact),
    else the manager of the customer's latest deal."""
    if deal.company_id:
        customer_field, customer = "company", deal.company
    elif deal.contact_id:
        customer_field, customer = "contact", deal.contact
    else:
        return None
    if customer.responsible_id:
        return customer.responsible_id
    return (
        Deal.objects.filter(**{customer_field: customer}, responsible__isnull=False)
        .exclude(pk=deal.pk)
        .order_by("-created_at", "-pk")
        .values_list("responsible_id", flat=True)
        .first()
    )


# --- the decision ----------------------------------------------------------------------------


def _choose(deal: Deal, *, now: datetime, new_customer: bool = False) -> _Choice:
    """Pick the manager for `deal`, holding locks on every profile that could take it.

    Must run inside a transaction: the locks keep the open-deal counts true until it commits.
    """
    store_settings = store_settings_for(deal.store_id)
    returning = store_settings.returning_to_own_manager and not new_customer
    own_id = own_manager_id(deal) if returning else None
    rule = matching_rule(deal)
    # One statement, in primary key order: transactions locking overlapping sets of profiles
    # queue up behind each other instead of deadlocking. (The candidates are a subquery: the
    # DISTINCT their store condition needs cannot be combined with FOR UPDATE.)
    locked = list(
        ManagerProfile.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk__in=profiles_for_store(deal.store_id).values("pk"))
        .order_by("pk")
    )
    present = [profile for profile in locked if profile_is_present(profile, now=now)]
    counts = open_deal_counts([profile.user_id for profile in present])
    available = [
        profile
        for profile in present
        if profile.max_open_deals is None or counts.get(profile.user_id, 0) < profile.max_open_deals
    ]

    if own_id is not None:
        own = next((profile for profile in available if profile.user_id == own_id), None)
        if own is not None:
            return _Choice(own, True, None, _("returning customer"), True)

    customer_type = customer_type_of(deal)
    pool = [
        profile
        for profile in available
        if profile_takes(profile, channel=deal.channel, customer_type=customer_type)
    ]
    if rule is not None:
        chosen_by_rule = {user.pk for user in rule.managers.all()}
        if chosen_by_rule:
            pool = [profile for profile in pool if profile.user_id in chosen_by_rule]
    if pool:
        # Least recently assigned first; someone who has never had a deal comes before anyone.
        profile = min(
            pool,
            key=lambda p: (p.last_assigned_at is not None, p.last_assigned_at or now, p.pk),
        )
        note = "" if rule is not None else _("no rule matched: any suitable manager")
        return _Choice(profile, False, rule, note, True)
    if rule is None:
        note = _("no rule matched and no suitable manager is available")
    else:
        note = _("none of the rule's managers is available")
    return _Choice(None, False, rule, note, bool(available))


def _assign(
    deal: Deal, choice: _Choice, *, strategy: str, now: datetime, note: str = ""
) -> DealAssignment:
    profile = choice.profile
    deal.responsible = profile.user
    deal.queued_since = None
    deal.save(update_fields=["responsible", "queued_since"])
    profile.last_assigned_at = now
    profile.save(update_fields=["last_assigned_at"])
    if strategy == AssignmentStrategy.FROM_QUEUE:
        # Only a deal that waited can have an order already (a complete website order).
        deal_assigned.send(sender=Deal, deal=deal)
    return _log(deal, choice, strategy=strategy, manager=profile.user, now=now, note=note)


def _log(
    deal: Deal, choice: _Choice, *, strategy: str, manager: Any, now: datetime, note: str
) -> DealAssignment:
    return DealAssignment.objects.create(
        deal=deal,
        manager=manager,
        rule=choice.rule,
        rule_name=choice.rule.name if choice.rule else "",
        strategy=strategy,
        at=now,
        note=(note or choice.note)[:300],
    )


# No savepoint of its own: it runs in the transaction that created the deal, and a failure
# there must undo the deal too (and a savepoint is two more statements per website order).
@transaction.atomic(savepoint=False)
def deal_distribute(
    *, deal: Deal, now: datetime | None = None, new_customer: bool = False
) -> DistributionOutcome:
    """Give a new deal to a manager, or put it in the store's queue; log either way.

    Call it inside the transaction that created the deal, while nobody is responsible for it;
    a deal that already has a manager is left as it is (nothing is logged). `new_customer`:
    the customer's card was created with this deal, so there is no manager of theirs to find.
    """
    if deal.responsible_id is not None:
        return DistributionOutcome(None, deal.responsible, None, None)
    now = now or timezone.now()
    choice = _choose(deal, now=now, new_customer=new_customer)
    if choice.profile is not None:
        strategy = (
            AssignmentStrategy.RETURNING_CUSTOMER
            if choice.returning
            else AssignmentStrategy.ROUND_ROBIN
        )
        assignment = _assign(deal, choice, strategy=strategy, now=now)
        return DistributionOutcome(strategy, deal.responsible, choice.rule, assignment)
    if deal.queued_since is None:
        deal.queued_since = now
        deal.save(update_fields=["queued_since"])
    assignment = _log(
        deal, choice, strategy=AssignmentStrategy.QUEUED, manager=None, now=now, note=""
    )
    return DistributionOutcome(AssignmentStrategy.QUEUED, None, choice.rule, assignment)


# --- the queue -------------------------------------------------------------------------------


#: A deal waiting for a manager: queued, still new, and nobody took it by hand.
#: A complete website order waits at «Заказ оформлен» (its order was created at once).
QUEUE_STAGES = (Deal.Stage.NEW, Deal.Stage.ORDER_PLACED)
IN_QUEUE = Q(queued_since__isnull=False, responsible__isnull=True, stage__in=QUEUE_STAGES)


def deal_is_queued(deal: Deal) -> bool:
    """IN_QUEUE, for a deal already loaded."""
    return (
        deal.queued_since is not None and deal.responsible_id is None and deal.stage in QUEUE_STAGES
    )


def deal_queue() -> QuerySet[Deal]:
    return Deal.objects.filter(IN_QUEUE)


def distribute_queue(*, now: datetime | None = None) -> int:
    """Hand out waiting deals, store by store in the store's queue order, while anyone can
    take them. Each deal in its own short transaction; returns how many were assigned.

    A deal another run is handling is skipped (SKIP LOCKED), so overlapping runs are harmless.
    """
    now = now or timezone.now()
    assigned = 0
    store_ids = deal_queue().order_by().values_list("store_id", flat=True).distinct()
    for store_id in sorted(set(store_ids)):
        newest_first = store_settings_for(store_id).queue_order == QueueOrder.NEWEST_FIRST
        order = ("-created_at", "-pk") if newest_first else ("created_at", "pk")
        waiting = list(
            deal_queue().filter(store_id=store_id).order_by(*order).values_list("pk", flat=True)
        )[:QUEUE_BATCH]
        for deal_id in waiting:
            # One run hands its deals out at "the same" moment; stamping them a microsecond
            # apart keeps round-robin's least-recently-assigned order within the run.
            stamp = now + timedelta(microseconds=assigned)
            outcome = _distribute_queued(deal_id=deal_id, now=stamp)
            if outcome is None:
                continue
            if outcome is False:
                break  # nobody at all can take this store's deals now
            assigned += 1
    return assigned


@transaction.atomic
def _distribute_queued(*, deal_id: int, now: datetime) -> bool | None:
    """True: assigned; None: left waiting (or handled elsewhere); False: nobody available."""
    deal = (
        deal_queue()
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("contact", "company")
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        return None
    choice = _choose(deal, now=now)
    if choice.profile is None:
        return None if choice.anyone_available else False
    note = _("returning customer") if choice.returning else choice.note
    _assign(deal, choice, strategy=AssignmentStrategy.FROM_QUEUE, now=now, note=note)
    return True


# --- presence and changes by hand -------------------------------------------------------------


def manager_set_presence(
    *, profile: ManagerProfile, presence: str, now: datetime | None = None
) -> ManagerProfile:
    """Change a manager's presence. Coming back «на месте» hands out the queue at once."""
    if presence not in Presence.values:
        raise ValueError(f"unknown presence {presence!r}")
    if profile.presence == presence:
        return profile
    now = now or timezone.now()
    with transaction.atomic():
        ManagerProfile.objects.filter(pk=profile.pk).update(
            presence=presence, presence_changed_at=now
        )
        profile.presence, profile.presence_changed_at = presence, now
        if presence == Presence.AT_DESK:
            from .tasks import distribute_queue_task

            transaction.on_commit(distribute_queue_task.delay)
    return profile


def deal_log_manual_assignment(*, deal: Deal, actor: Any, now: datetime | None = None) -> None:
    """Record that `actor` changed the deal's manager by hand; the deal leaves the queue, and
    its order, if it has one nobody is responsible for, gets the same manager."""
    now = now or timezone.now()
    if deal.responsible_id is not None and deal.queued_since is not None:
        deal.queued_since = None
        Deal.objects.filter(pk=deal.pk).update(queued_since=None)
    DealAssignment.objects.create(
        deal=deal,
        manager_id=deal.responsible_id,
        strategy=AssignmentStrategy.MANUAL,
        actor=actor,
        at=now,
    )
    if deal.responsible_id is not None:
        # A complete website order that waited in the queue has an order without a manager.
        deal_assigned.send(sender=Deal, deal=deal)
