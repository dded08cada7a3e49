"""Small builders for typed LoopIR, so backend tests do not depend on the frontend.

    b = ProcBuilder("scale")
    n = b.size("n")
    x = b.tensor("x", F32, [n])
    with b.loop("i", 0, n) as i:
        b.assign(x[i], x[i] * 2.0)
    p = b.build()

Statements get the caller's file:line as srcinfo, so error messages can be checked.
"""

from __future__ import annotations

import contextlib
import sys

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
    SrcInfo,
    StrideExpr,
    Sym,
    Tensor,
    USub,
    WindowExpr,
    WindowStmt,
    WriteConfig,
)
from exo_core.memory import DRAM


def _here(depth=2) -> SrcInfo:
    f = sys._getframe(depth)
    return SrcInfo(f.f_code.co_filename, f.f_lineno, 0)


def _ctrl_join(a, b):
    names = {a.name, b.name}
    if "index" in names:
        return INDEX
    if "size" in names:
        return SIZE
    if "stride" in names:
        return STRIDE
    return INT


def _data_join(a, b):
    if a == R:
        return b
    if b == R or a == b:
        return a
    raise TypeError(f"precision mismatch {a} vs {b}")


def lift(v, like=None):
    """A Python value as an expression: ints are control literals unless ``like`` is data."""
    if isinstance(v, E):
        return v
    if isinstance(v, Buf):
        return v.read()
    if isinstance(v, bool):
        return E(Const(v, BOOL))
    if like is not None and like.n.type.is_numeric():
        return E(Const(v, R))
    if isinstance(v, int):
        return E(Const(v, INT))
    if isinstance(v, float):
        return E(Const(v, R))
    raise TypeError(v)


def data(v):
    """A data literal (type R)."""
    return E(Const(v, R))


class E:
    __slots__ = ("n",)

    def __init__(self, n):
        self.n = n

    def _bin(self, op, other, rev=False):
        o = lift(other, like=self)
        a, b = (o, self) if rev else (self, o)
        ta, tb = a.n.type, b.n.type
        if op in ("<", ">", "<=", ">=", "==", "and", "or"):
            t = BOOL
        elif ta.is_numeric() or tb.is_numeric():
            if not ta.is_numeric():
                a = E(Const(a.n.val, R))
                ta = R
            if not tb.is_numeric():
                b = E(Const(b.n.val, R))
                tb = R
            t = _data_join(ta, tb)
        else:
            t = _ctrl_join(ta, tb)
        return E(BinOp(op, a.n, b.n, t))

    def __add__(self, o):
        return self._bin("+", o)

    def __radd__(self, o):
        return self._bin("+", o, True)

    def __sub__(self, o):
        return self._bin("-", o)

    def __rsub__(self, o):
        return self._bin("-", o, True)

    def __mul__(self, o):
        return self._bin("*", o)

    def __rmul__(self, o):
        return self._bin("*", o, True)

    def __truediv__(self, o):
        return self._bin("/", o)

    def __floordiv__(self, o):  # index floor division, spelled `/` in the language
        return self._bin("/", o)

    def __mod__(self, o):
        return self._bin("%", o)

    def __neg__(self):
        return E(USub(self.n, self.n.type))

    def __lt__(self, o):
        return self._bin("<", o)

    def __gt__(self, o):
        return self._bin(">", o)

    def __le__(self, o):
        return self._bin("<=", o)

    def __ge__(self, o):
        return self._bin(">=", o)

    def eq(self, o):
        return self._bin("==", o)

    def and_(self, o):
        return self._bin("and", o)

    def or_(self, o):
        return self._bin("or", o)


def _idx(v):
    return lift(v).n


class Buf:
    """A buffer binder: index it to read, slice it to window, call ``read()`` for the whole."""

    def __init__(self, sym: Sym, typ, mem):
        self.sym, self.typ, self.mem = sym, typ, mem

    @property
    def base(self) -> ScalarType:
        return self.typ.base if isinstance(self.typ, Tensor) else self.typ

    def read(self):
        return E(Read(self.sym, (), self.typ))

    def __getitem__(self, key):
        key = key if isinstance(key, tuple) else (key,)
        if not any(isinstance(k, slice) for k in key):
            return E(Read(self.sym, tuple(_idx(k) for k in key), self.base))
        parts, extents = [], []
        for d, k in enumerate(key):
            if isinstance(k, slice):
                lo = _idx(0 if k.start is None else k.start)
                hi = self.typ.hi[d] if k.stop is None else _idx(k.stop)
                parts.append(Interval(lo, hi))
                if isinstance(lo, Const) and lo.val == 0:
                    extents.append(hi)
                elif isinstance(lo, Const) and isinstance(hi, Const):
                    extents.append(Const(hi.val - lo.val, INT))
                else:
                    extents.append(BinOp("-", hi, lo, _ctrl_join(hi.type, lo.type)))
            else:
                parts.append(Point(_idx(k)))
        return E(WindowExpr(self.sym, tuple(parts), Tensor(tuple(extents), True, self.base)))

    def stride(self, d):
        return E(StrideExpr(self.sym, d, STRIDE))


