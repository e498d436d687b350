"""Load test: mixed traffic for --minutes against gunicorn + PostgreSQL + Redis + a Celery
worker and beat, on loopback.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oo_rel_load \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/12 CACHE_URL=redis://127.0.0.1:6379/13 \\
        flock /tmp/heavy.lock .venv/bin/python -m bench.load [--minutes 10]

In a throwaway database (`test_<name>`): a store with a callback URL (a local fake website that
receives its order events), 50 products, 1,000 known customers, three managers at their desks
with passwords, the demo's roles. gunicorn (--web-workers, sandbox on), a second gunicorn for
YooKassa and SMS.ru (the built-in sandbox over real HTTP, on a server of its own as the real
providers are), a worker (2 processes) and beat. Traffic, each kind paced at its rate by its
own threads:

* **intake**: signed orders to `POST /api/v1/orders/` (3 items, 30% paid online, 10% from a
  known customer); each must be 201.
* **page**: a manager's order list, an order page, the deal list, the dashboard; each 200.
* **transition**: a manager opens a new order's page, and presses its button through the real
  change form with its CSRF token: «Отправить ссылку на оплату» for an online order (the
  worker creates the payment at YooKassa and texts the link), «Подтвердить» otherwise; 302,
  and the order moved.
* **payment**: the customer pays on the sandbox's YooKassa page; the sandbox sends YooKassa's
  notification to our webhook, which re-checks the payment and marks the order paid; 302.
* **webhook**: YooKassa repeats a paid payment's notification (as it does until answered 200)
  straight to `POST /webhooks/yookassa/`; 200 and nothing changes.

Reports per kind the requests, rate, p50/p95 and errors; orders accepted against orders stored;
the worker's resident memory (the main process and its pool) after the warm-up and at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import re
import statistics
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_office.settings")
django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from catalog.models import Product, Store  # noqa: E402
from contacts.models import Contact  # noqa: E402
from integrations.sandbox.models import SandboxPayment  # noqa: E402
from orders.models import Order, OrderTransition  # noqa: E402
from orders.roles import MANAGER  # noqa: E402

from .faults import Site  # noqa: E402
from .servers import (  # noqa: E402
    database_url,
    free_port,
    start_beat,
    start_gunicorn,
    start_worker,
    stop,
    tree_rss_kb,
)
from .shop import at_desk_around_the_clock, store_api_headers  # noqa: E402

SECRET = "load-secret"
PASSWORD = "load-pass-12345"
PRODUCTS = 50
KNOWN_CUSTOMERS = 1000
MANAGERS = 3

#: Requests per second of each kind (all threads of the kind together), and its threads.
RATES = {"intake": 4.0, "page": 4.0, "transition": 1.0, "payment": 0.4, "webhook": 0.4}
THREADS = {"intake": 3, "page": 3, "transition": 2, "payment": 1, "webhook": 1}


class FormParser(HTMLParser):
    """The fields of one <form> as a browser would submit them, and its submit buttons."""

    def __init__(self, form_id: str | None = None) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.buttons: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = self.form_id is None or a.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image"):
                self.buttons.append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind != "file":
                self.fields.append((name, a.get("value", "")))
        elif tag == "button" and name:
            self.buttons.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_value, self._first_option = name, None, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            value = self._select_value if self._select_value is not None else self._first_option
            self.fields.append((self._select, value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text))
            self._textarea = None


def parse_form(html: str, form_id: str | None = None) -> FormParser:
    parser = FormParser(form_id)
    parser.feed(html)
    return parser


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def record(self, kind: str, elapsed: float, problem: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(elapsed)
            if problem:
                self.errors[kind].append(problem)


class Load:
    def __init__(self, base: str, stats: Stats, stop_at: float, providers: str) -> None:
        self.base = base
        self.providers = providers
        self.stats = stats
        self.stop_at = stop_at
        self.run = uuid.uuid4().hex[:6]
        self.counter = 0
        self.lock = threading.Lock()
        self.accepted: list[str] = []
        self.new_orders: queue.Queue[tuple[int, str]] = queue.Queue()
        self.transitions_done: dict[str, int] = defaultdict(int)
        self.paid_payments: list[str] = []

    # --- pacing
    def paced(self, kind: str, threads: int, body) -> None:
        interval = threads / RATES[kind]
        next_at = time.monotonic() + random.uniform(0, interval)
        while True:
            now = time.monotonic()
            if now >= self.stop_at:
                connection.close()  # this thread's, if it read the database
                return
            if next_at > now:
                time.sleep(min(next_at - now, self.stop_at - now))
                continue
            next_at = max(next_at + interval, now)  # never bursts to catch up
            started = time.perf_counter()
            try:
                problem = body()
            except Exception as exc:  # a bug or a dropped connection: an error of this kind
                problem = f"{type(exc).__name__}: {exc}"
            if problem == "skip":
                continue
            self.stats.record(kind, time.perf_counter() - started, problem)

    # --- intake
    def intake(self) -> None:
        session = requests.Session()

        def one() -> str | None:
            with self.lock:
                self.counter += 1
                n = self.counter
            phone = (
                f"+7926{random.randrange(KNOWN_CUSTOMERS):07d}"
                if random.random() < 0.1
                else f"+7916{n:07d}"
            )
            online = random.random() < 0.3
            external_id = f"{self.run}-{n}"
            body = json.dumps(
                {
                    "external_id": external_id,
                    "created_at": "2026-12-04T12:00:00+03:00",
                    "customer": {"name": f"Покупатель {n}", "phone": phone, "email": ""},
                    "items": [
                        {
                            "sku": f"L-{i}",
                            "name": f"Товар {i}",
                            "quantity": 1 + i % 3,
                            "price": "990.00",
                        }
                        for i in random.sample(range(PRODUCTS), 3)
                    ],
                    "delivery": {"method": "cdek", "pickup_point_code": "MSK123", "cost": "300.00"},
                    "payment": {"method": "online" if online else "cash_on_delivery"},
                    "source": "cart",
                },
                ensure_ascii=False,
            ).encode()
            response = session.post(
                f"{self.base}/api/v1/orders/",
                data=body,
                headers=store_api_headers(body, "load", SECRET),
                timeout=30,
            )
            if response.status_code != 201:
                return f"{response.status_code} {response.text[:120]}"
            with self.lock:
                self.accepted.append(external_id)
            self.new_orders.put((response.json()["order_id"], "online" if online else "cod"))
            return None

        self.paced("intake", THREADS["intake"], one)

    # --- managers
    def login(self, username: str) -> requests.Session:
        session = requests.Session()
        page = session.get(f"{self.base}/admin/login/", timeout=30)
        form = dict(parse_form(page.text, "login-form").fields)
        form.update(username=username, password=PASSWORD)
        response = session.post(
            f"{self.base}/admin/login/?next=/admin/",
            data=form,
            headers={"Referer": f"{self.base}/admin/login/"},
            timeout=30,
            allow_redirects=False,
        )
        if response.status_code != 302:
            re.sub(r"\s+", " ", response.text)
            raise RuntimeError(f"login of {username} failed: {response.status_code}")
        return session

    def pages(self, username: str) -> None:
        session = self.login(username)
        order_ids: list[int] = []

        def one() -> str | None:
            while not self.new_orders.empty() and len(order_ids) < 200:
                try:
                    order_ids.append(self.new_orders.queue[-1][0])
                    break
                except IndexError:
                    break
            choices = ["/admin/orders/order/", "/admin/deals/deal/", "/admin/dashboard/"]
            if order_ids:
                choices.append(f"/admin/orders/order/{random.choice(order_ids)}/change/")
            path = random.choice(choices)
            response = session.get(self.base + path, timeout=30)
            return None if response.status_code == 200 else f"{response.status_code} {path}"

        self.paced("page", THREADS["page"], one)

    def transitions(self, username: str) -> None:
        session = self.login(username)

        def one() -> str | None:
            try:
                order_id, method = self.new_orders.get(timeout=1)
            except queue.Empty:
                return "skip"
            url = f"{self.base}/admin/orders/order/{order_id}/change/"
            page = session.get(url, timeout=30)
            if page.status_code != 200:
                return f"{page.status_code} GET {url}"
            form = parse_form(page.text, "order_form")
            wanted = "send_payment_link" if method == "online" else "confirm"
            offered = [value for name, value in form.buttons if name == "_fsm_transition_to"]
            if wanted not in offered:
                return f"no button {wanted} on order {order_id} (offered {offered})"
            response = session.post(
                url,
                data=[*form.fields, ("_fsm_transition_to", wanted)],
                headers={"Referer": url},
                timeout=30,
                allow_redirects=False,
            )
            if response.status_code != 302:
                text = re.sub(r"\s+", " ", response.text)
                errors = re.findall(r'class="errorlist[^"]*">(.{0,200})', text)
                return f"{response.status_code} POST {wanted} {errors[:2]}"
            with self.lock:
                self.transitions_done[wanted] += 1
            return None

        self.paced("transition", THREADS["transition"], one)

    # --- the customer and YooKassa
    def payments(self) -> None:
        session = requests.Session()

        def one() -> str | None:
            connection.close_if_unusable_or_obsolete()
            payment_id = (
                SandboxPayment.objects.filter(status="pending")
                .order_by("?")
                .values_list("payment_id", flat=True)
                .first()
            )
            if payment_id is None:
                return "skip"
            url = f"{self.providers}/sandbox/yookassa/pay/{payment_id}/"
            page = session.get(url, timeout=30)
            form = dict(parse_form(page.text).fields)
            response = session.post(
                url,
                data={"csrfmiddlewaretoken": form.get("csrfmiddlewaretoken", ""), "action": "pay"},
                headers={"Referer": url},
                timeout=30,
                allow_redirects=False,
            )
            if response.status_code != 302 or "/sandbox/yookassa/pay/" in response.headers.get(
                "Location", ""
            ):
                return f"{response.status_code} pay {response.headers.get('Location', '')}"
            with self.lock:
                self.paid_payments.append(payment_id)
            return None

        self.paced("payment", THREADS["payment"], one)

    def webhooks(self) -> None:
        from integrations.sandbox.views.yookassa import payment_object

        session = requests.Session()

        def one() -> str | None:
            with self.lock:
                paid = list(self.paid_payments)
            if not paid:
                return "skip"
            connection.close_if_unusable_or_obsolete()
            payment = SandboxPayment.objects.get(payment_id=random.choice(paid))
            response = session.post(
                f"{self.base}/webhooks/yookassa/",
                json={
                    "type": "notification",
                    "event": "payment.succeeded",
                    "object": payment_object(payment),
                },
                timeout=30,
            )
            return None if response.status_code == 200 else f"{response.status_code} webhook"

        self.paced("webhook", THREADS["webhook"], one)


def _seed(callback_url: str) -> list[str]:
    store = Store.objects.create(
        code="load", name="Load", api_secret=SECRET, callback_url=callback_url
    )
    Product.objects.bulk_create(
        Product(sku=f"L-{i}", name=f"Товар {i}", price=Decimal("990")) for i in range(PRODUCTS)
    )
    Contact.objects.bulk_create(
        Contact(full_name=f"Клиент {i}", phone=f"+7926{i:07d}") for i in range(KNOWN_CUSTOMERS)
    )
    group = Group.objects.get(name=MANAGER)
    names = []
    for i in range(MANAGERS):
        user = get_user_model().objects.create_user(
            username=f"load-manager-{i}", password=PASSWORD, is_staff=True
        )
        user.groups.add(group)
        store.members.add(user)
        at_desk_around_the_clock(user, max_open_deals=100000)
        names.append(user.username)
    return names


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--warm-up", type=float, default=20, help="seconds, not measured")
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        raise SystemExit("bench.load needs PostgreSQL: set DATABASE_URL=postgres://…")
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        raise SystemExit("bench.load needs Redis: set CELERY_BROKER_URL=redis://…")

    dsn = connection.settings_dict
    old_name = dsn["NAME"]
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    site = Site()
    tmp = tempfile.TemporaryDirectory(prefix="load-")
    web = providers = worker = beat = None
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    providers_port = free_port()
    providers_base = f"http://127.0.0.1:{providers_port}"
    env = {
        "DATABASE_URL": database_url(dsn, test_db),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        # One cache shared by every process, as in production; the broker's Redis when unset.
        "CACHE_URL": os.environ.get("CACHE_URL") or settings.CELERY_BROKER_URL,
        "SANDBOX_ENABLED": "true",
        "SITE_URL": base,
        # YooKassa and SMS.ru are the sandbox on a server of their own, as the real ones are
        # other hosts: served by the app's own workers, a payment (the pay page calls our
        # webhook, which calls YooKassa back) would hold three of them at once and stall
        # everything else behind it.
        "YOOKASSA_API_URL": f"{providers_base}/sandbox/yookassa/v3",
        "SMSRU_API_URL": f"{providers_base}/sandbox/smsru",
    }
    try:
        managers = _seed(site.url)
        # The admin's pages need the production static manifest (DEBUG is off).
        call_command("collectstatic", interactive=False, verbosity=0)
        web, _ = start_gunicorn(env=env, workers=args.web_workers, port=port, log="load-web")
        providers, _ = start_gunicorn(
            env=env, workers=1, threads=4, port=providers_port, log="load-providers"
        )
        worker = start_worker(env=env, concurrency=2, log="load-worker")
        beat = start_beat(env=env, schedule=Path(tmp.name) / "beat", log="load-beat")

        def traffic(seconds: float) -> tuple[Load, Stats]:
            stats = Stats()
            load = Load(base, stats, time.monotonic() + seconds, providers_base)
            threads = [threading.Thread(target=load.intake) for _ in range(THREADS["intake"])]
            threads += [
                threading.Thread(target=load.pages, args=(managers[i % MANAGERS],))
                for i in range(THREADS["page"])
            ]
            threads += [
                threading.Thread(target=load.transitions, args=(managers[i % MANAGERS],))
                for i in range(THREADS["transition"])
            ]
            threads += [threading.Thread(target=load.payments)]
            threads += [threading.Thread(target=load.webhooks)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return load, stats

        traffic(args.warm_up)
        rss_start = tree_rss_kb(worker.pid)
        rss_samples = [rss_start]
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(30):
                rss_samples.append(tree_rss_kb(worker.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        measured_from = timezone.now()
        load, stats = traffic(args.minutes * 60)
        wall = time.perf_counter() - started
        sampling.set()
        time.sleep(10)  # the worker finishes what the last requests enqueued
        rss_end = tree_rss_kb(worker.pid)
        connection.close()
        stored = Order.objects.filter(store__code="load", external_id__in=load.accepted).count()
        moved = OrderTransition.objects.filter(
            order__store__code="load",
            via="admin",
            name__in=list(load.transitions_done),
            created_at__gte=measured_from,
        ).count()
        paid_orders = Order.objects.filter(store__code="load", payment_status="paid").count()
        events = sum(site.received.values())
        load_avg = os.getloadavg()
    finally:
        for process in (beat, worker, web, providers):
            stop(process)
        site.http.close()
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        tmp.cleanup()

    print(
        f"\nLoad test: {args.minutes:g} min of mixed traffic, gunicorn ×{args.web_workers}, "
        f"worker ×2 + beat, PostgreSQL and Redis on loopback (after {args.warm_up:g} s warm-up)\n"
    )
    print(f"{'kind':12} {'requests':>9} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    total_errors = 0
    for kind in RATES:
        values = stats.latencies.get(kind, [])
        errors = len(stats.errors.get(kind, []))
        total_errors += errors
        p50 = statistics.median(values) * 1000 if values else 0
        p95 = _percentile(values, 0.95) * 1000 if values else 0
        rate = len(values) / wall
        print(f"{kind:12} {len(values):9d} {rate:7.2f} {p50:8.1f} {p95:8.1f} {errors:7d}")
    print()
    rows = [
        ("errors (all kinds)", total_errors),
        ("orders accepted (201)", len(load.accepted)),
        ("orders stored (of those)", stored),
        ("transitions pressed / logged", f"{sum(load.transitions_done.values())} / {moved}"),
        ("payments made / orders paid", f"{len(load.paid_payments)} / {paid_orders}"),
        ("order events the website received", events),
        ("worker RSS at start, MB", f"{rss_start / 1024:.1f}"),
        ("worker RSS at end, MB", f"{rss_end / 1024:.1f}"),
        ("worker RSS growth", f"{(rss_end - rss_start) / rss_start:+.1%}"),
        ("worker RSS max sampled, MB", f"{max(rss_samples) / 1024:.1f}"),
        ("load average at the end (1/5/15 min)", " / ".join(f"{v:.2f}" for v in load_avg)),
    ]
    for label, value in rows:
        print(f"{label:40} {value!s:>16}")
    for kind, problems in stats.errors.items():
        for problem in problems[:3]:
            print(f"  {kind} error: {problem}")


if __name__ == "__main__":
    main()
