"""examples/sgemm/sgemm.py: the scheduled SGEMMs agree with numpy for square, tall, wide and
odd sizes (through the JIT with the x86 targets; the AVX-512 one also through the
interpreter and, its AVX-512 intrinsics modelled in scalar C, on any host with AVX2), every schedule step is a checked primitive, and the C that
``exocc`` would write compiles.

Each scheduled proc is built on first use (its module attribute is lazy) and takes a while
under EXO_CHECK=paranoid, so each is built and checked by one test function, so that
pytest-xdist workers do not each build both."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from exo_core import SchedulingError
from exo_core.errors import JITError

ROOT = Path(__file__).resolve().parents[2]
SGEMM_PY = ROOT / "examples" / "sgemm" / "sgemm.py"
AVX512_CFLAGS = ["-mavx512f", "-mavx512vl", "-mavx512bw", "-mavx512dq"]

exo_x86 = pytest.importorskip("exo_x86", reason="the x86 plugin (plugins/exo_x86) is not installed")


@pytest.fixture(scope="module")
def sg():
    spec = importlib.util.spec_from_file_location("sgemm_example", SGEMM_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def _check(fn, M, N, K, rng, rtol=2e-5, pad=0):
    """``fn`` against numpy; with ``pad``, each operand a window into a larger array (its
    rows ``pad`` to ``3 * pad`` elements longer, starting at an offset), whose frame must
    stay untouched."""
    def operand(rows, cols, k):
        if not pad:
            return None, rng.standard_normal((rows, cols)).astype(np.float32)
        whole = rng.standard_normal((rows + 2, cols + pad * k)).astype(np.float32)
        return whole, whole[1:rows + 1, pad:pad + cols]

    (_, A), (_, B), (whole_c, C) = operand(M, K, 2), operand(K, N, 3), operand(M, N, 1)
    frame = None if whole_c is None else whole_c.copy()
    want = C.astype(np.float64) + A.astype(np.float64) @ B.astype(np.float64)
    fn(M, N, K, A, B, C)
    scale = 1.0 + np.abs(A).astype(np.float64) @ np.abs(B).astype(np.float64) + np.abs(C)
    err = np.max(np.abs(C - want) / scale)
    assert err < rtol, f"{M}x{N}x{K}: max relative error {err:.2e}"
    if frame is not None:
        frame[1:M + 1, pad:pad + N] = C
        np.testing.assert_array_equal(whole_c, frame)  # nothing written outside C's window


# operands as windows of larger arrays (row strides are run-time values: BLAS's lda, ldb, ldc)
STRIDED = [(7, 37, 5, 1), (300, 257, 513, 3), (64, 64, 64, 16), (13, 600, 300, 5), (2053, 33, 259, 2)]


def _assert_checked_schedule(p):
    """Every step is a checked primitive: nothing unsafe in the history; every tile nest
    became a kernel call; the operands are packed into static buffers."""
    trace = p.trace()
    assert "unsafe" not in trace and "add_unsafe_guard" not in trace
    assert "call_eqv" in trace and "replace_all" in trace
    text = str(p)
    assert "DRAM_STATIC" in text and "for kk in" not in text and "for k in" not in text
    assert not any(line.strip().startswith("C[") for line in text.splitlines())


def _compile_c(procs, tmp_path, flags):
    """The C that exocc writes for ``procs`` builds with the given flags."""
    from exo_core import compile_procs

    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        return
    compile_procs(procs, str(tmp_path), "sgemm.c", "sgemm.h")
    header = (tmp_path / "sgemm.h").read_text()
    for p in procs:
        assert f"void {p.name()}(" in header
    res = subprocess.run([cc, "-O2", "-std=c11", "-mavx2", "-mfma", *flags, "-c", str(tmp_path / "sgemm.c"),
                          "-o", str(tmp_path / "sgemm.o")], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


# square 1..67, then tall, wide and odd shapes crossing every tail of both ISAs' blockings:
# rows (M % 6; M % 2052 for AVX2, M % 768 for AVX-512), columns (N % 16 and N % 16 > 8; N % 256
# for AVX2, N % 512 for AVX-512), K (K % 256 for both; for AVX2 a tail of at most 128 merged
# into the last block, 384 the longest, 385 not merged; K % 4 remainders of the kernels), and
# shapes with no tail at all
SHAPES = [(n, n, n) for n in range(1, 68)] + [
    (300, 7, 50), (1031, 3, 17), (5, 700, 40), (2, 1100, 3), (1, 1, 1000), (773, 35, 2),
    (257, 263, 300), (133, 1100, 513), (61, 530, 258), (96, 512, 256), (258, 129, 127), (600, 520, 1030),
    (36, 256, 1024), (768, 128, 512), (2057, 20, 3), (2052, 256, 257), (3077, 9, 2), (1536, 128, 513),
    (390, 47, 384), (7, 300, 385), (2053, 33, 259), (13, 270, 641),
]


def test_avx2(sg, tmp_path):
    p = sg.sgemm_avx2
    _assert_checked_schedule(p)
    # a K tail of at most 128 goes into the last K block, whose packed buffers hold 384 k
    text = str(p)
    assert text.count("if K % 256 > 0 and K % 256 <= 128 and K > 256:") == 1
    assert "f32[342, 384, 6] @ DRAM_STATIC_HUGE" in text and "f32[16, 384, 16] @ DRAM_STATIC_HUGE" in text
    # the four-step kernels get K % 4 == 0; the rest of a tile's K goes to a one-step kernel
    assert "sgemm_avx2_6x16_k4(256, " in text and "sgemm_avx2_6x16(K % 256 % 4, " in text
    _compile_c([sg.sgemm_naive, p], tmp_path, [])
    ok, reason = exo_x86.X86.can_run()
    if not ok:
        pytest.skip(f"schedule and C checked; not run: {reason}")
    fn = p.jit()
    assert fn.target.name == "x86"
    rng = np.random.default_rng(1)
    for M, N, K in SHAPES:
        _check(fn, M, N, K, rng)
    for M, N, K, pad in STRIDED:
        _check(fn, M, N, K, rng, pad=pad)


def test_avx512(sg, tmp_path):
    """The AVX-512 schedule, instrs included, run by the reference interpreter (any host),
    its C compiled, and that C run against numpy on any host with AVX2, the AVX-512
    intrinsics replaced by the scalar model of ``plugins/exo_x86/tests/avx512_emu.h`` (the
    packing of ``A`` uses the real AVX2 transposes): a check of the generated C -- masks,
    strides, edge kernels, packed buffers -- not of the hardware."""
    from exo_core import interpret

    p = sg.sgemm_avx512
    _assert_checked_schedule(p)
    _compile_c([p], tmp_path, AVX512_CFLAGS)
    for M, N, K in [(7, 37, 5), (13, 50, 3), (1, 1, 1), (7, 560, 260), (773, 35, 2)]:
        rng = np.random.default_rng(M * 1000 + N)
        A = rng.standard_normal((M, K)).astype(np.float32)
        B = rng.standard_normal((K, N)).astype(np.float32)
        C = rng.standard_normal((M, N)).astype(np.float32)
        want = C + A @ B
        interpret(p, M=M, N=N, K=K, A=A, B=B, C=C)
        np.testing.assert_allclose(C, want, rtol=1e-4, atol=1e-4)
    ok, reason = exo_x86.X86.can_run()
    if not ok:
        pytest.skip(f"interpreted and compiled; the emulated run needs AVX2 for the packing: {reason}")
    spec = importlib.util.spec_from_file_location(
        "x86_testutil_for_sgemm", ROOT / "plugins" / "exo_x86" / "tests" / "x86_testutil.py")
    testutil = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(testutil)
    fn = p.jit(target=testutil.emulated_avx512_target(avx2=True))
    rng = np.random.default_rng(3)
    for M, N, K in SHAPES:
        _check(fn, M, N, K, rng)
    for M, N, K, pad in STRIDED:
        _check(fn, M, N, K, rng, pad=pad)


def test_avx512_matches_numpy(sg):
    ok, reason = exo_x86.X86_AVX512.can_run()
    if not ok:
        pytest.skip(f"AVX-512 SGEMM not run natively: {reason} (its meaning is checked by "
                    f"the interpreter, its C on a scalar model of the AVX-512 intrinsics, in "
                    f"test_avx512)")
    fn = sg.sgemm_avx512.jit()
    rng = np.random.default_rng(2)
    for M, N, K in SHAPES:
        _check(fn, M, N, K, rng)


def test_naive_matches_numpy(sg):
    fn = sg.sgemm_naive.jit()
    rng = np.random.default_rng(3)
    for M, N, K in [(1, 1, 1), (5, 7, 3), (33, 17, 65)]:
        _check(fn, M, N, K, rng)
        _check(fn, M, N, K, rng, pad=2)
    # rows must be contiguous: a column-strided view is refused before any C runs
    A, B, C = (np.zeros((4, 8), np.float32)[:, ::2] for _ in range(3))
    with pytest.raises(JITError, match=r"stride\(A, 1\) == 1"):
        fn(4, 4, 4, A, B, C)


def test_kernels_are_vector_code(sg):
    for isa, prefix in ((sg.AVX2_ISA, "mm256_"), (sg.AVX512_ISA, "mm512_")):
        ref = sg.kernel_ref(isa.mr, isa.nr, strides=(isa.mr, isa.nr), kmult=isa.kunroll)
        k = sg.schedule_kernel(ref, isa, isa.mr, isa.nr, kunroll=isa.kunroll)
        body = str(k)
        assert f"{prefix}fmadd_ps" in body and "for i in" not in body and "for j" not in body
        # one loop of KUNROLL steps, no remainder loop; the packed operands' strides are constants
        assert body.count("for ") == 1 and "for ko in seq(0, K / " in body
        c_text = k.c_code_str()
        assert "A.strides[0]" not in c_text and "B.strides[0]" not in c_text and "C.strides[0]" in c_text
        # without K % KUNROLL == 0 the remainder would need a loop: the division is refused
        with pytest.raises(SchedulingError, match="divisible"):
            sg.schedule_kernel(sg.kernel_ref(isa.mr, isa.nr), isa, isa.mr, isa.nr, kunroll=isa.kunroll)
        for cols in ((0, isa.vw), (isa.vw, isa.nr)):
            for rows in (False, True):
                km = str(sg.schedule_kernel(sg.kernel_ref(isa.mr, cols, rows), isa, isa.mr, cols, rows))
                assert "seq(0, w)" not in km and "seq(0, r)" not in km and f"{prefix}" in km
                # the edges' FMAs and broadcasts run on whole registers: no masked form of them
                fmas = [ln for ln in km.splitlines() if "fmadd" in ln]
                assert fmas and all(ln.strip().startswith(f"{prefix}fmadd_ps(") for ln in fmas), km


def test_exocc_exports(sg):
    """``exocc examples/sgemm/sgemm.py`` compiles ``__all__``: the naive proc and the two
    scheduled ones (module attributes built on first access, which exocc's getattr does)."""
    assert sg.__all__ == ["sgemm_naive", "sgemm_avx2", "sgemm_avx512"]
    assert set(sg._SCHEDULED) == {"sgemm_avx2", "sgemm_avx512"}
    with pytest.raises(AttributeError):
        sg.sgemm_avx1024  # noqa: B018
