"""AVX-512 instrs: each called from a tiny procedure on windows and compared between the JIT and
the interpreter, twice: for the real ``x86_avx512`` target (skipped where the CPU lacks AVX-512,
with the missing flags as the reason) and with ``avx512_emu.h``, a scalar model of the
intrinsics, which runs anywhere. The procedures are also compiled for ``x86_avx512`` with
``-Wall -Werror`` on any host."""

from __future__ import annotations

import numpy as np
import pytest
from exo_core import proc
from x86_testutil import avx512_targets, check, compile_only, rand, resolve, strided

from exo_x86 import *

# --------------------------------------------------------------------------- f32 x 16

@proc
def t512_load_store_zero_ps(x: [f32][3, 16], y: [f32][2, 16]):
    assert stride(x, 1) == 1
    assert stride(y, 1) == 1
    r: f32[2, 16] @ AVX512
    mm512_loadu_ps(r[1, :], x[2, :])
    mm512_setzero_ps(r[0, :])
    mm512_storeu_ps(y[0, :], r[1, :])
    mm512_storeu_ps(y[1, :], r[0, :])


@proc
def t512_mask_load_store_ps(n: index, x: [f32][n], init: [f32][16], y: [f32][16], z: [f32][n]):
    assert 0 <= n
    assert n <= 16
    assert stride(x, 0) == 1
    assert stride(init, 0) == 1
    assert stride(y, 0) == 1
    assert stride(z, 0) == 1
    r: f32[16] @ AVX512
    mm512_loadu_ps(r, init)
    mm512_maskz_loadu_ps(n, r, x)
    mm512_storeu_ps(y, r)
    mm512_mask_storeu_ps(n, z, r)


@proc
def t512_arith_ps(a: [f32][2, 16], y: [f32][5, 16]):
    assert stride(a, 1) == 1
    assert stride(y, 1) == 1
    x: f32[16] @ AVX512
    z: f32[16] @ AVX512
    o: f32[5, 16] @ AVX512
    mm512_loadu_ps(x, a[0, :])
    mm512_loadu_ps(z, a[1, :])
    mm512_add_ps(o[0, :], x, z)
    mm512_sub_ps(o[1, :], x, z)
    mm512_mul_ps(o[2, :], x, z)
    mm512_relu_ps(o[3, :], x)
    mm512_relu_ps(o[4, :], z)
    for k in seq(0, 5):
        mm512_storeu_ps(y[k, :], o[k, :])


@proc
def t512_fmadd_set1_ps(a: [f32][3, 16], c: [f32][2], y: [f32][2, 16]):
    assert stride(a, 1) == 1
    assert stride(c, 0) == 1
    assert stride(y, 1) == 1
    x: f32[16] @ AVX512
    z: f32[16] @ AVX512
    o: f32[2, 16] @ AVX512
    mm512_loadu_ps(x, a[0, :])
    mm512_loadu_ps(z, a[1, :])
    mm512_loadu_ps(o[0, :], a[2, :])
    mm512_fmadd_ps(x, z, o[0, :])
    mm512_set1_ps(o[1, :], c[1:2])
    mm512_storeu_ps(y[0, :], o[0, :])
    mm512_storeu_ps(y[1, :], o[1, :])


@proc
def t512_masked_ps(n: index, a: [f32][3, 16], c: [f32][2], y: [f32][3, 16]):
    assert 0 <= n
    assert n <= 16
    assert stride(a, 1) == 1
    assert stride(c, 0) == 1
    assert stride(y, 1) == 1
    x: f32[16] @ AVX512
    z: f32[16] @ AVX512
    o: f32[3, 16] @ AVX512
    mm512_loadu_ps(x, a[0, :])
    mm512_loadu_ps(z, a[1, :])
    for k in seq(0, 3):
        mm512_loadu_ps(o[k, :], a[2, :])
    mm512_mask_add_ps(n, o[0, :], x, z)
    mm512_mask_fmadd_ps(n, x, z, o[1, :])
    mm512_mask_set1_ps(n, o[2, :], c[0:1])
    for k in seq(0, 3):
        mm512_storeu_ps(y[k, :], o[k, :])


@proc
def t512_reduce_select_ps(a: [f32][4, 16], r: f32, y: [f32][16]):
    assert stride(a, 1) == 1
    assert stride(y, 0) == 1
    x: f32[16] @ AVX512
    v: f32[16] @ AVX512
    p: f32[16] @ AVX512
    q: f32[16] @ AVX512
    o: f32[16] @ AVX512
    mm512_loadu_ps(x, a[0, :])
    mm512_loadu_ps(v, a[1, :])
    mm512_loadu_ps(p, a[2, :])
    mm512_loadu_ps(q, a[3, :])
    mm512_reduce_add_ps(x, r)
    mm512_select_ps(o, x, v, p, q)
    mm512_storeu_ps(y, o)


# --------------------------------------------------------------------------- f64 x 8

