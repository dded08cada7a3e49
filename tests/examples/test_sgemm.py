"""examples/sgemm/sgemm.py: the scheduled SGEMMs agree with numpy for square, tall, wide and
odd sizes (through the JIT with the x86 targets), the schedule is checked end to end (no
unchecked step), and exocc compiles the example."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SGEMM_PY = ROOT / "examples" / "sgemm" / "sgemm.py"

exo_x86 = pytest.importorskip("exo_x86", reason="the x86 plugin (plugins/exo_x86) is not installed")


@pytest.fixture(scope="module")
def sg():
    spec = importlib.util.spec_from_file_location("sgemm_example", SGEMM_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def _can_run(target) -> tuple[bool, str]:
    ok, reason = target.can_run()
    return ok, reason


def _check(fn, M, N, K, rng, rtol=2e-5):
    A = rng.standard_normal((M, K)).astype(np.float32)
    B = rng.standard_normal((K, N)).astype(np.float32)
    C = rng.standard_normal((M, N)).astype(np.float32)
    want = C.astype(np.float64) + A.astype(np.float64) @ B.astype(np.float64)
    fn(M, N, K, A, B, C)
    scale = 1.0 + np.abs(A).astype(np.float64) @ np.abs(B).astype(np.float64) + np.abs(C)
    err = np.max(np.abs(C - want) / scale)
    assert err < rtol, f"{M}x{N}x{K}: max relative error {err:.2e}"


# square 1..67, then tall, wide and odd shapes crossing every tail: rows (M % 6), columns
# (N % NR and N % NR % VW), the B panel (N / NR % NT) and the K block (K % KC)
SHAPES = [(n, n, n) for n in range(1, 68)] + [
    (300, 7, 50), (1031, 3, 17), (5, 700, 40), (2, 1100, 3), (1, 1, 1000),
    (257, 263, 300), (133, 1100, 513), (61, 530, 258), (96, 512, 256), (258, 129, 127), (600, 520, 1030),
]


def test_avx2_matches_numpy(sg):
    ok, reason = _can_run(exo_x86.X86)
    if not ok:
        pytest.skip(reason)
    fn = sg.sgemm_avx2.jit()
    assert fn.target.name == "x86"
    rng = np.random.default_rng(1)
    for M, N, K in SHAPES:
        _check(fn, M, N, K, rng)


def test_avx512_matches_numpy(sg):
    ok, reason = _can_run(exo_x86.X86_AVX512)
    if not ok:
        pytest.skip(f"AVX-512 SGEMM not run natively: {reason} (its meaning is checked by "
                    f"test_avx512_interpreted and its C by test_exocc_procs_compile)")
    fn = sg.sgemm_avx512.jit()
    rng = np.random.default_rng(2)
    for M, N, K in SHAPES:
        _check(fn, M, N, K, rng)


@pytest.mark.parametrize("M,N,K", [(7, 37, 5), (13, 50, 3), (1, 1, 1), (7, 560, 260)])
def test_avx512_interpreted(sg, M, N, K):
    """The AVX-512 schedule, instrs included, run by the reference interpreter (any host)."""
    from exo_core import interpret

    rng = np.random.default_rng(M * 1000 + N)
    A = rng.standard_normal((M, K)).astype(np.float32)
    B = rng.standard_normal((K, N)).astype(np.float32)
    C = rng.standard_normal((M, N)).astype(np.float32)
    want = C + A @ B
    interpret(sg.sgemm_avx512, M=M, N=N, K=K, A=A, B=B, C=C)
    np.testing.assert_allclose(C, want, rtol=1e-4, atol=1e-4)


def test_naive_matches_numpy(sg):
    fn = sg.sgemm_naive.jit()
    rng = np.random.default_rng(3)
    for M, N, K in [(1, 1, 1), (5, 7, 3), (33, 17, 65)]:
        _check(fn, M, N, K, rng)


def test_schedule_is_checked(sg):
    """Every step is a checked primitive: nothing unsafe in the history of any proc."""
    for p in (sg.sgemm_avx2, sg.sgemm_avx512):
        trace = p.trace()
        assert "unsafe" not in trace and "add_unsafe_guard" not in trace
        assert "call_eqv" in trace and "replace_all" in trace
        text = str(p)
        assert "DRAM_STATIC" in text and "for k in" not in text  # every tile nest became a kernel call


def test_kernels_are_vector_code(sg):
    for isa, prefix in ((sg.AVX2_ISA, "mm256_"), (sg.AVX512_ISA, "mm512_")):
        k = sg.schedule_kernel(sg.kernel_ref(isa.mr, isa.nr), isa, isa.mr, isa.nr)
        body = str(k)
        assert f"{prefix}fmadd_ps" in body and "for i in" not in body and "for j" not in body
        km = sg.schedule_kernel_masked(sg.kernel_ref_masked(isa.mr, isa.vw), isa, isa.mr)
        assert "seq(0, w)" not in str(km)


@pytest.mark.skipif(shutil.which("gcc") is None and shutil.which("cc") is None, reason="no C compiler")
def test_exocc_procs_compile(sg, tmp_path):
    """What ``exocc examples/sgemm/sgemm.py`` does (import, ``public_procs``, ``compile_procs``),
    on the already scheduled module; the C builds with the x86 flags."""
    from exo_core import compile_procs
    from exo_core.cli import public_procs

    procs = public_procs(sg)
    assert [p.name() for p in procs] == ["sgemm_naive", "sgemm_avx2", "sgemm_avx512"]
    compile_procs(procs, str(tmp_path), "sgemm.c", "sgemm.h")
    header = (tmp_path / "sgemm.h").read_text()
    for p in procs:
        assert f"void {p.name()}(" in header
    cc = shutil.which("gcc") or shutil.which("cc")
    flags = ["-O2", "-std=c11", "-mavx2", "-mfma", "-mavx512f", "-mavx512vl", "-mavx512bw", "-mavx512dq"]
    res = subprocess.run([cc, *flags, "-c", str(tmp_path / "sgemm.c"), "-o", str(tmp_path / "sgemm.o")],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
