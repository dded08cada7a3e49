"""AVX2 f32/f64 instrs and prefetch: each called from a tiny procedure on windows, compiled for
the ``x86`` target and compared with the interpreter (which runs the instr bodies)."""

from __future__ import annotations

import numpy as np
import pytest
from exo_core import proc
from x86_testutil import check, needs_avx2, rand, strided

from exo_x86 import *

pytestmark = needs_avx2

# --------------------------------------------------------------------------- procedures


@proc
def t_prefetch(x: [f32][4, 8], y: f32[8]):
    assert stride(x, 1) == 1
    prefetch(x[1, 3:4], 3)
    prefetch(x[2, 0:1], 0)
    prefetch(x[3, 7:8], 1)
    r: f32[8] @ AVX2
    mm256_loadu_ps(r, x[1, :])
    mm256_storeu_ps(y, r)


@proc
def t_load_store_zero_ps(x: [f32][3, 8], y: [f32][2, 8]):
    assert stride(x, 1) == 1
    assert stride(y, 1) == 1
    r: f32[2, 8] @ AVX2
    mm256_loadu_ps(r[1, :], x[2, :])
    mm256_setzero_ps(r[0, :])
    mm256_storeu_ps(y[0, :], r[1, :])
    mm256_storeu_ps(y[1, :], r[0, :])


@proc
def t_load_store_zero_pd(x: [f64][3, 4], y: [f64][2, 4]):
    assert stride(x, 1) == 1
    assert stride(y, 1) == 1
    r: f64[2, 4] @ AVX2
    mm256_loadu_pd(r[1, :], x[2, :])
    mm256_setzero_pd(r[0, :])
    mm256_storeu_pd(y[0, :], r[1, :])
    mm256_storeu_pd(y[1, :], r[0, :])


@proc
def t_broadcast_ps(x: [f32][5], s: f32, y: [f32][2, 8]):
    assert stride(x, 0) == 1
    assert stride(y, 1) == 1
    r: f32[2, 8] @ AVX2
    mm256_broadcast_ss(r[0, :], x[3:4])
    mm256_broadcast_ss_scalar(r[1, :], s)
    mm256_storeu_ps(y[0, :], r[0, :])
    mm256_storeu_ps(y[1, :], r[1, :])


@proc
def t_broadcast_pd(x: [f64][5], s: f64, y: [f64][2, 4]):
    assert stride(x, 0) == 1
    assert stride(y, 1) == 1
    r: f64[2, 4] @ AVX2
    mm256_broadcast_sd(r[0, :], x[2:3])
    mm256_broadcast_sd_scalar(r[1, :], s)
    mm256_storeu_pd(y[0, :], r[0, :])
    mm256_storeu_pd(y[1, :], r[1, :])


@proc
def t_broadcast_local_scalar(x: f32[1], y: f32[8]):
    s: f32
    s = x[0] * 2.0
    r: f32[8] @ AVX2
    mm256_broadcast_ss_scalar(r, s)
    mm256_storeu_ps(y, r)


@proc
def t_fmadd_ps(a: [f32][3, 8], y: [f32][8]):
    assert stride(a, 1) == 1
    assert stride(y, 0) == 1
    x: f32[8] @ AVX2
    z: f32[8] @ AVX2
    acc: f32[2, 8] @ AVX2
    mm256_loadu_ps(x, a[0, :])
    mm256_loadu_ps(z, a[1, :])
    mm256_loadu_ps(acc[1, :], a[2, :])
    mm256_fmadd_ps(acc[1, :], x, z)
    mm256_storeu_ps(y, acc[1, :])


@proc
def t_fmadd_pd(a: [f64][3, 4], y: [f64][4]):
    assert stride(a, 1) == 1
    assert stride(y, 0) == 1
    x: f64[4] @ AVX2
    z: f64[4] @ AVX2
    acc: f64[2, 4] @ AVX2
    mm256_loadu_pd(x, a[0, :])
    mm256_loadu_pd(z, a[1, :])
    mm256_loadu_pd(acc[1, :], a[2, :])
    mm256_fmadd_pd(acc[1, :], x, z)
    mm256_storeu_pd(y, acc[1, :])


@proc
def t_fmadd_ps_broadcast(a: [f32][2, 8], s: [f32][3], y: [f32][8]):
    assert stride(a, 1) == 1
    assert stride(s, 0) == 1
    assert stride(y, 0) == 1
    x: f32[8] @ AVX2
    acc: f32[8] @ AVX2
    mm256_loadu_ps(x, a[0, :])
    mm256_loadu_ps(acc, a[1, :])
    mm256_fmadd_ps_broadcast(acc, x, s[2:3])
    mm256_storeu_ps(y, acc)


@proc
def t_fmadd_pd_broadcast(a: [f64][2, 4], s: [f64][3], y: [f64][4]):
    assert stride(a, 1) == 1
    assert stride(s, 0) == 1
    assert stride(y, 0) == 1
    x: f64[4] @ AVX2
    acc: f64[4] @ AVX2
    mm256_loadu_pd(x, a[0, :])
    mm256_loadu_pd(acc, a[1, :])
    mm256_fmadd_pd_broadcast(acc, x, s[2:3])
    mm256_storeu_pd(y, acc)


