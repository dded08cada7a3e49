"""The AVX512-VNNI dot products: u8 x i8 products summed in groups of 4 into wrapping i32 lanes."""

from __future__ import annotations

import numpy as np
import pytest
from exo_core import proc
from x86_testutil import _can_run, check, compile_only, needs_vnni, rand, resolve, strided

from exo_x86 import *


@proc
def t_dpbusd512(a: [ui8][2, 64], b: [i8][64], c: [i32][16], y: [i32][16]):
    assert stride(a, 1) == 1
    assert stride(b, 0) == 1
    assert stride(c, 0) == 1
    assert stride(y, 0) == 1
    ra: ui8[2, 64] @ AVX512
    rb: i8[64] @ AVX512
    acc: i32[16] @ AVX512
    mm512_loadu_si512_ui8(ra[1, :], a[1, :])
    mm512_loadu_si512_i8(rb, b)
    mm512_loadu_si512_i32(acc, c)
    mm512_dpbusd_epi32(acc, ra[1, :], rb)
    mm512_storeu_si512_i32(y, acc)


@proc
def t_dpbusd256(a: [ui8][32], b: [i8][32], c: [i32][8], y: [i32][8]):
    assert stride(a, 0) == 1
    assert stride(b, 0) == 1
    assert stride(c, 0) == 1
    assert stride(y, 0) == 1
    ra: ui8[32] @ AVX2
    rb: i8[32] @ AVX2
    acc: i32[8] @ AVX2
    mm256_loadu_si256_ui8(ra, a)
    mm256_loadu_si256_i8(rb, b)
    mm256_loadu_si256_i32(acc, c)
    mm256_dpbusd_epi32(acc, ra, rb)
    mm256_storeu_si256_i32(y, acc)


PROCS = [t_dpbusd512, t_dpbusd256]


def _expected(a, b, c):
    prod = a.astype(np.int64) * b.astype(np.int64)
    s = c.astype(np.int64) + prod.reshape(-1, 4).sum(axis=1)
    return ((s + 2**31) % 2**32 - 2**31).astype(np.int32)  # wraps, no saturation


def test_reference_semantics_in_interpreter():
    """The body alone (no VNNI needed): numpy's u8 x i8 dot product in groups of 4, wrapping."""
    from exo_core import interpret

    rng = np.random.default_rng(7)
    a, b = rand(rng, (2, 64), np.uint8), rand(rng, 64, np.int8)
    a[1, :4], b[:4] = 255, -128
    c = rand(rng, 16, np.int32)
    c[0] = -(2**31)  # + 4 * 255 * -128 wraps around
    y = np.zeros(16, np.int32)
    interpret(t_dpbusd512, a=a, b=b, c=c, y=y)
    np.testing.assert_array_equal(y, _expected(a[1], b, c))


@pytest.mark.parametrize("p", PROCS, ids=lambda p: p.name())
def test_compiles_for_vnni(p):
    assert "dpbusd" in compile_only(p, "x86_avx512_vnni")


_OK, _WHY = _can_run("x86_avx512_vnni")
VNNI_TARGETS = [pytest.param("x86_avx512_vnni", id="vnni", marks=pytest.mark.skipif(not _OK, reason=_WHY or "no VNNI")),
                pytest.param("emulated", id="emulated")]


@pytest.mark.parametrize("tgt", VNNI_TARGETS)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_dpbusd512(tgt, seed):
    rng = np.random.default_rng(seed)
    a, b, c = rand(rng, (2, 64), np.uint8), rand(rng, 64, np.int8), rand(rng, 16, np.int32)
    a[1, :4], b[:4], c[0] = 255, -128, -(2**31)
    out = check(t_dpbusd512, resolve(tgt), a=strided(a), b=strided(b), c=strided(c),
                y=strided(np.zeros(16, np.int32)))
    np.testing.assert_array_equal(out["y"], _expected(a[1], b, c))


@needs_vnni
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_dpbusd256(seed):
    rng = np.random.default_rng(seed)
    a, b, c = rand(rng, 32, np.uint8), rand(rng, 32, np.int8), rand(rng, 8, np.int32)
    c[1] = 2**31 - 1
    out = check(t_dpbusd256, "x86_avx512_vnni", a=a, b=b, c=c, y=np.zeros(8, np.int32))
    np.testing.assert_array_equal(out["y"], _expected(a, b, c))
