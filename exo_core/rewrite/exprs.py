"""Expression rewrites: ``commute_expr``, ``left_reassociate_expr``, ``rewrite_expr``,
``eliminate_dead_code``, ``add_unsafe_guard`` (write-merging rewrites are in
``exprs_writes.py``; ``simplify`` in ``simplify.py``).

Arithmetic policy (docs/primitives.md): a rewrite may use the identities of real
arithmetic that reorder a computation -- commutativity, associativity, distributivity --
so floating-point results may change in their last bits ("equal up to real-number
reassociation"); integer data wraps modulo 2^32 (or the width of the stored type) and
these identities are exact there. A rewrite never changes the precision an operation
computes in or how a literal is rounded: where it would, it is refused.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import InvalidCursorError, SchedulingError
from ..ir import (
    F16,
    F32,
    F64,
    Assign,
    BinOp,
    Call,
    Const,
    ControlType,
    Extern,
    For,
    If,
    Interval,
    Pass,
    ProcDef,
    Read,
    ReadConfig,
    Reduce,
    ScalarType,
    StrideExpr,
    USub,
    WindowExpr,
    WindowStmt,
    WriteConfig,
)
from ..ir.paths import node_at, splice, stmts_at
from ..ir.printer import expr_to_str
from . import forward as fw
from .describe import where

# --------------------------------------------------------------------------- paths


def replace_node(root, path: tuple, new):
    """``root`` with the node (expression, or extent inside a type) at ``path`` replaced."""
    if not path:
        return new
    (field, idx), rest = path[0], path[1:]
    child_seq = getattr(root, field)
    child = child_seq if idx is None else child_seq[idx]
    new_child = replace_node(child, rest, new)
    if idx is None:
        return dataclasses.replace(root, **{field: new_child})
    return dataclasses.replace(root, **{field: child_seq[:idx] + (new_child,) + child_seq[idx + 1:]})


def stmt_part(path: tuple) -> tuple:
    n = 0
    while n < len(path) and path[n][0] in ("body", "orelse") and isinstance(path[n][1], int):
        n += 1
    return path[:n]


def stmt_of(p: ProcDef, path: tuple):
    return node_at(p, stmt_part(path))


_EXPR_FIELDS = {
    Assign: (("idx", True), ("rhs", False)),
    Reduce: (("idx", True), ("rhs", False)),
    WriteConfig: (("rhs", False),),
    If: (("cond", False),),
    For: (("lo", False), ("hi", False)),
    Call: (("args", True),),
    WindowStmt: (("rhs", False),),
}


def exprs_of(e, path: tuple, parent=None):
    """``(path, expr, parent)`` for ``e`` and every expression below it, pre-order."""
    yield path, e, parent
    t = type(e)
    if t is Read or t is Extern:
        field = "idx" if t is Read else "args"
        for k, c in enumerate(getattr(e, field)):
            yield from exprs_of(c, path + ((field, k),), e)
    elif t is BinOp:
        yield from exprs_of(e.lhs, path + (("lhs", None),), e)
        yield from exprs_of(e.rhs, path + (("rhs", None),), e)
    elif t is USub:
        yield from exprs_of(e.arg, path + (("arg", None),), e)
    elif t is WindowExpr:
        for k, w in enumerate(e.idx):
            if type(w) is Interval:
                yield from exprs_of(w.lo, path + (("idx", k), ("lo", None)), e)
                yield from exprs_of(w.hi, path + (("idx", k), ("hi", None)), e)
            else:
                yield from exprs_of(w.pt, path + (("idx", k), ("pt", None)), e)


def stmt_exprs(s, spath: tuple):
    """``(path, expr, parent)`` of every expression of statement ``s`` (not nested statements);
    a top-level expression's parent is the statement."""
    for field, many in _EXPR_FIELDS.get(type(s), ()):
        if many:
            for k, e in enumerate(getattr(s, field)):
                yield from exprs_of(e, spath + ((field, k),), s)
        else:
            yield from exprs_of(getattr(s, field), spath + ((field, None),), s)


def walk_stmts(stmts, parent: tuple, field: str):
    """``(path, stmt)`` of every statement in ``stmts`` and below, in program order."""
    for i, s in enumerate(stmts):
        path = parent + ((field, i),)
        yield path, s
        if type(s) is For:
            yield from walk_stmts(s.body, path, "body")
        elif type(s) is If:
            yield from walk_stmts(s.body, path, "body")
            yield from walk_stmts(s.orelse, path, "orelse")


def window_roots(p: ProcDef) -> dict:
    """Window name -> the buffer it views, for every window statement of ``p``."""
    out = {}
    for _, s in walk_stmts(p.body, (), "body"):
        if type(s) is WindowStmt:
            out[s.name] = s.rhs.name
    return out


