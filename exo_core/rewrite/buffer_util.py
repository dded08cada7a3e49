"""Helpers shared by the buffer rewrites (``buffers.py``, ``buffer_dims.py``, ``stage.py``):
finding an allocation and its scope, rewriting every access to one buffer, and turning
analysis failures into reasons about the user's code."""

from __future__ import annotations

from ..errors import SchedulingError
from ..ir import (
    Alloc,
    Assign,
    Call,
    FnArg,
    Interval,
    Point,
    ProcDef,
    Read,
    Reduce,
    StrideExpr,
    Tensor,
    WindowExpr,
)
from ..ir.paths import node_at, splice, stmts_at
from ..ir.visit import map_bottom_up, walk
from . import build as B
from .describe import where


def alloc_at(p: ProcDef, path: tuple) -> Alloc:
    """The allocation at ``path`` (a ``SchedulingError`` if it is something else)."""
    try:
        s = node_at(p, path)
    except LookupError:
        raise SchedulingError(f"no statement at {path}") from None
    if not isinstance(s, Alloc):
        raise SchedulingError(f"expected an allocation, got {where(s)}")
    return s


def split_path(path: tuple):
    """``(parent_path, field, index)`` of a statement path."""
    field, k = path[-1]
    return path[:-1], field, k


def scope_of(p: ProcDef, alloc_path: tuple):
    """``(parent, field, k, stmts)``: the allocation is ``stmts[k]``; its scope is
    ``stmts[k + 1:]``."""
    parent, field, k = split_path(alloc_path)
    return parent, field, k, stmts_at(p, parent, field)


def extents(t) -> tuple:
    return tuple(t.hi) if isinstance(t, Tensor) else ()


def buffer_type(p: ProcDef, scope_stmts, sym):
    """The declared type of buffer ``sym`` (argument, allocation or window statement)."""
    for a in p.args:
        if a.name is sym:
            return a.type
    for n in walk(tuple(scope_stmts)):
        if isinstance(n, Alloc) and n.name is sym:
            return n.type
        if getattr(n, "name", None) is sym and type(n).__name__ == "WindowStmt":
            return n.rhs.type
    return None


def rewrite_scope(p: ProcDef, alloc_path: tuple, new_allocs: tuple, fn) -> ProcDef:
    """``p`` with the allocation at ``alloc_path`` replaced by ``new_allocs`` and ``fn``
    applied bottom-up to every node of the statements after it (its scope)."""
    parent, field, k, stmts = scope_of(p, alloc_path)
    rest = map_bottom_up(stmts[k + 1:], fn)
    return splice(p, parent, field, k, len(stmts), tuple(new_allocs) + tuple(rest))


def access_mapper(sym, *, point, window=None, whole=None, stride=None):
    """A node function for ``map_bottom_up`` rewriting the accesses to ``sym``.

    ``point(node)`` gets ``Read``/``Assign``/``Reduce`` nodes with indices (and reads of a
    scalar buffer); ``window(node)`` window expressions; ``whole(node)`` a tensor passed
    whole to a call; ``stride(node)`` ``stride(sym, d)``. A missing handler leaves those
    nodes alone."""

    def fn(node):
        t = type(node)
        if t is Read and node.name is sym:
            if node.idx or not isinstance(node.type, Tensor):
                return point(node)
            return whole(node) if whole is not None else node
        if (t is Assign or t is Reduce) and node.name is sym:
            return point(node)
        if t is WindowExpr and node.name is sym:
            return window(node) if window is not None else node
        if t is StrideExpr and node.name is sym:
            return stride(node) if stride is not None else node
        return node

    return fn