@proc
def t512_load_store_zero_pd(x: [f64][3, 8], y: [f64][2, 8]):
    assert stride(x, 1) == 1
    assert stride(y, 1) == 1
    r: f64[2, 8] @ AVX512
    mm512_loadu_pd(r[1, :], x[2, :])
    mm512_setzero_pd(r[0, :])
    mm512_storeu_pd(y[0, :], r[1, :])
    mm512_storeu_pd(y[1, :], r[0, :])


@proc
def t512_mask_load_store_pd(n: index, x: [f64][n], init: [f64][8], y: [f64][8], z: [f64][n]):
    assert 0 <= n
    assert n <= 8
    assert stride(x, 0) == 1
    assert stride(init, 0) == 1
    assert stride(y, 0) == 1
    assert stride(z, 0) == 1
    r: f64[8] @ AVX512
    mm512_loadu_pd(r, init)
    mm512_maskz_loadu_pd(n, r, x)
    mm512_storeu_pd(y, r)
    mm512_mask_storeu_pd(n, z, r)


@proc
def t512_arith_pd(a: [f64][2, 8], y: [f64][5, 8]):
    assert stride(a, 1) == 1
    assert stride(y, 1) == 1
    x: f64[8] @ AVX512
    z: f64[8] @ AVX512
    o: f64[5, 8] @ AVX512
    mm512_loadu_pd(x, a[0, :])
    mm512_loadu_pd(z, a[1, :])
    mm512_add_pd(o[0, :], x, z)
    mm512_sub_pd(o[1, :], x, z)
    mm512_mul_pd(o[2, :], x, z)
    mm512_relu_pd(o[3, :], x)
    mm512_relu_pd(o[4, :], z)
    for k in seq(0, 5):
        mm512_storeu_pd(y[k, :], o[k, :])


@proc
def t512_fmadd_set1_pd(a: [f64][3, 8], c: [f64][2], y: [f64][2, 8]):
    assert stride(a, 1) == 1
    assert stride(c, 0) == 1
    assert stride(y, 1) == 1
    x: f64[8] @ AVX512
    z: f64[8] @ AVX512
    o: f64[2, 8] @ AVX512
    mm512_loadu_pd(x, a[0, :])
    mm512_loadu_pd(z, a[1, :])
    mm512_loadu_pd(o[0, :], a[2, :])
    mm512_fmadd_pd(x, z, o[0, :])
    mm512_set1_pd(o[1, :], c[1:2])
    mm512_storeu_pd(y[0, :], o[0, :])
    mm512_storeu_pd(y[1, :], o[1, :])


@proc
def t512_masked_pd(n: index, a: [f64][3, 8], c: [f64][2], y: [f64][3, 8]):
    assert 0 <= n
    assert n <= 8
    assert stride(a, 1) == 1
    assert stride(c, 0) == 1
    assert stride(y, 1) == 1
    x: f64[8] @ AVX512
    z: f64[8] @ AVX512
    o: f64[3, 8] @ AVX512
    mm512_loadu_pd(x, a[0, :])
    mm512_loadu_pd(z, a[1, :])
    for k in seq(0, 3):
        mm512_loadu_pd(o[k, :], a[2, :])
    mm512_mask_add_pd(n, o[0, :], x, z)
    mm512_mask_fmadd_pd(n, x, z, o[1, :])
    mm512_mask_set1_pd(n, o[2, :], c[0:1])
    for k in seq(0, 3):
        mm512_storeu_pd(y[k, :], o[k, :])


@proc
def t512_reduce_select_pd(a: [f64][4, 8], r: f64, y: [f64][8]):
    assert stride(a, 1) == 1
    assert stride(y, 0) == 1
    x: f64[8] @ AVX512
    v: f64[8] @ AVX512
    p: f64[8] @ AVX512
    q: f64[8] @ AVX512
    o: f64[8] @ AVX512
    mm512_loadu_pd(x, a[0, :])
    mm512_loadu_pd(v, a[1, :])
    mm512_loadu_pd(p, a[2, :])
    mm512_loadu_pd(q, a[3, :])
    mm512_reduce_add_pd(x, r)
    mm512_select_pd(o, x, v, p, q)
    mm512_storeu_pd(y, o)


# --------------------------------------------------------------------------- integers

@proc
def t512_int(b: [i8][64], u: [ui8][64], a: [i32][2, 16], yb: [i8][64], yu: [ui8][64], y: [i32][2, 16]):
    assert stride(b, 0) == 1
    assert stride(u, 0) == 1
    assert stride(a, 1) == 1
    assert stride(yb, 0) == 1
    assert stride(yu, 0) == 1
    assert stride(y, 1) == 1
    rb: i8[64] @ AVX512
    ru: ui8[64] @ AVX512
    x: i32[16] @ AVX512
    z: i32[16] @ AVX512
    o: i32[2, 16] @ AVX512
    mm512_loadu_si512_i8(rb, b)
    mm512_loadu_si512_ui8(ru, u)
    mm512_storeu_si512_i8(yb, rb)
    mm512_storeu_si512_ui8(yu, ru)
    mm512_loadu_si512_i32(x, a[0, :])
    mm512_loadu_si512_i32(z, a[1, :])
    mm512_add_epi32(o[0, :], x, z)
    mm512_setzero_si512_i32(o[1, :])
    mm512_storeu_si512_i32(y[0, :], o[0, :])
    mm512_storeu_si512_i32(y[1, :], o[1, :])


