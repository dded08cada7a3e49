"""Memory, precision and window rewrites: ``set_memory``, ``set_precision``,
``set_window``. They change how a buffer is stored, not which locations the code
touches; the backend decides whether the result can be compiled (memories that plain C
may not read, windows passed where dense tensors are expected)."""

from __future__ import annotations

from ..errors import PrecisionError, SchedulingError
from ..ir import (
    Alloc,
    Assign,
    BinOp,
    Call,
    Extern,
    For,
    If,
    ProcDef,
    Read,
    Reduce,
    ScalarType,
    Tensor,
    USub,
    WindowExpr,
    WindowStmt,
)
from ..ir.paths import node_at, replace_at
from ..ir.visit import map_bottom_up, walk
from . import forward as fw
from .describe import where


def _sched():
    from ..analysis import sched

    return sched


def _decl(p: ProcDef, kind: str, at):
    """``(sym, type, node)`` of an argument (``at`` = its index) or an allocation (its path)."""
    if kind == "arg":
        a = p.args[at]
        return a.name, a.type, a
    s = node_at(p, at)
    if type(s) is not Alloc:
        raise SchedulingError(f"{where(s)} is not an allocation")
    return s.name, s.type, s


def _redeclare(p: ProcDef, kind: str, at, **changes) -> ProcDef:
    if kind == "arg":
        a = p.args[at].update(**changes)
        return p.update(args=p.args[:at] + (a,) + p.args[at + 1:])
    return replace_at(p, at, node_at(p, at).update(**changes))


def _what(sym, kind) -> str:
    return f"{'argument' if kind == 'arg' else 'buffer'} {sym.name}"


def _aliases(body, sym) -> set:
    """``sym`` and every window statement name viewing it (transitively)."""
    out = {sym}
    for n in walk(tuple(body)):
        if type(n) is WindowStmt and n.rhs.name in out:
            out.add(n.name)
    return out


# --------------------------------------------------------------------------- set_memory


def set_memory(p: ProcDef, kind: str, at, mem):
    """Put an allocation or a buffer argument in memory ``mem`` (a ``Memory`` subclass).
    The values computed do not change. Not checked here: the backend refuses plain C
    reads and writes of a memory whose ``can_read()`` is False, and calls passing a
    buffer to a parameter in an incompatible memory. Refused: a memory shared across calls
    (``DRAM_STATIC``...) for an allocation inside a ``par`` loop."""
    sym, typ, _ = _decl(p, kind, at)
    if not typ.is_numeric():
        raise SchedulingError(f"{_what(sym, kind)} is a control value: it has no memory")
    if kind != "arg" and mem.shared_across_calls():
        for k in range(len(at)):
            loop = node_at(p, at[:k])
            if type(loop) is For and loop.loop_mode == "par":
                raise SchedulingError(
                    f"{_what(sym, kind)} is allocated inside the parallel loop over {loop.iter.name}: "
                    f"{mem.name()} is one buffer for every thread, which its iterations would share")
    return _redeclare(p, kind, at, mem=mem), fw.identity


# --------------------------------------------------------------------------- set_window


def set_window(p: ProcDef, index: int, is_window: bool = True):
    """Make a tensor argument a window (``[T][n]``, any strides) or a dense tensor.
    Checked (window): the argument is not passed whole to a dense parameter of a
    callee, and the bounds check still passes with its strides unknown (callee
    preconditions on ``stride(...)`` must still be provable)."""
    a = p.args[index]
    if not isinstance(a.type, Tensor):
        raise SchedulingError(f"argument {a.name.name} is not a tensor: only tensor arguments can be windows")
    new_t = Tensor(a.type.hi, is_window, a.type.base)
    sym = a.name

    def fix(n):
        if type(n) is Read and n.name is sym and isinstance(n.type, Tensor):
            return n.update(type=new_t)
        return n

    body = map_bottom_up(p.body, fix)
    if is_window:
        for n in walk(body):
            if type(n) is not Call:
                continue
            for fa, arg in zip(n.proc.args, n.args):
                if (type(arg) is Read and arg.name is sym and isinstance(fa.type, Tensor)
                        and not fa.type.is_window):
                    raise SchedulingError(
                        f"{where(n)} passes {sym.name} to the dense parameter '{fa.name.name}' of "
                        f"{n.proc.name}: a window cannot be passed there")
    new = p.update(args=p.args[:index] + (a.update(type=new_t),) + p.args[index + 1:], body=body)
    if is_window and not a.type.is_window:
        sched = _sched()
        try:
            sched.check_bounds(new)
        except sched.CheckFailed as e:
            raise SchedulingError(f"with {sym.name} a window (its strides unknown): {e}") from None
    return new, fw.identity