def uses(stmts, sym) -> dict:
    """Counts of the kinds of use of ``sym`` in ``stmts``: ``point``, ``window``,
    ``whole`` (a tensor passed whole to a call), ``scalar_arg`` (a scalar buffer passed
    to a call), ``stride``; and ``nodes``: the first node of each kind."""
    out = {"point": 0, "window": 0, "whole": 0, "scalar_arg": 0, "stride": 0, "nodes": {}}

    def note(kind, node):
        out[kind] += 1
        out["nodes"].setdefault(kind, node)

    call_args = set()
    for n in walk(tuple(stmts)):
        if isinstance(n, Call):
            for a in n.args:
                if isinstance(a, Read) and a.name is sym and not a.idx:
                    call_args.add(id(a))
                    note("whole" if isinstance(a.type, Tensor) else "scalar_arg", n)
    for n in walk(tuple(stmts)):
        t = type(n)
        if t is Read and n.name is sym and id(n) not in call_args:
            note("point", n)
        elif (t is Assign or t is Reduce) and n.name is sym:
            note("point", n)
        elif t is WindowExpr and n.name is sym:
            note("window", n)
        elif t is StrideExpr and n.name is sym:
            note("stride", n)
    return out


def aliases(stmts, sym) -> set:
    """Names bound in ``stmts`` by window statements of ``sym`` (transitively)."""
    from ..ir import WindowStmt

    out: set = set()
    found = {sym}
    changed = True
    while changed:
        changed = False
        for n in walk(tuple(stmts)):
            if isinstance(n, WindowStmt) and n.rhs.name in found and n.name not in found:
                found.add(n.name)
                out.add(n.name)
                changed = True
    return out


def whole_calls(stmts, sym) -> list:
    """``(call, param)`` for every call passing ``sym`` whole."""
    out = []
    for n in walk(tuple(stmts)):
        if isinstance(n, Call):
            for prm, a in zip(n.proc.args, n.args):
                if isinstance(a, Read) and a.name is sym and not a.idx:
                    out.append((n, prm))
    return out


def refuse_uses(stmts, sym, what: str, *, windows=False, whole=False, scalar_args=False,
                strides=False, whole_to_windows=False) -> None:
    """Refuse (``SchedulingError``) the kinds of use of ``sym`` that ``what`` cannot
    rewrite: ``windows``, ``whole`` tensors passed to calls (``whole_to_windows``: only
    when the parameter is dense), scalar buffers passed to calls, ``strides``."""
    u = uses(stmts, sym)
    name = sym.name
    if strides:
        for alias in aliases(stmts, sym):
            a = uses(stmts, alias)
            if a["stride"]:
                raise SchedulingError(f"{what}: {where(a['nodes']['stride'])} reads a stride of the window "
                                      f"{alias.name} of {name}, whose value would change")
    if windows and u["window"]:
        raise SchedulingError(f"{what}: {name} is windowed at {where(u['nodes']['window'])}")
    if strides and u["stride"]:
        raise SchedulingError(f"{what}: {where(u['nodes']['stride'])} reads a stride of {name}, "
                              "whose value would change")
    if scalar_args and u["scalar_arg"]:
        c = u["nodes"]["scalar_arg"]
        raise SchedulingError(f"{what}: {name} is passed to {c.proc.name} as a scalar at {where(c)}")
    if whole and u["whole"]:
        c = u["nodes"]["whole"]
        raise SchedulingError(f"{what}: {name} is passed whole to {c.proc.name} at {where(c)}")
    if whole_to_windows:
        for c, prm in whole_calls(stmts, sym):
            if isinstance(prm.type, Tensor) and not prm.type.is_window:
                raise SchedulingError(
                    f"{what}: {name} is passed whole to {c.proc.name} at {where(c)}, whose parameter "
                    f"{prm.name.name} is a dense tensor: it could only take the rewritten buffer as a window")


def full_window(node: Read) -> WindowExpr:
    """``x`` passed whole, as the window ``x[0:e0, 0:e1, ...]`` of the same type."""
    src = node.srcinfo
    idx = tuple(Interval(B.const(0, src), h, srcinfo=src) for h in node.type.hi)
    return WindowExpr(node.name, idx, Tensor(tuple(node.type.hi), True, node.type.base), srcinfo=src)


def window_entry(e, src):
    return Point(e, srcinfo=src) if not isinstance(e, tuple) else Interval(e[0], e[1], srcinfo=src)


def check_failed(err) -> SchedulingError:
    """A ``CheckFailed`` from the analyses as a ``SchedulingError`` with its reason."""
    return SchedulingError(str(err))


def is_arg(p: ProcDef, sym) -> FnArg | None:
    for a in p.args:
        if a.name is sym:
            return a
    return None
