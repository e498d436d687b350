"""The key figures a benchmark returns besides printing them: each with its unit, the target the
issue set for it and, where one was measured in the same run, PostgreSQL's raw rate for the same
work. `bench.summary` puts every bench's figures in one table."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

#: How a measured value must compare with its target.
COMPARISONS = {
    "<": operator.lt,
    "<=": operator.le,
    ">=": operator.ge,
    ">": operator.gt,
}
#: How the comparisons are written in the table.
SIGNS = {"<": "<", "<=": "≤", ">=": "≥", ">": ">"}


@dataclass(frozen=True)
class Target:
    """`measured <op> value`, e.g. Target("<", 300) for «each page under 300 ms»."""

    op: str
    value: float

    def __post_init__(self) -> None:
        if self.op not in COMPARISONS:
            raise ValueError(f"unknown comparison {self.op!r}: one of {', '.join(COMPARISONS)}")

    def met_by(self, measured: float) -> bool:
        return COMPARISONS[self.op](measured, self.value)


@dataclass(frozen=True)
class Figure:
    """One measured value. `raw` is PostgreSQL's own rate for the same work in the same run
    (plain SQL, same unit), where the bench measures one."""

    name: str
    value: float
    unit: str = ""
    target: Target | None = None
    raw: float | None = None
    detail: str = ""

    @property
    def met(self) -> bool | None:
        """Whether the target is met; None when the figure has no target."""
        return None if self.target is None else self.target.met_by(self.value)

    @property
    def target_ratio(self) -> float | None:
        """measured / target (for «< 300 ms», 0.5 is half the budget); None when it means
        nothing (no target, or a target of 0 such as «no errors»)."""
        if self.target is None or not self.target.value:
            return None
        return self.value / self.target.value

    @property
    def raw_ratio(self) -> float | None:
        """measured / PostgreSQL's raw rate for the same work."""
        if not self.raw:
            return None
        return self.value / self.raw


@dataclass
class BenchResult:
    """What one benchmark reports: its figures, the sizes it ran with, or why it did not run."""

    bench: str
    figures: list[Figure] = field(default_factory=list)
    #: The sizes and settings of the run, e.g. "300 deals" or "1,000,000 orders".
    setup: str = ""
    #: Why it did not run (e.g. PostgreSQL only and the database is SQLite).
    skipped: str = ""
    #: Why it stopped (the error), when it did.
    failed: str = ""

    @property
    def all_met(self) -> bool:
        """It ran and no figure misses its target."""
        return not self.failed and all(f.met is not False for f in self.figures)
