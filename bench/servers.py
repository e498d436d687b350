"""Starting the real processes a bench runs against: gunicorn, a Celery worker, Celery beat.

Shared by bench.intake, bench.cdek_poll, bench.load and bench.faults. Every process gets the
environment it is given (DATABASE_URL, CELERY_BROKER_URL, CACHE_URL…) on top of ours, logs at
WARNING unless told otherwise, and runs from the project's folder with this interpreter.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(
    settings_dict: Mapping, name: str | None = None, *, port: int | None = None
) -> str:
    """A DATABASE_URL for the database `name` (default: the one of `settings_dict`), through
    `port` if given (a fault proxy in front of PostgreSQL)."""
    return (
        f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}"
        f"@{settings_dict['HOST'] or '127.0.0.1'}:{port or settings_dict['PORT'] or 5432}"
        f"/{name or settings_dict['NAME']}"
    )


def _log(name: str | None):
    """Where a process writes: var/bench-logs/<name>.log, or our own stderr."""
    if name is None:
        return None
    folder = ROOT / "var" / "bench-logs"
    folder.mkdir(parents=True, exist_ok=True)
    return open(folder / f"{name}.log", "ab")


def _env(env: Mapping[str, str] | None) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
        **(env or {}),
    }


def _spawn(command: list[str], *, env: Mapping[str, str] | None, log: str | None):
    """A server of ours, run from the project folder with our environment plus `env`."""
    out = _log(log)
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=_env(env),
        stdout=out,
        stderr=subprocess.STDOUT if out else None,
    )


def start_gunicorn(
    *,
    env: Mapping[str, str] | None = None,
    workers: int = 3,
    threads: int = 1,
    port: int | None = None,
    ready_path: str = "/api/schema/",
    timeout: float = 30,
    log: str | None = None,
) -> tuple[subprocess.Popen, int]:
    """gunicorn on 127.0.0.1:`port` (a free one by default); returns once `ready_path`
    answers, with the process and the port."""
    port = port or free_port()
    process = _spawn(
        [
            str(BIN / "gunicorn"),
            "orders_office.wsgi",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            f"--threads={threads}",
            "--log-level=warning",
        ],
        env=env,
        log=log,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            requests.get(f"http://127.0.0.1:{port}{ready_path}", timeout=5)
            return process, port
        except requests.RequestException:
            # Not listening yet, or its first answer (imports) is slow.
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def start_worker(
    *,
    env: Mapping[str, str] | None = None,
    concurrency: int = 2,
    loglevel: str = "WARNING",
    hostname: str = "bench@%h",
    log: str | None = None,
) -> subprocess.Popen:
    """A Celery worker (prefork, `concurrency` processes) on the configured broker."""
    return _spawn(
        [
            str(BIN / "celery"),
            "-A",
            "orders_office",
            "worker",
            f"--concurrency={concurrency}",
            f"--loglevel={loglevel}",
            f"--hostname={hostname}",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        log=log,
    )


def start_beat(
    *,
    env: Mapping[str, str] | None = None,
    schedule: Path,
    loglevel: str = "WARNING",
    log: str | None = None,
) -> subprocess.Popen:
    return _spawn(
        [
            str(BIN / "celery"),
            "-A",
            "orders_office",
            "beat",
            f"--loglevel={loglevel}",
            f"--schedule={schedule}",
        ],
        env=env,
        log=log,
    )


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def rss_kb(pid: int) -> int:
    """Resident memory of `pid`, kB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(pid: int) -> int:
    """Resident memory of `pid` and its children (a prefork worker's pool), kB."""
    return rss_kb(pid) + sum(rss_kb(child) for child in children(pid))


def stop(process: subprocess.Popen | None, *, timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout`."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
