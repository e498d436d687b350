"""What the figures were measured on: CPU, memory, database, versions, and how busy the machine
was (other processes on the same cores move every figure), for the summary of `make bench`."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

import django
from django.db import connection


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    ram_gib: float
    database: str
    python: str
    django: str


def cpu_model(cpuinfo: str) -> str:
    """The first «model name» of /proc/cpuinfo (x86), else «Hardware»/«Processor» (ARM)."""
    for key in ("model name", "Hardware", "Processor"):
        for line in cpuinfo.splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key and value.strip():
                return value.strip()
    return platform.processor() or platform.machine() or "unknown CPU"


def ram_gib(meminfo: str) -> float:
    """MemTotal of /proc/meminfo in GiB (0 when absent)."""
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def database() -> str:
    """The database the benches run on, with the settings that move write figures most."""
    if connection.vendor != "postgresql":
        import sqlite3

        return f"{connection.display_name} {sqlite3.sqlite_version}"
    # The maintenance database: the benches only use test_<NAME>, NAME itself need not exist.
    with connection._nodb_cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
        cursor.execute("SHOW synchronous_commit")
        synchronous_commit = cursor.fetchone()[0]
    host = connection.settings_dict["HOST"] or "a local socket"
    return (
        f"PostgreSQL {version} on {host} (shared_buffers={shared_buffers}, "
        f"synchronous_commit={synchronous_commit})"
    )


def describe() -> Machine:
    return Machine(
        cpu=cpu_model(_read("/proc/cpuinfo")),
        cores=os.cpu_count() or 1,
        ram_gib=ram_gib(_read("/proc/meminfo")),
        database=database(),
        python=platform.python_version(),
        django=django.get_version(),
    )


def load_average() -> float:
    """The 1-minute load average (0 where the OS has none)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0
