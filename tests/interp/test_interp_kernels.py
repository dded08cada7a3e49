"""The interpreter on @proc kernels, compared with numpy."""

from __future__ import annotations

import numpy as np
import pytest

from exo_core import DRAM, config, instr, proc
from exo_core.extern import expf, fmaxf, relu, select, sigmoid, sqrt
from exo_core.interp import ConfigState, interpret

RNG = np.random.default_rng(7)


def rand(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


# --------------------------------------------------------------------------- classic kernels


@proc
def matmul(n: size, m: size, p: size, A: f32[n, p] @ DRAM, B: f32[p, m] @ DRAM, C: f32[n, m] @ DRAM):
    for i in seq(0, n):
        for j in seq(0, m):
            C[i, j] = 0.0
            for k in seq(0, p):
                C[i, j] += A[i, k] * B[k, j]


def test_matmul_32_is_exact():
    a, b = rand(32, 32), rand(32, 32)
    c = np.zeros((32, 32), np.float32)
    interpret(matmul, n=32, m=32, p=32, A=a, B=b, C=c)
    matmul.interpret(n=32, m=32, p=32, A=a, B=b, C=c)
    want = np.zeros((32, 32), np.float32)
    for k in range(32):
        want += a[:, k:k + 1] * b[k:k + 1, :]
    np.testing.assert_array_equal(c, want)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4, atol=1e-4)


@proc
def conv1d(n: size, k: size, x: f32[n + k - 1], w: f32[k], y: f32[n]):
    assert k <= 8
    for i in seq(0, n):
        y[i] = 0.0
        for r in seq(0, k):
            y[i] += w[r] * x[i + r]


def test_conv1d():
    x, w = rand(20), rand(5)
    y = np.zeros(16, np.float32)
    interpret(conv1d, n=16, k=5, x=x, w=w, y=y)
    np.testing.assert_allclose(y, np.convolve(x, w[::-1], mode="valid"), rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------- windows and calls


@proc
def axpy(m: size, alpha: f32, x: [f32][m] @ DRAM, y: [f32][m] @ DRAM):
    for j in seq(0, m):
        y[j] += alpha * x[j]


@proc
def matmul_rows(n: size, m: size, p: size, A: f32[n, p], B: f32[p, m], C: f32[n, m]):
    for i in seq(0, n):
        for k in seq(0, p):
            a: f32 @ DRAM
            a = A[i, k]
            axpy(m, a, B[k, :], C[i, :])


def test_calls_with_windows_and_scalars():
    a, b = rand(5, 7), rand(7, 3)
    c = rand(5, 3)
    want = c + a @ b
    interpret(matmul_rows, n=5, m=3, p=7, A=a, B=b, C=c)
    np.testing.assert_allclose(c, want, rtol=1e-5, atol=1e-5)


def test_window_parameters_take_strided_views():
    big = rand(9, 12)
    x, y = big[::2, 3], big[1, ::3]  # strides 24 and 3 elements
    y0 = y.copy()
    interpret(axpy, m=4, alpha=np.float32(2.0), x=x[:4], y=y)
    np.testing.assert_allclose(y, y0 + np.float32(2) * x[:4], rtol=1e-6)
    assert np.shares_memory(y, big)  # written in place through the view


@proc
def window_games(n: size, src: [f32][n, 8], dst: f32[n, 2]):
    assert stride(src, 1) == 1
    rows = src[0:n, 2:8]
    inner = rows[:, 1:5]
    for i in seq(0, n):
        last = inner[i, 2:4]
        for j in seq(0, 2):
            dst[i, j] = last[j]


def test_windows_of_windows():
    base = rand(6, 8)
    out = np.zeros((3, 2), np.float32)
    interpret(window_games, n=3, src=base[::2], dst=out)
    np.testing.assert_array_equal(out, base[::2][:, 5:7])


@proc
def set_scalar(out: f32, v: f32):
    out = v * 2.0


@proc
def use_scalar(x: f32[4], s: f32):
    t: f32
    set_scalar(t, s)
    x[0] = t
    set_scalar(s, t)


def test_scalar_parameters_are_references():
    x = np.zeros(4, np.float32)
    s = np.array(1.5, np.float32)
    interpret(use_scalar, x=x, s=s)
    assert x.tolist() == [3.0, 0.0, 0.0, 0.0] and s[()] == 6.0
    out = np.zeros(1, np.float32)
    interpret(set_scalar, out=out, v=4.0)
    assert out[0] == 8.0


# --------------------------------------------------------------------------- instrs


@instr("{dst_data} = this_is_not_c({src_data});", c_global="#error never compiled")
def vcopy4(dst: [f32][4] @ DRAM, src: [f32][4] @ DRAM):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 4):
        dst[i] = src[i] + 0.0


