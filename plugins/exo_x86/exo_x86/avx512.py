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

Unmasked instrs are members of the families of ``_families.py``; the masked families
``masked_add``, ``masked_fmadd`` and ``masked_set1`` are defined here (``masked_copy`` is
shared with ``avx2_prefix``). A masked template passes ``exo_x86_mask16(N)`` (f32) or
``exo_x86_mask8(N)`` (f64), the ``__mmask`` of lanes ``0..N-1``.
"""

from __future__ import annotations

from exo_core import DRAM, instr

from ._cglobal import INCLUDE
from ._families import (
    binary,
    family,
    fmadd_abc,
    load,
    masked_copy,
    reduce_add,
    select_lt,
    set1,
    setzero,
    store,
    unary,
)
from .memories import AVX512, lanes


def _mask(T: str) -> str:
    """The C mask of lanes ``0..N-1`` of an ``AVX512`` register of ``T``."""
    return f"exo_x86_mask{lanes(AVX512, T)}({{N}})"


# --------------------------------------------------------------------------- masked families


@family
def masked_add(T: str, intrinsic: str):
    """``out[i] = x[i] + y[i]`` for lanes ``i < N``; ``{out} = intrinsic(out, mask, x, y);``."""
    n = lanes(AVX512, T)

    @instr(f"{{out_data}} = {intrinsic}({{out_data}}, {_mask(T)}, {{x_data}}, {{y_data}});", INCLUDE)
    def masked_add(N: index, out: [{T}][{n}] @ AVX512, x: [{T}][{n}] @ AVX512, y: [{T}][{n}] @ AVX512):
        assert 0 <= N
        assert N <= {n}
        assert stride(out, 0) == 1
        assert stride(x, 0) == 1
        assert stride(y, 0) == 1
        for i in seq(0, {n}):
            if i < N:
                out[i] = x[i] + y[i]

    return masked_add


@family
def masked_fmadd(T: str, intrinsic: str):
    """``C[i] += A[i] * B[i]`` for lanes ``i < N``; ``{C} = intrinsic(A, B, C, mask);`` (a
    ``mask3`` form, which keeps ``C`` in the other lanes)."""
    n = lanes(AVX512, T)

    @instr(f"{{C_data}} = {intrinsic}({{A_data}}, {{B_data}}, {{C_data}}, {_mask(T)});", INCLUDE)
    def masked_fmadd(N: index, A: [{T}][{n}] @ AVX512, B: [{T}][{n}] @ AVX512, C: [{T}][{n}] @ AVX512):
        assert 0 <= N
        assert N <= {n}
        assert stride(A, 0) == 1
        assert stride(B, 0) == 1
        assert stride(C, 0) == 1
        for i in seq(0, {n}):
            if i < N:
                C[i] += A[i] * B[i]

    return masked_fmadd


@family
def masked_set1(T: str, mov_intrinsic: str, set1_intrinsic: str):
    """``dst[i] = src[0]`` for lanes ``i < N``; ``{dst} = mov(dst, mask, set1(src));``."""
    n = lanes(AVX512, T)

    @instr(f"{{dst_data}} = {mov_intrinsic}({{dst_data}}, {_mask(T)}, {set1_intrinsic}({{src_data}}));", INCLUDE)
    def masked_set1(N: index, dst: [{T}][{n}] @ AVX512, src: [{T}][1] @ DRAM):
        assert 0 <= N
        assert N <= {n}
        assert stride(dst, 0) == 1
        for i in seq(0, {n}):
            if i < N:
                dst[i] = src[0]

    return masked_set1


def _maskz_loadu(name: str, T: str, sfx: str):
    template = f"{{dst_data}} = _mm512_mask_loadu_{sfx}({{dst_data}}, {_mask(T)}, &{{src_data}});"
    return masked_copy(name, T, AVX512, DRAM, template)


def _mask_storeu(name: str, T: str, sfx: str):
    return masked_copy(name, T, DRAM, AVX512, f"_mm512_mask_storeu_{sfx}(&{{dst_data}}, {_mask(T)}, {{src_data}});")


def _select(sfx: str) -> str:
    """``select``: _CMP_LT_OQ is false on NaN, as ``<`` is."""
    lt = f"_mm512_cmp_{sfx}_mask({{x_data}}, {{v_data}}, _CMP_LT_OQ)"
    return f"{{out_data}} = _mm512_mask_blend_{sfx}({lt}, {{z_data}}, {{y_data}});"


# --------------------------------------------------------------------------- f32 x 16

mm512_setzero_ps = setzero("mm512_setzero_ps", "f32", AVX512, "_mm512_setzero_ps")
mm512_loadu_ps = load("mm512_loadu_ps", "f32", AVX512, "_mm512_loadu_ps")
mm512_storeu_ps = store("mm512_storeu_ps", "f32", AVX512, "_mm512_storeu_ps")
mm512_maskz_loadu_ps = _maskz_loadu("mm512_maskz_loadu_ps", "f32", "ps")
mm512_mask_storeu_ps = _mask_storeu("mm512_mask_storeu_ps", "f32", "ps")
mm512_add_ps = binary("mm512_add_ps", "+", "f32", AVX512, "_mm512_add_ps")
mm512_sub_ps = binary("mm512_sub_ps", "-", "f32", AVX512, "_mm512_sub_ps")
mm512_mul_ps = binary("mm512_mul_ps", "*", "f32", AVX512, "_mm512_mul_ps")
mm512_mask_add_ps = masked_add("mm512_mask_add_ps", "f32", "_mm512_mask_add_ps")
mm512_fmadd_ps = fmadd_abc("mm512_fmadd_ps", "f32", AVX512, "_mm512_fmadd_ps")
mm512_mask_fmadd_ps = masked_fmadd("mm512_mask_fmadd_ps", "f32", "_mm512_mask3_fmadd_ps")
mm512_relu_ps = unary("mm512_relu_ps", "relu", "f32", AVX512, "_mm512_max_ps({src_data}, _mm512_setzero_ps())")
mm512_set1_ps = set1("mm512_set1_ps", "f32", AVX512, "_mm512_set1_ps")
mm512_mask_set1_ps = masked_set1("mm512_mask_set1_ps", "f32", "_mm512_mask_mov_ps", "_mm512_set1_ps")
mm512_reduce_add_ps = reduce_add("mm512_reduce_add_ps", "f32", AVX512, "exo_x86_sum512_ps")
mm512_select_ps = select_lt("mm512_select_ps", "f32", AVX512, _select("ps"))

# --------------------------------------------------------------------------- f64 x 8

mm512_setzero_pd = setzero("mm512_setzero_pd", "f64", AVX512, "_mm512_setzero_pd")
mm512_loadu_pd = load("mm512_loadu_pd", "f64", AVX512, "_mm512_loadu_pd")
mm512_storeu_pd = store("mm512_storeu_pd", "f64", AVX512, "_mm512_storeu_pd")
mm512_maskz_loadu_pd = _maskz_loadu("mm512_maskz_loadu_pd", "f64", "pd")
mm512_mask_storeu_pd = _mask_storeu("mm512_mask_storeu_pd", "f64", "pd")
mm512_add_pd = binary("mm512_add_pd", "+", "f64", AVX512, "_mm512_add_pd")
mm512_sub_pd = binary("mm512_sub_pd", "-", "f64", AVX512, "_mm512_sub_pd")
mm512_mul_pd = binary("mm512_mul_pd", "*", "f64", AVX512, "_mm512_mul_pd")
mm512_mask_add_pd = masked_add("mm512_mask_add_pd", "f64", "_mm512_mask_add_pd")
mm512_fmadd_pd = fmadd_abc("mm512_fmadd_pd", "f64", AVX512, "_mm512_fmadd_pd")
mm512_mask_fmadd_pd = masked_fmadd("mm512_mask_fmadd_pd", "f64", "_mm512_mask3_fmadd_pd")
mm512_relu_pd = unary("mm512_relu_pd", "relu", "f64", AVX512, "_mm512_max_pd({src_data}, _mm512_setzero_pd())")
mm512_set1_pd = set1("mm512_set1_pd", "f64", AVX512, "_mm512_set1_pd")
mm512_mask_set1_pd = masked_set1("mm512_mask_set1_pd", "f64", "_mm512_mask_mov_pd", "_mm512_set1_pd")
mm512_reduce_add_pd = reduce_add("mm512_reduce_add_pd", "f64", AVX512, "exo_x86_sum512_pd")
mm512_select_pd = select_lt("mm512_select_pd", "f64", AVX512, _select("pd"))


INSTRS = [
    mm512_setzero_ps, mm512_loadu_ps, mm512_storeu_ps, mm512_maskz_loadu_ps, mm512_mask_storeu_ps,
    mm512_add_ps, mm512_sub_ps, mm512_mul_ps, mm512_mask_add_ps, mm512_fmadd_ps, mm512_mask_fmadd_ps,
    mm512_relu_ps, mm512_set1_ps, mm512_mask_set1_ps, mm512_reduce_add_ps, mm512_select_ps,
    mm512_setzero_pd, mm512_loadu_pd, mm512_storeu_pd, mm512_maskz_loadu_pd, mm512_mask_storeu_pd,
    mm512_add_pd, mm512_sub_pd, mm512_mul_pd, mm512_mask_add_pd, mm512_fmadd_pd, mm512_mask_fmadd_pd,
    mm512_relu_pd, mm512_set1_pd, mm512_mask_set1_pd, mm512_reduce_add_pd, mm512_select_pd,
]

__all__ = [p.name() for p in INSTRS] + ["INSTRS"]
