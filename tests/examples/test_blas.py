"""examples/blas/blas.py: the scheduled saxpy/daxpy, sdot/ddot and sgemv/dgemv agree with numpy
for every length from 1 to 40 and a few large ones (through the JIT on the x86 target; through
the interpreter on any host), never touch memory past the ends of their operands (masked tails),
are made of checked primitives only, and their C really uses the AVX2 instructions."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BLAS_PY = ROOT / "examples" / "blas" / "blas.py"

exo_x86 = pytest.importorskip("exo_x86", reason="the x86 plugin (plugins/exo_x86) is not installed")

SIZES = list(range(1, 41)) + [63, 64, 65, 127, 1000, 4099, 100_003]
DTYPES = {"s": np.float32, "d": np.float64}
RTOL = {np.float32: 2e-6, np.float64: 1e-14}


@pytest.fixture(scope="module")
def bl():
    spec = importlib.util.spec_from_file_location("blas_example", BLAS_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def _jit_or_skip(p):
    ok, reason = exo_x86.X86.can_run()
    if not ok:
        pytest.skip(f"schedule checked; not run: {reason}")
    fn = p.jit()
    assert fn.target.name == "x86"
    return fn


def _padded(rng, n, dtype, pad=9):
    """A random vector of length ``n`` inside a larger buffer of sentinels (a view with
    unit stride): whatever the kernel writes past either end shows in the sentinels."""
    base = np.full(n + 2 * pad, 12345.0, dtype)
    view = base[pad:pad + n]
    view[...] = rng.standard_normal(n)
    return base, view


def _sentinels_intact(base, n, pad=9):
    assert np.all(base[:pad] == 12345.0) and np.all(base[pad + n:] == 12345.0), "wrote out of bounds"


# --------------------------------------------------------------------------- structure


KERNELS = ["saxpy", "daxpy", "sdot", "ddot", "sgemv", "dgemv"]


@pytest.mark.parametrize("kernel", KERNELS)
def test_schedule_is_checked_vector_code(bl, kernel):
    """Checked primitives only; every lane loop became an AVX2 instr (f32: ``_ps``, f64:
    ``_pd``), the last partial vector a masked one; no scalar loop over elements is left."""
    p = getattr(bl, f"{kernel}_avx2")
    trace = p.trace()
    assert "unsafe" not in trace and "add_unsafe_guard" not in trace
    assert "replace_all" in trace
    sfx = "ps" if kernel[0] == "s" else "pd"
    vw = 8 if sfx == "ps" else 4
    text, c = str(p), p.c_code_str()
    assert f"seq(0, {vw})" not in text and "seq(0, n % " not in text and "seq(0, N % " not in text
    for intrinsic in (f"_mm256_fmadd_{sfx}", f"_mm256_loadu_{sfx}", f"_mm256_maskload_{sfx}"):
        assert intrinsic in c, intrinsic
    if "axpy" in kernel:
        assert f"_mm256_storeu_{sfx}" in c and f"_mm256_maskstore_{sfx}" in c
        assert text.count("mm256_fmadd") >= 1 + bl.UNROLL  # the unrolled main loop
    else:
        assert f"exo_x86_sum_{sfx}" in c  # the lanes summed at the end


def test_exocc_exports_and_c_compiles(bl, tmp_path):
    """``exocc`` compiles ``__all__`` (the scheduled procs are module attributes built on
    first access); the C builds with ``-mavx2 -mfma``."""
    from exo_core import compile_procs

    assert set(bl.__all__) == {f"{k}_{v}" for k in KERNELS for v in ("naive", "avx2")}
    with pytest.raises(AttributeError):
        bl.sgemm_avx2  # noqa: B018
    procs = [getattr(bl, name) for name in bl.__all__]
    compile_procs(procs, str(tmp_path), "blas.c", "blas.h")
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        return
    res = subprocess.run([cc, "-O2", "-std=c11", "-mavx2", "-mfma", "-c", str(tmp_path / "blas.c"),
                          "-o", str(tmp_path / "blas.o")], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_interpreter_agrees(bl):
    """The scheduled procs, instrs included, run by the reference interpreter (any host)."""
    from exo_core import interpret

    rng = np.random.default_rng(0)
    for pre, dt in DTYPES.items():
        for n in (1, 5, 13, 37):
            x, y = rng.standard_normal(n).astype(dt), rng.standard_normal(n).astype(dt)
            want = y + dt(0.75) * x
            interpret(getattr(bl, f"{pre}axpy_avx2"), n=n, alpha=np.array([0.75], dt), x=x, y=y)
            np.testing.assert_allclose(y, want, rtol=1e-5)
            r = np.array([0.5], dt)
            interpret(getattr(bl, f"{pre}dot_avx2"), n=n, x=x, y=y, result=r)
            np.testing.assert_allclose(r[0], 0.5 + x.astype(np.float64) @ y, rtol=1e-4)
        for M, N in ((1, 1), (7, 11), (5, 4)):
            A = rng.standard_normal((M, N)).astype(dt)
            x, y = rng.standard_normal(N).astype(dt), rng.standard_normal(M).astype(dt)
            want = y + A.astype(np.float64) @ x
            interpret(getattr(bl, f"{pre}gemv_avx2"), M=M, N=N, A=A, x=x, y=y)
            np.testing.assert_allclose(y, want, rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------------- numerics (JIT)


@pytest.mark.parametrize("pre", DTYPES)
def test_axpy(bl, pre):
    dt = DTYPES[pre]
    fn = _jit_or_skip(getattr(bl, f"{pre}axpy_avx2"))
    rng = np.random.default_rng(1)
    for n in SIZES:
        alpha = float(dt(rng.standard_normal()))  # exactly representable in dt
        xb, x = _padded(rng, n, dt)
        yb, y = _padded(rng, n, dt)
        want = y.astype(np.float64) + alpha * x.astype(np.float64)
        fn(n, alpha, x, y)
        scale = 1 + np.abs(y.astype(np.float64)) + abs(alpha) * np.abs(x)
        err = np.max(np.abs(y - want) / scale)
        assert err < 2 * RTOL[dt], f"n={n}: relative error {err:.2e}"
        _sentinels_intact(yb, n)
        _sentinels_intact(xb, n)


@pytest.mark.parametrize("pre", DTYPES)
def test_dot(bl, pre):
    dt = DTYPES[pre]
    fn = _jit_or_skip(getattr(bl, f"{pre}dot_avx2"))
    rng = np.random.default_rng(2)
    for n in SIZES:
        _, x = _padded(rng, n, dt)
        _, y = _padded(rng, n, dt)
        r = np.array([0.25], dt)
        fn(n, x, y, r)
        x64, y64 = x.astype(np.float64), y.astype(np.float64)
        want = 0.25 + x64 @ y64
        bound = 0.25 + np.abs(x64) @ np.abs(y64)  # the error of any summation order scales with it
        assert abs(r[0] - want) <= 4 * RTOL[dt] * np.sqrt(n) * bound + 1e-30, f"n={n}: {r[0]} != {want}"


@pytest.mark.parametrize("pre", DTYPES)
def test_gemv(bl, pre):
    """Every M in 1..13 with every N in 1..40 (all row-group and column tails), large and
    skinny shapes, and A a block of a larger matrix (row stride > N)."""
    dt = DTYPES[pre]
    fn = _jit_or_skip(getattr(bl, f"{pre}gemv_avx2"))
    rng = np.random.default_rng(3)
    shapes = [(M, N) for M in range(1, 14) for N in range(1, 41)]
    shapes += [(257, 1031), (1000, 3), (3, 1000), (64, 64), (129, 67)]
    for k, (M, N) in enumerate(shapes):
        big = rng.standard_normal((M + 2, N + 5)).astype(dt)
        A = big[1:M + 1, 2:N + 2] if k % 2 else np.ascontiguousarray(big[:M, :N])
        xb, x = _padded(rng, N, dt)
        yb, y = _padded(rng, M, dt)
        A64 = A.astype(np.float64)
        want = y.astype(np.float64) + A64 @ x.astype(np.float64)
        bound = np.abs(y.astype(np.float64)) + np.abs(A64) @ np.abs(x.astype(np.float64))
        fn(M, N, A, x, y)
        err = np.max(np.abs(y - want) / bound)
        assert err < 4 * RTOL[dt] * np.sqrt(N), f"{M}x{N}: relative error {err:.2e}"
        _sentinels_intact(yb, M)


def test_naive_procs_agree(bl):
    """The algorithms themselves (C target, -O2) against numpy."""
    rng = np.random.default_rng(4)
    for pre, dt in DTYPES.items():
        n, M, N = 19, 7, 13
        x, y = rng.standard_normal(n).astype(dt), rng.standard_normal(n).astype(dt)
        want = y + dt(2.0) * x
        getattr(bl, f"{pre}axpy_naive").jit(target="c")(n, 2.0, x, y)
        np.testing.assert_allclose(y, want, rtol=1e-6)
        r = np.zeros(1, dt)
        getattr(bl, f"{pre}dot_naive").jit(target="c")(n, x, y, r)
        np.testing.assert_allclose(r[0], x.astype(np.float64) @ y, rtol=1e-5)
        A, xv, yv = (rng.standard_normal(s).astype(dt) for s in ((M, N), N, M))
        want = yv + A.astype(np.float64) @ xv
        getattr(bl, f"{pre}gemv_naive").jit(target="c")(M, N, A, xv, yv)
        np.testing.assert_allclose(yv, want, rtol=1e-5)
