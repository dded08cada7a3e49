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

The families ``prefix_copy``, ``prefix_binary`` and ``prefix_fmadd`` below are the
prefix forms of ``_families.py``'s ``copy``, ``binary`` and ``fmadd``; ``avx2_mask_storeu_ps``
is a ``masked_copy``.
"""

from __future__ import annotations

from exo_core import DRAM, instr

from ._cglobal import INCLUDE
from ._families import family, masked_copy, register
from .memories import AVX2, lanes

_M32 = "exo_x86_prefix_mask_epi32({bound})"
_M64 = "exo_x86_prefix_mask_epi64({bound})"


def _keep(dst: str, value: str, mask: str, suffix: str) -> str:
    """``dst`` with lanes selected by ``mask`` replaced by ``value``."""
    cast = f"_mm256_castsi256_{suffix}({mask})"
    return f"{dst} = _mm256_blendv_{suffix}({dst}, {value}, {cast});"


def _mask(T: str) -> tuple[str, str]:
    """The prefix mask of ``T``'s lanes and the intrinsics' suffix."""
    return (_M32, "ps") if T == "f32" else (_M64, "pd")


# --------------------------------------------------------------------------- families


@family
def prefix_copy(T: str, dst_mem, src_mem, template: str):
    """``dst[i] = src[i]`` for lanes ``i < bound``; the memory operand spans ``bound`` lanes."""
    n = lanes(register(dst_mem, src_mem), T)

    def span(mem, bound):
        return bound if mem is DRAM else n

    @instr(template, INCLUDE)
    def prefix_copy(bound: index, dst: [{T}][{span(dst_mem, bound)}] @ {dst_mem},
                    src: [{T}][{span(src_mem, bound)}] @ {src_mem}):
        assert 0 <= bound
        assert bound <= {n}
        assert stride(src, 0) == 1
        assert stride(dst, 0) == 1
        for i in seq(0, {n}):
            if i < bound:
                dst[i] = src[i]

    return prefix_copy


@family
def prefix_binary(op: str, T: str, intrinsic: str):
    """``out[i] = x[i] op y[i]`` for lanes ``i < bound`` (``op`` one of ``+ - * /``): the
    full-width ``intrinsic(x, y)`` blended into ``out`` under the prefix mask."""
    n = lanes(AVX2, T)
    mask, sfx = _mask(T)

    @instr(_keep("{out_data}", f"{intrinsic}({{x_data}}, {{y_data}})", mask, sfx), INCLUDE)
    def prefix_binary(bound: index, out: [{T}][{n}] @ AVX2, x: [{T}][{n}] @ AVX2, y: [{T}][{n}] @ AVX2):
        assert 0 <= bound
        assert bound <= {n}
        assert stride(out, 0) == 1
        assert stride(x, 0) == 1
        assert stride(y, 0) == 1
        for i in seq(0, {n}):
            if i < bound:
                with python:
                    a, b = ~{x[i]}, ~{y[i]}
                    value = {"+": ~{a + b}, "-": ~{a - b}, "*": ~{a * b}, "/": ~{a / b}}[op]
                    with exo:
                        out[i] = {value}

    return prefix_binary


@family
def prefix_fmadd(T: str, intrinsic: str):
    """``dst[i] += src1[i] * src2[i]`` for lanes ``i < bound``: the full-width fused
    multiply-add blended into ``dst`` under the prefix mask."""
    n = lanes(AVX2, T)
    mask, sfx = _mask(T)

    @instr(_keep("{dst_data}", f"{intrinsic}({{src1_data}}, {{src2_data}}, {{dst_data}})", mask, sfx), INCLUDE)
    def prefix_fmadd(bound: index, dst: [{T}][{n}] @ AVX2, src1: [{T}][{n}] @ AVX2, src2: [{T}][{n}] @ AVX2):
        assert 0 <= bound
        assert bound <= {n}
        assert stride(dst, 0) == 1
        assert stride(src1, 0) == 1
        assert stride(src2, 0) == 1
        for i in seq(0, {n}):
            if i < bound:
                dst[i] += src1[i] * src2[i]

    return prefix_fmadd


# --------------------------------------------------------------------------- loads and stores


def _prefix_load(name: str, T: str):
    mask, sfx = _mask(T)
    load = f"_mm256_maskload_{sfx}(&{{src_data}}, {mask})"
    return prefix_copy(name, T, AVX2, DRAM, _keep("{dst_data}", load, mask, sfx))


def _prefix_store(name: str, T: str):
    mask, sfx = _mask(T)
    return prefix_copy(name, T, DRAM, AVX2, f"_mm256_maskstore_{sfx}(&{{dst_data}}, {mask}, {{src_data}});")


mm256_prefix_load_ps = _prefix_load("mm256_prefix_load_ps", "f32")
mm256_prefix_store_ps = _prefix_store("mm256_prefix_store_ps", "f32")
mm256_prefix_load_pd = _prefix_load("mm256_prefix_load_pd", "f64")
mm256_prefix_store_pd = _prefix_store("mm256_prefix_store_pd", "f64")

# Exo's name and argument order (N first); the same operation as mm256_prefix_store_ps.
avx2_mask_storeu_ps = masked_copy("avx2_mask_storeu_ps", "f32", DRAM, AVX2,
                                  "_mm256_maskstore_ps(&{dst_data}, exo_x86_prefix_mask_epi32({N}), {src_data});")


@instr(_keep("{out_data}", "_mm256_broadcast_ss(&{val_data})", _M32, "ps"), INCLUDE)
def mm256_prefix_broadcast_ss(bound: index, out: [f32][8] @ AVX2, val: [f32][1] @ DRAM):
    assert 0 <= bound
    assert bound <= 8
    assert stride(out, 0) == 1
    for i in seq(0, 8):
        if i < bound:
            out[i] = val[0]


# --------------------------------------------------------------------------- arithmetic

mm256_prefix_add_ps = prefix_binary("mm256_prefix_add_ps", "+", "f32", "_mm256_add_ps")
mm256_prefix_sub_ps = prefix_binary("mm256_prefix_sub_ps", "-", "f32", "_mm256_sub_ps")
mm256_prefix_mul_ps = prefix_binary("mm256_prefix_mul_ps", "*", "f32", "_mm256_mul_ps")
mm256_prefix_div_ps = prefix_binary("mm256_prefix_div_ps", "/", "f32", "_mm256_div_ps")
mm256_prefix_fmadd_ps = prefix_fmadd("mm256_prefix_fmadd_ps", "f32", "_mm256_fmadd_ps")
mm256_prefix_fmadd_pd = prefix_fmadd("mm256_prefix_fmadd_pd", "f64", "_mm256_fmadd_pd")


INSTRS = [
    mm256_prefix_load_ps, mm256_prefix_store_ps, mm256_prefix_load_pd, mm256_prefix_store_pd,
    avx2_mask_storeu_ps, mm256_prefix_broadcast_ss, mm256_prefix_add_ps, mm256_prefix_sub_ps,
    mm256_prefix_mul_ps, mm256_prefix_div_ps, mm256_prefix_fmadd_ps, mm256_prefix_fmadd_pd,
]

__all__ = [p.name() for p in INSTRS] + ["INSTRS"]
