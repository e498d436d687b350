"""A bench's figures against their targets (bench.results): met or not on each side of the
boundary, the ratios, and what makes a bench's result all met."""

from __future__ import annotations

import pytest

from bench.results import BenchResult, Figure, Target


@pytest.mark.parametrize(
    ("target", "measured", "met"),
    [
        (Target("<", 300), 299.9, True),
        (Target("<", 300), 300, False),
        (Target("<=", 20), 20, True),
        (Target("<=", 20), 21, False),
        (Target("<=", 0), 0, True),
        (Target("<=", 0), 1, False),
        (Target(">=", 25), 25, True),
        (Target(">=", 25), 6.6, False),
        (Target(">", 0), 0, False),
    ],
)
def test_a_target_is_met_on_its_side_of_the_boundary_only(target, measured, met):
    assert target.met_by(measured) is met
    assert Figure("f", measured, target=target).met is met


def test_an_unknown_comparison_is_refused():
    with pytest.raises(ValueError, match="unknown comparison '=<'"):
        Target("=<", 1)


def test_a_figure_without_a_target_is_neither_met_nor_missed():
    figure = Figure("deals created/s", 134.0, "/s")

    assert figure.met is None
    assert figure.target_ratio is None


def test_the_target_ratio_is_measured_over_target():
    assert Figure("p95", 150, "ms", Target("<", 100)).target_ratio == 1.5
    assert Figure("share", 6.5, "%", Target(">=", 25)).target_ratio == pytest.approx(0.26)


def test_a_zero_target_has_no_ratio():
    assert Figure("errors", 0, target=Target("<=", 0)).target_ratio is None


def test_the_raw_ratio_is_measured_over_postgresqls_raw_rate():
    assert Figure("orders/s", 60, "/s", raw=1200).raw_ratio == pytest.approx(0.05)
    assert Figure("orders/s", 60, "/s").raw_ratio is None


def test_a_result_is_all_met_only_when_no_figure_misses_and_it_did_not_fail():
    met = Figure("first sweep", 3.3, "s", Target("<", 5))
    untargeted = Figure("transitions/s", 61.3, "/s")
    missed = Figure("latency p95", 155.4, "ms", Target("<", 100))

    assert BenchResult("sweep", [met, untargeted]).all_met
    assert not BenchResult("intake", [met, missed]).all_met
    assert not BenchResult("cdek_poll", failed="gunicorn did not start").all_met
    assert BenchResult("pages", skipped="PostgreSQL only").all_met
