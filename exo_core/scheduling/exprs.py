"""Public expression and write primitives (thin wrappers over exo_core.rewrite.simplify,
exo_core.rewrite.exprs and exo_core.rewrite.exprs_writes): ``simplify``,
``eliminate_dead_code``, ``commute_expr``, ``left_reassociate_expr``, ``rewrite_expr``,
``merge_writes``, ``split_write``, ``fold_into_reduce``, ``inline_assign``,
``lift_reduce_constant``, ``add_unsafe_guard``. Names, parameters and defaults are Exo's.

Arithmetic policy: ``left_reassociate_expr``, ``merge_writes`` (two reductions),
``split_write``, ``lift_reduce_constant`` are equalities of real arithmetic; on floats they
may change the last bits of a result ("equal up to real-number reassociation"). Integer
data wraps, and there they are exact. ``commute_expr`` is exact in every precision.
"""

from __future__ import annotations

import sys

from .. import cursors as C
from ..rewrite import exprs as R
from ..rewrite import exprs_writes as W
from ..rewrite import simplify as S
from . import args as A
from .primitive import _PACKAGE_DIR, primitive

__all__ = [
    "simplify", "eliminate_dead_code", "commute_expr", "left_reassociate_expr", "rewrite_expr",
    "merge_writes", "split_write", "fold_into_reduce", "inline_assign", "lift_reduce_constant",
    "add_unsafe_guard",
]


