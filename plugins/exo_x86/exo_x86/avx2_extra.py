"""Composite AVX2 instrs (Exo's ``avx2_*`` names), f32 -> f64 conversion, and integer lanes.

Where Exo's template differed from its body, the template here follows the body:

* ``avx2_assoc_reduce_add_ps/pd`` add the lanes in order (``exo_x86_sum_ps``), bit-identical
  to the body, instead of a horizontal-add tree;
* ``avx2_sign_ps/pd`` flip the sign bit (exactly ``-x``, NaNs included);
* ``avx2_set0_ps`` does not read its uninitialised destination;
* ``mm256_add_epi16`` is the wrapping ``_mm256_add_epi16`` (Exo used the saturating
  ``_mm256_adds_epu16`` for a body that wraps).

Most instrs are members of the families of ``_families.py``; ``avx2_fmadd_memu_ps``,
``avx2_ui16_divide_by_3``, ``avx2_transpose_6x8_ps`` and the ``convert_f32_to_f64``
family are defined here.
"""

from __future__ import annotations

from exo_core import DRAM, instr

from ._cglobal import INCLUDE
from ._families import binary, family, load, reduce_add, select_lt, setzero, store, unary
from .memories import AVX2

# --------------------------------------------------------------------------- f32/f64 composites

avx2_set0_ps = setzero("avx2_set0_ps", "f32", AVX2, "_mm256_setzero_ps", arg="out")


@instr("_mm256_storeu_ps(&{dst_data}, _mm256_add_ps(_mm256_loadu_ps(&{dst_data}), {val_data}));", INCLUDE)
def avx2_fmadd_memu_ps(dst: [f32][8] @ DRAM, val: [f32][8] @ AVX2):
    assert stride(dst, 0) == 1
    assert stride(val, 0) == 1
    for i in seq(0, 8):
        dst[i] += val[i]


def _blendv_lt(sfx: str) -> str:
    """``select``: _CMP_LT_OQ is false on NaN, as ``<`` is."""
    lt = f"_mm256_cmp_{sfx}({{x_data}}, {{v_data}}, _CMP_LT_OQ)"
    return f"{{out_data}} = _mm256_blendv_{sfx}({{z_data}}, {{y_data}}, {lt});"


avx2_select_ps = select_lt("avx2_select_ps", "f32", AVX2, _blendv_lt("ps"))
avx2_select_pd = select_lt("avx2_select_pd", "f64", AVX2, _blendv_lt("pd"))
avx2_assoc_reduce_add_ps = reduce_add("avx2_assoc_reduce_add_ps", "f32", AVX2, "exo_x86_sum_ps")
avx2_assoc_reduce_add_pd = reduce_add("avx2_assoc_reduce_add_pd", "f64", AVX2, "exo_x86_sum_pd")
avx2_sign_ps = unary("avx2_sign_ps", "neg", "f32", AVX2, "_mm256_xor_ps({src_data}, _mm256_set1_ps(-0.0f))")
avx2_sign_pd = unary("avx2_sign_pd", "neg", "f64", AVX2, "_mm256_xor_pd({src_data}, _mm256_set1_pd(-0.0))")
avx2_reduce_add_wide_ps = unary("avx2_reduce_add_wide_ps", "acc", "f32", AVX2, "_mm256_add_ps({dst_data}, {src_data})")
avx2_reduce_add_wide_pd = unary("avx2_reduce_add_wide_pd", "acc", "f64", AVX2, "_mm256_add_pd({dst_data}, {src_data})")
avx2_reg_copy_ps = unary("avx2_reg_copy_ps", "mov", "f32", AVX2, "{src_data}")
avx2_reg_copy_pd = unary("avx2_reg_copy_pd", "mov", "f64", AVX2, "{src_data}")


