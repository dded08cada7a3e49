"""A 4-lane "vector register" memory in plain C and vector instrs over it, for the
``vectorize`` / ``replace_all`` tests (their C templates are loops, so compiled code runs
anywhere)."""

from __future__ import annotations

from exo_core import DRAM, MemGenError, Memory, instr


class VEC4(Memory):
    """Registers of 4 lanes: constant-extent C arrays on the stack."""

    @classmethod
    def alloc(cls, new_name, prim_type, shape, srcinfo):
        if not shape:
            return f"{prim_type} {new_name};"
        if any(not str(s).isdigit() for s in shape):
            raise MemGenError(f"VEC4 needs constant extents, got {shape}", srcinfo)
        n = 1
        for s in shape:
            n *= int(s)
        return f"{prim_type} {new_name}[{n}];"

    @classmethod
    def free(cls, new_name, prim_type, shape, srcinfo):
        return ""

    @classmethod
    def can_read(cls):
        return True

    @classmethod
    def write(cls, s, lhs, rhs):
        return f"{lhs} = {rhs};"

    @classmethod
    def reduce(cls, s, lhs, rhs):
        return f"{lhs} += {rhs};"


def _el(name: str) -> str:
    return f"{{{name}}}.data[k * {{{name}}}.strides[0]]"


_LOOP = "for (int_fast32_t k = 0; k < 4; k++) {{ "


@instr(_LOOP + _el("dst") + " = " + _el("src") + "; }}")
def vld4(dst: [f32][4] @ VEC4, src: [f32][4] @ DRAM):
    for i in seq(0, 4):
        dst[i] = src[i]


@instr(_LOOP + _el("dst") + " = " + _el("src") + "; }}")
def vst4(dst: [f32][4] @ DRAM, src: [f32][4] @ VEC4):
    for i in seq(0, 4):
        dst[i] = src[i]


@instr(_LOOP + _el("dst") + " = *{val}; }}")
def vbcast4(dst: [f32][4] @ VEC4, val: f32 @ DRAM):
    for i in seq(0, 4):
        dst[i] = val


@instr(_LOOP + _el("dst") + " = " + _el("a") + " * " + _el("b") + "; }}")
def vmul4(dst: [f32][4] @ VEC4, a: [f32][4] @ VEC4, b: [f32][4] @ VEC4):
    for i in seq(0, 4):
        dst[i] = a[i] * b[i]


@instr(_LOOP + _el("dst") + " = " + _el("a") + " + " + _el("b") + "; }}")
def vadd4(dst: [f32][4] @ VEC4, a: [f32][4] @ VEC4, b: [f32][4] @ VEC4):
    for i in seq(0, 4):
        dst[i] = a[i] + b[i]


@instr(_LOOP + _el("dst") + " += " + _el("src") + "; }}")
def vacc4(dst: [f32][4] @ VEC4, src: [f32][4] @ VEC4):
    for i in seq(0, 4):
        dst[i] += src[i]


@instr(_LOOP + _el("dst") + " = 0.0f; }}")
def vzero4(dst: [f32][4] @ VEC4):
    for i in seq(0, 4):
        dst[i] = 0.0


# DRAM-only versions (vectorize with mem_type=DRAM)


@instr(_LOOP + _el("dst") + " = *{a} * " + _el("x") + "; }}")
def dscale4(dst: [f32][4] @ DRAM, a: f32 @ DRAM, x: [f32][4] @ DRAM):
    for i in seq(0, 4):
        dst[i] = a * x[i]


@instr(_LOOP + _el("dst") + " += " + _el("src") + "; }}")
def dacc4(dst: [f32][4] @ DRAM, src: [f32][4] @ DRAM):
    for i in seq(0, 4):
        dst[i] += src[i]


# Predicated versions: only the first ``m`` lanes (the tail of a loop).

_PLOOP = "for (int_fast32_t k = 0; k < {m}; k++) {{ "


@instr(_PLOOP + _el("dst") + " = " + _el("src") + "; }}")
def vld4_pred(m: size, dst: [f32][4] @ VEC4, src: [f32][m] @ DRAM):
    assert m <= 4
    for i in seq(0, 4):
        if i < m:
            dst[i] = src[i]


@instr(_PLOOP + _el("dst") + " = " + _el("src") + "; }}")
def vst4_pred(m: size, dst: [f32][m] @ DRAM, src: [f32][4] @ VEC4):
    assert m <= 4
    for i in seq(0, 4):
        if i < m:
            dst[i] = src[i]


@instr(_PLOOP + _el("dst") + " = *{val}; }}")
def vbcast4_pred(m: size, dst: [f32][4] @ VEC4, val: f32 @ DRAM):
    assert m <= 4
    for i in seq(0, 4):
        if i < m:
            dst[i] = val


@instr(_PLOOP + _el("dst") + " = " + _el("a") + " * " + _el("b") + "; }}")
def vmul4_pred(m: size, dst: [f32][4] @ VEC4, a: [f32][4] @ VEC4, b: [f32][4] @ VEC4):
    assert m <= 4
    for i in seq(0, 4):
        if i < m:
            dst[i] = a[i] * b[i]


@instr(_PLOOP + _el("dst") + " = " + _el("a") + " + " + _el("b") + "; }}")
def vadd4_pred(m: size, dst: [f32][4] @ VEC4, a: [f32][4] @ VEC4, b: [f32][4] @ VEC4):
    assert m <= 4
    for i in seq(0, 4):
        if i < m:
            dst[i] = a[i] + b[i]


@instr(_PLOOP + _el("dst") + " += " + _el("src") + "; }}")
def vacc4_pred(m: size, dst: [f32][4] @ VEC4, src: [f32][4] @ VEC4):
    assert m <= 4
    for i in seq(0, 4):
        if i < m:
            dst[i] += src[i]


VEC_INSTRS = [vld4, vst4, vbcast4, vmul4, vadd4, vacc4, vzero4]
PRED_INSTRS = [vld4_pred, vst4_pred, vbcast4_pred, vmul4_pred, vadd4_pred, vacc4_pred]
DRAM_INSTRS = [dscale4, dacc4]


@instr(_LOOP + _el("y") + " += *{a} * " + _el("x") + "; }}")
def daxpy4(y: [f32][4] @ DRAM, a: f32 @ DRAM, x: [f32][4] @ DRAM):
    for i in seq(0, 4):
        y[i] += a * x[i]
