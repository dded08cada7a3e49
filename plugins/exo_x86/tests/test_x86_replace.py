"""Scheduling scalar loops into exo-x86 instrs with exo-core's ``replace_all`` (and Exo's
``vectorize`` helper, which uses it), then running the result on the ``x86`` target against
numpy. Skipped, with the reason, on an exo-core without ``replace_all``."""

from __future__ import annotations

import exo_core.scheduling as S
import numpy as np
import pytest
from exo_core import jit, proc
from x86_testutil import needs_avx2, rand

from exo_x86 import *

pytestmark = [
    pytest.mark.skipif(not hasattr(S, "replace_all"),
                       reason="this exo-core has no exo_core.scheduling.replace_all (instruction replacement)"),
    needs_avx2,
]


@proc
def saxpy_staged(n: size, a: f32[1], x: f32[n, 8], y: f32[n, 8]):
    av: f32[8] @ AVX2
    for ln in seq(0, 8):
        av[ln] = a[0]
    for i in seq(0, n):
        xv: f32[8] @ AVX2
        yv: f32[8] @ AVX2
        for ln in seq(0, 8):
            xv[ln] = x[i, ln]
        for ln in seq(0, 8):
            yv[ln] = y[i, ln]
        for ln in seq(0, 8):
            yv[ln] += av[ln] * xv[ln]
        for ln in seq(0, 8):
            y[i, ln] = yv[ln]


def test_replace_all_into_avx2():
    p = S.replace_all(saxpy_staged, [mm256_broadcast_ss, mm256_loadu_ps, mm256_fmadd_ps, mm256_storeu_ps])
    text = str(p)
    assert "for ln in" not in text, text
    for name in ("mm256_broadcast_ss(", "mm256_loadu_ps(", "mm256_fmadd_ps(", "mm256_storeu_ps("):
        assert name in text
    f = jit(p)  # the x86 target owns AVX2 and these instrs
    assert f.target.name == "x86"
    rng = np.random.default_rng(0)
    for n in (1, 3, 10):
        a, x, y = rand(rng, 1, np.float32), rand(rng, (n, 8), np.float32), rand(rng, (n, 8), np.float32)
        want = y + a[0] * x
        f(n, a, x, y)
        np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)


@proc
def vadd(n: size, x: f32[n], y: f32[n], z: f32[n]):
    for i in seq(0, n):
        z[i] = x[i] + y[i]


@proc
def vmul(n: size, x: f32[n], y: f32[n], z: f32[n]):
    for i in seq(0, n):
        z[i] = x[i] * y[i]


FULL = [mm256_loadu_ps, mm256_storeu_ps, mm256_add_ps, mm256_mul_ps]
TAIL = [mm256_prefix_load_ps, mm256_prefix_store_ps, mm256_prefix_add_ps, mm256_prefix_mul_ps]


@pytest.mark.parametrize("p, op", [(vadd, np.add), (vmul, np.multiply)], ids=["add", "mul"])
def test_vectorize_with_prefix_tail(p, op):
    """Any length: full AVX2 vectors, then the last (partial) vector through the prefix instrs."""
    from exo_core.stdlib.instrs import vectorize

    v = vectorize(p, p.find_loop("i"), 8, "f32", AVX2, FULL + TAIL, tail="cut_and_predicate")
    text = str(v)
    assert "seq(0, 8)" not in text, text
    assert "mm256_prefix_load_ps(" in text and "mm256_prefix_store_ps(" in text
    f = jit(v)
    assert f.target.name == "x86"
    rng = np.random.default_rng(1)
    for n in (1, 7, 8, 9, 16, 31):
        x, y = rand(rng, n, np.float32), rand(rng, n, np.float32)
        z = np.full(n, -1.0, np.float32)
        f(n, x, y, z)
        np.testing.assert_array_equal(z, op(x, y))
