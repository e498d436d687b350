"""How fast deals are created, orders placed and moved along the status matrix, and how many
queries each step costs. Runs in a throwaway test database on whatever DATABASE_URL points at.

    .venv/bin/python -m bench.transitions [--deals 300]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orders .venv/bin/python -m bench.transitions

On PostgreSQL it also measures, in the same database, the rate of the same status UPDATE and
history INSERT in plain SQL (`bench.raw_transitions`) for comparison.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_office.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from catalog.models import Product, StockLevel, Store, Warehouse  # noqa: E402
from contacts.services import contact_get_or_create  # noqa: E402
from deals.services import ItemSpec, deal_create, deal_take_into_work  # noqa: E402
from orders.models import Order  # noqa: E402
from orders.roles import TEAM_LEAD  # noqa: E402
from orders.services import ORDER_TRANSITION_SERVICES, order_place_from_deal  # noqa: E402

from . import raw_transitions  # noqa: E402
from .results import BenchResult, Figure  # noqa: E402

PATH = ["send_payment_link", "mark_paid", "start_assembly", "finish_assembly", "hand_to_delivery"]


def _measure(label: str, count: int, step: Callable[[int], None], rows: list) -> None:
    durations, queries = [], []
    for i in range(count):
        # The query log is a bounded deque: once full, CaptureQueriesContext would count 0.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            step(i)
            durations.append(time.perf_counter() - started)
        queries.append(len(ctx.captured_queries))
    total = sum(durations)
    rows.append(
        (
            label,
            count,
            count / total,
            statistics.median(durations) * 1000,
            sorted(durations)[int(len(durations) * 0.95) - 1] * 1000,
            max(queries),
        )
    )


def main(argv: list[str] | None = None) -> BenchResult:
    parser = argparse.ArgumentParser(prog="python -m bench.transitions")
    parser.add_argument("--deals", type=int, default=300)
    args = parser.parse_args(argv)
    n = args.deals
    raw = None

    old_name = connection.settings_dict["NAME"]
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        store = Store.objects.create(code="bench", name="Bench")
        manager = get_user_model().objects.create(username="bench-manager", is_staff=True)
        manager.groups.add(Group.objects.get(name=TEAM_LEAD))
        store.members.add(manager)
        products = [
            Product.objects.create(sku=f"B-{i}", name=f"Товар {i}", price=1000) for i in range(20)
        ]
        # Starting the assembly reserves stock: enough of everything in one warehouse.
        warehouse = Warehouse.objects.create(code="bench", name="Bench")
        StockLevel.objects.bulk_create(
            StockLevel(product=product, warehouse=warehouse, quantity=10 * n)
            for product in products
        )
        contacts = [
            contact_get_or_create(phone=f"+7926{i:07d}", full_name=f"Клиент {i}")[0]
            for i in range(n)
        ]
        deals: list = []
        orders: list = []
        rows: list = []

        def create_deal(i: int) -> None:
            deals.append(
                deal_create(
                    store=store,
                    channel="site",
                    contact=contacts[i],
                    responsible=manager,
                    items=[ItemSpec(sku=products[i % 20].sku, quantity=2)],
                    delivery_method="courier",
                    delivery_address="Москва, Тверская ул., 1",
                    payment_method="online",
                )
            )

        def place(i: int) -> None:
            deal_take_into_work(deal_id=deals[i].pk, actor=manager)
            orders.append(order_place_from_deal(deal_id=deals[i].pk, actor=manager))

        _measure("deal_create (1 item)", n, create_deal, rows)
        _measure("take into work + place order", n, place, rows)
        for name in PATH:
            actor = None if name == "mark_paid" else manager

            def run(i: int, name=name, actor=actor) -> None:
                ORDER_TRANSITION_SERVICES[name](order_id=orders[i].pk, actor=actor)

            _measure(f"transition {name}", n, run, rows)
        if connection.vendor == "postgresql":
            raw = raw_transitions.measure(
                connection.settings_dict,
                [order.pk for order in orders],
                raw_transitions.path_states(Order, PATH, start="new"),
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    vendor = connection.vendor
    print(f"\nTransitions benchmark on {vendor} ({test_db}), {n} deals\n")
    print(f"{'operation':34} {'count':>6} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for label, count, rate, p50, p95, queries in rows:
        print(f"{label:34} {count:6d} {rate:8.1f} {p50:8.2f} {p95:8.2f} {queries:8d}")
    if raw is not None:
        print(
            f"\nPlain SQL (status UPDATE + history INSERT, one transaction each): "
            f"{raw.transitions} transitions, {raw.per_second:.1f} per s"
        )
    return figures(rows, raw, n)


def figures(rows: list, raw: raw_transitions.RawRate | None, n: int) -> BenchResult:
    """The summary's figures: the rate along the whole path against PostgreSQL's plain-SQL
    rate, creating and placing, the slowest transition and the most queries one costs. No
    issue set a target for these; the raw rate is the yardstick."""
    moves = [row for row in rows if row[0].startswith("transition ")]
    seconds = sum(count / rate for _, count, rate, *_ in moves)
    slowest = max(moves, key=lambda row: row[4])
    costliest = max(moves, key=lambda row: row[5])
    by_name = {label: (rate, p95) for label, _, rate, _, p95, _ in rows}
    return BenchResult(
        "transitions",
        [
            Figure(
                "order transitions/s (5 along the path, one process)",
                sum(row[1] for row in moves) / seconds,
                "/s",
                raw=raw.per_second if raw else None,
                detail=", ".join(f"{row[0][11:]} {row[2]:.0f}/s" for row in moves),
            ),
            Figure("deals created/s (1 item)", by_name["deal_create (1 item)"][0], "/s"),
            Figure("orders placed/s", by_name["take into work + place order"][0], "/s"),
            Figure("slowest transition p95", slowest[4], "ms", detail=slowest[0][11:]),
            Figure("queries per transition (max)", costliest[5], detail=costliest[0][11:]),
        ],
        setup=f"{n} deals, {connection.vendor}",
    )


if __name__ == "__main__":
    main()
