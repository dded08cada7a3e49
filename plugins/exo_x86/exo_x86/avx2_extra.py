"""Composite AVX2 instrs (Exo's ``avx2_*`` names), f32 -> f64 conversion, and integer lanes.

Where Exo's template differed from its body, the template here follows the body:

* ``avx2_assoc_reduce_add_ps/pd`` add the lanes in order (``exo_x86_sum_ps``), bit-identical
  to the body, instead of a horizontal-add tree;
* ``avx2_sign_ps/pd`` flip the sign bit (exactly ``-x``, NaNs included);
* ``avx2_set0_ps`` does not read its uninitialised destination;
* ``mm256_add_epi16`` is the wrapping ``_mm256_add_epi16`` (Exo used the saturating
  ``_mm256_adds_epu16`` for a body that wraps).
"""

from __future__ import annotations

from exo_core import DRAM, instr
from exo_core.extern import select

from ._cglobal import INCLUDE
from .memories import AVX2

# --------------------------------------------------------------------------- f32/f64 composites


@instr("{out_data} = _mm256_setzero_ps();", INCLUDE)
def avx2_set0_ps(out: [f32][8] @ AVX2):
    assert stride(out, 0) == 1
    for i in seq(0, 8):
        out[i] = 0.0


@instr("_mm256_storeu_ps(&{dst_data}, _mm256_add_ps(_mm256_loadu_ps(&{dst_data}), {val_data}));", INCLUDE)
def avx2_fmadd_memu_ps(dst: [f32][8] @ DRAM, val: [f32][8] @ AVX2):
    assert stride(dst, 0) == 1
    assert stride(val, 0) == 1
    for i in seq(0, 8):
        dst[i] += val[i]


# select(x, v, y, z) is `x < v ? y : z`; _CMP_LT_OQ is false on NaN, as `<` is.
@instr("{out_data} = _mm256_blendv_ps({z_data}, {y_data}, _mm256_cmp_ps({x_data}, {v_data}, _CMP_LT_OQ));",
       INCLUDE)