def _user_names() -> dict:
    """The names visible at the user's call site (configs and externs in expression strings)."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        f = f.f_back
    if f is None:
        return {}
    return {**f.f_globals, **f.f_locals}


def _two_stmt_block(proc, value, what: str) -> tuple:
    parent, field, lo, hi = A.block_arg(proc, value, what)
    if hi - lo != 2:
        raise A.ArgError(f"argument '{what}': expected a block of size 2, but got a block of size {hi - lo}")
    return parent, field, lo


def _stmt_of_kind(proc, value, what: str, kinds, noun: str) -> tuple:
    path = A.stmt_arg(proc, value, what)
    node = C._node_at(proc._ir, path)
    if type(node).__name__ not in kinds:
        raise A.ArgError(f"argument '{what}': expected {noun}, not {type(node).__name__}")
    return path


@primitive
def simplify(proc):
    """Normalize index arithmetic (canonical affine form, divisions and modulos folded using loop
    ranges and preconditions), fold exact literal arithmetic (``1.0 / 2.0`` is ``0.5``), and remove
    ``if`` branches the facts decide and loops that run zero times."""
    return S.simplify(proc._ir)


@primitive
def eliminate_dead_code(proc, stmt_cursor):
    """Replace an ``if`` by the branch that always runs, or remove a loop that runs zero times;
    checked by the solver under the facts at the statement."""
    if isinstance(stmt_cursor, str):
        from ..patterns.syntax import name_count

        kind = "loop" if name_count(stmt_cursor) is not None else "any"
        path = A.stmt_arg(proc, stmt_cursor, "stmt_cursor", kind=kind)
    else:
        path = A.stmt_arg(proc, stmt_cursor, "stmt_cursor")
    node = C._node_at(proc._ir, path)
    if type(node).__name__ not in ("For", "If"):
        raise A.ArgError(f"argument 'stmt_cursor': expected a loop or an if, not {type(node).__name__}")
    return R.eliminate_dead_code(proc._ir, path)


@primitive
def commute_expr(proc, expr_cursors):
    """Swap the operands of ``+`` or ``*`` data expressions (a list of cursors or a pattern);
    exact in every precision."""
    if isinstance(expr_cursors, str):
        found = A.find_cursors(proc, expr_cursors, many=True, kind="any")
        paths = []
        for c in found:
            if not isinstance(c, C.ExprCursor):
                raise A.ArgError(f"argument 'expr_cursors': expected pattern to match only expressions, "
                                 f"not {A._describe_kind(c)}")
            paths.append(c._path)
    elif isinstance(expr_cursors, (list, tuple)):
        paths = [A.expr_arg(proc, c, "expr_cursors") for c in expr_cursors]
    else:
        paths = [A.expr_arg(proc, expr_cursors, "expr_cursors")]
    return R.commute_expr(proc._ir, paths)


@primitive
def left_reassociate_expr(proc, expr):
    """``a + (b + c) -> (a + b) + c`` (or ``*``) on data values; equal up to real-number
    reassociation, refused if the operations compute in different precisions."""
    return R.left_reassociate_expr(proc._ir, A.expr_arg(proc, expr, "expr"))


@primitive
def rewrite_expr(proc, expr_cursor, new_expr):
    """Replace an expression by ``new_expr`` (a string parsed at the statement, a literal or
    a cursor) when they are provably equal there: control expressions by the solver under the
    facts, data expressions when they are the same computation."""
    from ..fragments import parse_expr_fragment

    path = A.expr_arg(proc, expr_cursor, "expr_cursor")
    old = C._node_at(proc._ir, path)
    if isinstance(new_expr, C.ExprCursor):
        new_expr = C._node_at(proc._ir, A.expr_arg(proc, new_expr, "new_expr"))
    kind = R.value_kind(old.type)
    expected = {"data": "data", "bool": "bool", "stride": "stride"}.get(kind)
    new = parse_expr_fragment(proc._ir, new_expr, path, expected=expected, call_site=_user_names())
    return R.rewrite_expr(proc._ir, path, new)


@primitive
def merge_writes(proc, block_cursor):
    """Merge two consecutive writes of one location (``a = b; a += c`` -> ``a = b + c`` and the
    other three cases); checked: same location, the second right-hand side does not read it."""
    return W.merge_writes(proc._ir, *_two_stmt_block(proc, block_cursor, "block_cursor"))


@primitive
def split_write(proc, stmt):
    """``a = b + c`` -> ``a = b; a += c`` (and ``+=``); checked: ``c`` does not read ``a``."""
    path = _stmt_of_kind(proc, stmt, "stmt", ("Assign", "Reduce"), "an assign or reduce statement")
    return W.split_write(proc._ir, path)


@primitive
def fold_into_reduce(proc, assign):
    """``a = a + e`` -> ``a += e``; checked: the read is of the written location."""
    path = _stmt_of_kind(proc, assign, "assign", ("Assign",), "an assignment")
    return W.fold_into_reduce(proc._ir, path)


@primitive
def inline_assign(proc, alloc_cursor):
    """Delete ``x = e`` and use ``e`` for the later reads of ``x`` in its block; refused when ``x``
    is an argument (Exo #612), when a read the rewrite leaves could see the write, or when what
    ``e`` reads is written before a use."""
    path = _stmt_of_kind(proc, alloc_cursor, "alloc_cursor", ("Assign",), "an assignment")
    return W.inline_assign(proc._ir, path)


@primitive
def lift_reduce_constant(proc, block_cursor):
    """``x = 0; for: x += c * y`` -> ``x = 0; for: x += y; x = c * x``; checked: ``c`` is the same
    loop-invariant factor of every reduction of ``x``, which is not otherwise used in the loop."""
    return W.lift_reduce_constant(proc._ir, *_two_stmt_block(proc, block_cursor, "block_cursor"))


@primitive
def add_unsafe_guard(proc, block_cursor, var_expr):
    """UNCHECKED: wrap the block in ``if var_expr:`` without proving the condition holds (Exo's
    deprecated escape hatch); if it can be false the procedure computes something else."""
    from ..fragments import parse_expr_fragment

    block = A.block_arg(proc, block_cursor, "block_cursor")
    if isinstance(var_expr, C.ExprCursor):
        var_expr = C._node_at(proc._ir, A.expr_arg(proc, var_expr, "var_expr"))
    cond = parse_expr_fragment(proc._ir, var_expr, block, expected="bool", call_site=_user_names())
    return R.add_unsafe_guard(proc._ir, block, cond)
