"""Prefix-masked AVX2 instrs: only lanes ``0 <= i < bound`` are touched (``0 <= bound <= 8`` for
f32, ``<= 4`` for f64), for the tail of a loop whose length is not a multiple of the width.

Signature convention: the lane count comes first and memory operands only span it
(``mm256_prefix_load_ps(bound, dst, src: [f32][bound])``), so the last iteration of a
vectorized loop passes an in-bounds window. (Exo's versions take ``bound`` last and
full-width operands.) ``bound`` is an ``index``, so 0 lanes is allowed.

Semantics that Exo's templates did not implement and these do:

* a prefix load leaves lanes ``>= bound`` of ``dst`` unchanged (``_mm256_maskload_ps``
  zeroes them, so the loaded value is blended into ``dst``; into a fresh register, gcc's
  ``-Wall`` may call those lanes maybe-uninitialized, which they are, harmlessly);
* memory lanes ``>= bound`` are neither read nor written (masked loads/stores do not fault);
* ``avx2_mask_storeu_ps`` builds its mask from ``N`` lanes of 32 bits
  (Exo used ``_mm256_set1_epi8((1 << N) - 1)``).
"""

from __future__ import annotations

from exo_core import DRAM, instr

from ._cglobal import INCLUDE
from .memories import AVX2

_M32 = "exo_x86_prefix_mask_epi32({bound})"
_M64 = "exo_x86_prefix_mask_epi64({bound})"


def _keep(dst: str, value: str, mask: str, suffix: str) -> str:
    """``dst`` with lanes selected by ``mask`` replaced by ``value``."""
    cast = f"_mm256_castsi256_{suffix}({mask})"
    return f"{dst} = _mm256_blendv_{suffix}({dst}, {value}, {cast});"


# --------------------------------------------------------------------------- loads and stores


@instr(_keep("{dst_data}", f"_mm256_maskload_ps(&{{src_data}}, {_M32})", _M32, "ps"), INCLUDE)
def mm256_prefix_load_ps(bound: index, dst: [f32][8] @ AVX2, src: [f32][bound] @ DRAM):
    assert 0 <= bound
    assert bound <= 8
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        if i < bound:
            dst[i] = src[i]


@instr(f"_mm256_maskstore_ps(&{{dst_data}}, {_M32}, {{src_data}});", INCLUDE)
def mm256_prefix_store_ps(bound: index, dst: [f32][bound] @ DRAM, src: [f32][8] @ AVX2):
    assert 0 <= bound
    assert bound <= 8
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        if i < bound:
            dst[i] = src[i]


@instr(_keep("{dst_data}", f"_mm256_maskload_pd(&{{src_data}}, {_M64})", _M64, "pd"), INCLUDE)
def mm256_prefix_load_pd(bound: index, dst: [f64][4] @ AVX2, src: [f64][bound] @ DRAM):
    assert 0 <= bound
    assert bound <= 4
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 4):
        if i < bound:
            dst[i] = src[i]


@instr(f"_mm256_maskstore_pd(&{{dst_data}}, {_M64}, {{src_data}});", INCLUDE)
def mm256_prefix_store_pd(bound: index, dst: [f64][bound] @ DRAM, src: [f64][4] @ AVX2):
    assert 0 <= bound
    assert bound <= 4
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 4):
        if i < bound:
            dst[i] = src[i]


# Exo's name and argument order (N first); the same operation as mm256_prefix_store_ps.
@instr("_mm256_maskstore_ps(&{dst_data}, exo_x86_prefix_mask_epi32({N}), {src_data});", INCLUDE)
def avx2_mask_storeu_ps(N: index, dst: [f32][N] @ DRAM, src: [f32][8] @ AVX2):
    assert 0 <= N
    assert N <= 8
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        if i < N:
            dst[i] = src[i]


