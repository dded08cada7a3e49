"""AVX-512 (F, DQ, BW, VL) instrs on ``f32[16]`` and ``f64[8]`` registers (Exo's ``mm512_*`` names).

Masked forms take the lane count first (``N: index``, ``0 <= N <= 16`` for f32, ``<= 8`` for
f64) and touch only lanes ``i < N``; every other lane of a register keeps its value and
memory beyond ``N`` is neither read nor written. Where Exo's template differed from its
body, the template here follows the body:

* ``mm512_mask_fmadd_ps`` keeps ``C`` in masked-off lanes (``_mm512_mask3_fmadd_ps``; Exo's
  ``_mm512_mask_fmadd_ps`` put ``A`` there);
* ``mm512_maskz_loadu_ps`` keeps ``dst`` in masked-off lanes as its body says (a merge-masked
  load; the name is Exo's);
* ``mm512_mask_set1_ps`` writes only ``N`` lanes (Exo's wrote all 16);
* ``mm512_reduce_add_ps/pd`` add the lanes in order, bit-identical to the body.
"""

from __future__ import annotations

from exo_core import DRAM, instr
from exo_core.extern import relu, select

from ._cglobal import INCLUDE
from .memories import AVX512

# --------------------------------------------------------------------------- f32 x 16


@instr("{dst_data} = _mm512_setzero_ps();", INCLUDE)
def mm512_setzero_ps(dst: [f32][16] @ AVX512):
    assert stride(dst, 0) == 1
    for i in seq(0, 16):
        dst[i] = 0.0


@instr("{dst_data} = _mm512_loadu_ps(&{src_data});", INCLUDE)
def mm512_loadu_ps(dst: [f32][16] @ AVX512, src: [f32][16] @ DRAM):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 16):
        dst[i] = src[i]


@instr("_mm512_storeu_ps(&{dst_data}, {src_data});", INCLUDE)
def mm512_storeu_ps(dst: [f32][16] @ DRAM, src: [f32][16] @ AVX512):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 16):
        dst[i] = src[i]


@instr("{dst_data} = _mm512_mask_loadu_ps({dst_data}, exo_x86_mask16({N}), &{src_data});", INCLUDE)
def mm512_maskz_loadu_ps(N: index, dst: [f32][16] @ AVX512, src: [f32][N] @ DRAM):
    assert 0 <= N
    assert N <= 16
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 16):
        if i < N:
            dst[i] = src[i]


@instr("_mm512_mask_storeu_ps(&{dst_data}, exo_x86_mask16({N}), {src_data});", INCLUDE)
def mm512_mask_storeu_ps(N: index, dst: [f32][N] @ DRAM, src: [f32][16] @ AVX512):
    assert 0 <= N
    assert N <= 16
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 16):
        if i < N:
            dst[i] = src[i]


@instr("{out_data} = _mm512_add_ps({x_data}, {y_data});", INCLUDE)
def mm512_add_ps(out: [f32][16] @ AVX512, x: [f32][16] @ AVX512, y: [f32][16] @ AVX512):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 16):
        out[i] = x[i] + y[i]


@instr("{out_data} = _mm512_sub_ps({x_data}, {y_data});", INCLUDE)
def mm512_sub_ps(out: [f32][16] @ AVX512, x: [f32][16] @ AVX512, y: [f32][16] @ AVX512):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 16):
        out[i] = x[i] - y[i]


@instr("{out_data} = _mm512_mul_ps({x_data}, {y_data});", INCLUDE)
def mm512_mul_ps(out: [f32][16] @ AVX512, x: [f32][16] @ AVX512, y: [f32][16] @ AVX512):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 16):
        out[i] = x[i] * y[i]


@instr("{out_data} = _mm512_mask_add_ps({out_data}, exo_x86_mask16({N}), {x_data}, {y_data});", INCLUDE)
def mm512_mask_add_ps(N: index, out: [f32][16] @ AVX512, x: [f32][16] @ AVX512, y: [f32][16] @ AVX512):
    assert 0 <= N
    assert N <= 16
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 16):
        if i < N:
            out[i] = x[i] + y[i]


@instr("{C_data} = _mm512_fmadd_ps({A_data}, {B_data}, {C_data});", INCLUDE)
def mm512_fmadd_ps(A: [f32][16] @ AVX512, B: [f32][16] @ AVX512, C: [f32][16] @ AVX512):
    assert stride(A, 0) == 1
    assert stride(B, 0) == 1
    assert stride(C, 0) == 1
    for i in seq(0, 16):
        C[i] += A[i] * B[i]


