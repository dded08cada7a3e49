"""The suite's one builder of typed LoopIR, for tests that must not depend on the frontend.

Expressions and statements as values (analysis, interpreter and printer tests)::

    n = Var("n", SIZE); x = Var("x", ten(F32, n)); i = Var("i", INDEX)
    p = proc("f", [n, x], [loop(i, 0, n, [assign(x[i], x[i] * 2.0)])])

or statement by statement (backend tests)::

    b = ProcBuilder("scale")
    n = b.size("n")
    x = b.tensor("x", F32, [n])
    with b.loop("i", 0, n) as i:
        b.assign(x[i], x[i] * 2.0)
    p = b.build()

Literals: ``int`` is a control literal, ``float`` (or ``data(v)``) a data literal of type R;
an ``int`` next to a data operand, or stored into a data location, becomes data. Indexing
with slices makes a window (``x[i, 0:4]``). Comparisons are ``<``/``>``/``<=``/``>=`` or the
methods ``lt``/``gt``/``le``/``ge``/``eq`` (``==`` stays identity).

Source locations: every node built by the functions gets the current location,
``t.py:1:0`` unless set by ``at(line, col=..., file=...)`` (``at(3) or stmt`` works inline);
the suite's conftest resets it before each test. ``ProcBuilder`` gives its statements and
procs the caller's ``file:line`` instead, so error messages can point into the test file.
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

# --------------------------------------------------------------------------- source locations

DEFAULT_SRC = SrcInfo("t.py", 1, 0)
_src = [DEFAULT_SRC]


def at(line: int, col: int | None = None, file: str | None = None):
    """Locate the nodes built next at ``line`` (and ``col``/``file`` if given); returns None."""
    cur = _src[0]
    _src[0] = SrcInfo(cur.filename if file is None else file, line, cur.col if col is None else col)


def reset_location():
    _src[0] = DEFAULT_SRC


def src() -> SrcInfo:
    return _src[0]


def _caller(depth: int = 2) -> SrcInfo:
    f = sys._getframe(depth)
    return SrcInfo(f.f_code.co_filename, f.f_lineno, 0)


# --------------------------------------------------------------------------- expressions

_CMP = ("<", ">", "<=", ">=", "==")


def lift(v):
    """A Python value or builder object as an Expr node."""
    if isinstance(v, E):
        return v.e
    if isinstance(v, bool):
        return Const(v, BOOL, srcinfo=src())
    if isinstance(v, int):
        return Const(v, INT, srcinfo=src())
    if isinstance(v, float):
        return Const(v, R, srcinfo=src())
    return v


def data(v):
    """A literal in data position (type R, even for an int)."""
    return E(Const(v, R, srcinfo=src()))


def _is_data(t) -> bool:
    return t is not None and t.is_numeric()


def _as_data(e):
    """An int literal used as data becomes an R literal."""
    if isinstance(e, Const) and e.type == INT:
        return Const(e.val, R, srcinfo=e.srcinfo)
    return e


def _lift_data(v, data_ctx: bool):
    e = lift(v)
    return _as_data(e) if data_ctx else e


def _ctrl_join(a, b):
    names = {a.name, b.name}
    for t in (INDEX, SIZE, STRIDE):
        if t.name in names:
            return t
    return INT


def _data_join(a, b):
    if not _is_data(a) or a == R:
        return b
    return a


def binop(op, a, b):
    a, b = lift(a), lift(b)
    if _is_data(a.type) or _is_data(b.type):
        a, b = _as_data(a), _as_data(b)
        t = _data_join(a.type.basetype(), b.type.basetype())
    else:
        t = _ctrl_join(a.type, b.type)
    if op in _CMP or op in ("and", "or"):
        t = BOOL
    return E(BinOp(op, a, b, t, srcinfo=src()))


class E:
    """Operator sugar over an Expr node (``.e``)."""

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
    def __rtruediv__(self, o): return binop("/", o, self)
    def __floordiv__(self, o): return binop("/", self, o)  # index `/` is floor division
    def __mod__(self, o): return binop("%", self, o)
    def __neg__(self): return E(USub(self.e, self.e.type, srcinfo=src()))
    def __lt__(self, o): return binop("<", self, o)
    def __gt__(self, o): return binop(">", self, o)
    def __le__(self, o): return binop("<=", self, o)
    def __ge__(self, o): return binop(">=", self, o)
    def lt(self, o): return binop("<", self, o)
    def gt(self, o): return binop(">", self, o)
    def le(self, o): return binop("<=", self, o)
    def ge(self, o): return binop(">=", self, o)
    def eq(self, o): return binop("==", self, o)
    def and_(self, o): return binop("and", self, o)
    def or_(self, o): return binop("or", self, o)


def ten(base, *dims, window=False):
    return Tensor(tuple(lift(d) for d in dims), window, base)


def _extent(lo, hi):
    if isinstance(lo, Const) and lo.val == 0:
        return hi
    if isinstance(lo, Const) and isinstance(hi, Const):
        return Const(hi.val - lo.val, INT, srcinfo=src())
    return BinOp("-", hi, lo, _ctrl_join(hi.type, lo.type), srcinfo=src())


class Var(E):
    """A binder with its type: ``v`` reads it whole, ``v[i, j]`` an element, and ``v[i, 0:4]``
    (a slice in some position) is a window."""

    def __init__(self, name, type, mem=None):
        self.sym = Sym(name)
        self.type = type
        self.mem = mem if mem is not None or isinstance(type, ControlType) else DRAM

    @property
    def e(self):
        return Read(self.sym, (), self.type, srcinfo=src())

    def read(self):
        return E(self.e)

    def __getitem__(self, key):
        key = key if isinstance(key, tuple) else (key,)
        if not any(isinstance(k, slice) for k in key):
            return E(Read(self.sym, tuple(lift(k) for k in key), self.type.basetype(), srcinfo=src()))
        parts, extents = [], []
        for d, k in enumerate(key):
            if isinstance(k, slice):
                lo = lift(0 if k.start is None else k.start)
                hi = self.type.hi[d] if k.stop is None else lift(k.stop)
                parts.append(Interval(lo, hi, srcinfo=src()))
                extents.append(_extent(lo, hi))
            else:
                parts.append(Point(lift(k), srcinfo=src()))
        t = Tensor(tuple(extents), True, self.type.basetype())
        return E(WindowExpr(self.sym, tuple(parts), t, srcinfo=src()))

    def arg(self):
        return FnArg(self.sym, self.type, self.mem, srcinfo=src())

    def stride(self, d):
        return E(StrideExpr(self.sym, d, STRIDE, srcinfo=src()))


def cfg(config, field):
    """A read of a config field."""
    return E(ReadConfig(config, field, config.lookup_type(field), srcinfo=src()))


def extern(f, *args):
    args = tuple(lift(a) for a in args)
    t = R
    for a in args:
        if a.type != R:
            t = a.type
    return E(Extern(f, args, t, srcinfo=src()))


# --------------------------------------------------------------------------- statements


def _target(lhs):
    e = lhs.e
    return e.name, e.type.basetype(), e.idx


def assign(lhs, rhs):
    name, t, idx = _target(lhs)
    return Assign(name, t, idx, _lift_data(rhs, _is_data(t)), srcinfo=src())


def reduce(lhs, rhs):
    name, t, idx = _target(lhs)
    return Reduce(name, t, idx, _lift_data(rhs, _is_data(t)), srcinfo=src())


def loop(v: Var, lo, hi, body, mode="seq"):
    return For(v.sym, lift(lo), lift(hi), tuple(body), mode, srcinfo=src())


def par(v: Var, lo, hi, body):
    return loop(v, lo, hi, body, "par")


def if_(cond, body, orelse=()):
    return If(lift(cond), tuple(body), tuple(orelse), srcinfo=src())


def alloc(v: Var):
    return Alloc(v.sym, v.type, v.mem, srcinfo=src())


def window(v: Var, w: E):
    """``v = w``: binds v (whose type becomes w's window type)."""
    v.type = w.e.type
    return WindowStmt(v.sym, w.e, srcinfo=src())


def call(p, *args):
    """A call of a ProcDef or a Procedure."""
    pd = getattr(p, "_ir", p)
    return Call(pd, tuple(lift(a) for a in args), srcinfo=src())


def write_cfg(config, field, rhs):
    return WriteConfig(config, field, _lift_data(rhs, _is_data(config.lookup_type(field))),
                       srcinfo=src())


def pass_():
    return Pass(srcinfo=src())


def proc(name, args, body, preds=(), instr=None, c_global=""):
    """A ProcDef over Var arguments; ``instr`` (a C template) makes it an instruction."""
    info = InstrInfo(instr, c_global) if instr is not None else None
    return ProcDef(name, tuple(a.arg() for a in args), tuple(lift(p) for p in preds), tuple(body),
                   info, srcinfo=src())


# --------------------------------------------------------------------------- ProcBuilder


class ProcBuilder:
    """Builds a proc statement by statement; ``loop``/``if_``/``else_`` are context managers.
    Statements and the proc are located at the caller's ``file:line``."""

    def __init__(self, name: str):
        self.name = name
        self.args: list[Var] = []
        self.preds: list = []
        self._blocks: list[list] = [[]]
        self.src = _caller()

    # --- arguments ---------------------------------------------------------------------
    def _arg(self, name, t, mem=None):
        v = Var(name, t, mem)
        self.args.append(v)
        return v

    def size(self, name):
        return self._arg(name, SIZE)

    def index(self, name):
        return self._arg(name, INDEX)

    def bool(self, name):
        return self._arg(name, BOOL)

    def stride_arg(self, name):
        return self._arg(name, STRIDE)

    def scalar(self, name, t=F32, mem=DRAM):
        return self._arg(name, t, mem)

    def tensor(self, name, t, dims, mem=DRAM, window=False):
        return self._arg(name, ten(t, *dims, window=window), mem)

    def window(self, name, t, dims, mem=DRAM):
        return self.tensor(name, t, dims, mem, window=True)

    def assume(self, pred):
        self.preds.append(pred)

    # --- statements --------------------------------------------------------------------
    def _add(self, s, where=None):
        self._blocks[-1].append(s.update(srcinfo=where or _caller(3)))

    def assign(self, lhs, rhs):
        self._add(assign(lhs, rhs))

    def reduce(self, lhs, rhs):
        self._add(reduce(lhs, rhs))

    def write_config(self, config, field, rhs):
        self._add(write_cfg(config, field, rhs))

    def pass_(self):
        self._add(pass_())

    def alloc(self, name, t, dims=(), mem=DRAM):
        v = Var(name, ten(t, *dims) if dims else t, mem)
        self._add(alloc(v))
        return v

    def bind_window(self, name, win):
        v = Var(name, None)
        self._add(window(v, win))
        return v

    def call(self, callee, *args):
        assert len(args) == len(getattr(callee, "_ir", callee).args)
        self._add(call(callee, *args))

    @contextlib.contextmanager
    def loop(self, name, lo, hi, par=False):
        where = _caller(3)
        it = Var(name, INDEX)
        self._blocks.append([])
        yield it
        body = self._blocks.pop()
        self._add(loop(it, lo, hi, body, "par" if par else "seq"), where)

    @contextlib.contextmanager
    def if_(self, cond):
        where = _caller(3)
        self._blocks.append([])
        yield
        self._add(if_(cond, self._blocks.pop()), where)

    @contextlib.contextmanager
    def else_(self):
        self._blocks.append([])
        yield
        orelse = tuple(self._blocks.pop())
        last = self._blocks[-1].pop()
        assert isinstance(last, If)
        self._blocks[-1].append(last.update(orelse=orelse))

    def build(self, instr: str | None = None, c_global: str = "") -> ProcDef:
        assert len(self._blocks) == 1
        body = self._blocks[0] or [pass_()]
        return proc(self.name, self.args, body, self.preds, instr, c_global).update(srcinfo=self.src)


__all__ = [
    "DEFAULT_SRC", "at", "reset_location", "src", "lift", "data", "binop", "E", "Var", "ten",
    "cfg", "extern", "assign", "reduce", "loop", "par", "if_", "alloc", "window", "call",
    "write_cfg", "pass_", "proc", "ProcBuilder", "BOOL", "INDEX", "INT", "SIZE", "STRIDE", "F32",
    "R",
]