@family
def convert_f32_to_f64(half: int, c_half: str):
    """``dst[i] = src[4 * half + i]``: the lower (``half=0``) or upper (1) four f32 lanes of
    ``src`` widened to f64; ``{dst} = _mm256_cvtps_pd(c_half);`` with ``c_half`` that half."""

    @instr(f"{{dst_data}} = _mm256_cvtps_pd({c_half});", INCLUDE)
    def convert_f32_to_f64(dst: [f64][4] @ AVX2, src: [f32][8] @ AVX2):
        assert stride(dst, 0) == 1
        assert stride(src, 0) == 1
        for i in seq(0, 4):
            with python:
                lane = ~{4 + i} if half else ~{i}
                with exo:
                    dst[i] = src[{lane}]

    return convert_f32_to_f64


avx2_convert_f32_lower_to_f64 = convert_f32_to_f64("avx2_convert_f32_lower_to_f64", 0,
                                                   "_mm256_castps256_ps128({src_data})")
avx2_convert_f32_upper_to_f64 = convert_f32_to_f64("avx2_convert_f32_upper_to_f64", 1,
                                                   "_mm256_extractf128_ps({src_data}, 1)")

# --------------------------------------------------------------------------- integer lanes

_IN, _OUT = "(const __m256i *) ", "(__m256i *) "

mm256_loadu_si256 = load("mm256_loadu_si256", "ui16", AVX2, "_mm256_loadu_si256", _IN)
mm256_storeu_si256 = store("mm256_storeu_si256", "ui16", AVX2, "_mm256_storeu_si256", _OUT)
mm256_loadu_si256_i8 = load("mm256_loadu_si256_i8", "i8", AVX2, "_mm256_loadu_si256", _IN)
mm256_storeu_si256_i8 = store("mm256_storeu_si256_i8", "i8", AVX2, "_mm256_storeu_si256", _OUT)
mm256_loadu_si256_ui8 = load("mm256_loadu_si256_ui8", "ui8", AVX2, "_mm256_loadu_si256", _IN)
mm256_storeu_si256_ui8 = store("mm256_storeu_si256_ui8", "ui8", AVX2, "_mm256_storeu_si256", _OUT)
mm256_loadu_si256_i32 = load("mm256_loadu_si256_i32", "i32", AVX2, "_mm256_loadu_si256", _IN)
mm256_storeu_si256_i32 = store("mm256_storeu_si256_i32", "i32", AVX2, "_mm256_storeu_si256", _OUT)
mm256_setzero_si256_i32 = setzero("mm256_setzero_si256_i32", "i32", AVX2, "_mm256_setzero_si256", arg="out")

# Integer lanes wrap (the body's arithmetic is C's, stored back at the lane width).
mm256_add_epi16 = binary("mm256_add_epi16", "+", "ui16", AVX2, "_mm256_add_epi16")
mm256_add_epi8 = binary("mm256_add_epi8", "+", "i8", AVX2, "_mm256_add_epi8")
mm256_add_epi32 = binary("mm256_add_epi32", "+", "i32", AVX2, "_mm256_add_epi32")
mm256_sub_epi32 = binary("mm256_sub_epi32", "-", "i32", AVX2, "_mm256_sub_epi32")
mm256_mullo_epi32 = binary("mm256_mullo_epi32", "*", "i32", AVX2, "_mm256_mullo_epi32")


# x / 3 for every ui16 x: floor(x * 43691 / 2^16) / 2 == floor(x / 3) on 0..65535 (checked
# exhaustively by the tests).
@instr("{out_data} = _mm256_srli_epi16(_mm256_mulhi_epu16({x_data}, _mm256_set1_epi16((short) 43691)), 1);",
       INCLUDE)