@instr("{C_data} = _mm512_mask3_fmadd_ps({A_data}, {B_data}, {C_data}, exo_x86_mask16({N}));", INCLUDE)
def mm512_mask_fmadd_ps(N: index, A: [f32][16] @ AVX512, B: [f32][16] @ AVX512, C: [f32][16] @ AVX512):
    assert 0 <= N
    assert N <= 16
    assert stride(A, 0) == 1
    assert stride(B, 0) == 1
    assert stride(C, 0) == 1
    for i in seq(0, 16):
        if i < N:
            C[i] += A[i] * B[i]


@instr("{dst_data} = _mm512_max_ps({src_data}, _mm512_setzero_ps());", INCLUDE)
def mm512_relu_ps(dst: [f32][16] @ AVX512, src: [f32][16] @ AVX512):
    assert stride(dst, 0) == 1
    assert stride(src, 0) == 1
    for i in seq(0, 16):
        dst[i] = relu(src[i])


@instr("{dst_data} = _mm512_set1_ps({src_data});", INCLUDE)
def mm512_set1_ps(dst: [f32][16] @ AVX512, src: [f32][1] @ DRAM):
    assert stride(dst, 0) == 1
    for i in seq(0, 16):
        dst[i] = src[0]


@instr("{dst_data} = _mm512_mask_mov_ps({dst_data}, exo_x86_mask16({N}), _mm512_set1_ps({src_data}));", INCLUDE)
def mm512_mask_set1_ps(N: index, dst: [f32][16] @ AVX512, src: [f32][1] @ DRAM):
    assert 0 <= N
    assert N <= 16
    assert stride(dst, 0) == 1
    for i in seq(0, 16):
        if i < N:
            dst[i] = src[0]


@instr("*{result} = exo_x86_sum512_ps(*{result}, {x_data});", INCLUDE)
def mm512_reduce_add_ps(x: [f32][16] @ AVX512, result: f32):
    assert stride(x, 0) == 1
    for i in seq(0, 16):
        result += x[i]


# select(x, v, y, z) is `x < v ? y : z`; _CMP_LT_OQ is false on NaN, as `<` is.
@instr("{out_data} = _mm512_mask_blend_ps(_mm512_cmp_ps_mask({x_data}, {v_data}, _CMP_LT_OQ), "
       "{z_data}, {y_data});", INCLUDE)
def mm512_select_ps(out: [f32][16] @ AVX512, x: [f32][16] @ AVX512, v: [f32][16] @ AVX512,
                    y: [f32][16] @ AVX512, z: [f32][16] @ AVX512):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(v, 0) == 1
    assert stride(y, 0) == 1
    assert stride(z, 0) == 1
    for i in seq(0, 16):
        out[i] = select(x[i], v[i], y[i], z[i])


# --------------------------------------------------------------------------- f64 x 8


@instr("{dst_data} = _mm512_setzero_pd();", INCLUDE)
def mm512_setzero_pd(dst: [f64][8] @ AVX512):
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        dst[i] = 0.0


@instr("{dst_data} = _mm512_loadu_pd(&{src_data});", INCLUDE)
def mm512_loadu_pd(dst: [f64][8] @ AVX512, src: [f64][8] @ DRAM):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        dst[i] = src[i]


@instr("_mm512_storeu_pd(&{dst_data}, {src_data});", INCLUDE)
def mm512_storeu_pd(dst: [f64][8] @ DRAM, src: [f64][8] @ AVX512):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        dst[i] = src[i]


@instr("{dst_data} = _mm512_mask_loadu_pd({dst_data}, exo_x86_mask8({N}), &{src_data});", INCLUDE)
def mm512_maskz_loadu_pd(N: index, dst: [f64][8] @ AVX512, src: [f64][N] @ DRAM):
    assert 0 <= N
    assert N <= 8
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        if i < N:
            dst[i] = src[i]


@instr("_mm512_mask_storeu_pd(&{dst_data}, exo_x86_mask8({N}), {src_data});", INCLUDE)
def mm512_mask_storeu_pd(N: index, dst: [f64][N] @ DRAM, src: [f64][8] @ AVX512):
    assert 0 <= N
    assert N <= 8
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        if i < N:
            dst[i] = src[i]


@instr("{out_data} = _mm512_add_pd({x_data}, {y_data});", INCLUDE)
def mm512_add_pd(out: [f64][8] @ AVX512, x: [f64][8] @ AVX512, y: [f64][8] @ AVX512):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 8):
        out[i] = x[i] + y[i]


@instr("{out_data} = _mm512_sub_pd({x_data}, {y_data});", INCLUDE)
def mm512_sub_pd(out: [f64][8] @ AVX512, x: [f64][8] @ AVX512, y: [f64][8] @ AVX512):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 8):
        out[i] = x[i] - y[i]


