"""`python -m bench` (bench.run) without running a real bench: which benches `--only` selects,
the sizes of `--quick`, a failing bench reported instead of stopping the run, the pages' own
test database, and when the docs are written."""

from __future__ import annotations

import sys
import types

import pytest
from django.db import connection

from bench import machine, run, summary
from bench.results import BenchResult, Figure, Target


def names(benches) -> list[str]:
    return [bench.name for bench in benches]


def test_every_bench_runs_by_default_in_order():
    assert names(run.select([])) == [
        "transitions",
        "overdue_sweep",
        "cdek_poll",
        "intake",
        "pages",
    ]


def test_only_selects_the_named_benches_in_their_running_order():
    assert names(run.select(["pages"])) == ["pages"]
    assert names(run.select(["pages,transitions"])) == ["transitions", "pages"]
    assert names(run.select(["intake", "overdue_sweep, cdek_poll"])) == [
        "overdue_sweep",
        "cdek_poll",
        "intake",
    ]


def test_an_unknown_name_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="unknown bench page: one of transitions, overdue_sweep"):
        run.select(["page"])


def test_the_command_line_sets_the_options(capsys):
    args = run.parse_args(["--quick", "--no-write", "--only", "intake", "--note", "after merge"])

    assert (args.quick, args.no_write, args.note) == (True, True, "after merge")
    assert names(args.benches) == ["intake"]
    with pytest.raises(SystemExit) as exit_info:
        run.parse_args(["--only", "nope"])
    assert exit_info.value.code == 2
    assert "unknown bench nope" in capsys.readouterr().err


def fake_bench(monkeypatch, main) -> run.Bench:
    """A bench `bench.fake` whose main() is `main`."""
    monkeypatch.setitem(sys.modules, "bench.fake", types.SimpleNamespace(main=main))
    return run.Bench("fake", ("--big",), ("--small",), postgresql_only=True)


def test_a_bench_gets_its_sizes_and_the_postgresql_switch(monkeypatch):
    calls = []

    def main(argv, **kwargs):
        calls.append((argv, kwargs))
        return BenchResult("fake", [Figure("x", 1)])

    bench = fake_bench(monkeypatch, main)

    run.run_one(bench, quick=False)
    run.run_one(bench, quick=True)

    assert calls == [
        (["--big"], {"skip_unless_postgresql": True}),
        (["--small"], {"skip_unless_postgresql": True}),
    ]


def test_a_bench_that_raises_or_exits_is_a_failed_result(monkeypatch):
    def crash(argv, **kwargs):
        raise RuntimeError("gunicorn did not start\ntraceback details")

    assert run.run_one(fake_bench(monkeypatch, crash), quick=True) == BenchResult(
        "fake", failed="gunicorn did not start"
    )

    def leave(argv, **kwargs):
        raise SystemExit("bench.fake measures PostgreSQL")

    assert run.run_one(fake_bench(monkeypatch, leave), quick=True).failed == (
        "bench.fake measures PostgreSQL"
    )

    assert run.run_one(fake_bench(monkeypatch, lambda argv, **kw: None), quick=True).failed == (
        "main() returned no figures"
    )


def test_the_pages_bench_keeps_its_fill_in_its_own_test_database():
    pages = run.select(["pages"])[0]
    name, before = connection.settings_dict["NAME"], connection.settings_dict["TEST"].get("NAME")

    with run.own_test_database(pages, quick=False):
        assert connection.settings_dict["TEST"]["NAME"] == f"test_{name}_pages"
    with run.own_test_database(pages, quick=True):
        assert connection.settings_dict["TEST"]["NAME"] == f"test_{name}_pages_quick"
    assert connection.settings_dict["TEST"].get("NAME") == before


def test_the_command_to_repeat_the_run_is_make_bench_when_make_started_it():
    argv = ["--only", "pages", "--note", "after merge"]

    assert run.command_line(argv, under_make=False) == (
        "python -m bench --only pages --note 'after merge'"
    )
    assert run.command_line(argv, under_make=True) == (
        "make bench BENCH_ARGS=\"--only pages --note 'after merge'\""
    )
    assert run.command_line(["--note", 'a "b"'], under_make=True) == (
        "make bench BENCH_ARGS='--note '\"'\"'a \"b\"'\"'\"''"
    )
    assert run.command_line([], under_make=True) == "make bench"
    assert run.command_line([], under_make=False) == "python -m bench"


@pytest.fixture
def canned(monkeypatch, tmp_path):
    """Benches that return at once, a fixed machine, and a copy of the docs to write into."""
    monkeypatch.delenv("MAKELEVEL", raising=False)  # `make test` sets it
    results = {
        "transitions": BenchResult("transitions", [Figure("order transitions/s", 61.3, "/s")]),
        "intake": BenchResult("intake", [Figure("latency p95", 155.4, "ms", Target("<", 100))]),
        "pages": BenchResult("pages", failed="boom"),
    }
    ran = []

    def run_one(bench, *, quick):
        ran.append((bench.name, quick))
        return results.get(bench.name, BenchResult(bench.name, skipped="not here"))

    doc = tmp_path / "performance.md"
    doc.write_text(f"# P\n\n{summary.START}\nold\n{summary.END}\n\n## Rest\n", encoding="utf-8")
    monkeypatch.setattr(run, "run_one", run_one)
    monkeypatch.setattr(summary, "PERFORMANCE_MD", doc)
    monkeypatch.setattr(
        machine,
        "describe",
        lambda: machine.Machine("AMD EPYC", 2, 24, "PostgreSQL 15.20", "3.11.7", "5.2.19"),
    )
    return types.SimpleNamespace(ran=ran, doc=doc)


def test_a_run_writes_the_summary_between_the_markers(canned, capsys):
    status = run.main(["--only", "transitions,intake", "--note", "quiet host"])

    text = canned.doc.read_text(encoding="utf-8")
    assert status == 0
    assert canned.ran == [("transitions", False), ("intake", False)]
    assert text.startswith(f"# P\n\n{summary.START}\nLatest run: ")
    assert text.endswith(f"- Note: quiet host\n{summary.END}\n\n## Rest\n")
    assert "| intake      | latency p95         | 155.4 ms | < 100 ms | **no** | 1.55×" in text
    assert "Command: `python -m bench --only transitions,intake --note 'quiet host'`" in text
    assert "=== Summary" in capsys.readouterr().out


def test_a_failed_bench_makes_the_run_exit_1(canned):
    assert run.main(["--only", "pages", "--no-write"]) == 1


def test_no_write_and_quick_leave_the_docs_alone(canned, capsys):
    before = canned.doc.read_text(encoding="utf-8")

    run.main(["--only", "transitions", "--no-write"])
    run.main(["--only", "transitions", "--quick"])

    assert canned.doc.read_text(encoding="utf-8") == before
    assert canned.ran == [("transitions", False), ("transitions", True)]
    out = capsys.readouterr().out
    assert "--no-write: docs/performance.md left as it is." in out
    assert "--quick: docs/performance.md left as it is" in out
