"""Expressions: index arithmetic with floor semantics, data arithmetic with the
precision rules of docs/internals.md, literals, buffer accesses and strides."""

from __future__ import annotations

import math
import struct

from ..errors import ConfigError, MemGenError
from ..ir.nodes import BinOp, Const, Extern, Read, ReadConfig, StrideExpr, USub, WindowExpr
from ..ir.types import F16, F32, F64, ScalarType, Tensor
from . import cexpr as cx
from .intervals import RangeEnv
from .naming import concrete

_INT_BITS = {"i8": (8, True), "ui8": (8, False), "ui16": (16, False), "i32": (32, True)}


def round_f32(v: float) -> float:
    try:
        return struct.unpack("f", struct.pack("f", v))[0]
    except OverflowError:
        return math.copysign(math.inf, v)


def _float_text(v: float, suffix: str) -> str:
    if math.isnan(v):
        return f"(__builtin_nan{suffix}(\"\"))"
    if math.isinf(v):
        return f"({'-' if v < 0 else ''}__builtin_inf{suffix}())"
    text = repr(float(v)) + suffix
    return f"({text})" if v < 0 or text.startswith("-") else text


def literal(val, t: ScalarType) -> str:
    """A C literal of value ``val`` converted to precision ``t`` (C conversion rules:
    truncation toward zero, then wrap-around to the integer width)."""
    t = concrete(t)
    if t == F32:
        return _float_text(float(val), "f")
    if t == F64:
        return _float_text(float(val), "")
    if t == F16:
        return f"((_Float16) {_float_text(float(val), 'f')})"
    bits, signed = _INT_BITS[t.name]
    v = float(val)
    n = 0 if math.isnan(v) or math.isinf(v) else int(v)  # int() truncates toward zero
    n &= (1 << bits) - 1
    if signed and n >= 1 << (bits - 1):
        n -= 1 << bits
    return f"(({t.ctype}) {n})"


def _atomic(text: str) -> bool:
    """Whether C text is one postfix expression: names, `.` / `->` members, and balanced
    `(...)` / `[...]` groups only (`f(x)`, `a.data[i + 1]`, `(x + y)`, `1.5f`)."""
    i, n = 0, len(text)
    if n == 0:
        return False
    while i < n:
        ch = text[i]
        if text.startswith("->", i):
            i += 2
        elif ch.isalnum() or ch in "_.":
            i += 1
        elif ch in "([":
            close = {"(": ")", "[": "]"}[ch]
            depth = 0
            while i < n:
                if text[i] in "([":
                    depth += 1
                elif text[i] in ")]":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            if i >= n or text[i] != close:
                return False
            i += 1
        else:
            return False
    return True


def atom(text: str) -> cx.C:
    return cx.Atom(text if _atomic(text) else f"({text})")