@instr(_keep("{out_data}", "_mm256_broadcast_ss(&{val_data})", _M32, "ps"), INCLUDE)
def mm256_prefix_broadcast_ss(bound: index, out: [f32][8] @ AVX2, val: [f32][1] @ DRAM):
    assert 0 <= bound
    assert bound <= 8
    assert stride(out, 0) == 1
    for i in seq(0, 8):
        if i < bound:
            out[i] = val[0]


# --------------------------------------------------------------------------- arithmetic


@instr(_keep("{out_data}", "_mm256_add_ps({x_data}, {y_data})", _M32, "ps"), INCLUDE)
def mm256_prefix_add_ps(bound: index, out: [f32][8] @ AVX2, x: [f32][8] @ AVX2, y: [f32][8] @ AVX2):
    assert 0 <= bound
    assert bound <= 8
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 8):
        if i < bound:
            out[i] = x[i] + y[i]


@instr(_keep("{out_data}", "_mm256_sub_ps({x_data}, {y_data})", _M32, "ps"), INCLUDE)
def mm256_prefix_sub_ps(bound: index, out: [f32][8] @ AVX2, x: [f32][8] @ AVX2, y: [f32][8] @ AVX2):
    assert 0 <= bound
    assert bound <= 8
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 8):
        if i < bound:
            out[i] = x[i] - y[i]


@instr(_keep("{out_data}", "_mm256_mul_ps({x_data}, {y_data})", _M32, "ps"), INCLUDE)
def mm256_prefix_mul_ps(bound: index, out: [f32][8] @ AVX2, x: [f32][8] @ AVX2, y: [f32][8] @ AVX2):
    assert 0 <= bound
    assert bound <= 8
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 8):
        if i < bound:
            out[i] = x[i] * y[i]


@instr(_keep("{out_data}", "_mm256_div_ps({x_data}, {y_data})", _M32, "ps"), INCLUDE)
def mm256_prefix_div_ps(bound: index, out: [f32][8] @ AVX2, x: [f32][8] @ AVX2, y: [f32][8] @ AVX2):
    assert 0 <= bound
    assert bound <= 8
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 8):
        if i < bound:
            out[i] = x[i] / y[i]


@instr(_keep("{dst_data}", "_mm256_fmadd_ps({src1_data}, {src2_data}, {dst_data})", _M32, "ps"), INCLUDE)
def mm256_prefix_fmadd_ps(bound: index, dst: [f32][8] @ AVX2, src1: [f32][8] @ AVX2, src2: [f32][8] @ AVX2):
    assert 0 <= bound
    assert bound <= 8
    assert stride(dst, 0) == 1
    assert stride(src1, 0) == 1
    assert stride(src2, 0) == 1
    for i in seq(0, 8):
        if i < bound:
            dst[i] += src1[i] * src2[i]


@instr(_keep("{dst_data}", "_mm256_fmadd_pd({src1_data}, {src2_data}, {dst_data})", _M64, "pd"), INCLUDE)
def mm256_prefix_fmadd_pd(bound: index, dst: [f64][4] @ AVX2, src1: [f64][4] @ AVX2, src2: [f64][4] @ AVX2):
    assert 0 <= bound
    assert bound <= 4
    assert stride(dst, 0) == 1
    assert stride(src1, 0) == 1
    assert stride(src2, 0) == 1
    for i in seq(0, 4):
        if i < bound:
            dst[i] += src1[i] * src2[i]


INSTRS = [
    mm256_prefix_load_ps, mm256_prefix_store_ps, mm256_prefix_load_pd, mm256_prefix_store_pd,
    avx2_mask_storeu_ps, mm256_prefix_broadcast_ss, mm256_prefix_add_ps, mm256_prefix_sub_ps,
    mm256_prefix_mul_ps, mm256_prefix_div_ps, mm256_prefix_fmadd_ps, mm256_prefix_fmadd_pd,
]

__all__ = [p.name() for p in INSTRS] + ["INSTRS"]
