"""The statistics benchmarks/sgemm.py uses to state where our sgemm stands against numpy."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

SGEMM_BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "sgemm.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_sgemm_stats", SGEMM_BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_median_ci_brackets_the_median_and_narrows_with_rounds():
    bench = _bench()
    rng = np.random.default_rng(1)
    few = 1.02 + 0.05 * rng.standard_normal(9)
    many = 1.02 + 0.05 * rng.standard_normal(400)
    lo_few, hi_few = bench.median_ci(few)
    lo_many, hi_many = bench.median_ci(many)
    assert lo_few <= np.median(few) <= hi_few
    assert lo_many <= np.median(many) <= hi_many
    assert hi_many - lo_many < hi_few - lo_few
    assert 1.0 < lo_many < 1.02 < hi_many < 1.04


def test_median_ci_of_constant_ratios_is_a_point():
    assert _bench().median_ci([0.97] * 20) == (0.97, 0.97)


def test_verdict_by_interval():
    verdict = _bench().verdict
    assert verdict(1.0, 1.04) == "above"
    assert verdict(0.99, 1.01) == "level"
    assert verdict(0.95, 0.999) == "below"
