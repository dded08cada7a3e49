"""AVX2-like instrs for the replace tests (test_replace*.py): a register memory mirroring
Exo's ``AVX2`` (``__m256`` registers, a window is the register variable, no plain reads),
real ``<immintrin.h>`` templates, and helpers to compile with ``-mavx2 -mfma``."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from exo_core import DRAM, MemGenError, Memory, instr

from .checks import same_results


def _has_avx2() -> bool:
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return " avx2" in flags and " fma" in flags


HAS_AVX2 = _has_avx2()
needs_avx2 = pytest.mark.skipif(not HAS_AVX2, reason="this CPU has no AVX2/FMA (see /proc/cpuinfo)")
AVX_FLAGS = ["-mavx2", "-mfma"]  # jit with target="c": these instrs and AVX2 belong to the tests, not to a target plugin


class AVX2(Memory):
    """Eight f32 lanes in a ``__m256``; outer dimensions make a C array of registers."""

    @classmethod
    def global_(cls):
        return "#include <immintrin.h>\n"

    @classmethod
    def can_read(cls):
        return False

    @classmethod
    def alloc(cls, new_name, prim_type, shape, srcinfo):
        if not shape or prim_type != "float" or str(shape[-1]) != "8":
            raise MemGenError(f"AVX2 holds f32 vectors of 8 lanes, not {prim_type}{shape}", srcinfo)
        outer = "".join(f"[{s}]" for s in shape[:-1])
        return f"__m256 {new_name}{outer};"

    @classmethod
    def free(cls, new_name, prim_type, shape, srcinfo):
        return ""

    @classmethod
    def window(cls, basetyp, baseptr, indices, strides, srcinfo):
        if str(strides[-1]) != "1":
            raise MemGenError("an AVX2 window must be contiguous in its last dimension", srcinfo)
        return baseptr + "".join(f"[{i}]" for i in indices[:-1])


@instr("{dst_data} = _mm256_loadu_ps(&{src_data});")
def mm256_loadu_ps(dst: [f32][8] @ AVX2, src: [f32][8] @ DRAM):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        dst[i] = src[i]


@instr("_mm256_storeu_ps(&{dst_data}, {src_data});")
def mm256_storeu_ps(dst: [f32][8] @ DRAM, src: [f32][8] @ AVX2):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        dst[i] = src[i]


@instr("{dst_data} = _mm256_fmadd_ps({src1_data}, {src2_data}, {dst_data});")
def mm256_fmadd_ps(dst: [f32][8] @ AVX2, src1: [f32][8] @ AVX2, src2: [f32][8] @ AVX2):
    assert stride(src1, 0) == 1
    assert stride(src2, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        dst[i] += src1[i] * src2[i]


@instr("{out_data} = _mm256_broadcast_ss(&{val_data});")
def mm256_broadcast_ss(out: [f32][8] @ AVX2, val: [f32][1] @ DRAM):
    assert stride(out, 0) == 1
    for i in seq(0, 8):
        out[i] = val[0]


@instr("{out_data} = _mm256_broadcast_ss({val_data});")
def mm256_broadcast_ss_scalar(out: [f32][8] @ AVX2, val: f32 @ DRAM):
    assert stride(out, 0) == 1
    for i in seq(0, 8):
        out[i] = val


@instr("{dst_data} = _mm256_setzero_ps();")
def mm256_setzero_ps(dst: [f32][8] @ AVX2):
    assert stride(dst, 0) == 1
    for i in seq(0, 8):
        dst[i] = 0.0


@instr("{out_data} = _mm256_add_ps({x_data}, {y_data});")
def mm256_add_ps(out: [f32][8] @ AVX2, x: [f32][8] @ AVX2, y: [f32][8] @ AVX2):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 8):
        out[i] = x[i] + y[i]


_MASK = "_mm256_cmpgt_epi32(_mm256_set1_epi32({bound}), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))"


@instr("{dst_data} = _mm256_blendv_ps({dst_data}, _mm256_maskload_ps(&{src_data}, " + _MASK + "), "
       "_mm256_castsi256_ps(" + _MASK + "));")
def mm256_prefix_load_ps(bound: size, dst: [f32][8] @ AVX2, src: [f32][bound] @ DRAM):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    assert bound <= 8
    for i in seq(0, 8):
        if i < bound:
            dst[i] = src[i]


@instr("_mm256_maskstore_ps(&{dst_data}, " + _MASK + ", {src_data});")
def mm256_prefix_store_ps(bound: size, dst: [f32][bound] @ DRAM, src: [f32][8] @ AVX2):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    assert bound <= 8
    for i in seq(0, 8):
        if i < bound:
            dst[i] = src[i]


@instr("{dst_data} = _mm256_loadu_ps(&{src_data});")
def load_n(n: size, dst: [f32][8] @ AVX2, src: [f32][n] @ DRAM):
    # Exo #758: the precondition says the template needs exactly 8 lanes
    assert n == 8
    assert stride(src, 0) == 1
    for i in seq(0, n):
        dst[i] = src[i]


AVX_INSTRS = [mm256_loadu_ps, mm256_storeu_ps, mm256_fmadd_ps, mm256_broadcast_ss, mm256_setzero_ps]


def rand(rng, *shape, dtype=np.float32):
    return rng.uniform(-2, 2, size=shape).astype(dtype)


# interpreter agreement on random inputs (instr calls run their bodies; the replaced
# procedure may not compile without AVX2)
agree = functools.partial(same_results, jit=False, seed=5)
