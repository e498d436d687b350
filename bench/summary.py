"""One table of every benchmark's key figures, with the targets of the issues and PostgreSQL's raw
rate measured in the same run, and the machine it ran on; `make bench` prints it and writes it
into docs/performance.md between two markers, leaving the rest of the file as it is."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .machine import Machine
from .results import SIGNS, BenchResult, Figure

START = "<!-- bench:summary:start -->"
END = "<!-- bench:summary:end -->"
PERFORMANCE_MD = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
HEADER = (
    "benchmark",
    "figure",
    "measured",
    "target",
    "met",
    "× target",
    "raw PostgreSQL",
    "notes",
)


@dataclass(frozen=True)
class Run:
    """How and when the benches ran: what goes with the table besides the figures."""

    command: str
    started: datetime.datetime
    seconds: float
    load_start: float
    load_end: float
    note: str = ""
    quick: bool = False


def number(value: float) -> str:
    """Whole numbers with thousands separators, others with 1–2 decimals by size."""
    if float(value).is_integer() and abs(value) >= 10:
        return f"{value:,.0f}"
    if float(value).is_integer():
        return f"{value:.0f}"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def with_unit(value: float, unit: str) -> str:
    if not unit:
        return number(value)
    # «6.6%», «83.2/s», but «14 ms».
    return f"{number(value)}{unit}" if unit[0] in "%/" else f"{number(value)} {unit}"


def figure_cells(figure: Figure) -> tuple[str, ...]:
    """The cells of one figure after the bench's name."""
    target = met = ratio = raw = ""
    if figure.target is not None:
        target = f"{SIGNS[figure.target.op]} {with_unit(figure.target.value, figure.unit)}"
        met = "yes" if figure.met else "**no**"
        if figure.target_ratio is not None:
            ratio = f"{figure.target_ratio:.2f}×"
    if figure.raw is not None:
        raw = with_unit(figure.raw, figure.unit)
        if figure.raw_ratio is not None:
            raw += f" (ours {figure.raw_ratio:.1%} of it)"
    return (
        figure.name,
        with_unit(figure.value, figure.unit),
        target,
        met,
        ratio,
        raw,
        figure.detail,
    )


def rows(results: Iterable[BenchResult]) -> list[tuple[str, ...]]:
    """One row per figure; a bench that did not run or stopped gets one row saying why."""
    table = []
    for result in results:
        name = f"{result.bench} ({result.setup})" if result.setup else result.bench
        if result.skipped:
            table.append((name, f"skipped: {result.skipped}", "", "", "", "", "", ""))
        for figure in result.figures:
            table.append((name, *figure_cells(figure)))
        if result.failed:
            table.append((name, f"**failed**: {result.failed}", "", "", "", "", "", ""))
        elif not result.skipped and not result.figures:
            table.append((name, "no figures returned", "", "", "", "", "", ""))
    return table


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def table(results: Iterable[BenchResult]) -> str:
    """A Markdown table padded into columns, readable in a terminal and rendered in the docs.
    The bench's name is written on its first row only."""
    body, previous = [], None
    for row in rows(results):
        name = "" if row[0] == previous else row[0]
        previous = row[0]
        body.append(tuple(_cell(c) for c in (name, *row[1:])))
    widths = [max(len(r[i]) for r in [HEADER, *body]) for i in range(len(HEADER))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(HEADER), rule, *(line(r) for r in body)])


def verdict(results: list[BenchResult]) -> str:
    """«N of M targets met», and the benches that were skipped or failed."""
    judged = [f for r in results for f in r.figures if f.met is not None]
    text = f"{sum(bool(f.met) for f in judged)} of {len(judged)} targets met"
    if skipped := [r.bench for r in results if r.skipped]:
        text += f"; skipped: {', '.join(skipped)}"
    if failed := [r.bench for r in results if r.failed]:
        text += f"; failed: {', '.join(failed)}"
    return text


def machine_line(machine: Machine) -> str:
    return (
        f"{machine.cpu}, {machine.cores} cores, {machine.ram_gib:.0f} GiB RAM; "
        f"{machine.database}; Python {machine.python}, Django {machine.django}"
    )


def section(results: list[BenchResult], machine: Machine, run: Run) -> str:
    """The block written between the markers: heading, table, machine, run."""
    minutes, seconds = divmod(round(run.seconds), 60)
    kind = "quick run (small sizes: a smoke test, not the figures at scale)" if run.quick else ""
    lines = [
        f"Latest run: {run.started:%Y-%m-%d %H:%M %Z}, {minutes} min {seconds:02d} s"
        + (f", {kind}" if kind else "")
        + f". {verdict(results)}.",
        "",
        table(results),
        "",
        f"- Machine: {machine_line(machine)}.",
        f"- Load average (1 min): {run.load_start:.2f} at the start, {run.load_end:.2f} at the end "
        "(the clients, servers and database of every bench share these cores with whatever "
        "else runs).",
        f"- Command: `{run.command}`.",
    ]
    if run.note:
        lines.append(f"- Note: {_cell(run.note)}")
    return "\n".join(lines)


def replace_between_markers(text: str, block: str) -> str:
    """`text` with whatever stands between START and END replaced by `block`; everything else,
    the markers included, stays byte for byte. Writing the same block twice gives the same
    text."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < 0 or end < start or text.count(START) > 1 or text.count(END) > 1:
        raise ValueError(f"expected one {START} followed by one {END}")
    return f"{text[: start + len(START)]}\n{block.strip()}\n{text[end:]}"


def write(block: str, path: Path | None = None) -> Path:
    """Puts `block` between the markers of `path` (docs/performance.md); returns the path."""
    path = path or PERFORMANCE_MD
    path.write_text(replace_between_markers(path.read_text(encoding="utf-8"), block), "utf-8")
    return path
