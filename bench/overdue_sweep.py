"""How long the minute sweep takes to flag overdue orders in a big table, and what it costs
when nothing is new. PostgreSQL only (the partial index and SKIP LOCKED are what is measured).
Runs in a throwaway test database (test_<NAME> of DATABASE_URL), filled with raw SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orders_bench \\
        .venv/bin/python -m bench.overdue_sweep [--orders 1000000] [--overdue-share 0.01]

The table holds --orders rows: --closed-share of them issued or cancelled (no deadline, outside
the partial index), one in round(1 / --overdue-share) open with a deadline in the past (what the
first sweep flags: 10,000 at the defaults), the rest open with a deadline 1 hour to 3 days ahead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_office.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from automation import sweep as sweep_module  # noqa: E402
from automation.models import Notification  # noqa: E402
from automation.sweep import flag_overdue  # noqa: E402
from catalog.models import Store  # noqa: E402
from deals.models import Deal  # noqa: E402
from orders.models import Order  # noqa: E402
from orders.roles import MANAGER, TEAM_LEAD  # noqa: E402

from .fill import foreign_key_checks_skipped, insert_select  # noqa: E402
from .results import BenchResult, Figure, Target  # noqa: E402

#: Open statuses the fill cycles through (every one of them can carry a stage time limit).
OPEN = [
    "new",
    "awaiting_payment",
    "confirmed",
    "paid",
    "assembling",
    "assembled",
    "handed_to_delivery",
    "awaiting_pickup",
]
QUIET_RUNS = 20


class QueryTimer:
    """Counts statements and the time spent in them, by kind. (The query log is a bounded
    deque of 9,000, too short for a first sweep of 10,000 rows, and does not show COMMITs.)"""

    def __init__(self) -> None:
        self.count: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)

    @staticmethod
    def kind(sql: str) -> str:
        head = sql.lstrip()[:40].upper()
        if head.startswith("INSERT") and "automation_notification" in sql[:60]:
            return "notification INSERT"
        if head.startswith("UPDATE"):
            return "claim UPDATE"
        if "FOR UPDATE" in sql[-80:].upper():
            return "claim SELECT … FOR UPDATE"
        if head.startswith("SELECT"):
            return "other SELECT"
        return "other (savepoints, …)"

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = self.kind(sql)
            self.count[kind] += 1
            self.seconds[kind] += time.perf_counter() - started

    @contextmanager
    def on(self, conn):
        """Time the statements and the COMMITs (a round trip and a WAL flush each, outside
        execute_wrapper's view) of `conn` within the block."""
        commit = conn._commit

        def timed_commit():
            started = time.perf_counter()
            try:
                return commit()
            finally:
                self.count["COMMIT"] += 1
                self.seconds["COMMIT"] += time.perf_counter() - started

        conn._commit = timed_commit
        try:
            with conn.execute_wrapper(self):
                yield self
        finally:
            del conn._commit


def fill(*, n: int, overdue_every: int, closed_share: float, managers: int, now) -> dict:
    """Users, one store, one deal shared by all orders (Order.deal is a plain ForeignKey), then
    the orders in one INSERT … SELECT FROM generate_series."""
    User = get_user_model()
    store = Store.objects.create(code="bench", name="Bench")
    staff = []
    for i in range(managers):
        user = User.objects.create(username=f"bench-manager-{i}", is_staff=True)
        user.groups.add(Group.objects.get(name=MANAGER))
        store.members.add(user)
        staff.append(user)
    lead = User.objects.create(username="bench-team-lead", is_staff=True)
    lead.groups.add(Group.objects.get(name=TEAM_LEAD))
    deal = Deal.objects.create(
        number="BENCH-1", title="Bench", store=store, responsible=staff[0], channel="site"
    )
    Deal.objects.filter(pk=deal.pk).update(stage_deadline_at=None, stage_warn_at=None)

    # Which row is which follows from g alone, scattered over the whole heap as in real life:
    # one in `overdue_every` is overdue; of the others, closed_share (by g mod 100) is closed.
    # (mod(), not %: the SQL goes through the driver's %(name)s parameters.)
    overdue = f"(mod(g, {overdue_every}) = 0)"
    closed = f"(NOT {overdue} AND mod(g, 100) < {round(closed_share * 100)})"
    issued = f"({closed} AND mod(g, 2) = 0)"
    # Open rows: the deadline is 1 minute to 2 days past (overdue) or 1 hour to 3 days ahead,
    # so the next ticks have nothing new.
    deadline = (
        f"(CASE WHEN {closed} THEN NULL "
        f"WHEN {overdue} THEN %(now)s - make_interval(mins => 1 + mod(g / {overdue_every}, 2880)) "
        "ELSE %(now)s + make_interval(mins => 60 + mod(g, 4320)) END)"
    )
    # Created 3 days to ~1 year ago (30 s apart at 1M rows), the oldest first.
    created = "(%(now)s - make_interval(secs => (%(n)s - g) * 30 + 3 * 86400))"
    # Warned at 80 % of a one-day stage; earlier sweeps did warn the rows already past that.
    warn = f"({deadline} - interval '288 minutes')"
    changed = (
        f"(CASE WHEN {closed} THEN {created} + interval '2 days' "
        f"ELSE GREATEST({created}, {deadline} - interval '1 day') END)"
    )
    overrides = {
        "number": "'B' || lpad(g::text, 9, '0')",
        "deal_id": "%(deal)s",
        "store_id": "%(store)s",
        "responsible_id": "(%(staff)s::bigint[])[1 + mod(g, %(managers)s)]",
        "status": (
            f"CASE WHEN {issued} THEN 'issued' WHEN {closed} THEN 'cancelled' "
            f"ELSE (%(open)s::text[])[1 + mod(g / 100, {len(OPEN)})] END"
        ),
        "payment_status": f"CASE WHEN {issued} THEN 'paid' ELSE 'unpaid' END",
        "payment_method": "'card_on_delivery'",
        "delivery_method": "'courier'",
        "delivery_address": "'Москва, Тверская ул., ' || (mod(g, 200) + 1)",
        "items_total": "1000 + mod(g, 50) * 100",
        "total": "1000 + mod(g, 50) * 100",
        "created_at": created,
        "stage_changed_at": changed,
        "updated_at": changed,
        "stage_deadline_at": deadline,
        "stage_warn_at": warn,
        "warned_at": f"CASE WHEN {warn} <= %(now)s THEN {warn} END",
        "paid_at": f"CASE WHEN {issued} THEN {created} + interval '1 day' END",
        "issued_at": f"CASE WHEN {issued} THEN {created} + interval '2 days' END",
        "closed_at": f"CASE WHEN {closed} THEN {created} + interval '2 days' END",
    }
    values = {
        "now": now,
        "n": n,
        "deal": deal.pk,
        "store": store.pk,
        "staff": [user.pk for user in staff],
        "managers": managers,
        "open": OPEN,
    }
    started = time.perf_counter()
    # The foreign keys point at the store, deal and users just created: skipping their per-row
    # checks (3 per order, ~40 s at 1M rows) needs a superuser; without one the fill is just
    # slower. The indexes are kept, built row by row as in production.
    with foreign_key_checks_skipped() as fk_checks:
        insert_select(
            Order,
            overrides,
            values,
            source="generate_series(1, %(n)s) AS g",
            bench="bench.overdue_sweep",
        )
    inserted = time.perf_counter() - started
    with connection.cursor() as cursor:
        # What autovacuum would have done long before on a real table: statistics, hint bits
        # and the visibility map, so the first sweep does not pay for the fill.
        cursor.execute("VACUUM (ANALYZE) orders_order")
    return {
        "insert_s": inserted,
        "fill_s": time.perf_counter() - started,
        "fk_checks": fk_checks,
        "lead": lead,
    }


def claim_queryset(now):
    """The SELECT of automation.sweep._claim for flag_overdue, built the same way."""
    due_field, mark_field = "stage_deadline_at", "overdue_since"
    return (
        Order.objects.select_for_update(skip_locked=True)
        .filter(
            **{
                f"{due_field}__lte": now,
                f"{mark_field}__isnull": True,
                "overdue_since__isnull": True,
            }
        )
        .order_by(due_field)
        .values_list("pk", flat=True)[: sweep_module.BATCH]
    )


def explain(now) -> str:
    # select_for_update needs a transaction; EXPLAIN ANALYZE locks the rows it returns, and
    # the rollback releases them without any change.
    with transaction.atomic():
        plan = claim_queryset(now).explain(analyze=True, buffers=True)
        transaction.set_rollback(True)
    return plan


def sizes() -> list[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size('orders_order'), pg_indexes_size('orders_order'), "
            "pg_total_relation_size('orders_order'), pg_relation_size('order_deadline_open'), "
            "pg_total_relation_size('automation_notification')"
        )
        heap, indexes, total, partial, notifications = cursor.fetchone()
    return [
        ("orders_order heap", heap),
        ("orders_order indexes (all)", indexes),
        ("orders_order total (heap+indexes+toast)", total),
        ("order_deadline_open (partial index)", partial),
        ("automation_notification total", notifications),
    ]


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:9.1f} MB"


