"""Composite AVX2 instrs (select, in-order reductions, sign, copies, conversions) and integer
lanes, each compared between the ``x86`` JIT and the interpreter."""

from __future__ import annotations

import numpy as np
import pytest
from exo_core import jit, proc
from x86_testutil import check, needs_avx2, rand, strided

from exo_x86 import *

pytestmark = needs_avx2

# --------------------------------------------------------------------------- float composites


@proc
def t_set0_memu(a: [f32][2, 8], y: [f32][8]):
    assert stride(a, 1) == 1
    assert stride(y, 0) == 1
    r: f32[2, 8] @ AVX2
    mm256_loadu_ps(r[0, :], a[0, :])
    avx2_set0_ps(r[1, :])
    avx2_fmadd_memu_ps(y, r[0, :])
    avx2_fmadd_memu_ps(y, r[1, :])


@proc
def t_select_ps(a: [f32][4, 8], y: [f32][8]):
    assert stride(a, 1) == 1
    assert stride(y, 0) == 1
    x: f32[8] @ AVX2
    v: f32[8] @ AVX2
    p: f32[8] @ AVX2
    q: f32[8] @ AVX2
    o: f32[8] @ AVX2
    mm256_loadu_ps(x, a[0, :])
    mm256_loadu_ps(v, a[1, :])
    mm256_loadu_ps(p, a[2, :])
    mm256_loadu_ps(q, a[3, :])
    avx2_select_ps(o, x, v, p, q)
    mm256_storeu_ps(y, o)


@proc
def t_select_pd(a: [f64][4, 4], y: [f64][4]):
    assert stride(a, 1) == 1
    assert stride(y, 0) == 1
    x: f64[4] @ AVX2
    v: f64[4] @ AVX2
    p: f64[4] @ AVX2
    q: f64[4] @ AVX2
    o: f64[4] @ AVX2
    mm256_loadu_pd(x, a[0, :])
    mm256_loadu_pd(v, a[1, :])
    mm256_loadu_pd(p, a[2, :])
    mm256_loadu_pd(q, a[3, :])
    avx2_select_pd(o, x, v, p, q)
    mm256_storeu_pd(y, o)


@proc
def t_reduce_ps(a: [f32][2, 8], s: f32, y: [f32][3, 8]):
    assert stride(a, 1) == 1
    assert stride(y, 1) == 1
    x: f32[8] @ AVX2
    z: f32[8] @ AVX2
    w: f32[8] @ AVX2
    mm256_loadu_ps(x, a[0, :])
    mm256_loadu_ps(z, a[1, :])
    avx2_assoc_reduce_add_ps(x, s)
    avx2_reduce_add_wide_ps(z, x)
    avx2_sign_ps(w, x)
    mm256_storeu_ps(y[0, :], z)
    mm256_storeu_ps(y[1, :], w)
    avx2_reg_copy_ps(z, w)
    mm256_storeu_ps(y[2, :], z)


@proc
def t_reduce_pd(a: [f64][2, 4], s: f64, y: [f64][3, 4]):
    assert stride(a, 1) == 1
    assert stride(y, 1) == 1
    x: f64[4] @ AVX2
    z: f64[4] @ AVX2
    w: f64[4] @ AVX2
    mm256_loadu_pd(x, a[0, :])
    mm256_loadu_pd(z, a[1, :])
    avx2_assoc_reduce_add_pd(x, s)
    avx2_reduce_add_wide_pd(z, x)
    avx2_sign_pd(w, x)
    mm256_storeu_pd(y[0, :], z)
    mm256_storeu_pd(y[1, :], w)
    avx2_reg_copy_pd(z, w)
    mm256_storeu_pd(y[2, :], z)


@proc
def t_reduce_local(a: f32[8], y: f32[1]):
    s: f32
    s = 0.5
    x: f32[8] @ AVX2
    mm256_loadu_ps(x, a)
    avx2_assoc_reduce_add_ps(x, s)
    y[0] = s


@proc
def t_convert(a: [f32][8], y: [f64][2, 4]):
    assert stride(a, 0) == 1
    assert stride(y, 1) == 1
    x: f32[8] @ AVX2
    lo: f64[4] @ AVX2
    hi: f64[4] @ AVX2
    mm256_loadu_ps(x, a)
    avx2_convert_f32_lower_to_f64(lo, x)
    avx2_convert_f32_upper_to_f64(hi, x)
    mm256_storeu_pd(y[0, :], lo)
    mm256_storeu_pd(y[1, :], hi)


# --------------------------------------------------------------------------- integers


