"""AVX2/FMA instrs on ``f32[8]`` and ``f64[4]`` registers, and ``prefetch`` (Exo's names).

Every body is the exact meaning of its template, lane by lane. Fused multiply-adds round
once where the body (``dst[i] += a[i] * b[i]``) rounds twice: that is the only difference,
as in Exo.
"""

from __future__ import annotations

from exo_core import DRAM, instr
from exo_core.extern import relu

from ._cglobal import INCLUDE
from .memories import AVX2

# --------------------------------------------------------------------------- prefetch


@instr("_mm_prefetch((const char *) &{A_data}, {locality_hint});", INCLUDE)
def prefetch(A: [R][1] @ DRAM, locality_hint: index):
    # locality_hint must be a literal in C (0 = _MM_HINT_NTA ... 3 = _MM_HINT_T0; 6, 7 = ET1, ET0)
    assert 0 <= locality_hint
    assert locality_hint < 8
    pass


# --------------------------------------------------------------------------- zero, load, store


@instr("{dst_data} = _mm256_setzero_ps();", INCLUDE)
def mm256_setzero_ps(dst: [f32][8] @ AVX2):
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        dst[i] = 0.0


@instr("{dst_data} = _mm256_setzero_pd();", INCLUDE)
def mm256_setzero_pd(dst: [f64][4] @ AVX2):
    assert stride(dst, 0) == 1
    for i in seq(0, 4):
        dst[i] = 0.0


@instr("{dst_data} = _mm256_loadu_ps(&{src_data});", INCLUDE)
def mm256_loadu_ps(dst: [f32][8] @ AVX2, src: [f32][8] @ DRAM):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        dst[i] = src[i]


@instr("{dst_data} = _mm256_loadu_pd(&{src_data});", INCLUDE)
def mm256_loadu_pd(dst: [f64][4] @ AVX2, src: [f64][4] @ DRAM):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 4):
        dst[i] = src[i]


@instr("_mm256_storeu_ps(&{dst_data}, {src_data});", INCLUDE)
def mm256_storeu_ps(dst: [f32][8] @ DRAM, src: [f32][8] @ AVX2):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        dst[i] = src[i]


@instr("_mm256_storeu_pd(&{dst_data}, {src_data});", INCLUDE)
def mm256_storeu_pd(dst: [f64][4] @ DRAM, src: [f64][4] @ AVX2):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 4):
        dst[i] = src[i]


# --------------------------------------------------------------------------- broadcasts


@instr("{out_data} = _mm256_broadcast_ss(&{val_data});", INCLUDE)
def mm256_broadcast_ss(out: [f32][8] @ AVX2, val: [f32][1] @ DRAM):
    assert stride(out, 0) == 1
    for i in seq(0, 8):
        out[i] = val[0]


@instr("{out_data} = _mm256_broadcast_sd(&{val_data});", INCLUDE)
def mm256_broadcast_sd(out: [f64][4] @ AVX2, val: [f64][1] @ DRAM):
    assert stride(out, 0) == 1
    for i in seq(0, 4):
        out[i] = val[0]


@instr("{out_data} = _mm256_broadcast_ss({val_data});", INCLUDE)
def mm256_broadcast_ss_scalar(out: [f32][8] @ AVX2, val: f32 @ DRAM):
    assert stride(out, 0) == 1
    for i in seq(0, 8):
        out[i] = val


@instr("{out_data} = _mm256_broadcast_sd({val_data});", INCLUDE)
def mm256_broadcast_sd_scalar(out: [f64][4] @ AVX2, val: f64 @ DRAM):
    assert stride(out, 0) == 1
    for i in seq(0, 4):
        out[i] = val


# --------------------------------------------------------------------------- fused multiply-add