def cfg(config, field):
    return E(ReadConfig(config, field, config.lookup_type(field)))


def ext(f, *args):
    args = [lift(a) for a in args]
    t = R
    for a in args:
        t = _data_join(t, a.n.type)
    return E(Extern(f, tuple(a.n for a in args), t))


def _shape(dims):
    return tuple(_idx(d) for d in dims)


class ProcBuilder:
    def __init__(self, name: str):
        self.name = name
        self.args: list[FnArg] = []
        self.preds: list = []
        self._blocks: list[list] = [[]]
        self._last_if = None
        self.src = _here()

    # --- arguments ---------------------------------------------------------------------
    def _ctrl(self, name, t):
        s = Sym(name)
        self.args.append(FnArg(s, t, None))
        return E(Read(s, (), t))

    def size(self, name):
        return self._ctrl(name, SIZE)

    def index(self, name):
        return self._ctrl(name, INDEX)

    def bool(self, name):
        return self._ctrl(name, BOOL)

    def stride_arg(self, name):
        return self._ctrl(name, STRIDE)

    def scalar(self, name, t=F32, mem=DRAM):
        s = Sym(name)
        self.args.append(FnArg(s, t, mem))
        return Buf(s, t, mem)

    def tensor(self, name, t, dims, mem=DRAM, window=False):
        s = Sym(name)
        typ = Tensor(_shape(dims), window, t)
        self.args.append(FnArg(s, typ, mem))
        return Buf(s, typ, mem)

    def window(self, name, t, dims, mem=DRAM):
        return self.tensor(name, t, dims, mem, window=True)

    def assume(self, pred):
        self.preds.append(lift(pred).n)

    # --- statements --------------------------------------------------------------------
    def _add(self, s):
        self._blocks[-1].append(s)

    def assign(self, lhs, rhs):
        r = lhs.n
        self._add(Assign(r.name, r.type, r.idx, lift(rhs, like=lhs).n, srcinfo=_here()))

    def reduce(self, lhs, rhs):
        r = lhs.n
        self._add(Reduce(r.name, r.type, r.idx, lift(rhs, like=lhs).n, srcinfo=_here()))

    def write_config(self, config, field, rhs):
        t = config.lookup_type(field)
        v = lift(rhs)
        if t.is_numeric() and not v.n.type.is_numeric():
            v = E(Const(v.n.val, R))
        self._add(WriteConfig(config, field, v.n, srcinfo=_here()))

    def pass_(self):
        self._add(Pass(srcinfo=_here()))

    def alloc(self, name, t, dims=(), mem=DRAM):
        s = Sym(name)
        typ = Tensor(_shape(dims), False, t) if dims else t
        self._add(Alloc(s, typ, mem, srcinfo=_here()))
        return Buf(s, typ, mem)

    def bind_window(self, name, win):
        s = Sym(name)
        w = win.n
        self._add(WindowStmt(s, w, srcinfo=_here()))
        return Buf(s, w.type, None)

    def call(self, callee, *args):
        ir = getattr(callee, "_ir", callee)
        assert len(args) == len(ir.args)
        nodes = []
        for a in args:
            if isinstance(a, Buf):
                nodes.append(a.read().n)
            else:
                nodes.append(lift(a).n)
        self._add(Call(ir, tuple(nodes), srcinfo=_here()))

    @contextlib.contextmanager
    def loop(self, name, lo, hi, par=False):
        it = Sym(name)
        src = _here(3)
        self._blocks.append([])
        yield E(Read(it, (), INDEX))
        body = tuple(self._blocks.pop())
        self._add(For(it, lift(lo).n, lift(hi).n, body, "par" if par else "seq", srcinfo=src))

    @contextlib.contextmanager
    def if_(self, cond):
        src = _here(3)
        self._blocks.append([])
        yield
        body = tuple(self._blocks.pop())
        self._add(If(lift(cond).n, body, (), srcinfo=src))

    @contextlib.contextmanager
    def else_(self):
        self._blocks.append([])
        yield
        orelse = tuple(self._blocks.pop())
        last = self._blocks[-1].pop()
        assert isinstance(last, If)
        self._add(last.update(orelse=orelse))

    def build(self, instr: str | None = None, c_global: str = "") -> ProcDef:
        assert len(self._blocks) == 1
        body = tuple(self._blocks[0]) or (Pass(),)
        info = InstrInfo(instr, c_global) if instr is not None else None
        return ProcDef(self.name, tuple(self.args), tuple(self.preds), body, info, srcinfo=self.src)