@proc
def copy16(x: f32[16], y: f32[16]):
    for k in seq(0, 4):
        vcopy4(y[4 * k:4 * k + 4], x[4 * k:4 * k + 4])


def test_instrs_run_their_body():
    x, y = rand(16), np.zeros(16, np.float32)
    interpret(copy16, x=x, y=y)
    np.testing.assert_array_equal(x, y)


# --------------------------------------------------------------------------- configs


@config
class Tile:
    rows: size
    scale: f32
    on: bool


@proc
def cfg_set(r: size, s: f32):
    Tile.rows = r
    Tile.scale = s
    Tile.on = True


@proc
def cfg_use(n: size, x: f32[n]):
    for i in seq(0, n):
        if Tile.on and i < Tile.rows:
            x[i] = x[i] * Tile.scale


def test_config_state_flows_between_runs():
    st = ConfigState()
    interpret(cfg_set, st, r=3, s=2.5)
    assert st[Tile] == {"rows": 3, "scale": 2.5, "on": True}
    x = np.ones(5, np.float32)
    interpret(cfg_use, ctxt=st, n=5, x=x)
    assert x.tolist() == [2.5, 2.5, 2.5, 1.0, 1.0]
    st.set(Tile, "on", False)
    interpret(cfg_use, st, n=5, x=x)
    assert x.tolist() == [2.5, 2.5, 2.5, 1.0, 1.0]


# --------------------------------------------------------------------------- externs


@proc
def activations(n: size, x: f32[n], y: f32[n, 6]):
    for i in seq(0, n):
        y[i, 0] = relu(x[i])
        y[i, 1] = select(x[i], 0.0, -1.0, 1.0)
        y[i, 2] = expf(x[i])
        y[i, 3] = fmaxf(x[i], 0.5)
        y[i, 4] = sigmoid(x[i])
        y[i, 5] = sqrt(x[i] * x[i])


def test_externs():
    x = np.array([-2.0, -0.5, 0.0, 0.25, 3.0], np.float32)
    y = np.zeros((5, 6), np.float32)
    interpret(activations, n=5, x=x, y=y)
    np.testing.assert_allclose(y[:, 0], np.maximum(x, 0))
    np.testing.assert_array_equal(y[:, 1], np.where(x < 0, -1.0, 1.0))
    np.testing.assert_allclose(y[:, 2], np.exp(x), rtol=1e-6)
    np.testing.assert_allclose(y[:, 3], np.maximum(x, 0.5))
    np.testing.assert_allclose(y[:, 4], 1 / (1 + np.exp(-x.astype(np.float64))), rtol=1e-6)
    np.testing.assert_allclose(y[:, 5], np.abs(x), rtol=1e-6)


# --------------------------------------------------------------------------- every scalar type


@proc
def affine_f16(n: size, x: f16[n], y: f16[n]):
    for i in seq(0, n):
        y[i] = x[i] * 3.0 + 1.0


