"""A 6x16 rank-K update scheduled into AVX2 registers and FMAs, written only against Exo's
public API: it runs unchanged under Exo 1.0 (``pip install exo-lang``) and under exo-core's
``import exo`` shim (``python -m exo_core.compat``).

``build()`` returns the procs to compile; ``schedule(p)`` is the schedule itself (the
exo-x86 plugin's tests use it too).
"""

# ruff: noqa: F403, F405, F821

from __future__ import annotations

from exo import proc
from exo.platforms.x86 import *
from exo.stdlib.scheduling import *


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


def build():
    """The procs to compile to C."""
    return [schedule(rank_k_reduce_6x16)]


if __name__ == "__main__":
    import exo

    c_code, _header = exo.compile_procs_to_strings(build(), "avx2_matmul.h")
    print(c_code)
