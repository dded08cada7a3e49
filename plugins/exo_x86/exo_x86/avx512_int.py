"""AVX-512 integer lanes and the VNNI dot product.

``mm512_dpbusd_epi32(dst, a, b)`` is ``_mm512_dpbusd_epi32`` (AVX512-VNNI): each i32 lane
``i`` of ``dst`` gains the four products ``a[4i+k] * b[4i+k]`` (``a`` unsigned bytes, ``b``
signed bytes), added without saturation (wrapping at 32 bits). ``mm256_dpbusd_epi32`` is the
same on 256-bit registers (AVX512-VL + VNNI). The bodies widen each byte to i32 through
a local (a u8 * i8 product of the language would mix precisions), which is what the
instruction does.
"""

from __future__ import annotations

from exo_core import DRAM, instr

from ._cglobal import INCLUDE
from .memories import AVX2, AVX512

# --------------------------------------------------------------------------- loads, stores, zero


@instr("{dst_data} = _mm512_loadu_si512((const void *) &{src_data});", INCLUDE)
def mm512_loadu_si512_i8(dst: [i8][64] @ AVX512, src: [i8][64] @ DRAM):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 64):
        dst[i] = src[i]


@instr("{dst_data} = _mm512_loadu_si512((const void *) &{src_data});", INCLUDE)
def mm512_loadu_si512_ui8(dst: [ui8][64] @ AVX512, src: [ui8][64] @ DRAM):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 64):
        dst[i] = src[i]


@instr("_mm512_storeu_si512((void *) &{dst_data}, {src_data});", INCLUDE)
def mm512_storeu_si512_i8(dst: [i8][64] @ DRAM, src: [i8][64] @ AVX512):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 64):
        dst[i] = src[i]


@instr("_mm512_storeu_si512((void *) &{dst_data}, {src_data});", INCLUDE)
def mm512_storeu_si512_ui8(dst: [ui8][64] @ DRAM, src: [ui8][64] @ AVX512):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 64):
        dst[i] = src[i]


@instr("{dst_data} = _mm512_loadu_si512((const void *) &{src_data});", INCLUDE)
def mm512_loadu_si512_i32(dst: [i32][16] @ AVX512, src: [i32][16] @ DRAM):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 16):
        dst[i] = src[i]


@instr("_mm512_storeu_si512((void *) &{dst_data}, {src_data});", INCLUDE)
def mm512_storeu_si512_i32(dst: [i32][16] @ DRAM, src: [i32][16] @ AVX512):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 16):
        dst[i] = src[i]


@instr("{dst_data} = _mm512_setzero_si512();", INCLUDE)
def mm512_setzero_si512_i32(dst: [i32][16] @ AVX512):
    assert stride(dst, 0) == 1
    for i in seq(0, 16):
        dst[i] = 0.0


@instr("{out_data} = _mm512_add_epi32({x_data}, {y_data});", INCLUDE)
def mm512_add_epi32(out: [i32][16] @ AVX512, x: [i32][16] @ AVX512, y: [i32][16] @ AVX512):
    assert stride(out, 0) == 1
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, 16):
        out[i] = x[i] + y[i]


# --------------------------------------------------------------------------- VNNI


@instr("{dst_data} = _mm512_dpbusd_epi32({dst_data}, {a_data}, {b_data});", INCLUDE)
def mm512_dpbusd_epi32(dst: [i32][16] @ AVX512, a: [ui8][64] @ AVX512, b: [i8][64] @ AVX512):
    assert stride(dst, 0) == 1
    assert stride(a, 0) == 1
    assert stride(b, 0) == 1
    for i in seq(0, 16):
        for k in seq(0, 4):
            a_wide: i32 @ DRAM
            b_wide: i32 @ DRAM
            a_wide = a[4 * i + k]
            b_wide = b[4 * i + k]
            dst[i] += a_wide * b_wide


@instr("{dst_data} = _mm256_dpbusd_epi32({dst_data}, {a_data}, {b_data});", INCLUDE)
def mm256_dpbusd_epi32(dst: [i32][8] @ AVX2, a: [ui8][32] @ AVX2, b: [i8][32] @ AVX2):
    assert stride(dst, 0) == 1
    assert stride(a, 0) == 1
    assert stride(b, 0) == 1
    for i in seq(0, 8):
        for k in seq(0, 4):
            a_wide: i32 @ DRAM
            b_wide: i32 @ DRAM
            a_wide = a[4 * i + k]
            b_wide = b[4 * i + k]
            dst[i] += a_wide * b_wide


INSTRS = [
    mm512_loadu_si512_i8, mm512_loadu_si512_ui8, mm512_storeu_si512_i8, mm512_storeu_si512_ui8,
    mm512_loadu_si512_i32, mm512_storeu_si512_i32,
    mm512_setzero_si512_i32, mm512_add_epi32,
]
VNNI_INSTRS = [mm512_dpbusd_epi32, mm256_dpbusd_epi32]

__all__ = [p.name() for p in INSTRS + VNNI_INSTRS] + ["INSTRS", "VNNI_INSTRS"]