def root_of(sym, roots: dict):
    while sym in roots:
        sym = roots[sym]
    return sym


def buffers_read(e, roots: dict) -> set:
    """Root buffers whose data ``e`` reads (through windows)."""
    out = set()
    for _, n, _ in exprs_of(e, ()):
        if type(n) is Read and not isinstance(n.type, ControlType):
            out.add(root_of(n.name, roots))
        elif type(n) is WindowExpr:
            out.add(root_of(n.name, roots))
    return out


def configs_read(e) -> set:
    return {(n.config, n.field) for _, n, _ in exprs_of(e, ()) if type(n) is ReadConfig}


# --------------------------------------------------------------------------- precision


def concrete(t):
    """The precision a value of type ``t`` is computed in (``R`` is f32)."""
    return F32 if isinstance(t, ScalarType) and t.name == "R" else t


def is_r(t) -> bool:
    return isinstance(t, ScalarType) and t.name == "R"


def join(a, b):
    """The type of ``a op b`` for data types ``a`` and ``b`` (``R`` joins anything), or None
    when two different precisions meet."""
    if is_r(a):
        return b
    if is_r(b) or a == b:
        return a
    return None


def exact_in(v, t) -> bool:
    """Whether the literal value ``v`` is exactly a value of precision ``t`` (and of f32,
    which R literals are rounded to before a conversion)."""
    if isinstance(v, bool):
        return False
    t = concrete(t)
    try:
        if not np.isfinite(v) or float(np.float32(v)) != v:
            return False
        if t in (F32, F64):
            return True
        if t == F16:
            return float(np.float16(v)) == v
        lo, hi = {"i8": (-128, 127), "ui8": (0, 255), "ui16": (0, 65535)}.get(t.name, (-2**31, 2**31 - 1))
        return float(v).is_integer() and lo <= v <= hi
    except (OverflowError, ValueError, TypeError):
        return False


def same_as_cast(o, x) -> bool:
    """Whether ``o`` used as an operand of an operation computing in precision ``x``
    contributes the value ``o`` would have once stored in an ``x`` buffer (modulo the wrap
    of integer stores, which the ring operations ``+ - *`` respect)."""
    x = concrete(x)
    if type(o) is Const:
        t = concrete(o.type)
        return t != F32 or x == F32 or exact_in(o.val, F32)
    p = concrete(o.type)
    return p == x or (p == F32 and x == F64)


def describe_prec(t) -> str:
    return str(concrete(t))


# --------------------------------------------------------------------------- commute / reassociate


def _numeric_binop(p: ProcDef, path: tuple, ops, what: str) -> BinOp:
    e = node_at(p, path)
    if type(e) is not BinOp or e.op not in ops:
        op = getattr(e, "op", type(e).__name__)
        raise SchedulingError(f"only {' or '.join(repr(o) for o in ops)} can {what}, got "
                              f"'{expr_to_str(e)}' ({op})")
    if not isinstance(e.type, ScalarType):
        raise SchedulingError(f"only numeric (not index or size) expressions can {what}; "
                              f"'{expr_to_str(e)}' in {where(stmt_of(p, path))} is {e.type}")
    return e


def commute_expr(p: ProcDef, paths):
    """``a + b -> b + a`` and ``a * b -> b * a`` on data values. Exact in every precision
    (IEEE addition and multiplication are commutative; integers too)."""
    fwd = fw.identity
    for path in paths:
        path = fwd(path)
        e = _numeric_binop(p, path, ("+", "*"), "commute")
        p = replace_node(p, path, e.update(lhs=e.rhs, rhs=e.lhs))
        n = len(path)

        def inner(q, path=path, n=n):
            side = q[n]
            other = ("rhs", None) if side == ("lhs", None) else ("lhs", None)
            return path + (other,) + q[n + 1:]

        fwd = fw.compose(fwd, fw.after_replace(path, inner))
    return p, fwd


