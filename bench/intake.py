"""Website intake under load: signed orders posted to gunicorn on PostgreSQL, compared with
PostgreSQL's own rate for inserting the same rows with plain SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orders_office \\
        .venv/bin/python -m bench.intake [--seconds 20] [--clients 8] [--workers 3]

What it does, in a throwaway database (`test_<name>`):
1. seeds a store, 50 products and 1,000 known customers;
2. starts gunicorn (`--workers`) on a free loopback port, on that database and the configured
   broker (Redis in CI: the order's on-commit tasks are really enqueued);
3. `--clients` threads post orders for `--seconds`: 3 items each, a new customer, or a known one
   for 10% of them; each answer must be 201;
4. checks orders sent = orders stored, and counts the SQL statements of one order in-process
   (the same view through Django's test client);
5. the same clients insert the same rows (contact, deal, 3 deal lines, deal history, order,
   3 order lines, order history) with plain SQL, one transaction per order, for `--seconds`.

Prints orders/s, p50/p95 latency, statements per order, the raw SQL rate and the ratio.
Targets (issue «Intake»): ≥ 25% of the raw rate, ≤ 20 statements per order, p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import threading
import time
import uuid
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_office.settings")
django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from catalog.models import Product, Store  # noqa: E402
from contacts.models import Contact  # noqa: E402
from integrations.storesite.signing import sign  # noqa: E402
from orders.models import Order  # noqa: E402

from .results import BenchResult, Figure, Target  # noqa: E402
from .servers import database_url, start_gunicorn, stop  # noqa: E402
from .shop import at_desk_around_the_clock, store_api_headers  # noqa: E402

KNOWN_CUSTOMERS = 1000
PRODUCTS = 50
SECRET = "bench-secret"
#: Statements that are not queries: BEGIN, COMMIT and the savepoints.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")


class OrderMaker:
    """Unique signed orders: 3 items, 10% of them from a known customer."""

    def __init__(self, run: str) -> None:
        self.run = run
        self.counter = 0
        self.lock = threading.Lock()

    def next(self) -> tuple[str, dict]:
        with self.lock:
            self.counter += 1
            n = self.counter
        if random.random() < 0.1:
            phone = f"+7926{random.randrange(KNOWN_CUSTOMERS):07d}"
        else:
            phone = f"+7916{n:07d}"
        items = random.sample(range(PRODUCTS), 3)
        return f"{self.run}-{n}", {
            "external_id": f"{self.run}-{n}",
            "created_at": "2026-12-04T12:00:00+03:00",
            "customer": {"name": f"Покупатель {n}", "phone": phone, "email": ""},
            "items": [
                {"sku": f"B-{i}", "name": f"Товар {i}", "quantity": 1 + i % 3, "price": "990.00"}
                for i in items
            ],
            "delivery": {"method": "cdek", "pickup_point_code": "MSK123", "cost": "300.00"},
            "payment": {"method": "cash_on_delivery"},
            "source": "cart",
        }


def _post(session: requests.Session, url: str, payload: dict) -> requests.Response:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return session.post(
        url,
        data=body,
        headers=store_api_headers(body, "bench", SECRET),
        timeout=30,
    )


def _load(url: str, seconds: float, clients: int, maker: OrderMaker) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    sent: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        session = requests.Session()
        while time.monotonic() < stop_at:
            external_id, payload = maker.next()
            started = time.perf_counter()
            try:
                response = _post(session, url, payload)
                ok = response.status_code == 201
                problem = f"{response.status_code} {response.text[:200]}"
            except requests.RequestException as exc:
                ok, problem = False, str(exc)
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(elapsed)
                    sent.append(external_id)
                else:
                    errors.append(problem)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"latencies": latencies, "errors": errors, "sent": sent, "wall": wall}


def _raw_sql_rate(dsn: dict, seconds: float, clients: int, store_id: int, product_ids: list[int]):
    """Orders per second PostgreSQL takes for the same rows written with plain SQL."""
    import psycopg2

    count = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    run = uuid.uuid4().hex[:6]
    failures: list[BaseException] = []

    def client(k: int) -> None:
        try:
            write_orders(k)
        except Exception as error:  # a client that dies must fail the run, not lower the rate
            failures.append(error)

    def write_orders(k: int) -> None:
        nonlocal count
        conn = psycopg2.connect(
            dbname=dsn["NAME"],
            user=dsn["USER"],
            password=dsn["PASSWORD"],
            host=dsn["HOST"],
            port=dsn["PORT"] or 5432,
        )
        n = 0
        if True:
            while time.monotonic() < stop_at:
                n += 1
                with conn, conn.cursor() as cur:
                    cur.execute(
                        "INSERT INTO contacts_contact (full_name, phone, email, telegram_id, "
                        "whatsapp_id, viber_id, vk_id, comment, created_at, updated_at, "
                        "orders_count, issued_orders_count, total_spent, segment) VALUES "
                        "(%s, %s, '', '', '', '', '', '', now(), now(), 0, 0, 0, 'new') "
                        "RETURNING id",
                        [f"raw {k}-{n}", f"+7915{k:02d}{n:05d}"],
                    )
                    contact_id = cur.fetchone()[0]
                    number = f"R{run}{k:02d}{n:06d}"
                    cur.execute(
                        "INSERT INTO deals_deal (version, stage_changed_at, created_at, "
                        "updated_at, number, title, store_id, channel, source, stage, "
                        "contact_id, delivery_method, delivery_address, pickup_point_code, "
                        "payment_method, comment, external_id, lost_comment, furthest_step) "
                        "VALUES (1, now(), now(), now(), %s, %s, %s, 'site', 'cart', "
                        "'order_placed', %s, 'cdek', '', 'MSK123', 'cash_on_delivery', '', "
                        "%s, '', 2) RETURNING id",
                        [number, f"Заказ №{number}", store_id, contact_id, number],
                    )
                    deal_id = cur.fetchone()[0]
                    products = random.sample(product_ids, 3)
                    cur.execute(
                        "INSERT INTO deals_dealitem (deal_id, product_id, quantity, price) "
                        "VALUES (%s, %s, 1, 990), (%s, %s, 2, 990), (%s, %s, 3, 990)",
                        [deal_id, products[0], deal_id, products[1], deal_id, products[2]],
                    )
                    cur.execute(
                        "INSERT INTO deals_dealtransition (name, source, target, via, reason, "
                        "comment, created_at, deal_id) VALUES "
                        "('place_order', 'new', 'order_placed', 'api', '', '', now(), %s)",
                        [deal_id],
                    )
                    cur.execute(
                        "INSERT INTO orders_order (version, stage_changed_at, created_at, "
                        "updated_at, number, deal_id, store_id, status, payment_status, "
                        "payment_method, delivery_method, delivery_address, pickup_point_code, "
                        "comment, external_id, coupon, discount_amount, delivery_cost, "
                        "items_total, total, contact_id, cancel_comment) VALUES (1, now(), "
                        "now(), now(), %s, %s, %s, 'new', 'unpaid', 'cash_on_delivery', 'cdek', "
                        "'', 'MSK123', '', %s, '', 0, 300, 5940, 6240, %s, '') RETURNING id",
                        [number, deal_id, store_id, number, contact_id],
                    )
                    order_id = cur.fetchone()[0]
                    cur.execute(
                        "INSERT INTO orders_orderitem (order_id, product_id, sku, name, price, "
                        "quantity, discount) VALUES (%s, %s, 'B', 'Товар', 990, 1, 0), "
                        "(%s, %s, 'B', 'Товар', 990, 2, 0), (%s, %s, 'B', 'Товар', 990, 3, 0)",
                        [order_id, products[0], order_id, products[1], order_id, products[2]],
                    )
                    cur.execute(
                        "INSERT INTO orders_ordertransition (name, source, target, via, reason, "
                        "comment, created_at, order_id) VALUES "
                        "('create', '', 'new', 'api', '', '', now(), %s)",
                        [order_id],
                    )
                with lock:
                    count += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"raw SQL client failed: {failures[0]}") from failures[0]
    return count / (time.perf_counter() - started)


def _statements_per_order(maker: OrderMaker, samples: int = 30) -> list[tuple[int, int]]:
    """(all statements, queries without transaction control) of each of `samples` orders,
    in-process."""
    client = Client(SERVER_NAME="127.0.0.1")
    counts = []
    for _ in range(samples):
        _external_id, payload = maker.next()
        body = json.dumps(payload, ensure_ascii=False).encode()
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                "/api/v1/orders/",
                data=body,
                content_type="application/json",
                headers={"X-Store-Code": "bench", "X-Signature": sign(body, SECRET)},
            )
        assert response.status_code == 201, response.content
        control = sum(q["sql"].startswith(TRANSACTION_CONTROL) for q in ctx.captured_queries)
        counts.append((len(ctx.captured_queries), len(ctx.captured_queries) - control))
    return counts


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main(argv: list[str] | None = None, *, skip_unless_postgresql: bool = False) -> BenchResult:
    parser = argparse.ArgumentParser(prog="python -m bench.intake")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        message = "bench.intake measures PostgreSQL: set DATABASE_URL=postgres://…"
        if skip_unless_postgresql:
            print(f"\n{message} (skipped)")
            return BenchResult("intake", skipped="PostgreSQL only")
        raise SystemExit(message)

    old_name = connection.settings_dict["NAME"]
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    server = None
    try:
        store = Store.objects.create(code="bench", name="Bench", api_secret=SECRET)
        product_ids = [
            Product.objects.create(sku=f"B-{i}", name=f"Товар {i}", price=Decimal("990")).pk
            for i in range(PRODUCTS)
        ]
        Contact.objects.bulk_create(
            Contact(full_name=f"Клиент {i}", phone=f"+7926{i:07d}") for i in range(KNOWN_CUSTOMERS)
        )
        # Three managers at their desks around the clock: every order is distributed.
        for i in range(3):
            user = get_user_model().objects.create(username=f"bench-manager-{i}", is_staff=True)
            store.members.add(user)
            at_desk_around_the_clock(user)
        dsn = connection.settings_dict
        maker = OrderMaker(uuid.uuid4().hex[:8])
        statements = _statements_per_order(maker)

        server, port = start_gunicorn(
            env={
                "DATABASE_URL": database_url(dsn, test_db),
                "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            },
            workers=args.workers,
            threads=args.threads,
        )
        url = f"http://127.0.0.1:{port}/api/v1/orders/"
        _load(url, 2, args.clients, maker)  # warm-up: connections, imports, caches
        result = _load(url, args.seconds, args.clients, maker)
        stored = Order.objects.filter(external_id__in=result["sent"]).count()
        raw_rate = _raw_sql_rate(dsn, args.seconds, args.clients, store.pk, product_ids)
    finally:
        stop(server)
        connection.creation.destroy_test_db(old_name, verbosity=0)

    latencies = result["latencies"]
    rate = len(latencies) / result["wall"]
    p50 = statistics.median(latencies) * 1000 if latencies else 0
    p95 = _percentile(latencies, 0.95) * 1000 if latencies else 0
    print(
        f"\nIntake benchmark: gunicorn ×{args.workers} on PostgreSQL, {args.clients} clients, "
        f"{args.seconds:.0f} s, 3 items per order, 10% returning customers\n"
    )
    print(f"{'orders accepted':36} {len(latencies):10d}")
    print(f"{'errors':36} {len(result['errors']):10d}")
    print(f"{'orders stored (of accepted)':36} {stored:10d}")
    print(f"{'orders/s':36} {rate:10.1f}")
    print(f"{'latency p50, ms':36} {p50:10.1f}")
    print(f"{'latency p95, ms':36} {p95:10.1f}")
    # The first samples also load the cached automation settings; the median is an order's cost.
    queries = sorted(n for _, n in statements)
    print(f"{'SQL statements per order (max)':36} {max(n for n, _ in statements):10d}")
    print(f"{'  queries, median / max':36} {queries[len(queries) // 2]:6d} / {queries[-1]}")
    print(f"{'raw SQL orders/s (same rows)':36} {raw_rate:10.1f}")
    print(f"{'ratio to raw SQL':36} {rate / raw_rate:10.1%}")
    for problem in result["errors"][:5]:
        print(f"  error: {problem}")
    # Targets of issue «Intake»: ≥ 25% of the raw rate, ≤ 20 queries, p95 < 100 ms; none lost.
    return BenchResult(
        "intake",
        [
            Figure("orders/s", rate, "/s", raw=raw_rate, detail=f"p50 {p50:.1f} ms"),
            Figure("share of the raw SQL rate", rate / raw_rate * 100, "%", Target(">=", 25)),
            Figure("latency p95", p95, "ms", Target("<", 100)),
            Figure(
                "queries per order (median)",
                queries[len(queries) // 2],
                target=Target("<=", 20),
                detail=f"max {queries[-1]}",
            ),
            Figure("errors", len(result["errors"]), target=Target("<=", 0)),
            Figure("accepted orders not stored", len(latencies) - stored, target=Target("<=", 0)),
        ],
        setup=f"{args.clients} clients, {args.seconds:g} s, gunicorn ×{args.workers}",
    )


if __name__ == "__main__":
    main()
