"""A small accelerator-like target for the scheduling tests (configs, subprocs, memories).

The "hardware" (emulated on the host by ``fake_accel.h``) has a scratchpad memory
``FakeScratch`` that plain C may not touch (``can_read() == False``) and two
configuration fields, ``FakeCfg.stride`` (the DRAM stride of loads) and
``FakeCfg.scale`` (the factor applied by stores). Its instructions read the
configuration the way real accelerators do: ``ld`` walks DRAM with the configured
stride (and requires it to be the stride of its source), ``scale_store`` multiplies by
the configured scale. A schedule that leaves a wrong value in a config field therefore
computes something else, in the interpreter and in the compiled C alike.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from exo_core import config, instr
from exo_core.memory import DRAM, MemGenError, Memory

HEADER = Path(__file__).resolve().parent / "fake_accel.h"
# The header's hash is part of the C text, so the JIT cache sees edits to the header.
_GLOBAL = (f'#include "{HEADER}"  /* {hashlib.sha1(HEADER.read_bytes()).hexdigest()[:12]} */\n')

__all__ = ["FakeCfg", "FakeScratch", "ld", "scale_store", "config_ld", "config_scale", "zero",
           "add_rows", "fence", "HEADER", "DRAM"]


@config
class FakeCfg:
    stride: stride  # noqa: F821
    scale: f32  # noqa: F821


class FakeScratch(Memory):
    """The accelerator's scratchpad: constant-size rows, reachable only through instrs."""

    @classmethod
    def global_(cls):
        return _GLOBAL

    @classmethod
    def alloc(cls, new_name, prim_type, shape, srcinfo):
        n = 1
        for s in shape:
            if not str(s).isdigit():
                raise MemGenError(f"FakeScratch needs constant extents, got '{s}'", srcinfo)
            n *= int(s)
        return f"{prim_type} {new_name}[{n}];"

    @classmethod
    def can_read(cls):
        return False


@instr("fake_ld({n}, &{src_data}, ctxt->FakeCfg.stride, &{dst_data});", _GLOBAL)
def ld(n: size, src: [f32][n] @ DRAM, dst: [f32][n] @ FakeScratch):
    assert n <= 16
    assert stride(src, 0) == FakeCfg.stride
    assert stride(dst, 0) == 1
    for i in seq(0, n):
        dst[i] = src[i]


@instr("fake_scale_store({n}, &{src_data}, ctxt->FakeCfg.scale, &{dst_data});", _GLOBAL)
def scale_store(n: size, src: [f32][n] @ FakeScratch, dst: [f32][n] @ DRAM):
    assert n <= 16
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, n):
        dst[i] = src[i] * FakeCfg.scale


@instr("fake_add({n}, &{a_data}, &{b_data}, &{dst_data});", _GLOBAL)
def add_rows(n: size, a: [f32][n] @ FakeScratch, b: [f32][n] @ FakeScratch, dst: [f32][n] @ FakeScratch):
    assert n <= 16
    assert stride(a, 0) == 1
    assert stride(b, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, n):
        dst[i] = a[i] + b[i]


@instr("ctxt->FakeCfg.stride = {s};", _GLOBAL)
def config_ld(s: stride):
    FakeCfg.stride = s


@instr("ctxt->FakeCfg.scale = *{scale};", _GLOBAL)
def config_scale(scale: f32):
    FakeCfg.scale = scale


@instr("fake_zero({n}, &{dst_data});", _GLOBAL)
def zero(n: size, dst: [f32][n] @ FakeScratch):
    assert n <= 16
    assert stride(dst, 0) == 1
    for i in seq(0, n):
        dst[i] = 0.0


@instr("fake_fence();", _GLOBAL)
def fence():
    pass
