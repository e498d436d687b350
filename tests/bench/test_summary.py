"""The summary of `make bench` (bench.summary): the table's cells and layout, the verdict, the
machine and run lines, and the block written between the markers of docs/performance.md."""

from __future__ import annotations

import dataclasses
import datetime

import pytest

from bench import summary
from bench.machine import Machine, cpu_model, ram_gib
from bench.results import BenchResult, Figure, Target

MACHINE = Machine(
    cpu="AMD EPYC",
    cores=2,
    ram_gib=23.5,
    database="PostgreSQL 15.20 on 127.0.0.1 (shared_buffers=128MB, synchronous_commit=on)",
    python="3.11.7",
    django="5.2.19",
)
RUN = summary.Run(
    command="python -m bench --only intake,pages",
    started=datetime.datetime(2026, 12, 5, 10, 0, tzinfo=datetime.UTC),
    seconds=125.4,
    load_start=1.25,
    load_end=1.9,
    note="pages-perf merged | funnel milestones",
)


def intake() -> BenchResult:
    return BenchResult(
        "intake",
        [
            Figure("orders/s", 63.9, "/s", raw=969.7, detail="p50 122.9 ms"),
            Figure("latency p95", 155.4, "ms", Target("<", 100)),
            Figure("errors", 0, target=Target("<=", 0)),
        ],
        setup="8 clients",
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1_000_000, "1,000,000"),
        (26, "26"),
        (7, "7"),
        (0, "0"),
        (1239.54, "1,239.5"),
        (155.44, "155.4"),
        (63.94, "63.9"),
        (3.6, "3.60"),
        (0.5, "0.50"),
    ],
)
def test_numbers_are_written_by_their_size(value, text):
    assert summary.number(value) == text


def test_units_follow_rates_and_shares_without_a_space():
    assert summary.with_unit(61.3, "/s") == "61.3/s"
    assert summary.with_unit(6.6, "%") == "6.60%"
    assert summary.with_unit(155.4, "ms") == "155.4 ms"
    assert summary.with_unit(18, "") == "18"


def test_each_figure_is_a_row_with_its_target_verdict_ratio_and_raw_rate():
    assert summary.rows([intake()]) == [
        (
            "intake (8 clients)",
            "orders/s",
            "63.9/s",
            "",
            "",
            "",
            "969.7/s (ours 6.6% of it)",
            "p50 122.9 ms",
        ),
        ("intake (8 clients)", "latency p95", "155.4 ms", "< 100 ms", "**no**", "1.55×", "", ""),
        ("intake (8 clients)", "errors", "0", "≤ 0", "yes", "", "", ""),
    ]


def test_a_skipped_or_failed_bench_is_one_row_saying_why():
    rows = summary.rows(
        [
            BenchResult("pages", skipped="PostgreSQL only"),
            BenchResult("cdek_poll", failed="gunicorn did not start"),
            BenchResult("transitions"),
        ]
    )

    assert [row[:2] for row in rows] == [
        ("pages", "skipped: PostgreSQL only"),
        ("cdek_poll", "**failed**: gunicorn did not start"),
        ("transitions", "no figures returned"),
    ]
    assert all(cell == "" for row in rows for cell in row[2:])


def test_the_table_is_markdown_padded_into_columns_with_the_bench_named_once():
    result = BenchResult(
        "overdue_sweep",
        [
            Figure("first sweep", 3.32, "s", Target("<", 5)),
            Figure("nothing-new p50", 3.6, "ms", Target("<", 50), detail="4 statements"),
        ],
    )

    assert summary.table([result]).splitlines() == [
        "| benchmark     | figure          | measured | target  | met | × target "
        "| raw PostgreSQL | notes        |",
        "|---------------|-----------------|----------|---------|-----|----------"
        "|----------------|--------------|",
        "| overdue_sweep | first sweep     | 3.32 s   | < 5 s   | yes | 0.66×    "
        "|                |              |",
        "|               | nothing-new p50 | 3.60 ms  | < 50 ms | yes | 0.07×    "
        "|                | 4 statements |",
    ]


