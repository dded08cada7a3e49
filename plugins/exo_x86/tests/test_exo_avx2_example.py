"""Exo's examples/avx2_matmul schedule, every call of it, run through the `import exo` shim
with this plugin's instructions; the scheduled kernel is compiled and checked with numpy."""

from __future__ import annotations

import numpy as np

from exo_core import compat

from x86_testutil import needs_avx2

compat.install()

from exo import proc  # noqa: E402
from exo.platforms.x86 import *  # noqa: E402,F403
from exo.stdlib.scheduling import *  # noqa: E402,F403

compat.uninstall()


@proc
def rank_k_reduce_6x16(K: size, A: f32[6, K] @ DRAM, B: f32[K, 16] @ DRAM, C: f32[6, 16] @ DRAM):
    for i in seq(0, 6):
        for j in seq(0, 16):
            for k in seq(0, K):
                C[i, j] += A[i, k] * B[k, j]


def schedule(avx):
    avx = rename(avx, "rank_k_reduce_6x16_scheduled")
    avx = reorder_loops(avx, "j k")
    avx = reorder_loops(avx, "i k")
    avx = divide_loop(avx, "for j in _: _", 8, ["jo", "ji"], perfect=True)
    avx = stage_mem(avx, "for k in _:_", "C[0:6, 0:16]", "C_reg")
    avx = simplify(avx)
    avx = divide_dim(avx, "C_reg:_", 1, 8)
    avx = repeat(divide_loop)(avx, "for i1 in _: _", 8, ["i2", "i3"], perfect=True)
    avx = simplify(avx)
    avx = set_memory(avx, "C_reg:_", AVX2)
    avx = replace_all(avx, mm256_loadu_ps)
    avx = replace_all(avx, mm256_storeu_ps)
    avx = simplify(avx)
    avx = stage_mem(avx, "for i in _:_", "B[k, 0:16]", "B_reg")
    avx = simplify(avx)
    avx = divide_loop(avx, "for i0 in _: _ #1", 8, ["io", "ii"], perfect=True)
    avx = divide_dim(avx, "B_reg:_", 0, 8)
    avx = set_memory(avx, "B_reg:_", AVX2)
    avx = simplify(avx)
    avx = replace_all(avx, mm256_loadu_ps)
    avx = simplify(avx)
    avx = bind_expr(avx, "A[i, k]", "A_reg")
    avx = expand_dim(avx, "A_reg", 8, "ji")
    avx = lift_alloc(avx, "A_reg", n_lifts=2)
    avx = fission(avx, avx.find("A_reg[ji] = _").after(), n_lifts=2)
    avx = remove_loop(avx, "for jo in _: _")
    avx = set_memory(avx, "A_reg:_", AVX2)
    avx = replace_all(avx, mm256_broadcast_ss)
    avx = replace_all(avx, mm256_fmadd_ps)
    avx = simplify(avx)
    return avx


def test_schedule_reaches_only_instructions_in_the_loop():
    p = schedule(rank_k_reduce_6x16)
    text = str(p)
    for name in ("mm256_loadu_ps", "mm256_storeu_ps", "mm256_broadcast_ss", "mm256_fmadd_ps"):
        assert name + "(" in text, text
    assert "+=" not in text, text  # every multiply-add is an instruction now


@needs_avx2
def test_scheduled_kernel_matches_numpy():
    p = schedule(rank_k_reduce_6x16)
    rng = np.random.default_rng(3)
    for K in (1, 7, 64):
        A = rng.standard_normal((6, K)).astype(np.float32)
        B = rng.standard_normal((K, 16)).astype(np.float32)
        C = rng.standard_normal((6, 16)).astype(np.float32)
        want = C + A @ B
        p.jit(target="x86")(K, A, B, C)
        np.testing.assert_allclose(C, want, rtol=1e-5, atol=1e-5)