def avx2_select_ps(out: [f32][8] @ AVX2, x: [f32][8] @ AVX2, v: [f32][8] @ AVX2, y: [f32][8] @ AVX2,
                   z: [f32][8] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(v, 0) == 1
    assert stride(y, 0) == 1
    assert stride(z, 0) == 1
    for i in seq(0, 8):
        out[i] = select(x[i], v[i], y[i], z[i])


@instr("{out_data} = _mm256_blendv_pd({z_data}, {y_data}, _mm256_cmp_pd({x_data}, {v_data}, _CMP_LT_OQ));",
       INCLUDE)
def avx2_select_pd(out: [f64][4] @ AVX2, x: [f64][4] @ AVX2, v: [f64][4] @ AVX2, y: [f64][4] @ AVX2,
                   z: [f64][4] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(v, 0) == 1
    assert stride(y, 0) == 1
    assert stride(z, 0) == 1
    for i in seq(0, 4):
        out[i] = select(x[i], v[i], y[i], z[i])


@instr("*{result} = exo_x86_sum_ps(*{result}, {x_data});", INCLUDE)
def avx2_assoc_reduce_add_ps(x: [f32][8] @ AVX2, result: f32):
    assert stride(x, 0) == 1
    for i in seq(0, 8):
        result += x[i]


@instr("*{result} = exo_x86_sum_pd(*{result}, {x_data});", INCLUDE)
def avx2_assoc_reduce_add_pd(x: [f64][4] @ AVX2, result: f64):
    assert stride(x, 0) == 1
    for i in seq(0, 4):
        result += x[i]


@instr("{dst_data} = _mm256_xor_ps({src_data}, _mm256_set1_ps(-0.0f));", INCLUDE)
def avx2_sign_ps(dst: [f32][8] @ AVX2, src: [f32][8] @ AVX2):
    assert stride(dst, 0) == 1
    assert stride(src, 0) == 1
    for i in seq(0, 8):
        dst[i] = -src[i]


@instr("{dst_data} = _mm256_xor_pd({src_data}, _mm256_set1_pd(-0.0));", INCLUDE)
def avx2_sign_pd(dst: [f64][4] @ AVX2, src: [f64][4] @ AVX2):
    assert stride(dst, 0) == 1
    assert stride(src, 0) == 1
    for i in seq(0, 4):
        dst[i] = -src[i]


@instr("{dst_data} = _mm256_add_ps({dst_data}, {src_data});", INCLUDE)
def avx2_reduce_add_wide_ps(dst: [f32][8] @ AVX2, src: [f32][8] @ AVX2):
    assert stride(dst, 0) == 1
    assert stride(src, 0) == 1
    for i in seq(0, 8):
        dst[i] += src[i]


@instr("{dst_data} = _mm256_add_pd({dst_data}, {src_data});", INCLUDE)
def avx2_reduce_add_wide_pd(dst: [f64][4] @ AVX2, src: [f64][4] @ AVX2):
    assert stride(dst, 0) == 1
    assert stride(src, 0) == 1
    for i in seq(0, 4):
        dst[i] += src[i]


@instr("{dst_data} = {src_data};", INCLUDE)
def avx2_reg_copy_ps(dst: [f32][8] @ AVX2, src: [f32][8] @ AVX2):
    assert stride(dst, 0) == 1
    assert stride(src, 0) == 1
    for i in seq(0, 8):
        dst[i] = src[i]


@instr("{dst_data} = {src_data};", INCLUDE)
def avx2_reg_copy_pd(dst: [f64][4] @ AVX2, src: [f64][4] @ AVX2):
    assert stride(dst, 0) == 1
    assert stride(src, 0) == 1
    for i in seq(0, 4):
        dst[i] = src[i]


@instr("{dst_data} = _mm256_cvtps_pd(_mm256_castps256_ps128({src_data}));", INCLUDE)
def avx2_convert_f32_lower_to_f64(dst: [f64][4] @ AVX2, src: [f32][8] @ AVX2):
    assert stride(dst, 0) == 1
    assert stride(src, 0) == 1
    for i in seq(0, 4):
        dst[i] = src[i]


@instr("{dst_data} = _mm256_cvtps_pd(_mm256_extractf128_ps({src_data}, 1));", INCLUDE)
def avx2_convert_f32_upper_to_f64(dst: [f64][4] @ AVX2, src: [f32][8] @ AVX2):
    assert stride(dst, 0) == 1
    assert stride(src, 0) == 1
    for i in seq(0, 4):
        dst[i] = src[4 + i]


# --------------------------------------------------------------------------- integer lanes


@instr("{dst_data} = _mm256_loadu_si256((const __m256i *) &{src_data});", INCLUDE)
def mm256_loadu_si256(dst: [ui16][16] @ AVX2, src: [ui16][16] @ DRAM):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 16):
        dst[i] = src[i]


@instr("_mm256_storeu_si256((__m256i *) &{dst_data}, {src_data});", INCLUDE)
def mm256_storeu_si256(dst: [ui16][16] @ DRAM, src: [ui16][16] @ AVX2):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 16):
        dst[i] = src[i]


@instr("{dst_data} = _mm256_loadu_si256((const __m256i *) &{src_data});", INCLUDE)
def mm256_loadu_si256_i8(dst: [i8][32] @ AVX2, src: [i8][32] @ DRAM):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 32):
        dst[i] = src[i]


@instr("_mm256_storeu_si256((__m256i *) &{dst_data}, {src_data});", INCLUDE)
def mm256_storeu_si256_i8(dst: [i8][32] @ DRAM, src: [i8][32] @ AVX2):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 32):
        dst[i] = src[i]


@instr("{dst_data} = _mm256_loadu_si256((const __m256i *) &{src_data});", INCLUDE)
def mm256_loadu_si256_ui8(dst: [ui8][32] @ AVX2, src: [ui8][32] @ DRAM):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 32):
        dst[i] = src[i]