@proc
def t_ui16(a: [ui16][2, 16], y: [ui16][3, 16]):
    assert stride(a, 1) == 1
    assert stride(y, 1) == 1
    x: ui16[16] @ AVX2
    z: ui16[16] @ AVX2
    o: ui16[2, 16] @ AVX2
    mm256_loadu_si256(x, a[0, :])
    mm256_loadu_si256(z, a[1, :])
    mm256_add_epi16(o[0, :], x, z)
    avx2_ui16_divide_by_3(o[1, :], x)
    mm256_storeu_si256(y[0, :], o[0, :])
    mm256_storeu_si256(y[1, :], o[1, :])
    mm256_storeu_si256(y[2, :], z)


@proc
def t_divide_by_3_all(a: ui16[4096, 16], y: ui16[4096, 16]):
    x: ui16[16] @ AVX2
    o: ui16[16] @ AVX2
    for k in seq(0, 4096):
        mm256_loadu_si256(x, a[k, :])
        avx2_ui16_divide_by_3(o, x)
        mm256_storeu_si256(y[k, :], o)


@proc
def t_i8(a: [i8][2, 32], y: [i8][2, 32]):
    assert stride(a, 1) == 1
    assert stride(y, 1) == 1
    x: i8[32] @ AVX2
    z: i8[32] @ AVX2
    o: i8[32] @ AVX2
    mm256_loadu_si256_i8(x, a[0, :])
    mm256_loadu_si256_i8(z, a[1, :])
    mm256_add_epi8(o, x, z)
    mm256_storeu_si256_i8(y[0, :], o)
    mm256_storeu_si256_i8(y[1, :], z)


@proc
def t_ui8(a: [ui8][32], y: [ui8][32]):
    assert stride(a, 0) == 1
    assert stride(y, 0) == 1
    x: ui8[32] @ AVX2
    mm256_loadu_si256_ui8(x, a)
    mm256_storeu_si256_ui8(y, x)


@proc
def t_i32(a: [i32][2, 8], y: [i32][4, 8]):
    assert stride(a, 1) == 1
    assert stride(y, 1) == 1
    x: i32[8] @ AVX2
    z: i32[8] @ AVX2
    o: i32[4, 8] @ AVX2
    mm256_loadu_si256_i32(x, a[0, :])
    mm256_loadu_si256_i32(z, a[1, :])
    mm256_add_epi32(o[0, :], x, z)
    mm256_sub_epi32(o[1, :], x, z)
    mm256_mullo_epi32(o[2, :], x, z)
    mm256_setzero_si256_i32(o[3, :])
    for k in seq(0, 4):
        mm256_storeu_si256_i32(y[k, :], o[k, :])

# --------------------------------------------------------------------------- packing


@proc
def t_transpose_6x8(a: [f32][6, 8], y: [f32][8, 6]):
    assert stride(a, 1) == 1
    assert stride(y, 1) == 1
    avx2_transpose_6x8_ps(y, a)


@proc
def pack_k_major(n: size, a: f32[6, n], y: f32[n, 6]):
    assert n % 8 == 0
    for ko in seq(0, n / 8):
        for ki in seq(0, 8):
            for i in seq(0, 6):
                y[8 * ko + ki, i] = a[i, 8 * ko + ki]


@proc
def copy_same_layout(a: f32[8, 6], y: f32[8, 6]):
    for k in seq(0, 8):
        for i in seq(0, 6):
            y[k, i] = a[k, i]



PROCS = [t_set0_memu, t_select_ps, t_select_pd, t_reduce_ps, t_reduce_pd, t_reduce_local, t_convert, t_ui16,
         t_divide_by_3_all, t_i8, t_ui8, t_i32, t_transpose_6x8]

# --------------------------------------------------------------------------- tests

SEEDS = [0, 1, 2]


def _with_specials(a):
    a = a.copy()
    flat = a.reshape(-1)
    flat[:6] = [0.0, -0.0, np.nan, np.inf, -np.inf, -1.5][: flat.size]
    return a


@pytest.mark.parametrize("seed", SEEDS)
def test_set0_and_fmadd_memu(seed):
    rng = np.random.default_rng(seed)
    check(t_set0_memu, "x86", a=strided(rand(rng, (2, 8), np.float32)), y=strided(rand(rng, 8, np.float32)))


@pytest.mark.parametrize("seed", SEEDS + ["special"])
@pytest.mark.parametrize("p, dt", [(t_select_ps, np.float32), (t_select_pd, np.float64)])
def test_select(p, dt, seed):
    w = 32 // np.dtype(dt).itemsize
    rng = np.random.default_rng(0 if seed == "special" else seed)
    a = rand(rng, (4, w), dt)
    a[1, ::2] = a[0, ::2]  # ties: x < v is false there
    if seed == "special":
        a[0] = _with_specials(a[0])
        a[1, :3] = np.nan
    check(p, "x86", a=strided(a), y=strided(np.zeros(w, dt)))