PROCS = [
    t512_load_store_zero_ps, t512_mask_load_store_ps, t512_arith_ps, t512_fmadd_set1_ps, t512_masked_ps,
    t512_reduce_select_ps, t512_load_store_zero_pd, t512_mask_load_store_pd, t512_arith_pd, t512_fmadd_set1_pd,
    t512_masked_pd, t512_reduce_select_pd, t512_int,
]

# --------------------------------------------------------------------------- tests

SEEDS = [0, 1, 2]
PS_PD = [("ps", np.float32, 16, 1e-5), ("pd", np.float64, 8, 1e-12)]
P = {p.name(): p for p in PROCS}


@pytest.mark.parametrize("p", PROCS, ids=lambda p: p.name())
def test_compiles_for_avx512(p):
    """The generated C compiles with the target's flags (on any x86 host with a C compiler)."""
    src = compile_only(p, "x86_avx512")
    assert "_mm512_" in src


@pytest.mark.parametrize("tgt", avx512_targets())
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("s, dt, w, tol", PS_PD)
def test_load_store_zero(tgt, s, dt, w, tol, seed):
    rng = np.random.default_rng(seed)
    check(P[f"t512_load_store_zero_{s}"], resolve(tgt), x=strided(rand(rng, (3, w), dt)),
          y=strided(rand(rng, (2, w), dt)))


@pytest.mark.parametrize("tgt", avx512_targets())
@pytest.mark.parametrize("s, dt, w, tol", PS_PD)
def test_mask_load_store_every_n(tgt, s, dt, w, tol):
    for n in range(0, w + 1):
        rng = np.random.default_rng(n)
        out = check(P[f"t512_mask_load_store_{s}"], resolve(tgt), n=n, x=strided(rand(rng, n, dt)),
                    init=rand(rng, w, dt, lo=5, hi=6), y=strided(np.zeros(w, dt)), z=strided(np.zeros(n, dt)))
        assert np.all(out["y"][n:] >= 5), f"n={n}: masked-off lanes must keep their value"


@pytest.mark.parametrize("tgt", avx512_targets())
@pytest.mark.parametrize("seed", SEEDS + ["special"])
@pytest.mark.parametrize("s, dt, w, tol", PS_PD)
def test_arith_relu(tgt, s, dt, w, tol, seed):
    rng = np.random.default_rng(0 if seed == "special" else seed)
    a = rand(rng, (2, w), dt)
    if seed == "special":
        a[0, :5] = [0.0, -0.0, np.nan, np.inf, -np.inf]
    check(P[f"t512_arith_{s}"], resolve(tgt), a=strided(a), y=strided(np.zeros((5, w), dt)))


@pytest.mark.parametrize("tgt", avx512_targets())
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("s, dt, w, tol", PS_PD)
def test_fmadd_set1(tgt, s, dt, w, tol, seed):
    rng = np.random.default_rng(seed)
    check(P[f"t512_fmadd_set1_{s}"], resolve(tgt), tol=tol, a=strided(rand(rng, (3, w), dt)),
          c=rand(rng, 2, dt), y=strided(np.zeros((2, w), dt)))


@pytest.mark.parametrize("tgt", avx512_targets())
@pytest.mark.parametrize("s, dt, w, tol", PS_PD)
def test_masked_every_n(tgt, s, dt, w, tol):
    for n in range(0, w + 1):
        rng = np.random.default_rng(n)
        a = rand(rng, (3, w), dt)
        out = check(P[f"t512_masked_{s}"], resolve(tgt), tol=tol, n=n, a=strided(a), c=rand(rng, 2, dt),
                    y=strided(np.zeros((3, w), dt)))
        for k in range(3):  # every masked-off lane keeps the value it had (a[2])
            np.testing.assert_array_equal(out["y"][k, n:], a[2, n:])


@pytest.mark.parametrize("tgt", avx512_targets())
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("s, dt, w, tol", PS_PD)
def test_reduce_select(tgt, s, dt, w, tol, seed):
    rng = np.random.default_rng(seed)
    a = rand(rng, (4, w), dt)
    a[1, ::3] = a[0, ::3]
    a[0, 1], a[0, 2] = 1e7, -1e7
    check(P[f"t512_reduce_select_{s}"], resolve(tgt), a=strided(a), r=np.array([0.5], dt),
          y=strided(np.zeros(w, dt)))


@pytest.mark.parametrize("tgt", avx512_targets())
@pytest.mark.parametrize("seed", SEEDS)
def test_int(tgt, seed):
    rng = np.random.default_rng(seed)
    a = rand(rng, (2, 16), np.int32)
    a[:, 0] = 2**31 - 1
    check(t512_int, resolve(tgt), b=strided(rand(rng, 64, np.int8)), u=strided(rand(rng, 64, np.uint8)), a=strided(a),
          yb=strided(np.zeros(64, np.int8)), yu=strided(np.zeros(64, np.uint8)), y=strided(np.ones((2, 16), np.int32)))
