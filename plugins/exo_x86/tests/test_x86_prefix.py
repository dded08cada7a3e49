"""Prefix-masked AVX2 instrs for every lane count 0..width: lanes >= bound of a register keep
their value and memory past the window is neither read nor written."""

from __future__ import annotations

import numpy as np
import pytest
from exo_core import proc
from x86_testutil import check, needs_avx2, rand, strided

from exo_x86 import *

pytestmark = needs_avx2


@proc
def t_prefix_load_store_ps(n: index, x: [f32][n], init: [f32][8], y: [f32][8], z: [f32][n], zm: [f32][n]):
    assert 0 <= n
    assert n <= 8
    assert stride(x, 0) == 1
    assert stride(init, 0) == 1
    assert stride(y, 0) == 1
    assert stride(z, 0) == 1
    assert stride(zm, 0) == 1
    r: f32[8] @ AVX2
    mm256_loadu_ps(r, init)
    mm256_prefix_load_ps(n, r, x)
    mm256_storeu_ps(y, r)
    mm256_prefix_store_ps(n, z, r)
    avx2_mask_storeu_ps(n, zm, r)


@proc
def t_prefix_load_store_pd(n: index, x: [f64][n], init: [f64][4], y: [f64][4], z: [f64][n]):
    assert 0 <= n
    assert n <= 4
    assert stride(x, 0) == 1
    assert stride(init, 0) == 1
    assert stride(y, 0) == 1
    assert stride(z, 0) == 1
    r: f64[4] @ AVX2
    mm256_loadu_pd(r, init)
    mm256_prefix_load_pd(n, r, x)
    mm256_storeu_pd(y, r)
    mm256_prefix_store_pd(n, z, r)


@proc
def t_prefix_arith_ps(n: index, a: [f32][3, 8], s: [f32][2], y: [f32][6, 8]):
    assert 0 <= n
    assert n <= 8
    assert stride(a, 1) == 1
    assert stride(s, 0) == 1
    assert stride(y, 1) == 1
    x: f32[8] @ AVX2
    z: f32[8] @ AVX2
    o: f32[6, 8] @ AVX2
    mm256_loadu_ps(x, a[0, :])
    mm256_loadu_ps(z, a[1, :])
    for k in seq(0, 6):
        mm256_loadu_ps(o[k, :], a[2, :])
    mm256_prefix_add_ps(n, o[0, :], x, z)
    mm256_prefix_sub_ps(n, o[1, :], x, z)
    mm256_prefix_mul_ps(n, o[2, :], x, z)
    mm256_prefix_div_ps(n, o[3, :], x, z)
    mm256_prefix_fmadd_ps(n, o[4, :], x, z)
    mm256_prefix_broadcast_ss(n, o[5, :], s[1:2])
    for k in seq(0, 6):
        mm256_storeu_ps(y[k, :], o[k, :])


@proc
def t_prefix_fmadd_pd(n: index, a: [f64][3, 4], y: [f64][4]):
    assert 0 <= n
    assert n <= 4
    assert stride(a, 1) == 1
    assert stride(y, 0) == 1
    x: f64[4] @ AVX2
    z: f64[4] @ AVX2
    o: f64[4] @ AVX2
    mm256_loadu_pd(x, a[0, :])
    mm256_loadu_pd(z, a[1, :])
    mm256_loadu_pd(o, a[2, :])
    mm256_prefix_fmadd_pd(n, o, x, z)
    mm256_storeu_pd(y, o)


@proc
def t_tail_copy(n: size, x: f32[n], y: f32[n]):
    """A loop of any length: full vectors, then one prefix-masked tail at the end of the buffer."""
    r: f32[8] @ AVX2
    for io in seq(0, n / 8):
        mm256_loadu_ps(r, x[8 * io:8 * io + 8])
        mm256_storeu_ps(y[8 * io:8 * io + 8], r)
    if n % 8 > 0:
        mm256_prefix_load_ps(n % 8, r, x[n - n % 8:n])
        mm256_prefix_store_ps(n % 8, y[n - n % 8:n], r)


PROCS = [t_prefix_load_store_ps, t_prefix_load_store_pd, t_prefix_arith_ps, t_prefix_fmadd_pd, t_tail_copy]


@pytest.mark.parametrize("n", range(0, 9))
def test_prefix_load_store_ps(n):
    rng = np.random.default_rng(n)
    out = check(t_prefix_load_store_ps, "x86", n=n, x=strided(rand(rng, n, np.float32)),
                init=rand(rng, 8, np.float32), y=strided(np.zeros(8, np.float32)),
                z=strided(np.zeros(n, np.float32)), zm=strided(np.zeros(n, np.float32)))
    assert np.all(out["y"][n:] != 0)  # lanes >= n kept init


@pytest.mark.parametrize("n", range(0, 5))
def test_prefix_load_store_pd(n):
    rng = np.random.default_rng(n)
    check(t_prefix_load_store_pd, "x86", n=n, x=strided(rand(rng, n, np.float64)),
          init=rand(rng, 4, np.float64), y=strided(np.zeros(4, np.float64)), z=strided(np.zeros(n, np.float64)))


@pytest.mark.parametrize("n", range(0, 9))
def test_prefix_arith_ps(n):
    rng = np.random.default_rng(n)
    check(t_prefix_arith_ps, "x86", tol=1e-5, n=n, a=strided(rand(rng, (3, 8), np.float32)),
          s=rand(rng, 2, np.float32), y=strided(np.zeros((6, 8), np.float32)))
    # the same without the fused multiply-add row, bit for bit
    a = rand(rng, (3, 8), np.float32)
    from x86_testutil import jit_and_interpret
    j, i = jit_and_interpret(t_prefix_arith_ps, "x86", n=n, a=a, s=rand(rng, 2, np.float32),
                             y=np.zeros((6, 8), np.float32))
    rows = [0, 1, 2, 3, 5]
    assert j["y"][rows].tobytes() == i["y"][rows].tobytes()


@pytest.mark.parametrize("n", range(0, 5))
def test_prefix_fmadd_pd(n):
    rng = np.random.default_rng(n)
    check(t_prefix_fmadd_pd, "x86", tol=1e-12, n=n, a=strided(rand(rng, (3, 4), np.float64)),
          y=strided(np.zeros(4, np.float64)))


@pytest.mark.parametrize("n", [1, 5, 8, 13, 16, 23])
def test_tail_loop(n):
    rng = np.random.default_rng(n)
    x = rand(rng, n, np.float32)
    out = check(t_tail_copy, "x86", n=n, x=x, y=np.zeros(n, np.float32))
    np.testing.assert_array_equal(out["y"], x)