@pytest.mark.parametrize("seed", SEEDS + ["special"])
@pytest.mark.parametrize("p, dt", [(t_reduce_ps, np.float32), (t_reduce_pd, np.float64)])
def test_reduce_sign_copy(p, dt, seed):
    """The in-order reduction is bit-identical to the body (no tolerance), even with
    cancellation, and the sign flip is exactly -x (signed zeros and NaNs included)."""
    w = 32 // np.dtype(dt).itemsize
    rng = np.random.default_rng(0 if seed == "special" else seed)
    a = rand(rng, (2, w), dt)
    a[0, 1] = 1e7 if dt == np.float32 else 1e17  # rounding depends on the order of additions
    a[0, 2] = -a[0, 1]
    if seed == "special":
        a[0] = _with_specials(a[0])
    s = np.array([0.25], dt)
    check(p, "x86", a=strided(a), s=s, y=strided(np.zeros((3, w), dt)))


def test_reduce_into_local():
    a = np.arange(8, dtype=np.float32) * np.float32(1.1)
    out = check(t_reduce_local, "x86", a=a, y=np.zeros(1, np.float32))
    assert out["y"][0] == np.float32(0.5) + sum(np.float32(v) for v in a)


@pytest.mark.parametrize("seed", SEEDS)
def test_convert(seed):
    rng = np.random.default_rng(seed)
    a = rand(rng, 8, np.float32)
    out = check(t_convert, "x86", a=strided(a), y=strided(np.zeros((2, 4), np.float64)))
    np.testing.assert_array_equal(out["y"].reshape(-1), a.astype(np.float64))


@pytest.mark.parametrize("seed", SEEDS)
def test_ui16_add_wraps_and_divide(seed):
    rng = np.random.default_rng(seed)
    a = rand(rng, (2, 16), np.uint16)
    a[:, 0] = 65535  # 65535 + 65535 wraps to 65534 (a saturating add would give 65535)
    out = check(t_ui16, "x86", a=strided(a), y=strided(np.zeros((3, 16), np.uint16)))
    assert out["y"][0, 0] == 65534


def test_divide_by_3_exhaustive():
    a = np.arange(65536, dtype=np.uint16).reshape(4096, 16)
    out = check(t_divide_by_3_all, "x86", a=a, y=np.zeros((4096, 16), np.uint16))
    np.testing.assert_array_equal(out["y"], a // 3)


@pytest.mark.parametrize("seed", SEEDS)
def test_i8_add_wraps(seed):
    rng = np.random.default_rng(seed)
    a = rand(rng, (2, 32), np.int8)
    a[:, 0] = 127
    out = check(t_i8, "x86", a=strided(a), y=strided(np.zeros((2, 32), np.int8)))
    assert out["y"][0, 0] == -2


@pytest.mark.parametrize("seed", SEEDS)
def test_ui8_load_store(seed):
    rng = np.random.default_rng(seed)
    check(t_ui8, "x86", a=strided(rand(rng, 32, np.uint8)), y=strided(np.zeros(32, np.uint8)))


@pytest.mark.parametrize("seed", SEEDS)
def test_i32_add_sub_mullo_wrap(seed):
    rng = np.random.default_rng(seed)
    a = rand(rng, (2, 8), np.int32)
    a[:, 0] = 2**31 - 1
    check(t_i32, "x86", a=strided(a), y=strided(np.ones((4, 8), np.int32)))


# --------------------------------------------------------------------------- packing

@pytest.mark.parametrize("seed", SEEDS)
def test_transpose_6x8(seed):
    """Both operands strided (rows padded on both sides): every element lands in place and
    nothing around the 8 x 6 destination is written."""
    rng = np.random.default_rng(seed)
    a = rand(rng, (6, 8), np.float32)
    out = check(t_transpose_6x8, "x86", a=strided(a, pad=3), y=strided(np.zeros((8, 6), np.float32), pad=5))
    np.testing.assert_array_equal(out["y"], a.T)


def test_transpose_6x8_replaces_a_packing_loop():
    import exo_core.scheduling as S

    p = S.replace(pack_k_major, pack_k_major.find_loop("ki"), avx2_transpose_6x8_ps)
    assert "avx2_transpose_6x8_ps(y[8 * ko:8 * ko + 8, 0:6], a[0:6, 8 * ko:8 * ko + 8])" in str(p)
    rng = np.random.default_rng(0)
    a = rand(rng, (6, 24), np.float32)
    y = np.zeros((24, 6), np.float32)
    jit(p)(24, a, y)
    np.testing.assert_array_equal(y, a.T)


def test_transpose_6x8_refuses_a_plain_copy():
    import exo_core.scheduling as S
    from exo_core import SchedulingError

    with pytest.raises(SchedulingError, match="avx2_transpose_6x8_ps"):
        S.replace(copy_same_layout, copy_same_layout.find_loop("k"), avx2_transpose_6x8_ps)
