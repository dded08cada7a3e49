"""AVX2/FMA instrs on ``f32[8]`` and ``f64[4]`` registers, and ``prefetch`` (Exo's names).

Every body is the exact meaning of its template, lane by lane. Fused multiply-adds round
once where the body (``dst[i] += a[i] * b[i]``) rounds twice: that is the only difference,
as in Exo. Apart from ``prefetch``, every instr is a member of a family of ``_families.py``
(its docstring gives the body and the template's form); a line here names the instr, its
precision, its memory and its intrinsic.
"""

from __future__ import annotations

from exo_core import DRAM, instr

from ._cglobal import INCLUDE
from ._families import (
    binary,
    broadcast,
    broadcast_scalar,
    fmadd,
    fmadd_broadcast,
    load,
    setzero,
    store,
    unary,
)
from .memories import AVX2

# --------------------------------------------------------------------------- prefetch


@instr("_mm_prefetch((const char *) &{A_data}, {locality_hint});", INCLUDE)
def prefetch(A: [R][1] @ DRAM, locality_hint: index):
    # locality_hint must be a literal in C (0 = _MM_HINT_NTA ... 3 = _MM_HINT_T0; 6, 7 = ET1, ET0)
    assert 0 <= locality_hint
    assert locality_hint < 8
    pass


# --------------------------------------------------------------------------- zero, load, store

mm256_setzero_ps = setzero("mm256_setzero_ps", "f32", AVX2, "_mm256_setzero_ps")
mm256_setzero_pd = setzero("mm256_setzero_pd", "f64", AVX2, "_mm256_setzero_pd")
mm256_loadu_ps = load("mm256_loadu_ps", "f32", AVX2, "_mm256_loadu_ps")
mm256_loadu_pd = load("mm256_loadu_pd", "f64", AVX2, "_mm256_loadu_pd")
mm256_storeu_ps = store("mm256_storeu_ps", "f32", AVX2, "_mm256_storeu_ps")
mm256_storeu_pd = store("mm256_storeu_pd", "f64", AVX2, "_mm256_storeu_pd")

# --------------------------------------------------------------------------- broadcasts

mm256_broadcast_ss = broadcast("mm256_broadcast_ss", "f32", AVX2, "_mm256_broadcast_ss")
mm256_broadcast_sd = broadcast("mm256_broadcast_sd", "f64", AVX2, "_mm256_broadcast_sd")
mm256_broadcast_ss_scalar = broadcast_scalar("mm256_broadcast_ss_scalar", "f32", AVX2, "_mm256_broadcast_ss")
mm256_broadcast_sd_scalar = broadcast_scalar("mm256_broadcast_sd_scalar", "f64", AVX2, "_mm256_broadcast_sd")

# --------------------------------------------------------------------------- fused multiply-add

mm256_fmadd_ps = fmadd("mm256_fmadd_ps", "f32", AVX2, "_mm256_fmadd_ps")
mm256_fmadd_pd = fmadd("mm256_fmadd_pd", "f64", AVX2, "_mm256_fmadd_pd")
# Exo's template called _mm512_fmadd_ps(dst, lhs, rhs) with rhs a float lvalue; this one
# computes the body: dst += lhs * broadcast(rhs[0]).
mm256_fmadd_ps_broadcast = fmadd_broadcast("mm256_fmadd_ps_broadcast", "f32", AVX2, "_mm256_fmadd_ps",
                                           "_mm256_broadcast_ss")
mm256_fmadd_pd_broadcast = fmadd_broadcast("mm256_fmadd_pd_broadcast", "f64", AVX2, "_mm256_fmadd_pd",
                                           "_mm256_broadcast_sd")

# --------------------------------------------------------------------------- arithmetic

mm256_mul_ps = binary("mm256_mul_ps", "*", "f32", AVX2, "_mm256_mul_ps")
mm256_mul_pd = binary("mm256_mul_pd", "*", "f64", AVX2, "_mm256_mul_pd")
mm256_div_ps = binary("mm256_div_ps", "/", "f32", AVX2, "_mm256_div_ps")
mm256_div_pd = binary("mm256_div_pd", "/", "f64", AVX2, "_mm256_div_pd")
mm256_add_ps = binary("mm256_add_ps", "+", "f32", AVX2, "_mm256_add_ps")
mm256_add_pd = binary("mm256_add_pd", "+", "f64", AVX2, "_mm256_add_pd")
mm256_sub_ps = binary("mm256_sub_ps", "-", "f32", AVX2, "_mm256_sub_ps")
mm256_sub_pd = binary("mm256_sub_pd", "-", "f64", AVX2, "_mm256_sub_pd")

# relu(x) is `x > 0 ? x : 0`; vmaxps(x, 0) returns its second operand unless x > 0, so
# NaN and -0.0 give +0.0 in both.
mm256_relu_ps = unary("mm256_relu_ps", "relu", "f32", AVX2, "_mm256_max_ps({src_data}, _mm256_setzero_ps())")
mm256_relu_pd = unary("mm256_relu_pd", "relu", "f64", AVX2, "_mm256_max_pd({src_data}, _mm256_setzero_pd())")


INSTRS = [
    prefetch,
    mm256_setzero_ps, mm256_setzero_pd, mm256_loadu_ps, mm256_loadu_pd, mm256_storeu_ps, mm256_storeu_pd,
    mm256_broadcast_ss, mm256_broadcast_sd, mm256_broadcast_ss_scalar, mm256_broadcast_sd_scalar,
    mm256_fmadd_ps, mm256_fmadd_pd, mm256_fmadd_ps_broadcast, mm256_fmadd_pd_broadcast,
    mm256_mul_ps, mm256_mul_pd, mm256_div_ps, mm256_div_pd, mm256_add_ps, mm256_add_pd,
    mm256_sub_ps, mm256_sub_pd, mm256_relu_ps, mm256_relu_pd,
]

__all__ = [p.name() for p in INSTRS] + ["INSTRS"]