# --------------------------------------------------------------------------- set_precision


def _join(e, lt, rt, lhs, rhs):
    from ..frontend.typecheck import join_precision

    return join_precision(lhs, rhs, lt, rt)


def _extern_type(e: Extern):
    from ..extern import _EErr
    from ..frontend.typecheck import join_precision
    from ..ir import R

    try:
        typ = e.f.typecheck(list(e.args))
    except _EErr as err:
        raise PrecisionError(f"{e.f.name()}(): {err}", srcinfo=e.srcinfo) from None
    if not isinstance(typ, ScalarType):
        raise PrecisionError(f"{e.f.name()}() does not produce a data value", srcinfo=e.srcinfo)
    if all(isinstance(a.type, ScalarType) for a in e.args):
        joined, first = R, None
        for a in e.args:
            if a.type == R:
                continue
            if first is None:
                first, joined = a, a.type
            elif a.type != joined:
                join_precision(first, a, joined, a.type)
        if typ == R or typ == joined:
            typ = joined
    return typ


def retype_expr(n):
    """``n`` (a node whose children are already retyped) with its data type recomputed
    by the typechecker's rules; ``PrecisionError`` for mixed concrete precisions."""
    t = type(n)
    if t is BinOp and isinstance(n.type, ScalarType):
        typ = _join(n, n.lhs.type, n.rhs.type, n.lhs, n.rhs)
        return n if typ == n.type else n.update(type=typ)
    if t is USub and isinstance(n.type, ScalarType):
        return n if n.arg.type == n.type else n.update(type=n.arg.type)
    if t is Extern:
        typ = _extern_type(n)
        return n if typ == n.type else n.update(type=typ)
    return n


def set_precision(p: ProcDef, kind: str, at, typ: ScalarType):
    """Give an allocation or a buffer argument the element precision ``typ``; its reads,
    writes and windows (and windows of them) take the new precision, and the precision
    of every data expression is recomputed. Refused when an expression would mix two
    concrete precisions, when an extern does not accept the new precision, or when the
    buffer (or a window of it) is passed to a callee parameter of another precision.
    Stores convert to the buffer's precision as always, so values may be rounded
    differently: the result is not equivalent for ``call_eqv``."""
    from ..frontend.typecheck import same_precision

    sym, old, _ = _decl(p, kind, at)
    if not old.is_numeric():
        raise SchedulingError(f"{_what(sym, kind)} is a control value: it has no precision")
    new_t = Tensor(old.hi, old.is_window, typ) if isinstance(old, Tensor) else typ
    names = _aliases(p.body, sym)

    def fix(n):
        t = type(n)
        if (t is Read or t is WindowExpr) and n.name in names:
            if isinstance(n.type, Tensor):
                return n.update(type=Tensor(n.type.hi, n.type.is_window, typ))
            return n.update(type=typ)
        if (t is Assign or t is Reduce) and n.name in names:
            return n.update(type=typ)
        if t is Call:
            for fa, a in zip(n.proc.args, n.args):
                if (type(a) in (Read, WindowExpr) and a.name in names and fa.type.is_numeric()
                        and not same_precision(fa.type.basetype(), typ)):
                    raise SchedulingError(
                        f"{where(n)} passes {a.name.name} to '{fa.name.name}' of {n.proc.name}, which "
                        f"has precision {fa.type.basetype()}, not {typ}")
            return n
        return retype_expr(n)

    def stmts(ss):
        out = []
        for s in ss:
            try:
                if type(s) is For:
                    s = s.update(lo=map_bottom_up(s.lo, fix), hi=map_bottom_up(s.hi, fix), body=stmts(s.body))
                elif type(s) is If:
                    s = s.update(cond=map_bottom_up(s.cond, fix), body=stmts(s.body), orelse=stmts(s.orelse))
                else:
                    s = map_bottom_up(s, fix)
            except PrecisionError as e:
                raise SchedulingError(f"with {sym.name} of precision {typ}, {where(s)} would mix "
                                      f"precisions: {_reason(e)}") from None
            out.append(s)
        return tuple(out)

    new = _redeclare(p, kind, at, type=new_t)
    new = new.update(body=stmts(new.body))
    from .subprocs import NOT_EQUIVALENT, record_derivation

    if not same_precision(old.basetype(), typ):
        record_derivation(new, p, NOT_EQUIVALENT)
    return new, fw.identity


def _reason(e) -> str:
    """The message without the location prefix (the statement is named already)."""
    msg, prefix = str(e), f"{e.srcinfo}: "
    return msg[len(prefix):] if e.srcinfo is not None and msg.startswith(prefix) else msg


__all__ = ["set_memory", "set_window", "set_precision", "retype_expr"]
