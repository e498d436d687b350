"""Fault tests: the real processes on loopback, one fault at a time, and what survived.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oo_rel_faults \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/12 CACHE_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python -m bench.faults [postgres|redis|provider|worker-kill|all] [--outage 60]

In a throwaway database (`test_<name>`): gunicorn (2 workers), a Celery worker (2 processes) and
Celery beat talk to PostgreSQL and Redis through `bench.fault_proxy` (cut and restored instead
of restarting the shared servers). Intake clients post signed orders and, as a website should,
send an order again on a connection error or a 5xx until it is answered 200/201.

* **postgres**: the PostgreSQL proxy is cut for --outage seconds (default 10) during intake.
  Every external id accepted must be stored exactly once; the web answers 503, never 500.
* **redis**: the Redis proxy (broker and cache) is cut for --outage seconds (default 60) during
  intake. The web must keep taking orders; each order's trigger task (a team-lead alert due at
  once) published during the outage must still run; orders that became overdue must be
  marked by the sweep once Redis is back.
* **provider**: YooKassa and SMS.ru answer through a flaky proxy: each payment's first call
  503, second call times out, third goes through; each SMS's first call 503. Every order
  sent a payment link must end with one payment at the provider and one SMS.
* **worker-kill**: the store's website is slow (2 s per event); a worker process is killed with
  SIGKILL while it sends, then the whole worker is, and a new one started. Every event must end
  delivered (the tasks put back in the queue, and the beat job for sends the kill cut short).

Prints a line per check and exits 1 if one failed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_office.settings")
django.setup()


import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from automation.models import StageLimit, Trigger, TriggerAction, TriggerFiring, UnsentTask  # noqa: E402
from catalog.models import Product, Store  # noqa: E402
from deals.models import Deal  # noqa: E402
from orders.models import Order, Status  # noqa: E402

from .fault_proxy import FaultProxy  # noqa: E402
from .servers import (  # noqa: E402
    children,
    database_url,
    free_port,
    start_beat,
    start_gunicorn,
    start_worker,
    stop,
)
from .shop import at_desk_around_the_clock, store_api_headers  # noqa: E402

SECRET = "faults-secret"
PRODUCTS = 20


# --- the website side: orders in, events back ----------------------------------------------------


class IntakeClients:
    """`clients` threads posting signed orders; each order is sent again after a connection
    error or a 5xx (pause 0.5 s) until it is answered, as a store's website should."""

    def __init__(self, base_url: str, *, clients: int = 4, payment: str = "cash_on_delivery"):
        self.url = f"{base_url}/api/v1/orders/"
        self.clients = clients
        self.payment = payment
        self.run = uuid.uuid4().hex[:6]
        self.lock = threading.Lock()
        self.counter = 0
        self.accepted: list[str] = []
        self.answers: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.gave_up: list[str] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _payload(self) -> tuple[str, bytes]:
        with self.lock:
            self.counter += 1
            n = self.counter
        external_id = f"{self.run}-{n}"
        payload = {
            "external_id": external_id,
            "created_at": "2026-12-04T12:00:00+03:00",
            "customer": {"name": f"Покупатель {n}", "phone": f"+7917{n:07d}", "email": ""},
            "items": [
                {"sku": f"F-{i}", "name": f"Товар {i}", "quantity": 1, "price": "990.00"}
                for i in random.sample(range(PRODUCTS), 2)
            ],
            "delivery": {"method": "cdek", "pickup_point_code": "MSK123", "cost": "300.00"},
            "payment": {"method": self.payment},
            "source": "cart",
        }
        return external_id, json.dumps(payload, ensure_ascii=False).encode()

    def _client(self) -> None:
        session = requests.Session()
        while not self._stop.is_set():
            external_id, body = self._payload()
            headers = store_api_headers(body, "faults", SECRET)
            for _attempt in range(240):
                started = time.perf_counter()
                try:
                    response = session.post(self.url, data=body, headers=headers, timeout=30)
                    answer = str(response.status_code)
                except requests.RequestException as exc:
                    answer = type(exc).__name__
                    session = requests.Session()
                with self.lock:
                    self.answers[answer] += 1
                    self.latencies.append(time.perf_counter() - started)
                if answer in ("200", "201"):
                    with self.lock:
                        self.accepted.append(external_id)
                    break
                time.sleep(0.5)
            else:
                self.gave_up.append(external_id)

    def start(self) -> IntakeClients:
        self._threads = [threading.Thread(target=self._client) for _ in range(self.clients)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


class FakeHTTP:
    """A local HTTP server: the store's website receiving events, or a flaky proxy in front of
    the sandbox's providers. `respond(handler, body)` returns (status, headers, body)."""

    def __init__(self, respond) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self._answer()

            def do_GET(self):
                self._answer()

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    status, headers, out = outer.respond(self, body)
                except (BrokenPipeError, ConnectionResetError):
                    return
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.respond = respond
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


class Site:
    """The store's website: counts every event received by its id; `delay` per request."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.http = FakeHTTP(self._respond)
        self.url = f"http://127.0.0.1:{self.http.port}/events"

    def _respond(self, handler, body):
        if self.delay:
            time.sleep(self.delay)
        event_id = handler.headers.get("X-Event-Id") or json.loads(body or b"{}").get("id", "?")
        with self.lock:
            self.received[event_id] += 1
        return 200, {"Content-Type": "application/json"}, b"{}"


class FlakyProviders:
    """In front of the sandbox: YooKassa's payment creation fails with 503, then times out
    (sleeps past our read timeout), then goes through; an SMS fails once with 503."""

    def __init__(self) -> None:
        self.sandbox = ""  # http://127.0.0.1:<gunicorn>, set once the server is up
        self.attempts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.http = FakeHTTP(self._respond)
        self.url = f"http://127.0.0.1:{self.http.port}"

    def _respond(self, handler, body):
        path = handler.path
        if handler.command == "POST" and path.endswith("/yookassa/v3/payments"):
            key = "yookassa:" + handler.headers.get("Idempotence-Key", "")
            plan = ("503", "timeout")
        elif handler.command == "POST" and "/smsru/" in path:
            key = "sms:" + body.decode(errors="replace")
            plan = ("503",)
        else:
            key, plan = "", ()
        with self.lock:
            self.attempts[key] += 1
            attempt = self.attempts[key]
        if attempt <= len(plan):
            if plan[attempt - 1] == "timeout":
                time.sleep(settings.INTEGRATIONS_TIMEOUT[1] + 1)
            return 503, {"Content-Type": "application/json"}, b'{"type":"error"}'
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host",)}
        response = requests.request(
            handler.command, self.sandbox + path, data=body, headers=headers, timeout=30
        )
        return (
            response.status_code,
            {"Content-Type": response.headers.get("Content-Type", "application/json")},
            response.content,
        )


# --- the rig --------------------------------------------------------------------------------------


class Rig:
    """The database, the proxies and the processes of one scenario."""

    def __init__(
        self,
        name: str,
        *,
        visibility_timeout: int = 3600,
        providers: FlakyProviders | None = None,
    ):
        self.name = name
        self.settings_dict = connection.settings_dict
        self.old_name = self.settings_dict["NAME"]
        self.db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        broker = urlsplit(settings.CELERY_BROKER_URL)
        if broker.scheme != "redis":
            raise SystemExit("bench.faults needs CELERY_BROKER_URL=redis://…")
        self.redis_db = broker.path.lstrip("/") or "0"
        cache_db = urlsplit(os.environ.get("CACHE_URL", "")).path.lstrip("/") or self.redis_db
        self.pg_proxy = FaultProxy(
            self.settings_dict["HOST"] or "127.0.0.1", int(self.settings_dict["PORT"] or 5432)
        ).start()
        self.redis_proxy = FaultProxy(broker.hostname or "127.0.0.1", broker.port or 6379).start()
        self.site = Site()
        self.providers = providers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.tmp = tempfile.TemporaryDirectory(prefix="faults-")
        self.env = {
            "DATABASE_URL": database_url(self.settings_dict, self.db, port=self.pg_proxy.port),
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_proxy.port}/{self.redis_db}",
            "CACHE_URL": f"redis://127.0.0.1:{self.redis_proxy.port}/{cache_db}",
            "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
            "SANDBOX_ENABLED": "true",
            "SITE_URL": self.base_url,
            "DJANGO_CONN_MAX_AGE": "60",
        }
        if providers is not None:
            self.env["YOOKASSA_API_URL"] = f"{providers.url}/sandbox/yookassa/v3"
            self.env["SMSRU_API_URL"] = f"{providers.url}/sandbox/smsru"
        self.web = self.worker = self.beat = None
        self._seed()

    def _seed(self) -> None:
        self.store = Store.objects.create(
            code="faults", name="Faults", api_secret=SECRET, callback_url=self.site.url
        )
        Product.objects.bulk_create(
            Product(sku=f"F-{i}", name=f"Товар {i}", price=Decimal("990")) for i in range(PRODUCTS)
        )
        for i in range(2):
            user = get_user_model().objects.create(username=f"faults-manager-{i}", is_staff=True)
            self.store.members.add(user)
            at_desk_around_the_clock(user)
        # The team lead gets an alert for every new order, due at once: one task per order.
        self.lead = get_user_model().objects.create(
            username="faults-lead", is_staff=True, is_superuser=True
        )
        trigger = Trigger.objects.create(
            name="Новый заказ", subject="orders.order", state=Status.NEW, event=Trigger.Event.ENTERS
        )
        TriggerAction.objects.create(
            trigger=trigger, kind=TriggerAction.Kind.ALERT, text="{order_number}"
        )

    def start(self, *, beat: bool = False, web_workers: int = 2) -> None:
        self.web, _ = start_gunicorn(
            env=self.env, workers=web_workers, port=self.port, log=f"faults-{self.name}-web"
        )
        if self.providers is not None:
            self.providers.sandbox = self.base_url
        self.worker = start_worker(env=self.env, concurrency=2, log=f"faults-{self.name}-worker")
        if beat:
            self.beat = start_beat(
                env=self.env, schedule=Path(self.tmp.name) / "beat", log=f"faults-{self.name}-beat"
            )
        time.sleep(3)  # the worker connects

    def close(self) -> None:
        for process in (self.beat, self.worker, self.web):
            stop(process)
        self.pg_proxy.close()
        self.redis_proxy.close()
        self.site.http.close()
        if self.providers is not None:
            self.providers.http.close()
        connection.close()
        connection.creation.destroy_test_db(self.old_name, verbosity=0)
        self.tmp.cleanup()


# --- checks ---------------------------------------------------------------------------------------


class Report:
    def __init__(self, title: str) -> None:
        self.title = title
        self.lines: list[tuple[str, str, bool | None]] = []

    def fact(self, label: str, value) -> None:
        self.lines.append((label, str(value), None))

    def check(self, label: str, value, ok: bool) -> None:
        self.lines.append((label, str(value), ok))

    @property
    def ok(self) -> bool:
        return all(ok is not False for _, _, ok in self.lines)

    def print(self) -> None:
        print(f"\n{self.title}")
        for label, value, ok in self.lines:
            mark = "" if ok is None else ("  ok" if ok else "  FAILED")
            print(f"  {label:52} {value:>14}{mark}")


def _wait_for(predicate, timeout: float, step: float = 2.0) -> float | None:
    """Seconds until `predicate()` held, or None after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(step)
    return None


def _intake_checks(report: Report, clients: IntakeClients) -> None:
    accepted = clients.accepted
    stored = Counter(
        Deal.objects.filter(store__code="faults", external_id__in=accepted).values_list(
            "external_id", flat=True
        )
    )
    orders = Counter(
        Order.objects.filter(store__code="faults", external_id__in=accepted).values_list(
            "external_id", flat=True
        )
    )
    report.fact("orders accepted (200/201)", len(accepted))
    report.check("  never accepted (client gave up)", len(clients.gave_up), not clients.gave_up)
    report.check("  stored: deals with those ids", len(stored), len(stored) == len(accepted))
    report.check("  stored: orders with those ids", len(orders), len(orders) == len(accepted))
    duplicates = sum(1 for n in [*stored.values(), *orders.values()] if n > 1)
    report.check("  stored twice", duplicates, duplicates == 0)
    answers = ", ".join(f"{k}×{v}" for k, v in sorted(clients.answers.items()))
    report.fact("answers", answers)
    report.check("  HTTP 500 answers", clients.answers["500"], clients.answers["500"] == 0)
    latencies = sorted(clients.latencies)
    report.fact(
        "latency p50 / max, ms",
        f"{statistics.median(latencies) * 1000:.0f} / {latencies[-1] * 1000:.0f}",
    )


def _firings_done(external_ids: list[str]) -> tuple[int, int]:
    order_ids = list(
        Order.objects.filter(external_id__in=external_ids).values_list("pk", flat=True)
    )
    firings = TriggerFiring.objects.filter(object_id__in=order_ids)
    return firings.exclude(status=TriggerFiring.Status.SCHEDULED).count(), firings.count()


# --- scenarios ------------------------------------------------------------------------------------


def scenario_postgres(args) -> Report:
    outage = args.outage or 10
    report = Report(f"PostgreSQL cut for {outage} s during intake (4 clients)")
    rig = Rig("postgres")
    try:
        rig.start()
        clients = IntakeClients(rig.base_url).start()
        time.sleep(10)
        rig.pg_proxy.cut()
        time.sleep(outage)
        rig.pg_proxy.restore()
        time.sleep(10)
        clients.stop()
        _intake_checks(report, clients)
        done = _wait_for(lambda: _firings_done(clients.accepted)[0] == len(clients.accepted), 120)
        fired, total = _firings_done(clients.accepted)
        report.check(
            "trigger tasks run (of the orders' firings)", f"{fired}/{total}", done is not None
        )
        report.fact("refused connections at the proxy", rig.pg_proxy.refused)
    finally:
        rig.close()
    return report


def scenario_redis(args) -> Report:
    outage = args.outage or 60
    report = Report(f"Redis (broker and cache) cut for {outage} s during intake (4 clients)")
    rig = Rig("redis")
    try:
        # New orders are overdue after one minute: the sweep must mark them once Redis is back.
        StageLimit.objects.create(
            subject="orders.order", state=Status.NEW, minutes=1, time_kind="calendar"
        )
        rig.start(beat=True)
        clients = IntakeClients(rig.base_url).start()
        time.sleep(10)
        before = len(clients.accepted)
        rig.redis_proxy.cut()
        cut_at = time.monotonic()
        time.sleep(outage)
        during = clients.accepted[before:]
        kept = UnsentTask.objects.count()
        rig.redis_proxy.restore()
        restored_at = time.monotonic()
        time.sleep(15)
        clients.stop()
        after = clients.accepted[before + len(during) :]
        _intake_checks(report, clients)
        report.check("orders accepted during the outage", len(during), len(during) > 0)
        report.fact("task publishes kept in the database (UnsentTask)", kept)
        done = _wait_for(lambda: _firings_done(clients.accepted)[0] == len(clients.accepted), 180)
        fired, total = _firings_done(during)
        report.check(
            "trigger tasks of orders taken during the outage run",
            f"{fired}/{total}",
            fired == total == len(during),
        )
        fired, total = _firings_done(after)
        report.check("  of orders taken after it", f"{fired}/{total}", fired == total)
        report.fact(
            "  all run, seconds after Redis was back",
            "no" if done is None else f"{time.monotonic() - restored_at:.0f}",
        )
        # Beat sends the resend job every minute: the kept publishes go out within about two.
        drained = _wait_for(lambda: not UnsentTask.objects.exists(), 150)
        report.check(
            "kept publishes sent again (or dropped, expired)",
            f"{kept - UnsentTask.objects.count()}/{kept}",
            drained is not None,
        )
        report.fact(
            "  all gone, seconds after Redis was back",
            "no" if drained is None else f"{time.monotonic() - restored_at:.0f}",
        )
        due = Order.objects.filter(
            external_id__in=clients.accepted,
            status=Status.NEW,
            stage_deadline_at__lte=timezone.now() - datetime.timedelta(seconds=5),
        )
        marked = _wait_for(lambda: not due.filter(overdue_since__isnull=True).exists(), 150)
        report.check(
            "overdue orders marked by the sweep",
            f"{due.exclude(overdue_since__isnull=True).count()}/{due.count()}",
            marked is not None,
        )
        report.fact(
            "  marked, seconds after Redis was back",
            "no" if marked is None else f"{time.monotonic() - restored_at:.0f}",
        )
        report.fact("outage, s", f"{restored_at - cut_at:.0f}")
    finally:
        rig.close()
    return report


def scenario_provider(args) -> Report:
    from integrations.sandbox.models import SandboxMessage, SandboxPayment
    from orders.payments_models import Payment
    from orders.services import order_send_payment_link

    count = 10
    report = Report(
        f"YooKassa 503 then timeout, SMS.ru 503 once: {count} payment links (worker retries)"
    )
    providers = FlakyProviders()
    rig = Rig("provider", providers=providers)
    try:
        rig.start()
        clients = IntakeClients(rig.base_url, clients=2, payment="online").start()
        _wait_for(lambda: len(clients.accepted) >= count, 60, step=0.2)
        clients.stop()
        orders = list(Order.objects.filter(external_id__in=clients.accepted[:count]))
        for order in orders:
            order_send_payment_link(order_id=order.pk, actor=rig.lead)
        payments = Payment.objects.filter(order__in=orders)

        def settled() -> bool:
            return not payments.filter(sent_at__isnull=True).exists()

        took = _wait_for(settled, 300)
        report.check(
            "payment links sent",
            f"{payments.exclude(sent_at__isnull=True).count()}/{len(orders)}",
            took is not None,
        )
        report.fact("  seconds", "no" if took is None else f"{took:.0f}")
        keys = list(payments.values_list("idempotence_key", flat=True))
        at_provider = SandboxPayment.objects.filter(idempotence_key__in=keys).count()
        report.check("payments at YooKassa", at_provider, at_provider == len(orders))
        per_order = payments.values("order_id").annotate(n=Count("pk")).filter(n__gt=1).count()
        report.check("orders with two payments", per_order, per_order == 0)
        phones = [o.contact.phone for o in orders]
        texts = SandboxMessage.objects.filter(
            provider=SandboxMessage.Provider.SMSRU,
            recipient__in=[p.lstrip("+") for p in phones] + phones,
        )

        def texted() -> Counter[str]:
            return Counter(texts.values_list("recipient", flat=True))

        # The SMS goes out from a task of its own, retried after its 503.
        took = _wait_for(lambda: len(texted()) == len(orders), 180)
        sms = texted()
        report.check("customers texted", len(sms), len(sms) == len(orders))
        report.fact("  seconds after the links", "no" if took is None else f"{took:.0f}")
        report.check(
            "customers texted twice",
            sum(n > 1 for n in sms.values()),
            max(sms.values(), default=0) <= 1,
        )
        yookassa = [n for k, n in providers.attempts.items() if k.startswith("yookassa:")]
        report.fact("YooKassa calls per payment", dict(Counter(yookassa)))
    finally:
        rig.close()
    return report


def scenario_worker_kill(args) -> Report:
    from orders.services import ORDER_TRANSITION_SERVICES
    from orders.store_events_models import StoreEvent

    count = 12
    report = Report(
        f"Worker killed (SIGKILL) mid-task: {count} events to a slow website (2 s each)"
    )
    # Unacknowledged messages of a worker killed as a whole come back after this.
    rig = Rig("worker-kill", visibility_timeout=30)
    try:
        rig.start(beat=True)
        clients = IntakeClients(rig.base_url, clients=2).start()
        _wait_for(lambda: len(clients.accepted) >= count, 60, step=0.2)
        clients.stop()
        time.sleep(3)  # the trigger tasks of the new orders
        rig.site.delay = 2.0
        orders = list(Order.objects.filter(external_id__in=clients.accepted[:count]))
        for order in orders:
            ORDER_TRANSITION_SERVICES["confirm"](order_id=order.pk, actor=rig.lead, via="admin")
        events = StoreEvent.objects.filter(order__in=orders)
        time.sleep(1)
        pool = children(rig.worker.pid)
        if pool:
            os.kill(pool[0], signal.SIGKILL)
        report.fact("pool process killed (SIGKILL), then again 4 s later", len(pool[:1]))
        time.sleep(4)
        pool = children(rig.worker.pid)
        if pool:
            os.kill(pool[-1], signal.SIGKILL)
        time.sleep(3)
        os.kill(rig.worker.pid, signal.SIGKILL)
        for child in pool:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        rig.worker.wait()
        delivered_at_kill = events.filter(state=StoreEvent.State.DELIVERED).count()
        report.fact("whole worker killed (SIGKILL); delivered by then", delivered_at_kill)
        rig.worker = start_worker(env=rig.env, concurrency=2, log="faults-worker-kill-worker")

        def all_delivered() -> bool:
            return events.filter(state=StoreEvent.State.DELIVERED).count() == len(orders)

        # The tasks put back in the queue run at once; an event whose send the kill
        # interrupted keeps its claim until orders.store_events.CLAIM (3 min) has passed, and
        # the beat job (every minute) sends it then.
        time.sleep(60)
        report.fact(
            "  delivered 60 s after the restart (tasks put back)",
            events.filter(state=StoreEvent.State.DELIVERED).count(),
        )
        took = _wait_for(all_delivered, 300)
        delivered = events.filter(state=StoreEvent.State.DELIVERED).count()
        report.check("events delivered", f"{delivered}/{len(orders)}", took is not None)
        report.fact("  seconds after the restart", "no" if took is None else f"{took + 60:.0f}")
        ids = {str(e) for e in events.values_list("event_id", flat=True)}
        received = {k: v for k, v in rig.site.received.items() if k in ids}
        report.check("events the website got", len(received), len(received) == len(orders))
        report.fact(
            "  got twice (the kill interrupted an answered send)",
            sum(v > 1 for v in received.values()),
        )
    finally:
        rig.close()
    return report


SCENARIOS = {
    "postgres": scenario_postgres,
    "redis": scenario_redis,
    "provider": scenario_provider,
    "worker-kill": scenario_worker_kill,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.faults")
    parser.add_argument("scenario", nargs="?", default="all", choices=[*SCENARIOS, "all"])
    parser.add_argument("--outage", type=float, default=0, help="seconds (postgres, redis)")
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        raise SystemExit("bench.faults needs PostgreSQL: set DATABASE_URL=postgres://…")
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    reports = []
    for name in names:
        report = SCENARIOS[name](args)
        report.print()
        reports.append(report)
    sys.exit(0 if all(r.ok for r in reports) else 1)


if __name__ == "__main__":
    main()
