"""Server time and query count of the busiest back-office pages with a million orders.
PostgreSQL only (the estimated counts and the plans at this size are what is measured).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oo_pages_bench \\
        .venv/bin/python -m bench.pages [--orders 1000000] [--contacts 300000] [--runs 10]

The data lives in the test database of DATABASE_URL (test_<NAME>), filled once with raw
`INSERT … SELECT … FROM generate_series` and kept: the next run with the same sizes measures
straight away (and applies new migrations to it first); other sizes or --refill fill it again.

What is filled, over --days (3 years) with the oldest first:
- 2 stores with 10 managers each, 1 team lead, 200 products;
- --contacts customers, each ordering every --contacts-th order (3–4 orders each at defaults);
- --orders orders, each with its deal, 1–3 lines and 1–2 history entries. Orders older than
  14 days are closed (88 % issued, 12 % cancelled); the recent ones are spread over the open
  statuses, one in 20 overdue and one in 20 «soon overdue»;
- a quarter as many deals again without an order: lost (with a reason) if older than 14
  days, else new or in progress, one in 10 of those overdue; each deal past «new» has the
  history entry of its move.
One recent order gets 30 lines, 40 history entries and 5 payments (the «big order»).

Then, in-process with Django's test client (middleware, templates, the admin as served), each
page is requested once (cold) and --runs times more; printed per page: the first request,
median and p95 of the others in ms, and the number of SQL queries (the largest seen).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_office.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.template import Template  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    instrumented_test_render,
    override_settings,
)
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from catalog.models import Product, Store  # noqa: E402
from contacts.models import Contact  # noqa: E402
from deals.models import Deal, DealTransition, RefusalReason  # noqa: E402
from orders.models import Order, OrderItem, OrderTransition, Payment  # noqa: E402
from orders.roles import MANAGER, TEAM_LEAD  # noqa: E402

from .fill import foreign_key_checks_skipped, insert_select  # noqa: E402
from .overdue_sweep import OPEN  # noqa: E402
from .results import BenchResult, Figure, Target  # noqa: E402

BENCH = "bench.pages"
STORES = ("bench-a", "bench-b")
MANAGERS_PER_STORE = 10
PRODUCTS = 200
#: Orders and deals younger than this are still open.
OPEN_DAYS = 14
#: How templates render on a server (measure() instruments them only to read a list's count).
RENDER = Template._render
#: Target of the issue: every page under this at 1M orders.
TARGET_MS = 300


def _series_time(position: str, count: str) -> str:
    """Created at: `position` (1…count, the newest last) spread evenly over the period, the
    newest an hour ago."""
    seconds_ago = f"({count} - {position})::float8 * %(span)s / {count} + 3600"
    return f"(%(now)s - make_interval(secs => {seconds_ago}))"


def fill(*, orders: int, contacts: int, days: int, now: datetime.datetime) -> dict:
    """Users, stores and products with the ORM; contacts, deals, orders, their lines and
    history with one INSERT … SELECT each (explicit ids: row g of each series belongs to g)."""
    User = get_user_model()
    stores = [Store.objects.create(code=code, name=f"Bench {code[-1].upper()}") for code in STORES]
    staff: list[int] = []
    for store in stores:
        for i in range(MANAGERS_PER_STORE):
            user = User.objects.create(username=f"{store.code}-manager-{i}", is_staff=True)
            user.groups.add(Group.objects.get(name=MANAGER))
            store.members.add(user)
            staff.append(user.pk)
    lead = User.objects.create(username="bench-team-lead", is_staff=True)
    lead.groups.add(Group.objects.get(name=TEAM_LEAD))
    products = Product.objects.bulk_create(
        Product(sku=f"BENCH-{i:03d}", name=f"Товар {i:03d}", price=Decimal(500 + i * 10))
        for i in range(PRODUCTS)
    )
    reasons = [
        RefusalReason.objects.get_or_create(code=f"bench-{i}", defaults={"name": f"Причина {i}"})[
            0
        ].pk
        for i in range(3)
    ]
    extra_deals = orders // 4
    values = {
        "now": now,
        "span": days * 86400,
        "orders": orders,
        "contacts": contacts,
        "extra": extra_deals,
        # Rows past these positions are recent enough to be open.
        "open_from": orders - orders * OPEN_DAYS // days,
        "extra_open_from": extra_deals - extra_deals * OPEN_DAYS // days,
        "stores": [s.pk for s in stores],
        "staff": staff,
        "per_store": MANAGERS_PER_STORE,
        "open": OPEN,
        "products": [p.pk for p in products],
        "skus": [p.sku for p in products],
        "names": [p.name for p in products],
        "n_products": PRODUCTS,
        "reasons": reasons,
    }
    # The order of row g, as SQL over g: deals and orders must agree on it.
    is_open = "(g > %(open_from)s)"
    status = (
        f"(CASE WHEN {is_open} THEN (%(open)s::text[])[1 + mod(g, {len(OPEN)})] "
        "WHEN mod(g, 100) < 12 THEN 'cancelled' ELSE 'issued' END)"
    )
    store = "(%(stores)s::bigint[])[1 + mod(g, 2)]"
    responsible = "(%(staff)s::bigint[])[1 + mod(g, 2) * %(per_store)s + mod(g / 2, %(per_store)s)]"
    contact = "(1 + mod(g, %(contacts)s))"
    created = _series_time("g", "%(orders)s")
    overdue = f"({is_open} AND mod(g, 20) = 0)"
    warned = f"({is_open} AND mod(g, 20) = 1)"
    deadline = (
        f"(CASE WHEN NOT {is_open} THEN NULL "
        f"WHEN {overdue} THEN %(now)s - make_interval(mins => 1 + mod(g, 2880)) "
        "ELSE %(now)s + make_interval(mins => 60 + mod(g, 4320)) END)"
    )
    changed = f"(CASE WHEN {is_open} THEN {created} ELSE {created} + interval '2 days' END)"
    price = "(500 + mod(g, 50) * 100)"
    lines = "(1 + mod(g, 3))"

    started = time.perf_counter()
    timings = {}
    with foreign_key_checks_skipped() as fk_checks:
        insert_select(
            Contact,
            {
                "id": "g",
                "full_name": "'Покупатель ' || g",
                "phone": "'+7999' || lpad(g::text, 7, '0')",
                "email": "'customer' || g || '@example.ru'",
                "created_at": _series_time("g", "%(contacts)s"),
                "updated_at": _series_time("g", "%(contacts)s"),
            },
            values,
            source="generate_series(1, %(contacts)s) AS g",
            bench=BENCH,
        )
        timings["contacts"] = time.perf_counter() - started

        deal_common = {
            "id": "g",
            "number": "'BD' || lpad(g::text, 9, '0')",
            "title": "'Заказ с сайта'",
            "store_id": store,
            "responsible_id": responsible,
            "contact_id": contact,
            "channel": "(ARRAY['site', 'site', 'phone', 'telegram'])[1 + mod(g, 4)]",
        }
        mark = time.perf_counter()
        insert_select(
            Deal,
            {
                **deal_common,
                "stage": (
                    f"CASE WHEN {status} = 'issued' THEN 'won' "
                    f"WHEN {status} = 'cancelled' THEN 'lost' ELSE 'order_placed' END"
                ),
                # Deal.furthest_step as the services would have set it: an order, paid or
                # confirmed, issued (the fill gives paid_at to the issued orders only).
                "furthest_step": (
                    f"CASE WHEN {status} = 'issued' THEN 4 "
                    f"WHEN {status} IN ('paid', 'confirmed') THEN 3 ELSE 2 END"
                ),
                "created_at": f"{created} - interval '1 hour'",
                "stage_changed_at": created,
                "updated_at": changed,
            },
            values,
            source="generate_series(1, %(orders)s) AS g",
            bench=BENCH,
        )
        # The deals without an order: g continues after the orders' deals.
        extra = "(g - %(orders)s)"
        extra_open = f"({extra} > %(extra_open_from)s)"
        extra_created = _series_time(extra, "%(extra)s")
        insert_select(
            Deal,
            {
                **deal_common,
                "stage": (
                    f"CASE WHEN NOT {extra_open} THEN 'lost' "
                    "WHEN mod(g, 2) = 0 THEN 'new' ELSE 'in_progress' END"
                ),
                "lost_reason_id": (
                    f"CASE WHEN NOT {extra_open} THEN (%(reasons)s::bigint[])[1 + mod(g, 3)] END"
                ),
                # In progress: 1; new, or lost without being taken into work: 0.
                "furthest_step": f"CASE WHEN {extra_open} AND mod(g, 2) = 1 THEN 1 ELSE 0 END",
                "created_at": extra_created,
                "stage_changed_at": extra_created,
                "updated_at": extra_created,
                "stage_deadline_at": (
                    f"CASE WHEN {extra_open} THEN {extra_created} + interval '1 day' END"
                ),
                "overdue_since": (
                    f"CASE WHEN {extra_open} AND mod(g, 10) = 0 "
                    f"THEN {extra_created} + interval '1 day' END"
                ),
            },
            values,
            source="generate_series(%(orders)s + 1, %(orders)s + %(extra)s) AS g",
            bench=BENCH,
        )
        # Each deal past «new»: its move to «in progress» (or «lost»).
        insert_select(
            DealTransition,
            {
                "deal_id": "d.id",
                "name": "CASE WHEN d.stage = 'lost' THEN 'lose' ELSE 'take_into_work' END",
                "source": "'new'",
                "target": "CASE WHEN d.stage = 'lost' THEN 'lost' ELSE 'in_progress' END",
                "via": "'admin'",
                "actor_id": "d.responsible_id",
                "created_at": "d.created_at + interval '10 minutes'",
            },
            values,
            source="deals_deal AS d WHERE d.stage <> 'new'",
            bench=BENCH,
        )
        timings["deals"] = time.perf_counter() - mark

        mark = time.perf_counter()
        insert_select(
            Order,
            {
                "id": "g",
                "number": "'B' || lpad(g::text, 9, '0')",
                "deal_id": "g",
                "store_id": store,
                "responsible_id": responsible,
                "contact_id": contact,
                "status": status,
                "payment_status": (
                    f"CASE WHEN {status} IN ('issued', 'paid', 'assembling', 'assembled') "
                    "THEN 'paid' ELSE 'unpaid' END"
                ),
                "payment_method": (
                    "(ARRAY['online', 'card_on_delivery', 'cash_on_delivery', "
                    "'online_on_site'])[1 + mod(g / 3, 4)]"
                ),
                "delivery_method": "(ARRAY['courier', 'cdek'])[1 + mod(g / 5, 2)]",
                "delivery_address": "'Москва, Тверская ул., ' || (mod(g, 200) + 1)",
                "items_total": f"{lines} * {price}",
                "total": f"{lines} * {price}",
                "created_at": created,
                "stage_changed_at": changed,
                "updated_at": changed,
                "stage_deadline_at": deadline,
                "stage_warn_at": f"CASE WHEN {warned} THEN %(now)s - interval '1 hour' END",
                "warned_at": f"CASE WHEN {warned} THEN %(now)s - interval '1 hour' END",
                "overdue_since": f"CASE WHEN {overdue} THEN {deadline} END",
                "paid_at": f"CASE WHEN {status} = 'issued' THEN {created} + interval '1 day' END",
                "issued_at": (
                    f"CASE WHEN {status} = 'issued' THEN {created} + interval '2 days' END"
                ),
                "closed_at": f"CASE WHEN NOT {is_open} THEN {created} + interval '2 days' END",
            },
            values,
            source="generate_series(1, %(orders)s) AS g",
            bench=BENCH,
        )
        timings["orders"] = time.perf_counter() - mark

        mark = time.perf_counter()
        product = "1 + mod(g + k, %(n_products)s)"
        insert_select(
            OrderItem,
            {
                "order_id": "g",
                "product_id": f"(%(products)s::bigint[])[{product}]",
                "sku": f"(%(skus)s::text[])[{product}]",
                "name": f"(%(names)s::text[])[{product}]",
                "price": price,
            },
            values,
            source=f"generate_series(1, %(orders)s) AS g, generate_series(1, {lines}) AS k",
            bench=BENCH,
        )
        timings["order lines"] = time.perf_counter() - mark

        mark = time.perf_counter()
        # «Created», then the move to where the order is now.
        insert_select(
            OrderTransition,
            {
                "order_id": "o.id",
                "name": (
                    "CASE WHEN k = 1 THEN 'create' WHEN o.status = 'issued' THEN 'issue' "
                    "WHEN o.status = 'cancelled' THEN 'cancel' ELSE 'confirm' END"
                ),
                "source": "CASE WHEN k = 1 THEN '' ELSE 'new' END",
                "target": "CASE WHEN k = 1 THEN 'new' ELSE o.status END",
                "via": "'admin'",
                "actor_id": "o.responsible_id",
                "created_at": "CASE WHEN k = 1 THEN o.created_at ELSE o.stage_changed_at END",
            },
            values,
            source=(
                "orders_order AS o, generate_series(1, 2) AS k WHERE k = 1 OR o.status <> 'new'"
            ),
            bench=BENCH,
        )
        timings["order history"] = time.perf_counter() - mark

    with connection.cursor() as cursor:
        # The rows came with their ids: the next ones the application creates follow them.
        for model in (Contact, Deal, Order):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    big = _make_big_order(now)
    mark = time.perf_counter()
    with connection.cursor() as cursor:
        # What autovacuum would have done long before on real tables: statistics, hint bits
        # and the visibility map.
        cursor.execute("VACUUM (ANALYZE)")
    timings["VACUUM ANALYZE"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    return {"timings": timings, "fk_checks": fk_checks, "big": big}


def _make_big_order(now: datetime.datetime) -> int:
    """The newest order «awaiting payment» gets 30 lines, 40 history entries and 5 payments."""
    order = Order.objects.filter(status="awaiting_payment").order_by("-pk").first()
    products = list(Product.objects.filter(sku__startswith="BENCH-")[:30])
    OrderItem.objects.bulk_create(
        OrderItem(order=order, product=p, sku=p.sku, name=p.name, price=p.price) for p in products
    )
    OrderTransition.objects.bulk_create(
        OrderTransition(
            order=order,
            name="confirm",
            source="new",
            target="awaiting_payment",
            via="admin",
            actor_id=order.responsible_id,
            created_at=now - datetime.timedelta(minutes=40 - i),
        )
        for i in range(40)
    )
    Payment.objects.bulk_create(
        Payment(
            order=order,
            amount=order.total,
            status=Payment.Status.PENDING if i == 4 else Payment.Status.CANCELED,
            provider_payment_id=f"bench-{order.pk}-{i}",
            confirmation_url=f"https://yoomoney.test/checkout?orderId=bench-{order.pk}-{i}",
            idempotence_key=f"bench-{order.pk}-{i}",
        )
        for i in range(5)
    )
    return order.pk


def filled_as_asked(*, orders: int, contacts: int) -> bool:
    """The test database already holds a fill of these sizes."""
    if not Store.objects.filter(code=STORES[0]).exists():
        return False
    return Order.objects.count() == orders and Contact.objects.count() == contacts


@dataclass
class Figures:
    label: str
    cold_ms: float
    median_ms: float
    p95_ms: float
    queries: int
    note: str
    #: (ms, SQL) of the slowest statements of the last request, slowest first.
    slowest: list[tuple[float, str]]


def measure(client: Client, label: str, url: str, runs: int, *, note=None) -> Figures:
    times, queries = [], []
    response = None
    for _ in range(runs + 1):
        # Each request empties the connection's query log when it starts (request_started →
        # reset_queries): started from an empty log, the capture sees the request's queries.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{BENCH}: {url} answered {response.status_code}")
        # A copy: the capture reads the connection's log when asked, and the next request
        # (the note's, below) empties that log.
        last = list(captured)
        queries.append(len(last))
    if note:
        # Read the page's context in one more request, untimed: the test client gets it only
        # from instrumented templates, which copy the context at every template rendered (a
        # form of 30 lines renders 600 of them: +40 % on the order page).
        Template._render = instrumented_test_render
        try:
            response = client.get(url)
        finally:
            Template._render = RENDER
    warm = sorted(times[1:])
    p95 = warm[max(0, int(len(warm) * 0.95 + 0.5) - 1)]
    return Figures(
        label,
        times[0],
        statistics.median(warm),
        p95,
        max(queries),
        note(response) if note else "",
        sorted(((float(q["time"]) * 1000, q["sql"]) for q in last), reverse=True),
    )


def list_note(response) -> str:
    cl = response.context["cl"]
    shown = f"{len(cl.result_list)} rows of {cl.result_count:,}"
    if getattr(cl.paginator, "is_estimate", False):
        shown += " (estimated)"
    return shown


def main(argv: list[str] | None = None, *, skip_unless_postgresql: bool = False) -> BenchResult:
    parser = argparse.ArgumentParser(prog="python -m bench.pages")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=10, help="warm requests per page")
    parser.add_argument("--days", type=int, default=3 * 365, help="the period the orders span")
    parser.add_argument("--refill", action="store_true", help="fill again even if the sizes fit")
    parser.add_argument(
        "--slowest", type=int, default=0, help="also print the N slowest statements of each page"
    )
    parser.add_argument("--only", default="", help="measure only the pages whose label has this")
    args = parser.parse_args(argv)

    if connection.vendor != "postgresql":
        message = (
            f"{BENCH} measures PostgreSQL (estimated counts, plans at 1M rows); DATABASE_URL "
            f"points at {connection.vendor}. Run it with e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/oo_pages_bench"
        )
        if skip_unless_postgresql:
            print(f"\nPages benchmark skipped: {message}")
            return BenchResult("pages", skipped="PostgreSQL only")
        sys.exit(message)
    if args.orders < 1000 or args.contacts < 1 or args.runs < 1 or args.days <= OPEN_DAYS:
        parser.error(f"--orders >= 1000, --contacts >= 1, --runs >= 1, --days > {OPEN_DAYS}")

    static_root = tempfile.TemporaryDirectory(prefix="bench-pages-static-")  # empty: no warning
    # Not setup_test_environment(): its template instrumentation is not what a server runs.
    # The pages need the URLs of the static files, not the manifest collectstatic writes.
    override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
        STATIC_ROOT=static_root.name,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()
    old_name = connection.settings_dict["NAME"]
    # Kept between runs (keepdb): migrate brings an existing fill up to date.
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
    filled = None
    if args.refill or not filled_as_asked(orders=args.orders, contacts=args.contacts):
        print(f"Pages benchmark: filling {test_db} with {args.orders:,} orders…", flush=True)
        connection.close()
        connection.settings_dict["NAME"] = old_name
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        filled = fill(
            orders=args.orders,
            contacts=args.contacts,
            days=args.days,
            now=timezone.now().replace(microsecond=0),
        )
    else:
        print(f"Pages benchmark: reusing the {args.orders:,} orders of {test_db}", flush=True)

    User = get_user_model()
    lead = User.objects.get(username="bench-team-lead")
    store_a = Store.objects.get(code=STORES[0])
    manager = User.objects.get(username=f"{STORES[0]}-manager-0")
    big = (
        Payment.objects.filter(idempotence_key__startswith="bench-")
        .values_list("order_id", flat=True)
        .first()
    )
    typical = (
        Order.objects.filter(store=store_a, status="issued")
        .order_by("-created_at")
        .values_list("pk", flat=True)
        .first()
    )
    phone = Contact.objects.get(pk=1234).phone
    dictated = f"8 {phone[2:5]} {phone[5:8]}-{phone[8:10]}-{phone[10:]}"
    today = timezone.localdate()
    changelist = reverse("admin:orders_order_changelist")
    funnel = reverse("admin:orders_funnel")
    deals = reverse("admin:deals_deal_changelist")

    as_lead, as_manager = Client(), Client()
    as_lead.force_login(lead)
    as_manager.force_login(manager)
    pages = [
        (as_lead, "order list (team lead)", changelist, list_note),
        (as_manager, "order list (manager)", changelist, list_note),
        (
            as_lead,
            "order list: issued, one store",
            f"{changelist}?status=issued&store={store_a.pk}",
            list_note,
        ),
        (
            as_lead,
            "order list: new, one store",
            f"{changelist}?status=new&store={store_a.pk}",
            list_note,
        ),
        (as_lead, "order list: phone search", f"{changelist}?q={dictated}", list_note),
        (as_lead, "deal list (team lead)", deals, list_note),
        (as_manager, "deal list (manager)", deals, list_note),
        (
            as_lead,
            "deal list: lost, one store",
            f"{deals}?stage=lost&store={store_a.pk}",
            list_note,
        ),
        (as_lead, "deal list: in progress", f"{deals}?stage=in_progress", list_note),
        (as_lead, "deal list: overdue", f"{deals}?overdue=overdue", list_note),
        (as_lead, "deal list: page 100", f"{deals}?p=100", list_note),
        (as_lead, "order list: page 100", f"{changelist}?p=100", list_note),
        (
            as_lead,
            "order page (3 lines)",
            reverse("admin:orders_order_change", args=[typical]),
            None,
        ),
        (as_lead, "order page (big)", reverse("admin:orders_order_change", args=[big]), None),
        (as_lead, "overdue dashboard (team lead)", reverse("overdue-dashboard"), None),
        (as_manager, "overdue dashboard (manager)", reverse("overdue-dashboard"), None),
        (
            as_lead,
            "funnel: 30 days",
            f"{funnel}?date_from={today - datetime.timedelta(days=29)}&date_to={today}",
            None,
        ),
        (
            as_lead,
            "funnel: 365 days",
            f"{funnel}?date_from={today - datetime.timedelta(days=364)}&date_to={today}",
            None,
        ),
    ]
    results = [
        measure(client, label, url, args.runs, note=note)
        for client, label, url, note in pages
        if args.only in label
    ]

    server = connection.pg_version
    print(
        f"\nPages benchmark on PostgreSQL {server // 10000}.{server % 10000} ({test_db}): "
        f"{Order.objects.count():,} orders, {Contact.objects.count():,} contacts, "
        f"{Deal.objects.count():,} deals; {args.runs} warm runs per page after the cold one"
    )
    if filled:
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in filled["timings"].items())
        print(f"fill (foreign keys {filled['fk_checks']}): {steps}")
    print(f"\n{'page':32} {'cold ms':>8} {'median':>8} {'p95':>8} {'queries':>8}  note")
    for f in results:
        flag = "" if f.p95_ms < TARGET_MS else "  > target"
        print(
            f"{f.label:32} {f.cold_ms:8.1f} {f.median_ms:8.1f} {f.p95_ms:8.1f} "
            f"{f.queries:8d}  {f.note}{flag}"
        )
    for f in results if args.slowest else []:
        print(f"\n{f.label}: the slowest statements of the last request")
        for ms, sql in f.slowest[: args.slowest]:
            print(f"{ms:8.1f} ms  {sql[:600]}")
    return BenchResult(
        "pages",
        [
            Figure(
                f"{f.label}: median",
                f.median_ms,
                "ms",
                Target("<", TARGET_MS),
                detail=f"p95 {f.p95_ms:.0f} ms, {f.queries} queries",
            )
            for f in results
        ],
        setup=f"{args.orders:,} orders, {args.runs} warm runs",
    )


if __name__ == "__main__":
    main()
