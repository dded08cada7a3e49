"""The statistics benchmarks/sgemm.py uses to state where our sgemm stands against numpy, and its
micro-kernel measurement."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

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


def test_compile_bench_median_of_round_ratios():
    spec = importlib.util.spec_from_file_location(
        "bench_compile_vs_exo", SGEMM_BENCH.parent / "compile_vs_exo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def run(parse, schedule, emit):  # import time is not part of the compile ratio
        return {"seconds": {"import": 9.0, "parse": parse, "schedule": schedule, "emit": emit}}

    exo = [run(0.1, 8.0, 0.1), run(0.1, 10.0, 0.1), run(0.1, 8.2, 0.1), run(0.2, 30.0, 0.2)]
    ours = [run(0.01, 0.3, 0.02), run(0.01, 0.5, 0.02), run(0.01, 0.3, 0.02), run(0.01, 0.3, 0.02)]
    # per-round ratios 8.2/0.33, 10.2/0.53, 8.4/0.33, 30.4/0.33: the middle two averaged
    assert module._median_ratio(exo, ours) == round((8.2 / 0.33 + 8.4 / 0.33) / 2, 2)
    assert module._median_ratio(exo[:3], ours[:3]) == round(8.2 / 0.33, 2)  # 19.2, 24.8, 25.5


def test_micro_kernel_measurement_runs_the_checked_kernel():
    """The bench's micro-kernel figure: the sgemm's main kernel, called from a loop proc with
    its operands in L1, checked against numpy before it is timed."""
    pytest.importorskip("exo_x86", reason="the x86 plugin (plugins/exo_x86) is not installed")
    import exo_x86

    ok, reason = exo_x86.X86.can_run()
    if not ok:
        pytest.skip(f"not run: {reason}")
    bench = _bench()
    sg = bench._load(bench.SGEMM_PY, "bench_sgemm_micro_kernel_example")
    got = bench.measure_micro_kernel(sg, reps=200)
    assert got["kernel"] == "sgemm_avx2_6x16_k4" and got["k"] == 256 and got["calls"] == 200
    assert got["gflops_operands_in_l1"] > 0