def left_reassociate_expr(p: ProcDef, path: tuple):
    """``a op (b op c) -> (a op b) op c`` for ``op`` in ``+``/``*`` on data values. Equal up
    to real-number reassociation (integers: exactly). Refused when the three operations do
    not compute in one precision (the rewrite would change a rounding, not just the order)."""
    e = _numeric_binop(p, path, ("+", "*"), "be reassociated")
    r = e.rhs
    if type(r) is not BinOp or r.op != e.op:
        raise SchedulingError(f"the rhs of '{expr_to_str(e)}' must be the same binary operation "
                              f"as the expression ({e.op})")
    a, b, c = e.lhs, r.lhs, r.rhs
    ab = join(a.type, b.type)
    if ab is None:
        raise SchedulingError(f"'{expr_to_str(a)}' ({a.type}) and '{expr_to_str(b)}' ({b.type}) "
                              "have different precisions")
    precs = {concrete(e.type), concrete(r.type), concrete(ab)}
    if len(precs) != 1:
        raise SchedulingError(f"'{expr_to_str(e)}' computes '{expr_to_str(r)}' in "
                              f"{describe_prec(r.type)} and the outer '{e.op}' in "
                              f"{describe_prec(e.type)}: reassociating would change a precision")
    new = BinOp(e.op, BinOp(e.op, a, b, ab, srcinfo=a.srcinfo), c, e.type, srcinfo=e.srcinfo)
    n = len(path)

    def inner(q):
        if q[n] == ("lhs", None):
            return path + (("lhs", None), ("lhs", None)) + q[n + 1:]
        if len(q) > n + 1 and q[n + 1] == ("lhs", None):
            return path + (("lhs", None), ("rhs", None)) + q[n + 2:]
        if len(q) > n + 1 and q[n + 1] == ("rhs", None):
            return path + (("rhs", None),) + q[n + 2:]
        raise InvalidCursorError("the cursor's expression was reassociated away")

    return replace_node(p, path, new), fw.after_replace(path, inner)


# --------------------------------------------------------------------------- rewrite_expr


def value_kind(t) -> str:
    if isinstance(t, ScalarType):
        return "data"
    if isinstance(t, ControlType):
        return "bool" if t.name == "bool" else "stride" if t.name == "stride" else "int"
    return "other"


def data_same(p: ProcDef, spath: tuple, a, b) -> bool:
    """Whether two data expressions are the same computation: the same operations on the
    same values, with indices that are provably equal at ``spath``."""
    from ..analysis.sched import prove_equal

    if type(a) is not type(b):
        return False
    t = type(a)
    if t is Const:
        return type(a.val) is type(b.val) and a.val == b.val and a.type == b.type
    if t is Read:
        if a.name is not b.name or a.type != b.type or len(a.idx) != len(b.idx):
            return False
        if isinstance(a.type, ControlType):
            return prove_equal(p, spath, a, b)
        return all(prove_equal(p, spath, x, y) for x, y in zip(a.idx, b.idx))
    if t is BinOp:
        if isinstance(a.type, ControlType):
            return prove_equal(p, spath, a, b)
        return a.op == b.op and a.type == b.type and data_same(p, spath, a.lhs, b.lhs) \
            and data_same(p, spath, a.rhs, b.rhs)
    if t is USub:
        if isinstance(a.type, ControlType):
            return prove_equal(p, spath, a, b)
        return a.type == b.type and data_same(p, spath, a.arg, b.arg)
    if t is Extern:
        return a.f is b.f and a.type == b.type and len(a.args) == len(b.args) \
            and all(data_same(p, spath, x, y) for x, y in zip(a.args, b.args))
    if t is ReadConfig:
        return a.config is b.config and a.field == b.field
    if t is StrideExpr:
        return a.name is b.name and a.dim == b.dim
    if t is WindowExpr:
        if a.name is not b.name or len(a.idx) != len(b.idx):
            return False
        for x, y in zip(a.idx, b.idx):
            if type(x) is not type(y):
                return False
            pairs = ((x.lo, y.lo), (x.hi, y.hi)) if type(x) is Interval else ((x.pt, y.pt),)
            if not all(prove_equal(p, spath, u, v) for u, v in pairs):
                return False
        return True
    return a == b


def rewrite_expr(p: ProcDef, path: tuple, new_expr):
    """Replace the expression at ``path`` by ``new_expr``. Checked: the two are equal
    whenever the statement runs -- control expressions (indices, bounds, conditions) by the
    solver under the facts there (preconditions, loop ranges, branch conditions); data
    expressions only when they are the same computation up to provably equal indices."""
    from ..analysis.sched import prove_equal

    old = node_at(p, path)
    spath = stmt_part(path)
    s = node_at(p, spath) if spath else None
    ko, kn = value_kind(old.type), value_kind(new_expr.type)
    old_s, new_s = expr_to_str(old), expr_to_str(new_expr)
    at = f" in {where(s)}" if s is not None else ""
    if ko != kn:
        raise SchedulingError(f"'{new_s}' ({new_expr.type}) cannot replace '{old_s}' ({old.type}){at}: "
                              "they are different kinds of values")
    if ko == "data":
        ok = data_same(p, spath, old, new_expr)
        if not ok:
            raise SchedulingError(f"cannot prove '{new_s}' equal to '{old_s}'{at}: data expressions "
                                  "must be the same computation (up to provably equal indices)")
    elif ko == "stride":
        if not (old == new_expr):
            raise SchedulingError(f"cannot prove '{new_s}' equal to '{old_s}'{at}")
    elif not prove_equal(p, spath, old, new_expr):
        raise SchedulingError(f"cannot prove '{new_s}' equal to '{old_s}'{at} "
                              "(under the preconditions, loop ranges and branch conditions there)")
    new_expr = new_expr if new_expr.srcinfo.line else new_expr.update(srcinfo=old.srcinfo)
    return replace_node(p, path, new_expr), fw.after_replace(path)


