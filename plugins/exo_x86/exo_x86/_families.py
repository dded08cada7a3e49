# ruff: noqa: F821 (instr bodies are code of the language: seq, stride, f32, python... are its names)
"""Instr families shared by the AVX2 and AVX-512 modules: one definition per family.

A family is a set of instrs with the same parameters, preconditions and body, that differ
only in precision, lane count, register memory and C intrinsic (``mm256_add_ps``,
``mm256_add_pd``, ``mm512_add_ps``, ``mm256_add_epi32``... are ``binary`` with op ``+``).
Each family is a Python function that defines its ``@instr`` with the language's
metaprogramming and returns it:

* ``{T}``, ``{n}``, ``{mem}`` unquote the precision name, the lane count and the memory
  into types, loop bounds and preconditions;
* a ``with python:`` block picks the body's operation (``~{...}`` quotes an expression,
  ``with exo:`` emits the statement that uses it).

The lane count is never passed: it is ``lanes(mem, T)`` (8 for ``f32`` in ``AVX2``...), so
a type always matches its register. ``@family`` names the result (the ``def`` is the
family's), and adds the instr's name and the line that asked for it to a definition error,
whose own location is the line of the family's body. Every template is
``#include <immintrin.h>`` plus one C statement; each family's docstring gives its form.
"""

from __future__ import annotations

import functools
import sys

from exo_core import DRAM, ExoError, Procedure, instr
from exo_core.extern import relu, select

from ._cglobal import INCLUDE
from .memories import lanes


def family(factory):
    """Turn ``factory(*params) -> instr`` into ``make(name, *params) -> the instr named name``.

    The instr is a fresh root ``Procedure`` of the parsed code with the name replaced (the
    ``rename`` primitive would do the same but record a scheduling step, and run the
    instr in the interpreter under ``EXO_CHECK=paranoid``)."""

    @functools.wraps(factory)
    def make(name: str, *params, **kw) -> Procedure:
        try:
            p = factory(*params, **kw)
        except ExoError as err:
            raise type(err)(f"{err} (defining instr {name} at {_requester()})", err.srcinfo) from None
        return Procedure(p.INTERNAL_proc().update(name=name))

    return make


def _requester() -> str:
    """``file:line`` of the code that asked for the instr being defined: the first module-level
    frame (``mm256_add_ps = binary(...)``), else the first caller outside this module."""
    outside = None
    f = sys._getframe(1)
    while f is not None:
        if f.f_code.co_filename != __file__:
            if f.f_code.co_name == "<module>":
                return f"{f.f_code.co_filename}:{f.f_lineno}"
            outside = outside or f
        f = f.f_back
    return "<unknown>" if outside is None else f"{outside.f_code.co_filename}:{outside.f_lineno}"


def register(*mems):
    """The register memory among ``mems`` (the one that is not DRAM)."""
    regs = [m for m in mems if m is not DRAM]
    if len(regs) != 1:
        raise ValueError(f"expected one register memory and DRAM, got {', '.join(m.name() for m in mems)}")
    return regs[0]


# --------------------------------------------------------------------------- zero, copy


@family
def setzero(T: str, mem, intrinsic: str, arg: str = "dst"):
    """``arg[i] = 0`` on every lane; ``{arg} = intrinsic();``. Exo names the register ``dst``,
    except in ``avx2_set0_ps`` and ``mm256_setzero_si256_i32`` (``arg="out"``)."""
    if arg not in ("dst", "out"):
        raise ValueError(f"setzero: arg is 'dst' or 'out', not {arg!r}")
    n = lanes(mem, T)
    template = f"{{{arg}_data}} = {intrinsic}();"
    if arg == "dst":
        @instr(template, INCLUDE)
        def setzero(dst: [{T}][{n}] @ {mem}):
            assert stride(dst, 0) == 1
            for i in seq(0, {n}):
                dst[i] = 0.0
    else:
        @instr(template, INCLUDE)
        def setzero(out: [{T}][{n}] @ {mem}):
            assert stride(out, 0) == 1
            for i in seq(0, {n}):
                out[i] = 0.0
    return setzero


@family
def copy(T: str, dst_mem, src_mem, template: str):
    """``dst[i] = src[i]`` on every lane between a register and memory (loads, stores)."""
    n = lanes(register(dst_mem, src_mem), T)

    @instr(template, INCLUDE)
    def copy(dst: [{T}][{n}] @ {dst_mem}, src: [{T}][{n}] @ {src_mem}):
        assert stride(src, 0) == 1
        assert stride(dst, 0) == 1
        for i in seq(0, {n}):
            dst[i] = src[i]

    return copy