def main(argv: list[str] | None = None, *, skip_unless_postgresql: bool = False) -> BenchResult:
    parser = argparse.ArgumentParser(prog="python -m bench.overdue_sweep")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--overdue-share", type=float, default=0.01)
    parser.add_argument("--closed-share", type=float, default=0.30)
    parser.add_argument("--managers", type=int, default=10)
    parser.add_argument(
        "--overdue-triggers",
        action="store_true",
        help="also give every open status a «becomes overdue» trigger (an alert to the team "
        "lead), as the demo has for «Новый»: the first sweep then schedules a firing per row",
    )
    args = parser.parse_args(argv)

    if connection.vendor != "postgresql":
        message = (
            "bench.overdue_sweep measures PostgreSQL (partial index, SKIP LOCKED); "
            f"DATABASE_URL points at {connection.vendor}. Run it with e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/orders_bench"
        )
        if skip_unless_postgresql:
            print(f"\nOverdue sweep benchmark skipped: {message}")
            return BenchResult("overdue_sweep", skipped="PostgreSQL only")
        sys.exit(message)
    if not 0 < args.overdue_share <= 1 or not 0 <= args.closed_share < 1 or args.managers < 1:
        parser.error("--overdue-share in (0, 1], --closed-share in [0, 1), --managers >= 1")
    n = args.orders
    overdue_every = max(1, round(1 / args.overdue_share))
    now = timezone.now().replace(microsecond=0)

    old_name = connection.settings_dict["NAME"]
    print(f"Overdue sweep benchmark: creating the test database, filling {n:,} orders…")
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        filled = fill(
            n=n,
            overdue_every=overdue_every,
            closed_share=args.closed_share,
            managers=args.managers,
            now=now,
        )
        if args.overdue_triggers:
            from automation.models import Trigger, TriggerAction

            for state in OPEN:
                trigger = Trigger.objects.create(
                    name=f"bench {state}", subject="orders.order", state=state, event="overdue"
                )
                TriggerAction.objects.create(trigger=trigger, kind="alert", text="{order_number}")
        counts = {
            "rows": Order.objects.count(),
            "closed": Order.objects.filter(stage_deadline_at__isnull=True).count(),
            "overdue": Order.objects.filter(stage_deadline_at__lte=now).count(),
        }
        backlog_plan = explain(now)

        # (1) The first sweep: claims every overdue row in batches and alerts on each.
        timer = QueryTimer()
        with timer.on(connection):
            started = time.perf_counter()
            flagged = flag_overdue(Order, now=now)
            first_s = time.perf_counter() - started
        lead_alerts = Notification.objects.filter(user=filled["lead"]).count()
        manager_alerts = Notification.objects.exclude(user=filled["lead"]).count()
        marked = Order.objects.filter(overdue_since=now).count()

        # (2) The next ticks, one minute apart: nothing new is due (the nearest deadline is an
        # hour ahead).
        quiet, quiet_queries = [], []
        for i in range(1, QUIET_RUNS + 1):
            tick = QueryTimer()
            with tick.on(connection):
                started = time.perf_counter()
                again = flag_overdue(Order, now=now + timedelta(minutes=i))
                quiet.append(time.perf_counter() - started)
            quiet_queries.append(sum(tick.count.values()))
            assert not again, f"the quiet sweep {i} flagged {len(again)} rows"
        quiet_plan = explain(now + timedelta(minutes=QUIET_RUNS))
        table_sizes = sizes()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    quiet_ms = sorted(s * 1000 for s in quiet)
    p50 = statistics.median(quiet_ms)
    p95 = quiet_ms[max(0, int(len(quiet_ms) * 0.95) - 1)]
    server = connection.pg_version
    print(
        f"\nOverdue sweep benchmark on PostgreSQL {server // 10000}.{server % 10000} "
        f"({test_db}), batch {sweep_module.BATCH}\n"
    )
    print(
        f"fill: {counts['rows']:,} orders ({counts['closed']:,} closed, {counts['overdue']:,} "
        f"overdue, {counts['rows'] - counts['closed'] - counts['overdue']:,} open and not due), "
        f"{args.managers} managers + 1 team lead; INSERT … SELECT {filled['insert_s']:.1f} s "
        f"(foreign keys {filled['fk_checks']}), with VACUUM ANALYZE {filled['fill_s']:.1f} s\n"
    )
    print(f"{'measure':44} {'value':>12}")
    print(f"{'first sweep: rows flagged':44} {len(flagged):12,d}")
    print(f"{'first sweep: overdue_since set in the table':44} {marked:12,d}")
    print(f"{'first sweep: manager notifications':44} {manager_alerts:12,d}")
    print(f"{'first sweep: team-lead digests':44} {lead_alerts:12,d}")
    print(f"{'first sweep: time, s (target < 5)':44} {first_s:12.2f}")
    print(f"{'first sweep: statements + COMMITs':44} {sum(timer.count.values()):12,d}")
    print(f"{'nothing-new sweep: p50 ms (target < 50)':44} {p50:12.2f}")
    print(f"{'nothing-new sweep: p95 ms':44} {p95:12.2f}")
    print(f"{'nothing-new sweep: max ms':44} {quiet_ms[-1]:12.2f}")
    print(f"{'nothing-new sweep: statements + COMMITs':44} {max(quiet_queries):12d}")

    print(f"\nfirst sweep, time in round trips to the database ({first_s:.2f} s in all):\n")
    print(f"{'statement':34} {'count':>7} {'total s':>8} {'avg ms':>7}")
    for kind in sorted(timer.seconds, key=timer.seconds.get, reverse=True):
        count, seconds = timer.count[kind], timer.seconds[kind]
        print(f"{kind:34} {count:7d} {seconds:8.2f} {seconds / count * 1000:7.2f}")
    in_db = sum(timer.seconds.values())
    print(f"{'Python (ORM, alert texts, links)':34} {'':7} {first_s - in_db:8.2f}")
    print("(other SELECT: the rows to alert on, the triggers, the team leads, Telegram chats)")

    print("\nsizes:\n")
    for label, size in table_sizes:
        print(f"{label:44} {_mb(size)}")
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the claim SELECT, before the first sweep:\n")
    print(backlog_plan)
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the claim SELECT, nothing new:\n")
    print(quiet_plan)
    # Targets of issue «Automation»: first sweep < 5 s, nothing new < 50 ms, at 1M rows.
    return BenchResult(
        "overdue_sweep",
        [
            Figure(
                "first sweep",
                first_s,
                "s",
                Target("<", 5),
                detail=f"{len(flagged):,} flagged, {sum(timer.count.values()):,} statements",
            ),
            Figure(
                "nothing-new sweep p50",
                p50,
                "ms",
                Target("<", 50),
                detail=f"p95 {p95:.1f} ms, {max(quiet_queries)} statements",
            ),
        ],
        setup=f"{counts['rows']:,} orders",
    )


if __name__ == "__main__":
    main()