def test_pipes_and_line_breaks_in_cells_cannot_break_the_table():
    result = BenchResult("cdek_poll", failed="a | b\nsecond line")

    line = summary.table([result]).splitlines()[2]

    assert "**failed**: a \\| b second line" in line
    assert line.count(" | ") == 7


def test_the_verdict_counts_the_met_targets_and_names_skipped_and_failed_benches():
    results = [
        intake(),
        BenchResult("pages", skipped="PostgreSQL only"),
        BenchResult("cdek_poll", failed="boom"),
    ]

    assert summary.verdict(results) == "1 of 2 targets met; skipped: pages; failed: cdek_poll"


def test_the_section_has_the_table_the_machine_the_load_the_command_and_the_note():
    text = summary.section([intake()], MACHINE, RUN)

    assert text.splitlines()[0] == (
        "Latest run: 2026-12-05 10:00 UTC, 2 min 05 s. 1 of 2 targets met."
    )
    assert summary.table([intake()]) in text
    assert (
        "- Machine: AMD EPYC, 2 cores, 24 GiB RAM; PostgreSQL 15.20 on 127.0.0.1 "
        "(shared_buffers=128MB, synchronous_commit=on); Python 3.11.7, Django 5.2.19." in text
    )
    assert "- Load average (1 min): 1.25 at the start, 1.90 at the end" in text
    assert "- Command: `python -m bench --only intake,pages`." in text
    assert text.endswith("- Note: pages-perf merged \\| funnel milestones")


def test_a_quick_run_says_its_figures_are_not_at_scale():
    run = dataclasses.replace(RUN, quick=True, note="")

    first = summary.section([intake()], MACHINE, run).splitlines()[0]

    assert "quick run (small sizes: a smoke test, not the figures at scale)" in first


DOC = """# Performance

Intro.

<!-- bench:summary:start -->
Latest run: the old one.

| old | table |
<!-- bench:summary:end -->

## Transitions

Kept as it is.
"""


def test_the_block_replaces_only_what_stands_between_the_markers():
    text = summary.replace_between_markers(DOC, "NEW TABLE\n")

    assert text == DOC.replace("Latest run: the old one.\n\n| old | table |", "NEW TABLE")


def test_writing_the_same_block_twice_gives_the_same_text():
    once = summary.replace_between_markers(DOC, "NEW")

    assert summary.replace_between_markers(once, "NEW") == once


def test_the_docs_hold_one_pair_of_markers_and_keep_everything_else():
    text = summary.PERFORMANCE_MD.read_text(encoding="utf-8")

    replaced = summary.replace_between_markers(text, "X")

    start, end = text.index(summary.START), text.index(summary.END)
    assert replaced == f"{text[: start + len(summary.START)]}\nX\n{text[end:]}"
    assert replaced.index(summary.START) < replaced.index("## Transitions")


@pytest.mark.parametrize(
    "text",
    [
        "no markers at all",
        f"{summary.END}\n{summary.START}",
        f"{summary.START}\n{summary.END}\n{summary.START}\n{summary.END}",
        f"only {summary.START}",
    ],
)
def test_a_file_without_exactly_one_pair_of_markers_is_refused(text):
    with pytest.raises(ValueError, match="expected one"):
        summary.replace_between_markers(text, "X")


def test_write_puts_the_block_into_the_file(tmp_path):
    path = tmp_path / "performance.md"
    path.write_text(DOC, encoding="utf-8")

    assert summary.write("NEW", path) == path
    assert "NEW" in path.read_text(encoding="utf-8")
    assert "Kept as it is." in path.read_text(encoding="utf-8")


def test_the_machine_is_read_from_proc():
    cpuinfo = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\n"

    assert cpu_model(cpuinfo) == "AMD EPYC 7B13"
    assert ram_gib("MemTotal:       24683784 kB\nMemFree: 1 kB\n") == pytest.approx(23.54, 0.001)
    assert ram_gib("") == 0.0