@instr("{dst_data} = _mm256_fmadd_ps({src1_data}, {src2_data}, {dst_data});", INCLUDE)
def mm256_fmadd_ps(dst: [f32][8] @ AVX2, src1: [f32][8] @ AVX2, src2: [f32][8] @ AVX2):
    assert stride(src1, 0) == 1
    assert stride(src2, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        dst[i] += src1[i] * src2[i]


@instr("{dst_data} = _mm256_fmadd_pd({src1_data}, {src2_data}, {dst_data});", INCLUDE)
def mm256_fmadd_pd(dst: [f64][4] @ AVX2, src1: [f64][4] @ AVX2, src2: [f64][4] @ AVX2):
    assert stride(src1, 0) == 1
    assert stride(src2, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 4):
        dst[i] += src1[i] * src2[i]


# Exo's template called _mm512_fmadd_ps(dst, lhs, rhs) with rhs a float lvalue; this one
# computes the body: dst += lhs * broadcast(rhs[0]).
@instr("{dst_data} = _mm256_fmadd_ps({lhs_data}, _mm256_broadcast_ss(&{rhs_data}), {dst_data});", INCLUDE)
def mm256_fmadd_ps_broadcast(dst: [f32][8] @ AVX2, lhs: [f32][8] @ AVX2, rhs: [f32][1] @ DRAM):
    assert stride(dst, 0) == 1
    assert stride(lhs, 0) == 1
    for i in seq(0, 8):
        dst[i] += lhs[i] * rhs[0]


@instr("{dst_data} = _mm256_fmadd_pd({lhs_data}, _mm256_broadcast_sd(&{rhs_data}), {dst_data});", INCLUDE)
def mm256_fmadd_pd_broadcast(dst: [f64][4] @ AVX2, lhs: [f64][4] @ AVX2, rhs: [f64][1] @ DRAM):
    assert stride(dst, 0) == 1
    assert stride(lhs, 0) == 1
    for i in seq(0, 4):
        dst[i] += lhs[i] * rhs[0]


# --------------------------------------------------------------------------- arithmetic


@instr("{out_data} = _mm256_mul_ps({x_data}, {y_data});", INCLUDE)
def mm256_mul_ps(out: [f32][8] @ AVX2, x: [f32][8] @ AVX2, y: [f32][8] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 8):
        out[i] = x[i] * y[i]


@instr("{out_data} = _mm256_mul_pd({x_data}, {y_data});", INCLUDE)
def mm256_mul_pd(out: [f64][4] @ AVX2, x: [f64][4] @ AVX2, y: [f64][4] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 4):
        out[i] = x[i] * y[i]


@instr("{out_data} = _mm256_div_ps({x_data}, {y_data});", INCLUDE)
def mm256_div_ps(out: [f32][8] @ AVX2, x: [f32][8] @ AVX2, y: [f32][8] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 8):
        out[i] = x[i] / y[i]


@instr("{out_data} = _mm256_div_pd({x_data}, {y_data});", INCLUDE)
def mm256_div_pd(out: [f64][4] @ AVX2, x: [f64][4] @ AVX2, y: [f64][4] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 4):
        out[i] = x[i] / y[i]


@instr("{out_data} = _mm256_add_ps({x_data}, {y_data});", INCLUDE)
def mm256_add_ps(out: [f32][8] @ AVX2, x: [f32][8] @ AVX2, y: [f32][8] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 8):
        out[i] = x[i] + y[i]


@instr("{out_data} = _mm256_add_pd({x_data}, {y_data});", INCLUDE)
def mm256_add_pd(out: [f64][4] @ AVX2, x: [f64][4] @ AVX2, y: [f64][4] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 4):
        out[i] = x[i] + y[i]


@instr("{out_data} = _mm256_sub_ps({x_data}, {y_data});", INCLUDE)
def mm256_sub_ps(out: [f32][8] @ AVX2, x: [f32][8] @ AVX2, y: [f32][8] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 8):
        out[i] = x[i] - y[i]


@instr("{out_data} = _mm256_sub_pd({x_data}, {y_data});", INCLUDE)
def mm256_sub_pd(out: [f64][4] @ AVX2, x: [f64][4] @ AVX2, y: [f64][4] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 4):
        out[i] = x[i] - y[i]


# relu(x) is `x > 0 ? x : 0`; vmaxps(x, 0) returns its second operand unless x > 0, so
# NaN and -0.0 give +0.0 in both.
@instr("{dst_data} = _mm256_max_ps({src_data}, _mm256_setzero_ps());", INCLUDE)
def mm256_relu_ps(dst: [f32][8] @ AVX2, src: [f32][8] @ AVX2):
    assert stride(dst, 0) == 1
    assert stride(src, 0) == 1
    for i in seq(0, 8):
        dst[i] = relu(src[i])


@instr("{dst_data} = _mm256_max_pd({src_data}, _mm256_setzero_pd());", INCLUDE)
def mm256_relu_pd(dst: [f64][4] @ AVX2, src: [f64][4] @ AVX2):
    assert stride(dst, 0) == 1
    assert stride(src, 0) == 1
    for i in seq(0, 4):
        dst[i] = relu(src[i])


INSTRS = [
    prefetch,
    mm256_setzero_ps, mm256_setzero_pd, mm256_loadu_ps, mm256_loadu_pd, mm256_storeu_ps, mm256_storeu_pd,
    mm256_broadcast_ss, mm256_broadcast_sd, mm256_broadcast_ss_scalar, mm256_broadcast_sd_scalar,
    mm256_fmadd_ps, mm256_fmadd_pd, mm256_fmadd_ps_broadcast, mm256_fmadd_pd_broadcast,
    mm256_mul_ps, mm256_mul_pd, mm256_div_ps, mm256_div_pd, mm256_add_ps, mm256_add_pd,
    mm256_sub_ps, mm256_sub_pd, mm256_relu_ps, mm256_relu_pd,
]

__all__ = [p.name() for p in INSTRS] + ["INSTRS"]