# --------------------------------------------------------------------------- dead code, guards


def _empty_fill(stmts, src):
    return stmts if stmts else (Pass(srcinfo=src),)


def _hoist(p: ProcDef, path: tuple, field: str):
    """Replace the ``if`` at ``path`` by its ``field`` branch."""
    s = node_at(p, path)
    parent, (pfield, i) = path[:-1], path[-1]
    kept = getattr(s, field)
    siblings = stmts_at(p, parent, pfield)
    if not kept and len(siblings) == 1:
        kept = (Pass(srcinfo=s.srcinfo),)
    new = splice(p, parent, pfield, i, i + 1, kept)
    n = len(path)

    def inner(q):
        if len(q) > n and q[n][0] == field:
            return parent + ((pfield, i + q[n][1]),) + q[n + 1:]
        raise InvalidCursorError("the cursor's code was eliminated as dead code")

    return new, fw.after_splice(parent, pfield, i, i + 1, len(kept), inner)


def eliminate_dead_code(p: ProcDef, path: tuple):
    """``if``: replace it by the branch that always runs, when the facts at the ``if``
    (preconditions, loop ranges, enclosing branch conditions) prove the condition always
    true or always false. ``for``: remove the loop when ``hi <= lo`` is proven there."""
    from ..analysis import logic as L
    from ..analysis.sched.paths import locate
    from ..analysis.solver import SOLVER

    s = node_at(p, path)
    if type(s) is If:
        facts, w = locate(p, path)
        c = w.formula(s.cond)
        if c is not None and SOLVER.prove(c, facts):
            return _hoist(p, path, "body")
        if c is not None and SOLVER.prove(L.neg(c), facts):
            return _hoist(p, path, "orelse")
        raise SchedulingError(f"cannot prove the condition of {where(s)} always true or always false")
    if type(s) is For:
        facts, w = locate(p, path)
        lo, hi = w.affine(s.lo), w.affine(s.hi)
        if lo is None or hi is None or not SOLVER.prove(L.ge(lo - hi), facts):
            raise SchedulingError(f"cannot prove that {where(s)} runs zero times "
                                  f"({expr_to_str(s.hi)} <= {expr_to_str(s.lo)})")
        parent, (pfield, i) = path[:-1], path[-1]
        siblings = stmts_at(p, parent, pfield)
        fill = (Pass(srcinfo=s.srcinfo),) if len(siblings) == 1 else ()
        return splice(p, parent, pfield, i, i + 1, fill), fw.after_splice(parent, pfield, i, i + 1, len(fill))
    raise SchedulingError(f"expected an if or a for statement, got {where(s)}")


def add_unsafe_guard(p: ProcDef, block, cond):
    """Wrap the block in ``if cond:``. UNCHECKED: nothing proves that ``cond`` holds whenever
    the block runs; if it does not, the procedure computes something else. (Exo's deprecated
    primitive, kept for compatibility.)"""
    parent, field, lo, hi = block
    if not (isinstance(cond.type, ControlType) and cond.type.name == "bool"):
        raise SchedulingError(f"the guard '{expr_to_str(cond)}' must be a boolean condition, "
                              f"not {cond.type}")
    stmts = stmts_at(p, parent, field)[lo:hi]
    guard = If(cond, tuple(stmts), (), srcinfo=stmts[0].srcinfo)
    new = splice(p, parent, field, lo, hi, (guard,))
    n = len(parent)

    def inner(q):
        return parent + ((field, lo), ("body", q[n][1] - lo)) + q[n + 1:]

    return new, fw.after_splice(parent, field, lo, hi, 1, inner)


__all__ = [
    "commute_expr", "left_reassociate_expr", "rewrite_expr", "eliminate_dead_code", "add_unsafe_guard",
    "replace_node", "stmt_part", "walk_stmts", "stmt_exprs", "exprs_of", "window_roots", "root_of",
    "buffers_read", "configs_read", "concrete", "join", "same_as_cast", "exact_in", "is_r", "data_same",
]