@instr("{out_data} = _mm512_mul_pd({x_data}, {y_data});", INCLUDE)
def mm512_mul_pd(out: [f64][8] @ AVX512, x: [f64][8] @ AVX512, y: [f64][8] @ AVX512):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 8):
        out[i] = x[i] * y[i]


@instr("{out_data} = _mm512_mask_add_pd({out_data}, exo_x86_mask8({N}), {x_data}, {y_data});", INCLUDE)
def mm512_mask_add_pd(N: index, out: [f64][8] @ AVX512, x: [f64][8] @ AVX512, y: [f64][8] @ AVX512):
    assert 0 <= N
    assert N <= 8
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 8):
        if i < N:
            out[i] = x[i] + y[i]


@instr("{C_data} = _mm512_fmadd_pd({A_data}, {B_data}, {C_data});", INCLUDE)
def mm512_fmadd_pd(A: [f64][8] @ AVX512, B: [f64][8] @ AVX512, C: [f64][8] @ AVX512):
    assert stride(A, 0) == 1
    assert stride(B, 0) == 1
    assert stride(C, 0) == 1
    for i in seq(0, 8):
        C[i] += A[i] * B[i]


@instr("{C_data} = _mm512_mask3_fmadd_pd({A_data}, {B_data}, {C_data}, exo_x86_mask8({N}));", INCLUDE)
def mm512_mask_fmadd_pd(N: index, A: [f64][8] @ AVX512, B: [f64][8] @ AVX512, C: [f64][8] @ AVX512):
    assert 0 <= N
    assert N <= 8
    assert stride(A, 0) == 1
    assert stride(B, 0) == 1
    assert stride(C, 0) == 1
    for i in seq(0, 8):
        if i < N:
            C[i] += A[i] * B[i]


@instr("{dst_data} = _mm512_max_pd({src_data}, _mm512_setzero_pd());", INCLUDE)
def mm512_relu_pd(dst: [f64][8] @ AVX512, src: [f64][8] @ AVX512):
    assert stride(dst, 0) == 1
    assert stride(src, 0) == 1
    for i in seq(0, 8):
        dst[i] = relu(src[i])


@instr("{dst_data} = _mm512_set1_pd({src_data});", INCLUDE)
def mm512_set1_pd(dst: [f64][8] @ AVX512, src: [f64][1] @ DRAM):
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        dst[i] = src[0]


@instr("{dst_data} = _mm512_mask_mov_pd({dst_data}, exo_x86_mask8({N}), _mm512_set1_pd({src_data}));", INCLUDE)
def mm512_mask_set1_pd(N: index, dst: [f64][8] @ AVX512, src: [f64][1] @ DRAM):
    assert 0 <= N
    assert N <= 8
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        if i < N:
            dst[i] = src[0]


@instr("*{result} = exo_x86_sum512_pd(*{result}, {x_data});", INCLUDE)
def mm512_reduce_add_pd(x: [f64][8] @ AVX512, result: f64):
    assert stride(x, 0) == 1
    for i in seq(0, 8):
        result += x[i]


# select(x, v, y, z) is `x < v ? y : z`; _CMP_LT_OQ is false on NaN, as `<` is.
@instr("{out_data} = _mm512_mask_blend_pd(_mm512_cmp_pd_mask({x_data}, {v_data}, _CMP_LT_OQ), "
       "{z_data}, {y_data});", INCLUDE)
def mm512_select_pd(out: [f64][8] @ AVX512, x: [f64][8] @ AVX512, v: [f64][8] @ AVX512,
                    y: [f64][8] @ AVX512, z: [f64][8] @ AVX512):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(v, 0) == 1
    assert stride(y, 0) == 1
    assert stride(z, 0) == 1
    for i in seq(0, 8):
        out[i] = select(x[i], v[i], y[i], z[i])


INSTRS = [
    mm512_setzero_ps, mm512_loadu_ps, mm512_storeu_ps, mm512_maskz_loadu_ps, mm512_mask_storeu_ps,
    mm512_add_ps, mm512_sub_ps, mm512_mul_ps, mm512_mask_add_ps, mm512_fmadd_ps, mm512_mask_fmadd_ps,
    mm512_relu_ps, mm512_set1_ps, mm512_mask_set1_ps, mm512_reduce_add_ps, mm512_select_ps,
    mm512_setzero_pd, mm512_loadu_pd, mm512_storeu_pd, mm512_maskz_loadu_pd, mm512_mask_storeu_pd,
    mm512_add_pd, mm512_sub_pd, mm512_mul_pd, mm512_mask_add_pd, mm512_fmadd_pd, mm512_mask_fmadd_pd,
    mm512_relu_pd, mm512_set1_pd, mm512_mask_set1_pd, mm512_reduce_add_pd, mm512_select_pd,
]

__all__ = [p.name() for p in INSTRS] + ["INSTRS"]
