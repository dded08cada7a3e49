"""Exo's examples/avx2_matmul schedule, every call of it, run through the `import exo` shim
with this plugin's instructions; the scheduled kernel is compiled and checked with numpy.

The schedule is the benchmark script ``benchmarks/exo_scripts/avx2_matmul.py`` (written only
against Exo's API; ``benchmarks/compile_vs_exo.py`` also runs it under Exo 1.0)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
from exo_core import compat
from x86_testutil import needs_avx2

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "exo_scripts" / "avx2_matmul.py"


def _load_exo_script(path: Path):
    """Import an Exo script with ``import exo`` resolved to exo-core (the shim only while it loads)."""
    name = f"exo_script_{path.stem}"
    compat.install()
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    finally:
        compat.uninstall()
    return module


script = _load_exo_script(SCRIPT)
rank_k_reduce_6x16, schedule = script.rank_k_reduce_6x16, script.schedule


def test_schedule_reaches_only_instructions_in_the_loop():
    p = schedule(rank_k_reduce_6x16)
    text = str(p)
    for name in ("mm256_loadu_ps", "mm256_storeu_ps", "mm256_broadcast_ss", "mm256_fmadd_ps"):
        assert name + "(" in text, text
    assert "+=" not in text, text  # every multiply-add is an instruction now


@needs_avx2
def test_scheduled_kernel_matches_numpy():
    p = schedule(rank_k_reduce_6x16)
    rng = np.random.default_rng(3)
    for K in (1, 7, 64):
        A = rng.standard_normal((6, K)).astype(np.float32)
        B = rng.standard_normal((K, 16)).astype(np.float32)
        C = rng.standard_normal((6, 16)).astype(np.float32)
        want = C + A @ B
        p.jit(target="x86")(K, A, B, C)
        np.testing.assert_allclose(C, want, rtol=1e-5, atol=1e-5)
