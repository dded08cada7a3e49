"""Builders of typed LoopIR for analysis tests (independent of the frontend).

Every node built gets the source location ``t.py:<line>:0`` where ``<line>`` is the
current line set by ``at(line)``, so tests can assert the reported location.

    n = Var("n", SIZE); x = Var("x", ten(F32, n)); i = Var("i", INDEX)
    at(3); body = [loop(i, 0, n, [at(4) or assign(x[i + 1], 0.0)])]
"""

from __future__ import annotations

from exo_core.ir import (
    BOOL,
    F32,
    INDEX,
    INT,
    SIZE,
    STRIDE,
    Alloc,
    Assign,
    BinOp,
    Call,
    Const,
    ControlType,
    FnArg,
    For,
    If,
    Interval,
    Pass,
    Point,
    ProcDef,
    R,
    Read,
    ReadConfig,
    Reduce,
    StrideExpr,
    Sym,
    Tensor,
    USub,
    WindowExpr,
    WindowStmt,
    WriteConfig,
)
from exo_core.ir.sym import SrcInfo
from exo_core.memory import DRAM

FILE = "t.py"
_line = [1]


def at(line: int):
    """Set the line of the nodes built next; returns None (usable as ``at(3) or stmt``)."""
    _line[0] = line


def src():
    return SrcInfo(FILE, _line[0], 0)


def lift(v):
    if isinstance(v, E):
        return v.e
    if isinstance(v, bool):
        return Const(v, BOOL, srcinfo=src())
    if isinstance(v, int):
        return Const(v, INT, srcinfo=src())
    if isinstance(v, float):
        return Const(v, R, srcinfo=src())
    return v


def _ctype(a, b):
    names = {a.type.name, b.type.name}
    for t in (INDEX, SIZE, STRIDE):
        if t.name in names:
            return t
    return INT


def binop(op, a, b):
    a, b = lift(a), lift(b)
    if op in ("<", ">", "<=", ">=", "==", "and", "or"):
        t = BOOL
    elif isinstance(a.type, ControlType) and isinstance(b.type, ControlType):
        t = _ctype(a, b)
    else:
        t = F32
    return E(BinOp(op, a, b, t, srcinfo=src()))


class E:
    def __init__(self, e):
        self._e = e

    @property
    def e(self):
        return self._e

    def __add__(self, o): return binop("+", self, o)
    def __radd__(self, o): return binop("+", o, self)
    def __sub__(self, o): return binop("-", self, o)
    def __rsub__(self, o): return binop("-", o, self)
    def __mul__(self, o): return binop("*", self, o)
    def __rmul__(self, o): return binop("*", o, self)
    def __truediv__(self, o): return binop("/", self, o)
    def __mod__(self, o): return binop("%", self, o)
    def __neg__(self): return E(USub(self.e, self.e.type, srcinfo=src()))
    def lt(self, o): return binop("<", self, o)
    def gt(self, o): return binop(">", self, o)
    def le(self, o): return binop("<=", self, o)
    def ge(self, o): return binop(">=", self, o)
    def eq(self, o): return binop("==", self, o)
    def and_(self, o): return binop("and", self, o)
    def or_(self, o): return binop("or", self, o)


def ten(base, *dims, window=False):
    return Tensor(tuple(lift(d) for d in dims), window, base)


class Var(E):
    def __init__(self, name, type, mem=None):
        self.sym = Sym(name)
        self.type = type
        self.mem = mem if mem is not None or isinstance(type, ControlType) else DRAM

    @property
    def e(self):
        return Read(self.sym, (), self.type, srcinfo=src())

    def __getitem__(self, idx):
        idx = idx if isinstance(idx, tuple) else (idx,)
        return E(Read(self.sym, tuple(lift(i) for i in idx), self.type.basetype(), srcinfo=src()))

    def win(self, *parts):
        """Each part is an index (a point) or a ``(lo, hi)`` pair (an interval)."""
        idx, dims = [], []
        for p in parts:
            if isinstance(p, tuple):
                lo, hi = lift(p[0]), lift(p[1])
                idx.append(Interval(lo, hi, srcinfo=src()))
                dims.append(BinOp("-", hi, lo, INDEX, srcinfo=src()))
            else:
                idx.append(Point(lift(p), srcinfo=src()))
        t = Tensor(tuple(dims), True, self.type.basetype())
        return E(WindowExpr(self.sym, tuple(idx), t, srcinfo=src()))

    def arg(self):
        return FnArg(self.sym, self.type, self.mem, srcinfo=src())

    def stride(self, d):
        return E(StrideExpr(self.sym, d, STRIDE, srcinfo=src()))


def cfg(c, field):
    return E(ReadConfig(c, field, c.lookup_type(field), srcinfo=src()))


def _target(lhs):
    e = lhs.e
    return e.name, e.type, e.idx


def assign(lhs, rhs):
    name, t, idx = _target(lhs)
    return Assign(name, t.basetype(), idx, lift(rhs), srcinfo=src())


def reduce(lhs, rhs):
    name, t, idx = _target(lhs)
    return Reduce(name, t.basetype(), idx, lift(rhs), srcinfo=src())


def loop(v: Var, lo, hi, body, mode="seq"):
    return For(v.sym, lift(lo), lift(hi), tuple(body), mode, srcinfo=src())


def par(v: Var, lo, hi, body):
    return loop(v, lo, hi, body, "par")


def if_(cond, body, orelse=()):
    return If(lift(cond), tuple(body), tuple(orelse), srcinfo=src())


def alloc(v: Var):
    return Alloc(v.sym, v.type, v.mem, srcinfo=src())


def window(v: Var, w: E):
    v.type = w.e.type
    return WindowStmt(v.sym, w.e, srcinfo=src())


def call(p, *args):
    return Call(p, tuple(lift(a) for a in args), srcinfo=src())


def write_cfg(c, field, rhs):
    return WriteConfig(c, field, lift(rhs), srcinfo=src())


def pass_():
    return Pass(srcinfo=src())


def proc(name, args, body, preds=()):
    return ProcDef(name, tuple(a.arg() for a in args), tuple(lift(p) for p in preds), tuple(body),
                   srcinfo=src())


__all__ = [
    "at", "src", "lift", "binop", "E", "Var", "ten", "cfg", "assign", "reduce", "loop", "par", "if_",
    "alloc", "window", "call", "write_cfg", "pass_", "proc", "BOOL", "INDEX", "INT", "SIZE",
    "STRIDE", "F32", "R",
]