def load(name: str, T: str, mem, intrinsic: str, cast: str = "") -> Procedure:
    """``copy`` into register ``mem`` from DRAM: ``{dst} = intrinsic(cast &src);``."""
    return copy(name, T, mem, DRAM, f"{{dst_data}} = {intrinsic}({cast}&{{src_data}});")


def store(name: str, T: str, mem, intrinsic: str, cast: str = "") -> Procedure:
    """``copy`` from register ``mem`` to DRAM: ``intrinsic(cast &dst, src);``."""
    return copy(name, T, DRAM, mem, f"{intrinsic}({cast}&{{dst_data}}, {{src_data}});")


# --------------------------------------------------------------------------- lane-wise arithmetic


@family
def unary(op: str, T: str, mem, c_value: str):
    """``dst[i] = f(src[i])`` on every lane, register to register; ``{dst} = c_value;``.

    ``op``: ``"mov"`` (f(x) = x), ``"neg"`` (-x), ``"relu"`` (``relu(x)``), or ``"acc"``
    (``dst[i] += src[i]``)."""
    n = lanes(mem, T)

    @instr(f"{{dst_data}} = {c_value};", INCLUDE)
    def unary(dst: [{T}][{n}] @ {mem}, src: [{T}][{n}] @ {mem}):
        assert stride(dst, 0) == 1
        assert stride(src, 0) == 1
        for i in seq(0, {n}):
            with python:
                s = ~{src[i]}
                if op == "acc":
                    with exo:
                        dst[i] += {s}
                else:
                    value = {"mov": s, "neg": ~{-s}, "relu": ~{relu(s)}}[op]
                    with exo:
                        dst[i] = {value}

    return unary


@family
def binary(op: str, T: str, mem, intrinsic: str):
    """``out[i] = x[i] op y[i]`` on every lane (``op`` one of ``+ - * /``; integer lanes
    wrap); ``{out} = intrinsic(x, y);``."""
    n = lanes(mem, T)

    @instr(f"{{out_data}} = {intrinsic}({{x_data}}, {{y_data}});", INCLUDE)
    def binary(out: [{T}][{n}] @ {mem}, x: [{T}][{n}] @ {mem}, y: [{T}][{n}] @ {mem}):
        assert stride(out, 0) == 1
        assert stride(x, 0) == 1
        assert stride(y, 0) == 1
        for i in seq(0, {n}):
            with python:
                a, b = ~{x[i]}, ~{y[i]}
                value = {"+": ~{a + b}, "-": ~{a - b}, "*": ~{a * b}, "/": ~{a / b}}[op]
                with exo:
                    out[i] = {value}

    return binary


@family
def select_lt(T: str, mem, template: str):
    """``out[i] = select(x[i], v[i], y[i], z[i])`` (``x < v ? y : z``) on every lane."""
    n = lanes(mem, T)

    @instr(template, INCLUDE)
    def select_lt(out: [{T}][{n}] @ {mem}, x: [{T}][{n}] @ {mem}, v: [{T}][{n}] @ {mem},
                  y: [{T}][{n}] @ {mem}, z: [{T}][{n}] @ {mem}):
        assert stride(out, 0) == 1
        assert stride(x, 0) == 1
        assert stride(v, 0) == 1
        assert stride(y, 0) == 1
        assert stride(z, 0) == 1
        for i in seq(0, {n}):
            out[i] = select(x[i], v[i], y[i], z[i])

    return select_lt


@family
def reduce_add(T: str, mem, c_sum: str):
    """``result += x[i]`` for every lane in order; ``*result = c_sum(*result, x);`` with an
    in-order sum helper of ``_cglobal`` (bit-identical to the body)."""
    n = lanes(mem, T)

    @instr(f"*{{result}} = {c_sum}(*{{result}}, {{x_data}});", INCLUDE)
    def reduce_add(x: [{T}][{n}] @ {mem}, result: {T}):
        assert stride(x, 0) == 1
        for i in seq(0, {n}):
            result += x[i]

    return reduce_add


# --------------------------------------------------------------------------- fused multiply-add


@family
def fmadd(T: str, mem, intrinsic: str):
    """``dst[i] += src1[i] * src2[i]`` on every lane; ``{dst} = intrinsic(src1, src2, dst);``
    (the instruction rounds once where the body rounds twice, as in Exo)."""
    n = lanes(mem, T)

    @instr(f"{{dst_data}} = {intrinsic}({{src1_data}}, {{src2_data}}, {{dst_data}});", INCLUDE)
    def fmadd(dst: [{T}][{n}] @ {mem}, src1: [{T}][{n}] @ {mem}, src2: [{T}][{n}] @ {mem}):
        assert stride(src1, 0) == 1
        assert stride(src2, 0) == 1
        assert stride(dst, 0) == 1
        for i in seq(0, {n}):
            dst[i] += src1[i] * src2[i]

    return fmadd


