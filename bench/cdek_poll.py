"""Polling many CDEK orders through the real client, over real HTTP, at the configured rate.

1. Creates a throwaway test database (SQLite file by default, PostgreSQL with DATABASE_URL) and
   bulk-inserts N sandbox CDEK orders with their status histories straight into the sandbox
   tables (registered, somewhere along their journey, not moving).
2. Starts gunicorn with the sandbox on, against that database, on a free local port: the
   numbers include HTTP, the token check, the ORM and JSON, as a real poll would.
3. Polls every order once with `integrations.cdek.client.get_order`, in batches, from a pool of
   threads that share one `poll_limiter()` (settings.CDEK_POLL_RATE_PER_SECOND unless --rate).
4. Prints the total time, requests per second, latency, and the most releases seen in any
   one-second window (sliding, over the release times the limiter handed out), which must not
   exceed the rate.

    .venv/bin/python -m bench.cdek_poll [--orders 10000] [--rate 20] [--workers 8] [--batch 500]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orders_bench .venv/bin/python -m bench.cdek_poll
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_office.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from integrations.cdek.client import clear_token_cache, get_order, poll_limiter  # noqa: E402
from integrations.errors import IntegrationError  # noqa: E402
from integrations.sandbox import cdek as sandbox_cdek  # noqa: E402
from integrations.sandbox.models import SandboxCdekOrder, SandboxCdekStatus  # noqa: E402
from integrations.sandbox.views.cdek import CLIENT_ID, CLIENT_SECRET  # noqa: E402

from .results import BenchResult, Figure, Target  # noqa: E402
from .servers import free_port, start_gunicorn, stop  # noqa: E402

BASE_DIR = Path(__file__).resolve().parent.parent
INSERT_BATCH = 2000


def max_in_one_second(times: list[float]) -> int:
    """The most events in any half-open window [t, t + 1 s), wherever it starts."""
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def fill(n: int) -> list[str]:
    """N registered pickup-point orders, each at a step 1..7 of its journey; their uuids."""
    now = timezone.now()
    payload = {
        "type": 1,
        "tariff_code": 136,
        "shipment_point": "MSK65",
        "delivery_point": "NSK23",
        "recipient": {"name": "Получатель", "phones": [{"number": "+79990000000"}]},
        "packages": [
            {
                "number": "1",
                "weight": 1000,
                "items": [
                    {
                        "name": "Товар",
                        "ware_key": "SKU-1",
                        "payment": {"value": 0},
                        "cost": 1000,
                        "weight": 1000,
                        "amount": 1,
                    }
                ],
            }
        ],
    }
    uuids = []
    for offset in range(0, n, INSERT_BATCH):
        orders = []
        for i in range(offset, min(n, offset + INSERT_BATCH)):
            step = 1 + i % 7
            order_uuid = str(uuid.uuid4())
            uuids.append(order_uuid)
            orders.append(
                SandboxCdekOrder(
                    uuid=order_uuid,
                    number=f"B-{i}",
                    cdek_number=str(1_200_000_000 + i),
                    tariff_code=136,
                    kind=SandboxCdekOrder.Kind.PICKUP_POINT,
                    recipient_name="Получатель",
                    sender_city="Москва",
                    recipient_city="Новосибирск",
                    request_payload={**payload, "number": f"B-{i}"},
                    request_state="SUCCESSFUL",
                    step=step,
                    status_code=sandbox_cdek.JOURNEYS[("pickup_point", False)][step].code,
                    created_at=now - timedelta(hours=2),
                    next_step_at=None,
                )
            )
        created = SandboxCdekOrder.objects.bulk_create(orders)
        if created[0].pk is None:  # backends that do not return ids
            by_uuid = dict(
                SandboxCdekOrder.objects.filter(uuid__in=[o.uuid for o in orders]).values_list(
                    "uuid", "pk"
                )
            )
            for order in created:
                order.pk = by_uuid[order.uuid]
        journey = sandbox_cdek.JOURNEYS[("pickup_point", False)]
        SandboxCdekStatus.objects.bulk_create(
            SandboxCdekStatus(
                order_id=order.pk,
                code=journey[k].code,
                name=sandbox_cdek.STATUS_NAMES[journey[k].code],
                city=order.sender_city if journey[k].where == "sender" else order.recipient_city,
                date_time=order.created_at + timedelta(minutes=k),
                pushed_at=now,
            )
            for order in created
            for k in range(order.step + 1)
        )
    return uuids


def start_server(database_url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    process, _port = start_gunicorn(
        env={
            "DATABASE_URL": database_url,
            "SANDBOX_ENABLED": "true",
            "SITE_URL": f"http://127.0.0.1:{port}",
        },
        workers=workers,
        threads=threads,
        port=port,
        ready_path="/sandbox/cdek/v2/webhooks",
    )
    return process


def poll(uuids: list[str], *, rate: float, workers: int, batch: int) -> dict:
    limiter = poll_limiter(rate)
    releases: list[float] = []
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def one(order_uuid: str) -> None:
        released = limiter.acquire()
        started = time.perf_counter()
        try:
            order = get_order(order_uuid)
            ok = order.uuid == order_uuid and order.status is not None
            problem = None if ok else f"{order_uuid}: unexpected answer"
        except IntegrationError as e:
            problem = f"{order_uuid}: {e}"
        elapsed = time.perf_counter() - started
        with lock:
            releases.append(released)
            latencies.append(elapsed)
            if problem:
                errors.append(problem)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # Batches as a poller task would take them: one batch finishes before the next.
        for offset in range(0, len(uuids), batch):
            list(pool.map(one, uuids[offset : offset + batch]))
    total = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "total": total,
        "per_second": len(latencies) / total,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "max_window": max_in_one_second(releases),
    }


def main(argv: list[str] | None = None) -> BenchResult:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=settings.CDEK_POLL_RATE_PER_SECOND)
    parser.add_argument("--workers", type=int, default=8, help="polling threads")
    parser.add_argument("--batch", type=int, default=500, help="orders per batch")
    parser.add_argument("--server-workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--server-threads", type=int, default=4, help="threads per process")
    args = parser.parse_args(argv)
    # One INFO line per request would drown the figures.
    logging.getLogger("integrations").setLevel(logging.WARNING)

    settings_dict = connection.settings_dict
    is_sqlite = connection.vendor == "sqlite"
    tmp = tempfile.TemporaryDirectory(prefix="cdek-bench-")
    if is_sqlite:
        # A file, not :memory:, so that the server process sees the same database.
        settings_dict["TEST"]["NAME"] = str(Path(tmp.name) / "bench.sqlite3")
    old_name = settings_dict["NAME"]
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    server = None
    try:
        started = time.perf_counter()
        uuids = fill(args.orders)
        fill_seconds = time.perf_counter() - started
        connection.close()  # SQLite: release the file for the server's writers
        if is_sqlite:
            database_url = f"sqlite:///{test_db}"
        else:
            database_url = (
                f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}"
                f"@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/{test_db}"
            )
        port = free_port()
        server = start_server(database_url, port, args.server_workers, args.server_threads)
        settings.CDEK_API_URL = f"http://127.0.0.1:{port}/sandbox/cdek/v2"
        settings.CDEK_CLIENT_ID = CLIENT_ID
        settings.CDEK_CLIENT_SECRET = CLIENT_SECRET
        settings.CDEK_POLL_RATE_SHARED = False
        clear_token_cache()
        get_order(uuids[0])  # the token, and a warm server
        result = poll(uuids, rate=args.rate, workers=args.workers, batch=args.batch)
    finally:
        stop(server)
        connection.creation.destroy_test_db(old_name, verbosity=0)
        tmp.cleanup()

    respected = result["max_window"] <= args.rate
    print(
        f"\nCDEK polling ({connection.vendor}): {args.orders:,} sandbox orders inserted in "
        f"{fill_seconds:.1f} s; gunicorn {args.server_workers}×{args.server_threads}, "
        f"{args.workers} polling threads, batches of {args.batch}\n"
    )
    rows = [
        ("configured rate, requests/s", f"{args.rate:g}"),
        ("requests", f"{result['requests']:,}"),
        ("errors", f"{len(result['errors'])}"),
        ("total time, s", f"{result['total']:.1f}"),
        ("requests per second", f"{result['per_second']:.1f}"),
        ("latency p50, ms", f"{result['p50']:.1f}"),
        ("latency p95, ms", f"{result['p95']:.1f}"),
        ("max requests in any 1 s window", f"{result['max_window']}"),
        ("rate respected", "yes" if respected else "NO"),
    ]
    for label, value in rows:
        print(f"{label:<34}{value:>12}")
    for problem in result["errors"][:5]:
        print(f"  error: {problem}")
    # Targets of issue «Fulfillment»: the configured rate respected, every request answered.
    return BenchResult(
        "cdek_poll",
        [
            Figure(
                "requests/s",
                result["per_second"],
                "/s",
                detail=f"{result['requests']:,} in {result['total']:.1f} s, "
                f"p95 {result['p95']:.1f} ms",
            ),
            Figure("max requests in any 1 s", result["max_window"], target=Target("<=", args.rate)),
            Figure("errors", len(result["errors"]), target=Target("<=", 0)),
        ],
        setup=f"{args.orders:,} orders at {args.rate:g}/s, {connection.vendor}",
    )


if __name__ == "__main__":
    # Exits 1 when the rate was exceeded or a request failed.
    raise SystemExit(0 if main().all_met else 1)
