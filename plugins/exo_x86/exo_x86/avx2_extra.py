"""Composite AVX2 instrs (Exo's ``avx2_*`` names), f32 -> f64 conversion, and integer lanes.

Where Exo's template differed from its body, the template here follows the body:

* ``avx2_assoc_reduce_add_ps/pd`` add the lanes in order (``exo_x86_sum_ps``), bit-identical
  to the body, instead of a horizontal-add tree;
* ``avx2_sign_ps/pd`` flip the sign bit (exactly ``-x``, NaNs included);
* ``avx2_set0_ps`` does not read its uninitialised destination;
* ``mm256_add_epi16`` is the wrapping ``_mm256_add_epi16`` (Exo used the saturating
  ``_mm256_adds_epu16`` for a body that wraps).

Most instrs are members of the families of ``_families.py``; ``avx2_fmadd_memu_ps``,
``avx2_ui16_divide_by_3`` and the ``convert_f32_to_f64`` family are defined here.
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
