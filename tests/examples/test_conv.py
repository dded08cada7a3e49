"""examples/conv/conv2d.py: the scheduled NHWC 3 x 3 convolution agrees with numpy for sizes
crossing every edge (pixel groups of 4, 2, 1; channel blocks of 16, 8 and a partial register)
through the JIT on the x86 target, and through the interpreter on any host; every step is a
checked primitive and the C uses the AVX2 instructions.

The scheduled proc takes a while to build under EXO_CHECK=paranoid, so one test function
builds and checks it (pytest-xdist workers would each build it otherwise)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

ROOT = Path(__file__).resolve().parents[2]
CONV_PY = ROOT / "examples" / "conv" / "conv2d.py"

exo_x86 = pytest.importorskip("exo_x86", reason="the x86 plugin (plugins/exo_x86) is not installed")


@pytest.fixture(scope="module")
def cv():
    spec = importlib.util.spec_from_file_location("conv_example", CONV_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _operands(rng, N, H, W, CI, CO):
    inp = rng.standard_normal((N, H + 2, W + 2, CI)).astype(np.float32)
    wt = rng.standard_normal((3, 3, CI, CO)).astype(np.float32)
    out = rng.standard_normal((N, H, W, CO)).astype(np.float32)
    return inp, wt, out


def _reference(inp, wt, out):
    """``out + conv(inp, wt)`` in float64, and the sum of the absolute terms (error scale)."""
    win = sliding_window_view(inp.astype(np.float64), (3, 3), axis=(1, 2))  # N, H, W, CI, 3, 3
    want = out + np.einsum("nhwcrs,rsco->nhwo", win, wt.astype(np.float64))
    scale = np.abs(out) + np.einsum("nhwcrs,rsco->nhwo", np.abs(win), np.abs(wt.astype(np.float64)))
    return want, scale


def _check(fn, rng, shape):
    inp, wt, out = _operands(rng, *shape)
    want, scale = _reference(inp, wt, out)
    fn(*shape, inp, wt, out)
    err = np.max(np.abs(out - want) / (1 + scale))
    assert err < 1e-6, f"{shape}: relative error {err:.2e}"


# every W % 4 and every CO % 16 (and CO % 8), small and odd CI, several images and rows
EDGE_SHAPES = [(1 + k % 2, 1 + k % 3, W, (1, 3, 5)[k % 3], CO)
               for k, (W, CO) in enumerate((W, CO) for W in range(1, 10) for CO in (1, 7, 8, 9, 15, 16, 17, 24, 31, 40))]
LARGE_SHAPES = [(1, 14, 14, 64, 64), (2, 13, 11, 17, 37), (1, 28, 29, 32, 48), (1, 5, 40, 3, 130)]


def test_conv2d_avx2(cv):
    p = cv.conv2d_avx2
    trace = p.trace()
    assert "unsafe" not in trace and "add_unsafe_guard" not in trace
    assert "call_eqv" in trace and "replace_all" in trace
    # the whole image is calls of the scheduled row; the row is calls of the vector tiles
    def updates(q):  # statements that write an element of out
        return [line for line in str(q).splitlines() if line.strip().startswith("out[")]

    assert "conv_row_avx2(" in str(p) and not updates(p)
    row = cv.schedule_row()
    assert not updates(row) and "for r in" not in str(row)
    calls = {f"conv_avx2_{g}x{nr}(" for g in cv.GROUPS for nr in ("16", "8", "w")}
    assert all(c in str(row) for c in calls), calls - {c for c in calls if c in str(row)}
    c_code = p.c_code_str()
    for intrinsic in ("_mm256_fmadd_ps", "_mm256_broadcast_ss", "_mm256_loadu_ps", "_mm256_storeu_ps",
                      "_mm256_maskload_ps", "_mm256_maskstore_ps"):
        assert intrinsic in c_code, intrinsic

    _row_in_interpreter(row)

    ok, reason = exo_x86.X86.can_run()
    if not ok:
        pytest.skip(f"schedule checked; not run: {reason}")
    fn = p.jit()
    assert fn.target.name == "x86"
    rng = np.random.default_rng(0)
    for shape in EDGE_SHAPES + LARGE_SHAPES:
        _check(fn, rng, shape)


def test_tiles_are_vector_code(cv):
    """Each tile kernel: the output tile in registers, no loop over pixels or channels left."""
    for g in cv.GROUPS:
        for nr in (cv.NR, cv.VW, None):
            k = cv.vector_tile(g, nr)
            text = str(k)
            assert "for wi" not in text and "for c " not in text and "seq(0, w)" not in text
            assert ("mm256_prefix_fmadd_ps(" if nr is None else "mm256_fmadd_ps(") in text
            fmas = text.count("fmadd_ps(")
            assert fmas == 9 * g * (nr // cv.VW if nr else 1), (g, nr, fmas)  # r, s unrolled


def _row_in_interpreter(row):
    """The scheduled row (instrs included) run by the reference interpreter, on any host."""
    from exo_core import interpret

    rng = np.random.default_rng(1)
    for W, CI, CO in ((7, 2, 27), (1, 1, 1), (4, 3, 16)):
        inp, wt, out = _operands(rng, 1, 1, W, CI, CO)
        want, _ = _reference(inp, wt, out)
        wp = np.zeros(((CO + 15) // 16, 3, 3, CI, 16), np.float32)  # the packed weights
        for co in range(CO):
            wp[co // 16, :, :, :, co % 16] = wt[:, :, :, co]
        interpret(row, W=W, CI=CI, CO=CO, inp=inp[0], wp=wp, out=out[0, 0])
        np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-4)


def test_naive_matches_numpy(cv):
    fn = cv.conv2d_naive.jit(target="c")
    rng = np.random.default_rng(2)
    for shape in ((1, 1, 1, 1, 1), (2, 3, 5, 4, 6)):
        _check(fn, rng, shape)