@proc
def affine_f32(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        y[i] = x[i] * 3.0 + 1.0


@proc
def affine_f64(n: size, x: f64[n], y: f64[n]):
    for i in seq(0, n):
        y[i] = x[i] * 3.0 + 1.0


@proc
def affine_R(n: size, x: R[n], y: R[n]):
    for i in seq(0, n):
        y[i] = x[i] * 3.0 + 1.0


@proc
def affine_i8(n: size, x: i8[n], y: i8[n]):
    for i in seq(0, n):
        y[i] = x[i] * 3 + 1


@proc
def affine_ui8(n: size, x: ui8[n], y: ui8[n]):
    for i in seq(0, n):
        y[i] = x[i] * 3 + 1


@proc
def affine_ui16(n: size, x: ui16[n], y: ui16[n]):
    for i in seq(0, n):
        y[i] = x[i] * 3 + 1


@proc
def affine_i32(n: size, x: i32[n], y: i32[n]):
    for i in seq(0, n):
        y[i] = x[i] * 3 + 1


def _c_affine(x):
    """``x * 3 + 1`` as C computes it: floats in their own precision, ints in int32 then wrapped."""
    if x.dtype.kind == "f":
        return x * x.dtype.type(3) + x.dtype.type(1)
    return (x.astype(np.int64) * 3 + 1).astype(np.int32).astype(x.dtype)


@pytest.mark.parametrize("p, dtype", [
    (affine_f16, np.float16), (affine_f32, np.float32), (affine_f64, np.float64), (affine_R, np.float32),
    (affine_i8, np.int8), (affine_ui8, np.uint8), (affine_ui16, np.uint16), (affine_i32, np.int32),
])
def test_every_scalar_type(p, dtype):
    if np.dtype(dtype).kind == "f":
        x = rand(33, dtype=dtype)
    else:
        info = np.iinfo(dtype)
        x = RNG.integers(info.min, info.max, size=33, endpoint=True).astype(dtype)
    y = np.zeros(33, dtype)
    interpret(p, n=33, x=x, y=y)
    np.testing.assert_array_equal(y, _c_affine(x))


# --------------------------------------------------------------------------- integers, division


@proc
def int_ops(n: size, a: i32[n], b: i32[n], q: i32[n], narrow: i8[n], f: f32[n], t: i8[n]):
    for i in seq(0, n):
        q[i] = a[i] / b[i]
        narrow[i] = a[i] * b[i]
        t[i] = f[i]


def test_integer_division_truncates_and_stores_wrap():
    a = np.array([7, -7, 7, -7, 2**31 - 1, -(2**31)], np.int32)
    b = np.array([2, 2, -2, -2, 2, -1], np.int32)
    q, narrow, t = (np.zeros(6, np.int32), np.zeros(6, np.int8), np.zeros(6, np.int8))
    f = np.array([2.9, -2.9, 0.5, -0.5, 127.9, 200.0], np.float32)
    interpret(int_ops, n=6, a=a, b=b, q=q, narrow=narrow, f=f, t=t)
    assert q.tolist() == [3, -3, -3, 3, 2**30 - 1, -(2**31)]
    assert narrow.tolist() == (a.astype(np.int64) * b).astype(np.int32).astype(np.int8).tolist()
    assert t.tolist() == [2, -2, 0, 0, 127, -56]


@proc
def floor_ops(x: f32[8], fl: f32[8], md: f32[8]):
    for i in seq(0, 8):
        fl[i] = x[(i - 3) / 4 + 1]
        md[i] = x[(i - 5) % 8]


def test_index_division_and_modulo_are_floor():
    x = np.arange(8, dtype=np.float32)
    fl, md = np.zeros(8, np.float32), np.zeros(8, np.float32)
    interpret(floor_ops, x=x, fl=fl, md=md)
    assert fl.tolist() == [float((i - 3) // 4 + 1) for i in range(8)]
    assert md.tolist() == [float((i - 5) % 8) for i in range(8)]