@family
def fmadd_abc(T: str, mem, intrinsic: str):
    """``fmadd`` with Exo's AVX-512 parameter names: ``C[i] += A[i] * B[i]``;
    ``{C} = intrinsic(A, B, C);``."""
    n = lanes(mem, T)

    @instr(f"{{C_data}} = {intrinsic}({{A_data}}, {{B_data}}, {{C_data}});", INCLUDE)
    def fmadd_abc(A: [{T}][{n}] @ {mem}, B: [{T}][{n}] @ {mem}, C: [{T}][{n}] @ {mem}):
        assert stride(A, 0) == 1
        assert stride(B, 0) == 1
        assert stride(C, 0) == 1
        for i in seq(0, {n}):
            C[i] += A[i] * B[i]

    return fmadd_abc


@family
def fmadd_broadcast(T: str, mem, fmadd_intrinsic: str, broadcast_intrinsic: str):
    """``dst[i] += lhs[i] * rhs[0]`` on every lane, ``rhs`` one element in memory;
    ``{dst} = fmadd(lhs, broadcast(&rhs), dst);``."""
    n = lanes(mem, T)
    rhs = f"{broadcast_intrinsic}(&{{rhs_data}})"

    @instr(f"{{dst_data}} = {fmadd_intrinsic}({{lhs_data}}, {rhs}, {{dst_data}});", INCLUDE)
    def fmadd_broadcast(dst: [{T}][{n}] @ {mem}, lhs: [{T}][{n}] @ {mem}, rhs: [{T}][1] @ DRAM):
        assert stride(dst, 0) == 1
        assert stride(lhs, 0) == 1
        for i in seq(0, {n}):
            dst[i] += lhs[i] * rhs[0]

    return fmadd_broadcast


# --------------------------------------------------------------------------- broadcasts


@family
def broadcast(T: str, mem, intrinsic: str):
    """``out[i] = val[0]`` on every lane, ``val`` one element in memory; ``{out} = intrinsic(&val);``."""
    n = lanes(mem, T)

    @instr(f"{{out_data}} = {intrinsic}(&{{val_data}});", INCLUDE)
    def broadcast(out: [{T}][{n}] @ {mem}, val: [{T}][1] @ DRAM):
        assert stride(out, 0) == 1
        for i in seq(0, {n}):
            out[i] = val[0]

    return broadcast


@family
def broadcast_scalar(T: str, mem, intrinsic: str):
    """``out[i] = val`` on every lane, ``val`` a scalar; ``{out} = intrinsic(val);``."""
    n = lanes(mem, T)

    @instr(f"{{out_data}} = {intrinsic}({{val_data}});", INCLUDE)
    def broadcast_scalar(out: [{T}][{n}] @ {mem}, val: {T} @ DRAM):
        assert stride(out, 0) == 1
        for i in seq(0, {n}):
            out[i] = val

    return broadcast_scalar


@family
def set1(T: str, mem, intrinsic: str):
    """``broadcast`` with Exo's AVX-512 parameter names: ``dst[i] = src[0]``;
    ``{dst} = intrinsic(src);`` (``src`` is the element itself)."""
    n = lanes(mem, T)

    @instr(f"{{dst_data}} = {intrinsic}({{src_data}});", INCLUDE)
    def set1(dst: [{T}][{n}] @ {mem}, src: [{T}][1] @ DRAM):
        assert stride(dst, 0) == 1
        for i in seq(0, {n}):
            dst[i] = src[0]

    return set1


# --------------------------------------------------------------------------- masked (N lanes)


@family
def masked_copy(T: str, dst_mem, src_mem, template: str):
    """``dst[i] = src[i]`` for lanes ``i < N`` (``0 <= N <= lanes``), ``N`` first; the memory
    operand spans only the ``N`` lanes, the register is whole."""
    n = lanes(register(dst_mem, src_mem), T)

    def span(mem, N):
        return N if mem is DRAM else n

    @instr(template, INCLUDE)
    def masked_copy(N: index, dst: [{T}][{span(dst_mem, N)}] @ {dst_mem},
                    src: [{T}][{span(src_mem, N)}] @ {src_mem}):
        assert 0 <= N
        assert N <= {n}
        assert stride(src, 0) == 1
        assert stride(dst, 0) == 1
        for i in seq(0, {n}):
            if i < N:
                dst[i] = src[i]

    return masked_copy


__all__ = [
    "family", "register", "setzero", "copy", "load", "store", "unary", "binary", "select_lt", "reduce_add",
    "fmadd", "fmadd_abc", "fmadd_broadcast", "broadcast", "broadcast_scalar", "set1", "masked_copy",
]