@instr("_mm256_storeu_si256((__m256i *) &{dst_data}, {src_data});", INCLUDE)
def mm256_storeu_si256_ui8(dst: [ui8][32] @ DRAM, src: [ui8][32] @ AVX2):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 32):
        dst[i] = src[i]


@instr("{dst_data} = _mm256_loadu_si256((const __m256i *) &{src_data});", INCLUDE)
def mm256_loadu_si256_i32(dst: [i32][8] @ AVX2, src: [i32][8] @ DRAM):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        dst[i] = src[i]


@instr("_mm256_storeu_si256((__m256i *) &{dst_data}, {src_data});", INCLUDE)
def mm256_storeu_si256_i32(dst: [i32][8] @ DRAM, src: [i32][8] @ AVX2):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        dst[i] = src[i]


@instr("{out_data} = _mm256_setzero_si256();", INCLUDE)
def mm256_setzero_si256_i32(out: [i32][8] @ AVX2):
    assert stride(out, 0) == 1
    for i in seq(0, 8):
        out[i] = 0.0


# Integer lanes wrap (the body's arithmetic is C's, stored back at the lane width).
@instr("{out_data} = _mm256_add_epi16({x_data}, {y_data});", INCLUDE)
def mm256_add_epi16(out: [ui16][16] @ AVX2, x: [ui16][16] @ AVX2, y: [ui16][16] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 16):
        out[i] = x[i] + y[i]


@instr("{out_data} = _mm256_add_epi8({x_data}, {y_data});", INCLUDE)
def mm256_add_epi8(out: [i8][32] @ AVX2, x: [i8][32] @ AVX2, y: [i8][32] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 32):
        out[i] = x[i] + y[i]


@instr("{out_data} = _mm256_add_epi32({x_data}, {y_data});", INCLUDE)
def mm256_add_epi32(out: [i32][8] @ AVX2, x: [i32][8] @ AVX2, y: [i32][8] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 8):
        out[i] = x[i] + y[i]


@instr("{out_data} = _mm256_sub_epi32({x_data}, {y_data});", INCLUDE)
def mm256_sub_epi32(out: [i32][8] @ AVX2, x: [i32][8] @ AVX2, y: [i32][8] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 8):
        out[i] = x[i] - y[i]


@instr("{out_data} = _mm256_mullo_epi32({x_data}, {y_data});", INCLUDE)
def mm256_mullo_epi32(out: [i32][8] @ AVX2, x: [i32][8] @ AVX2, y: [i32][8] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 8):
        out[i] = x[i] * y[i]


# x / 3 for every ui16 x: floor(x * 43691 / 2^16) / 2 == floor(x / 3) on 0..65535 (checked
# exhaustively by the tests).
@instr("{out_data} = _mm256_srli_epi16(_mm256_mulhi_epu16({x_data}, _mm256_set1_epi16((short) 43691)), 1);",
       INCLUDE)
def avx2_ui16_divide_by_3(out: [ui16][16] @ AVX2, x: [ui16][16] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    for i in seq(0, 16):
        out[i] = x[i] / 3.0


INSTRS = [
    avx2_set0_ps, avx2_fmadd_memu_ps, avx2_select_ps, avx2_select_pd, avx2_assoc_reduce_add_ps,
    avx2_assoc_reduce_add_pd, avx2_sign_ps, avx2_sign_pd, avx2_reduce_add_wide_ps, avx2_reduce_add_wide_pd,
    avx2_reg_copy_ps, avx2_reg_copy_pd, avx2_convert_f32_lower_to_f64, avx2_convert_f32_upper_to_f64,
    mm256_loadu_si256, mm256_storeu_si256, mm256_loadu_si256_i8, mm256_storeu_si256_i8, mm256_loadu_si256_ui8,
    mm256_storeu_si256_ui8, mm256_loadu_si256_i32, mm256_storeu_si256_i32, mm256_setzero_si256_i32,
    mm256_add_epi16, mm256_add_epi8, mm256_add_epi32, mm256_sub_epi32, mm256_mullo_epi32,
    avx2_ui16_divide_by_3,
]

__all__ = [p.name() for p in INSTRS] + ["INSTRS"]