class ExprEmitter:
    """Mixin for ProcEmitter. Expects: ``lib``, ``names`` (Scopes), ``kinds`` (sym -> kind),
    ``types``, ``mems``, ``ranges`` (RangeEnv), ``known_strides``, ``cur_srcinfo``."""

    ranges: RangeEnv

    # --- control values ---------------------------------------------------------------

    def control(self, e) -> cx.C:
        if isinstance(e, Const):
            if isinstance(e.val, bool):
                return cx.Atom("true" if e.val else "false")
            return cx.Const(int(e.val))
        if isinstance(e, Read):
            return cx.Atom(self.names[e.name])
        if isinstance(e, USub):
            return cx.neg(self.control(e.arg))
        if isinstance(e, StrideExpr):
            return self.strides_of(e.name)[e.dim]
        if isinstance(e, ReadConfig):
            return cx.Atom(self.config_ref(e))
        if isinstance(e, BinOp):
            lhs, rhs = self.control(e.lhs), self.control(e.rhs)
            if e.op in ("/", "%"):
                positive_divisor = isinstance(rhs, cx.Const) and rhs.val > 0
                if positive_divisor and (self.ranges.nonneg(e.lhs) or isinstance(lhs, cx.Const)):
                    return cx.binop(e.op, lhs, rhs)
                if positive_divisor and rhs.val == 1:
                    return lhs if e.op == "/" else cx.Const(0)
                helper = "exo_floor_div" if e.op == "/" else "exo_floor_mod"
                return cx.Call(helper, (lhs, rhs))
            if e.op in ("+", "-", "*"):
                return cx.binop(e.op, lhs, rhs)
            op = {"and": "&&", "or": "||"}.get(e.op, e.op)
            return cx.Bin(op, lhs, rhs)
        raise AssertionError(f"not a control expression: {e!r}")

    def cond(self, e) -> str:
        return cx.show(self.control(e))

    # --- strides and offsets ----------------------------------------------------------

    def strides_of(self, sym) -> list:
        """Static strides of a buffer: extents' products for dense tensors, the struct's
        `strides[]` for windows (or constants known from `stride(x, d) == c`)."""
        got = self.static_strides.get(sym)
        if got is not None:
            return got
        t = self.types[sym]
        assert isinstance(t, Tensor)
        n = len(t.hi)
        if t.is_window:
            name = self.names[sym]
            got = [self.known_strides.get((sym, d)) or cx.Atom(f"{name}.strides[{d}]") for d in range(n)]
        else:
            got = [cx.Const(1)] * n
            acc: cx.C = cx.Const(1)
            for d in range(n - 1, 0, -1):
                acc = cx.binop("*", self.control(t.hi[d]), acc)
                got[d - 1] = acc
        self.static_strides[sym] = got
        return got

    def offset(self, sym, idx) -> cx.C:
        acc: cx.C = cx.Const(0)
        for i, s in zip(idx, self.strides_of(sym)):
            acc = cx.binop("+", acc, cx.binop("*", self.control(i), s))
        return acc

    def element(self, sym, idx) -> str:
        """C lvalue of ``sym[idx]`` (a scalar's variable when there are no indices)."""
        kind = self.kinds[sym]
        name = self.names[sym]
        if kind == "scalar_param":
            return f"*{name}"
        if kind == "scalar":
            return name
        off = cx.show(self.offset(sym, idx))
        return f"{name}.data[{off}]" if kind == "window" else f"{name}[{off}]"

    # --- data values ------------------------------------------------------------------

    def data(self, e, ctx: ScalarType) -> cx.C:
        """``e`` computed in C; ``ctx`` is the precision of the enclosing operation, which
        literals (typed `R`) take."""
        if isinstance(e, Const):
            return atom(literal(e.val, ctx))
        if isinstance(e, Read):
            mem = self.mems[e.name]
            if not mem.can_read():
                raise MemGenError(
                    f"cannot read buffer '{e.name.name}' in memory {mem.name()} outside an instr",
                    self.cur_srcinfo or e.srcinfo,
                )
            return cx.Atom(self.element(e.name, e.idx))
        own = concrete(e.type) if isinstance(e.type, ScalarType) else ctx
        if isinstance(e, USub):
            return cx.Neg(self.data(e.arg, own))
        if isinstance(e, BinOp):
            return cx.Bin(e.op, self.data(e.lhs, own), self.data(e.rhs, own))
        if isinstance(e, Extern):
            prim = own.ctype
            args = [cx.show(self.data(a, own)) for a in e.args]
            self.lib.extern_global(e.f, prim)
            return atom(e.f.compile(args, prim))
        if isinstance(e, ReadConfig):
            return cx.Atom(self.config_ref(e))
        if isinstance(e, WindowExpr):
            raise AssertionError("window expressions only appear as call arguments")
        raise AssertionError(f"not a data expression: {e!r}")

    def rhs(self, e, target: ScalarType) -> str:
        """``e`` converted to ``target`` precision: a cast when the precisions differ."""
        target = concrete(target)
        if isinstance(e, Const):
            # An R literal alone is an R expression, computed in f32, then converted. For
            # f32/f16 targets the C literal `v f` already denotes the f32 value.
            widen = concrete(e.type) == F32 and target not in (F32, F16)
            return literal(round_f32(float(e.val)) if widen else e.val, target)
        src = concrete(e.type) if isinstance(e.type, ScalarType) else target
        text = cx.show(self.data(e, src))
        if src.ctype == target.ctype:
            return text
        return f"({target.ctype}) ({text})" if not _atomic(text) else f"({target.ctype}) {text}"

    def config_ref(self, e) -> str:
        cfg = e.config
        if not cfg.is_allow_rw():
            raise ConfigError(
                f"config '{cfg.name()}' is readwrite=False: only instrs may use {cfg.name()}.{e.field}",
                self.cur_srcinfo or e.srcinfo,
            )
        return f"ctxt->{cfg.name()}.{e.field}"
