"""A tiny builder for typed LoopIR, for tests that must not depend on the frontend.

    n = Var("n", SIZE); x = Var("x", ten(F32, n)); i = Var("i", INDEX)
    p = proc("f", [n, x], [loop(i, 0, n, [assign(x[i], x[i] * 2.0)])])
"""

from __future__ import annotations

from exo_core.ir import (
    BOOL,
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
    Extern,
    FnArg,
    For,
    If,
    InstrInfo,
    Interval,
    Pass,
    Point,
    ProcDef,
    R,
    Read,
    ReadConfig,
    Reduce,
    ScalarType,
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

SRC = SrcInfo("test_irb.py", 7, 4)
_CMP = ("<", ">", "<=", ">=", "==")


def lift(v):
    """A Python value or builder object as an Expr (ints are control, floats data)."""
    if isinstance(v, E):
        return v.e
    if isinstance(v, Var):
        return v.read().e
    if isinstance(v, bool):
        return Const(v, BOOL, srcinfo=SRC)
    if isinstance(v, int):
        return Const(v, INT, srcinfo=SRC)
    if isinstance(v, float):
        return Const(v, R, srcinfo=SRC)
    return v


def data(v):
    """A literal in data position (ints stay ints but have type R)."""
    return E(Const(v, R, srcinfo=SRC))


def _join(a, b):
    if isinstance(a, ControlType):
        names = {a.name, b.name}
        for t in (INDEX, SIZE):
            if t.name in names:
                return t
        return INT
    if a == R:
        return b
    return a


def binop(op, a, b):
    a, b = lift(a), lift(b)
    if op in _CMP or op in ("and", "or"):
        t = BOOL
    else:
        if isinstance(a, Const) and a.type == INT and isinstance(b.type, ScalarType):
            a = Const(a.val, R, srcinfo=SRC)
        if isinstance(b, Const) and b.type == INT and isinstance(a.type, ScalarType):
            b = Const(b.val, R, srcinfo=SRC)
        t = _join(a.type, b.type)
    return E(BinOp(op, a, b, t, srcinfo=SRC))


class E:
    """Operator sugar over an Expr. Comparisons are methods (``==`` stays identity)."""

    def __init__(self, e):
        self.e = e

    def __add__(self, o): return binop("+", self, o)
    def __radd__(self, o): return binop("+", o, self)
    def __sub__(self, o): return binop("-", self, o)
    def __rsub__(self, o): return binop("-", o, self)
    def __mul__(self, o): return binop("*", self, o)
    def __rmul__(self, o): return binop("*", o, self)
    def __truediv__(self, o): return binop("/", self, o)
    def __rtruediv__(self, o): return binop("/", o, self)
    def __mod__(self, o): return binop("%", self, o)
    def __neg__(self): return E(USub(self.e, self.e.type, srcinfo=SRC))
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
    """A binder with its type; ``v[i, j]`` reads an element, ``v.win(...)`` makes a window."""

    def __init__(self, name, type, mem=None):
        self.sym = Sym(name)
        self.type = type
        self.mem = mem if mem is not None or isinstance(type, ControlType) else DRAM

    @property
    def e(self):
        return Read(self.sym, (), self.type, srcinfo=SRC)

    def read(self):
        return E(self.e)

    def __getitem__(self, idx):
        idx = idx if isinstance(idx, tuple) else (idx,)
        return E(Read(self.sym, tuple(lift(i) for i in idx), self.type.basetype(), srcinfo=SRC))

    def win(self, *parts):
        """Each part: an index (a point) or a ``(lo, hi)`` pair (an interval)."""
        idx, dims = [], []
        for p in parts:
            if isinstance(p, tuple):
                lo, hi = lift(p[0]), lift(p[1])
                idx.append(Interval(lo, hi, srcinfo=SRC))
                dims.append(BinOp("-", hi, lo, INDEX, srcinfo=SRC))
            else:
                idx.append(Point(lift(p), srcinfo=SRC))
        t = Tensor(tuple(dims), True, self.type.basetype())
        return E(WindowExpr(self.sym, tuple(idx), t, srcinfo=SRC))

    def arg(self):
        return FnArg(self.sym, self.type, self.mem, srcinfo=SRC)

    def stride(self, d):
        return E(StrideExpr(self.sym, d, STRIDE, srcinfo=SRC))


def cfg_read(cfg, field):
    return E(ReadConfig(cfg, field, cfg.lookup_type(field), srcinfo=SRC))


def extern(f, *args):
    args = tuple(lift(a) for a in args)
    t = R
    for a in args:
        if a.type != R:
            t = a.type
    return E(Extern(f, args, t, srcinfo=SRC))


# --------------------------------------------------------------------------- statements


def _target(lhs):
    e = lhs.e if isinstance(lhs, E) else lhs
    return e.name, e.type, e.idx


def assign(lhs, rhs):
    name, t, idx = _target(lhs)
    return Assign(name, t.basetype(), idx, lift(rhs), srcinfo=SRC)


def reduce(lhs, rhs):
    name, t, idx = _target(lhs)
    return Reduce(name, t.basetype(), idx, lift(rhs), srcinfo=SRC)


def loop(v: Var, lo, hi, body, mode="seq"):
    return For(v.sym, lift(lo), lift(hi), tuple(body), mode, srcinfo=SRC)


def if_(cond, body, orelse=()):
    return If(lift(cond), tuple(body), tuple(orelse), srcinfo=SRC)


def alloc(v: Var):
    return Alloc(v.sym, v.type, v.mem, srcinfo=SRC)


def window(v: Var, w: E):
    """``v = w``: binds v (whose type becomes w's window type)."""
    v.type = w.e.type
    return WindowStmt(v.sym, w.e, srcinfo=SRC)


def call(p, *args):
    pd = p._ir if hasattr(p, "_ir") else p
    return Call(pd, tuple(lift(a) for a in args), srcinfo=SRC)


def write_cfg(cfg, field, rhs):
    return WriteConfig(cfg, field, lift(rhs), srcinfo=SRC)


def pass_():
    return Pass(srcinfo=SRC)


def proc(name, args, body, preds=(), instr=None, c_global=""):
    info = InstrInfo(instr, c_global) if instr is not None else None
    return ProcDef(
        name, tuple(a.arg() for a in args), tuple(lift(p) for p in preds), tuple(body), info,
        srcinfo=SRC,
    )


__all__ = [
    "SRC", "E", "Var", "lift", "data", "binop", "ten", "cfg_read", "extern", "assign", "reduce",
    "loop", "if_", "alloc", "window", "call", "write_cfg", "pass_", "proc", "BOOL", "INDEX", "INT",
    "SIZE", "STRIDE", "R",
]
