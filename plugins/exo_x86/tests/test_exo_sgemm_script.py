"""The application-sized Exo script ``benchmarks/exo_scripts/sgemm_avx2.py`` (written only
against Exo's API, a couple of hundred primitive calls; ``benchmarks/compile_vs_exo.py``
times it under Exo 1.0 and under the shim) runs through the `import exo` shim: the result
calls the four scheduled micro-kernels, its C compiles with the x86 target's flags, and it
matches numpy on sizes that reach every edge (row, column and K tails)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from exo_core import compat
from x86_testutil import compile_only, needs_avx2

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "exo_scripts" / "sgemm_avx2.py"
KERNELS = ("sgemm_kernel_6x16", "sgemm_kernel_6x8", "sgemm_kernel_1x16", "sgemm_kernel_1x8")


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


@pytest.fixture(scope="module")
def sgemm():
    script = _load_exo_script(SCRIPT)
    (p,) = script.build()
    return p


def test_schedule_calls_the_vector_kernels(sgemm):
    text = str(sgemm)
    for name in KERNELS:
        assert f"{name}(" in text, text
    assert "if N % 16 >= 8:" in text and "if K % 256 > 0:" in text, text
    assert sgemm.name() == "sgemm_avx2"
    c_code = compile_only(sgemm, "x86")
    for name in KERNELS:
        assert f"static void {name}(" in c_code
    assert "_mm256_fmadd_ps" in c_code and "_mm256_broadcast_ss" in c_code


@needs_avx2
@pytest.mark.parametrize("M, N, K", [(1, 1, 1), (5, 7, 3), (6, 16, 256), (13, 37, 300), (7, 29, 257),
                                     (12, 24, 512), (19, 40, 70)])
def test_matches_numpy(sgemm, M, N, K):
    rng = np.random.default_rng(M * 10000 + N * 100 + K)
    A = rng.standard_normal((M, K)).astype(np.float32)
    B = rng.standard_normal((K, N)).astype(np.float32)
    C = rng.standard_normal((M, N)).astype(np.float32)
    want = C.astype(np.float64) + A.astype(np.float64) @ B.astype(np.float64)
    sgemm.jit(target="x86")(M, N, K, A, B, C)
    np.testing.assert_allclose(C, want, rtol=1e-4, atol=1e-4 * np.sqrt(K))