@proc
def t_arith_ps(a: [f32][2, 8], y: [f32][6, 8]):
    assert stride(a, 1) == 1
    assert stride(y, 1) == 1
    x: f32[8] @ AVX2
    z: f32[8] @ AVX2
    o: f32[6, 8] @ AVX2
    mm256_loadu_ps(x, a[0, :])
    mm256_loadu_ps(z, a[1, :])
    mm256_add_ps(o[0, :], x, z)
    mm256_sub_ps(o[1, :], x, z)
    mm256_mul_ps(o[2, :], x, z)
    mm256_div_ps(o[3, :], x, z)
    mm256_relu_ps(o[4, :], x)
    mm256_relu_ps(o[5, :], z)
    for k in seq(0, 6):
        mm256_storeu_ps(y[k, :], o[k, :])


@proc
def t_arith_pd(a: [f64][2, 4], y: [f64][6, 4]):
    assert stride(a, 1) == 1
    assert stride(y, 1) == 1
    x: f64[4] @ AVX2
    z: f64[4] @ AVX2
    o: f64[6, 4] @ AVX2
    mm256_loadu_pd(x, a[0, :])
    mm256_loadu_pd(z, a[1, :])
    mm256_add_pd(o[0, :], x, z)
    mm256_sub_pd(o[1, :], x, z)
    mm256_mul_pd(o[2, :], x, z)
    mm256_div_pd(o[3, :], x, z)
    mm256_relu_pd(o[4, :], x)
    mm256_relu_pd(o[5, :], z)
    for k in seq(0, 6):
        mm256_storeu_pd(y[k, :], o[k, :])


PROCS = [
    t_prefetch, t_load_store_zero_ps, t_load_store_zero_pd, t_broadcast_ps, t_broadcast_pd,
    t_broadcast_local_scalar, t_fmadd_ps, t_fmadd_pd, t_fmadd_ps_broadcast, t_fmadd_pd_broadcast,
    t_arith_ps, t_arith_pd,
]

# --------------------------------------------------------------------------- tests

SEEDS = [0, 1, 2]


def _special(dtype, n):
    """Values that tell operations apart: signed zeros, NaN, infinities, tiny and huge."""
    vals = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-30, -1e30, 3.5]
    return np.array((vals * n)[:n], dtype=dtype)


@pytest.mark.parametrize("seed", SEEDS)
def test_prefetch(seed):
    rng = np.random.default_rng(seed)
    check(t_prefetch, "x86", x=strided(rand(rng, (4, 8), np.float32)), y=np.zeros(8, np.float32))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("p, dt", [(t_load_store_zero_ps, np.float32), (t_load_store_zero_pd, np.float64)])
def test_load_store_zero(p, dt, seed):
    rng = np.random.default_rng(seed)
    w = 32 // np.dtype(dt).itemsize
    out = check(p, "x86", x=strided(rand(rng, (3, w), dt)), y=strided(rand(rng, (2, w), dt)))
    assert np.all(out["y"][1] == 0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("p, dt", [(t_broadcast_ps, np.float32), (t_broadcast_pd, np.float64)])
def test_broadcast(p, dt, seed):
    rng = np.random.default_rng(seed)
    w = 32 // np.dtype(dt).itemsize
    out = check(p, "x86", x=strided(rand(rng, 5, dt)), s=rand(rng, 1, dt), y=strided(np.zeros((2, w), dt)))
    assert len(set(out["y"][0].tolist())) == 1


def test_broadcast_local_scalar():
    check(t_broadcast_local_scalar, "x86", x=np.array([1.25], np.float32), y=np.zeros(8, np.float32))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("p, dt, tol", [(t_fmadd_ps, np.float32, 1e-5), (t_fmadd_pd, np.float64, 1e-12)])
def test_fmadd(p, dt, tol, seed):
    rng = np.random.default_rng(seed)
    w = 32 // np.dtype(dt).itemsize
    check(p, "x86", tol=tol, a=strided(rand(rng, (3, w), dt)), y=np.zeros(w, dt))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("p, dt, tol", [(t_fmadd_ps_broadcast, np.float32, 1e-5),
                                        (t_fmadd_pd_broadcast, np.float64, 1e-12)])
def test_fmadd_broadcast(p, dt, tol, seed):
    rng = np.random.default_rng(seed)
    w = 32 // np.dtype(dt).itemsize
    out = check(p, "x86", tol=tol, a=strided(rand(rng, (2, w), dt)), s=rand(rng, 3, dt), y=np.zeros(w, dt))
    assert np.all(out["y"] != 0)


@pytest.mark.parametrize("seed", SEEDS + ["special"])
@pytest.mark.parametrize("p, dt", [(t_arith_ps, np.float32), (t_arith_pd, np.float64)])
def test_arith_and_relu(p, dt, seed):
    w = 32 // np.dtype(dt).itemsize
    if seed == "special":
        a = np.stack([_special(dt, w), np.roll(_special(dt, w), 3)])
    else:
        a = rand(np.random.default_rng(seed), (2, w), dt)
    check(p, "x86", a=strided(a), y=strided(np.zeros((6, w), dt)))