def avx2_ui16_divide_by_3(out: [ui16][16] @ AVX2, x: [ui16][16] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    for i in seq(0, 16):
        out[i] = x[i] / 3.0


# --------------------------------------------------------------------------- packing

# The 6 x 8 transpose of avx2_transpose_6x8_ps: six rows loaded, interleaved pairwise
# (unpack), then in fours (shuffle); each output row is 4 floats from s0..s3 and 2 from t4/t5.
_TRANSPOSE_6X8 = INCLUDE + """\
#include <stdint.h>
#ifndef EXO_X86_TRANSPOSE_6X8
#define EXO_X86_TRANSPOSE_6X8
// d[k * ds + i] = s[i * ss + k] for i < 6, k < 8.
static inline void exo_x86_transpose_6x8_ps(float *d, int_fast32_t ds, const float *s, int_fast32_t ss) {
    __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ss), r2 = _mm256_loadu_ps(s + 2 * ss);
    __m256 r3 = _mm256_loadu_ps(s + 3 * ss), r4 = _mm256_loadu_ps(s + 4 * ss), r5 = _mm256_loadu_ps(s + 5 * ss);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m128 p4l = _mm256_castps256_ps128(t4), p4h = _mm256_extractf128_ps(t4, 1);
    __m128 p5l = _mm256_castps256_ps128(t5), p5h = _mm256_extractf128_ps(t5, 1);
    _mm_storeu_ps(d, _mm256_castps256_ps128(s0));
    _mm_storel_pi((__m64 *) (d + 4), p4l);
    _mm_storeu_ps(d + ds, _mm256_castps256_ps128(s1));
    _mm_storeh_pi((__m64 *) (d + ds + 4), p4l);
    _mm_storeu_ps(d + 2 * ds, _mm256_castps256_ps128(s2));
    _mm_storel_pi((__m64 *) (d + 2 * ds + 4), p5l);
    _mm_storeu_ps(d + 3 * ds, _mm256_castps256_ps128(s3));
    _mm_storeh_pi((__m64 *) (d + 3 * ds + 4), p5l);
    _mm_storeu_ps(d + 4 * ds, _mm256_extractf128_ps(s0, 1));
    _mm_storel_pi((__m64 *) (d + 4 * ds + 4), p4h);
    _mm_storeu_ps(d + 5 * ds, _mm256_extractf128_ps(s1, 1));
    _mm_storeh_pi((__m64 *) (d + 5 * ds + 4), p4h);
    _mm_storeu_ps(d + 6 * ds, _mm256_extractf128_ps(s2, 1));
    _mm_storel_pi((__m64 *) (d + 6 * ds + 4), p5h);
    _mm_storeu_ps(d + 7 * ds, _mm256_extractf128_ps(s3, 1));
    _mm_storeh_pi((__m64 *) (d + 7 * ds + 4), p5h);
}
#endif
"""


# Packs a 6 x 8 block of a row-major matrix k-major, as 6-row micro-kernels read A (one
# contiguous stream, where six row streams defeat the hardware prefetchers).
@instr("exo_x86_transpose_6x8_ps(&{dst_data}, {dst}.strides[0], &{src_data}, {src}.strides[0]);",
       _TRANSPOSE_6X8)
def avx2_transpose_6x8_ps(dst: [f32][8, 6] @ DRAM, src: [f32][6, 8] @ DRAM):
    assert stride(dst, 1) == 1
    assert stride(src, 1) == 1
    for k in seq(0, 8):
        for i in seq(0, 6):
            dst[k, i] = src[i, k]


INSTRS = [
    avx2_set0_ps, avx2_fmadd_memu_ps, avx2_select_ps, avx2_select_pd, avx2_assoc_reduce_add_ps,
    avx2_assoc_reduce_add_pd, avx2_sign_ps, avx2_sign_pd, avx2_reduce_add_wide_ps, avx2_reduce_add_wide_pd,
    avx2_reg_copy_ps, avx2_reg_copy_pd, avx2_convert_f32_lower_to_f64, avx2_convert_f32_upper_to_f64,
    mm256_loadu_si256, mm256_storeu_si256, mm256_loadu_si256_i8, mm256_storeu_si256_i8, mm256_loadu_si256_ui8,
    mm256_storeu_si256_ui8, mm256_loadu_si256_i32, mm256_storeu_si256_i32, mm256_setzero_si256_i32,
    mm256_add_epi16, mm256_add_epi8, mm256_add_epi32, mm256_sub_epi32, mm256_mullo_epi32,
    avx2_ui16_divide_by_3, avx2_transpose_6x8_ps,
]

__all__ = [p.name() for p in INSTRS] + ["INSTRS"]
