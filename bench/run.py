"""`make bench`: run the benchmarks one after the other, each printing its own figures, then print
one summary table (targets, PostgreSQL's raw rates, the machine) and write it into
docs/performance.md.

    .venv/bin/python -m bench [--quick] [--no-write] [--only NAME[,NAME]] [--note TEXT]

A bench that fails is reported in the table and the others still run; the exit status is 1 when
one failed (a missed target is a figure in the table, not a failure). `--quick` runs small sizes
(a smoke test of the pipeline) and does not write the docs: its figures say nothing about scale.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import shlex
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .results import BenchResult


@dataclass(frozen=True)
class Bench:
    name: str
    #: The arguments `make bench` gives its main(): the sizes of the figures in the docs.
    args: tuple[str, ...]
    #: The arguments of `--quick`: small sizes, seconds instead of minutes.
    quick_args: tuple[str, ...]
    #: It measures PostgreSQL only and reports itself skipped on another database.
    postgresql_only: bool = False
    #: Its data lives in its own test database (`test_<NAME>_<name>`), kept between runs.
    own_database: bool = False


BENCHES = (
    Bench("transitions", (), ("--deals", "30")),
    Bench("overdue_sweep", (), ("--orders", "20000"), postgresql_only=True),
    # 1,000 orders at the configured rate (20/s: under a minute); the full 10,000 by hand.
    Bench("cdek_poll", ("--orders", "1000"), ("--orders", "100")),
    Bench("intake", (), ("--seconds", "3", "--clients", "3"), postgresql_only=True),
    # The 1M-order fill (~2 min) is kept in its own database: the benches above create and drop
    # test_<NAME>, which would throw it away on every run.
    Bench(
        "pages",
        (),
        ("--orders", "5000", "--contacts", "1500", "--runs", "2"),
        postgresql_only=True,
        own_database=True,
    ),
)
NAMES = tuple(bench.name for bench in BENCHES)


def select(only: list[str]) -> list[Bench]:
    """The benches named in `only` (names or comma-separated lists), in the order they run;
    all of them when it is empty."""
    wanted = {name.strip() for item in only for name in item.split(",") if name.strip()}
    if unknown := wanted - set(NAMES):
        raise ValueError(f"unknown bench {', '.join(sorted(unknown))}: one of {', '.join(NAMES)}")
    return [bench for bench in BENCHES if not wanted or bench.name in wanted]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument(
        "--no-write", action="store_true", help="print the table, leave docs/performance.md"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help=f"run only these benches (repeat or comma-separate): {', '.join(NAMES)}",
    )
    parser.add_argument("--note", default="", help="a line saved with the table")
    args = parser.parse_args(argv)
    try:
        args.benches = select(args.only)
    except ValueError as error:
        parser.error(str(error))
    return args


@contextmanager
def own_test_database(bench: Bench, quick: bool) -> Iterator[None]:
    """Point the test database of this connection at `test_<NAME>_<bench>` (`_quick` added for
    small sizes, so a smoke run never replaces the big fill) while `bench` runs."""
    from django.db import connection

    if not bench.own_database:
        yield
        return
    test = connection.settings_dict["TEST"]
    before = test.get("NAME")
    test["NAME"] = f"test_{connection.settings_dict['NAME']}_{bench.name}" + (
        "_quick" if quick else ""
    )
    try:
        yield
    finally:
        test["NAME"] = before


def run_one(bench: Bench, *, quick: bool) -> BenchResult:
    """Runs one bench; an error or an exit becomes a failed result, so the others still run."""
    argv = list(bench.quick_args if quick else bench.args)
    print(f"\n=== {bench.name} {shlex.join(argv)}".rstrip(), flush=True)
    kwargs = {"skip_unless_postgresql": True} if bench.postgresql_only else {}
    try:
        module = importlib.import_module(f"bench.{bench.name}")
        with own_test_database(bench, quick):
            result = module.main(argv, **kwargs)
    except (Exception, SystemExit) as error:  # reported in the table
        traceback.print_exc()
        text = str(error) or type(error).__name__
        return BenchResult(bench.name, failed=text.splitlines()[0][:200])
    if not isinstance(result, BenchResult):
        return BenchResult(bench.name, failed="main() returned no figures")
    return result


def command_line(argv: list[str], *, under_make: bool) -> str:
    """How to repeat this run: `make bench …` when make started it (MAKELEVEL is set)."""
    options = shlex.join(argv)
    if not under_make:
        return f"python -m bench {options}".rstrip()
    if not options:
        return "make bench"
    if any(char in options for char in '"$`\\'):
        return f"make bench BENCH_ARGS={shlex.quote(options)}"
    return f'make bench BENCH_ARGS="{options}"'


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_office.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from . import summary
    from .machine import describe, load_average

    load_start, started = load_average(), time.perf_counter()
    started_at = datetime.datetime.now().astimezone()
    machine = describe()
    print(f"make bench on {summary.machine_line(machine)}; load average {load_start:.2f}")
    results = [run_one(bench, quick=args.quick) for bench in args.benches]
    run = summary.Run(
        command=command_line(
            sys.argv[1:] if argv is None else argv, under_make=bool(os.environ.get("MAKELEVEL"))
        ),
        started=started_at,
        seconds=time.perf_counter() - started,
        load_start=load_start,
        load_end=load_average(),
        note=args.note,
        quick=args.quick,
    )
    block = summary.section(results, machine, run)
    print(f"\n=== Summary\n\n{block}\n")
    if args.no_write:
        print("--no-write: docs/performance.md left as it is.")
    elif args.quick:
        print("--quick: docs/performance.md left as it is (small sizes are not the figures).")
    else:
        path = summary.write(block)
        print(f"Written to {path} between {summary.START} and {summary.END}.")
    return 1 if any(result.failed for result in results) else 0
