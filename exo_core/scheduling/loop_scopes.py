"""Public loop and scope primitives (thin wrappers over exo_core.rewrite.loop_scopes):
``reorder_loops``, ``lift_scope``, ``fission``, ``autofission``, ``fuse``, ``specialize``,
``parallelize_loop``. Names, parameters and defaults are Exo's; ``unguard`` is ours."""

from __future__ import annotations

import sys

from .. import cursors as C
from ..rewrite import loop_scopes as R
from . import args as A
from .primitive import _PACKAGE_DIR, primitive

__all__ = ["reorder_loops", "lift_scope", "fission", "autofission", "fuse", "specialize", "parallelize_loop",
           "unguard"]


def _bool_arg(value, what: str) -> bool:
    if not isinstance(value, bool):
        raise A.ArgError(f"argument '{what}': expected True or False, got {value!r}")
    return value


def _user_names() -> dict:
    """The names visible at the user's call site (to resolve configs in condition strings)."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        f = f.f_back
    if f is None:
        return {}
    return {**f.f_globals, **f.f_locals}


@primitive
def reorder_loops(proc, nested_loops):
    """Swap two directly nested loops: ``for i: for j: s`` -> ``for j: for i: s``.
    ``nested_loops`` is the outer loop (a cursor, a pattern, or ``"i j"``)."""
    return R.reorder_loops(proc._ir, A.loop_arg(proc, nested_loops, "nested_loops"))


@primitive
def lift_scope(proc, scope_cursor):
    """Move a loop or ``if`` one level up, out of the loop or ``if`` directly around it."""
    return R.lift_scope(proc._ir, A.stmt_arg(proc, scope_cursor, "scope_cursor"))


@primitive
def fission(proc, gap_cursor, n_lifts=1, unsafe_disable_checks=False):
    """Split the loops/ifs around a gap into two copies, ``n_lifts`` levels up."""
    gap = A.gap_arg(proc, gap_cursor, "gap_cursor")
    n = A.int_arg(n_lifts, "n_lifts", minimum=1)
    unsafe = _bool_arg(unsafe_disable_checks, "unsafe_disable_checks")
    return R.fission(proc._ir, *gap, n_lifts=n, unsafe_disable_checks=unsafe)


@primitive
def autofission(proc, gap_cursor, n_lifts=1):
    """``fission`` that also removes a split loop around a part that does not need it."""
    gap = A.gap_arg(proc, gap_cursor, "gap_cursor")
    n = A.int_arg(n_lifts, "n_lifts", minimum=1)
    return R.autofission(proc._ir, *gap, n_lifts=n)


@primitive
def fuse(proc, stmt1, stmt2, unsafe_disable_check=False):
    """Fuse two adjacent loops (same bounds) or two adjacent ifs (same condition)."""
    p1 = A.stmt_arg(proc, stmt1, "stmt1")
    p2 = A.stmt_arg(proc, stmt2, "stmt2")
    unsafe = _bool_arg(unsafe_disable_check, "unsafe_disable_check")
    return R.fuse(proc._ir, p1, p2, unsafe_disable_check=unsafe)


@primitive
def specialize(proc, block, conds):
    """``B`` -> ``if c0: B elif c1: B ... else: B``; ``conds`` is a condition or a list of
    them (strings parsed in the scope before the block, or expression cursors)."""
    from ..fragments import parse_expr_fragment
    from ..ir.printer import expr_to_str

    parent, field, lo, hi = A.block_arg(proc, block, "block")
    if not isinstance(conds, (list, tuple)):
        conds = [conds]
    if not conds:
        raise A.ArgError("argument 'conds': expected at least one condition")
    anchor = parent + ((field, lo),)
    names = _user_names()
    parsed = []
    for k, c in enumerate(conds):
        if isinstance(c, C.ExprCursor):  # its text, read in the scope of the block
            c = expr_to_str(C._node_at(proc._ir, A.expr_arg(proc, c, f"conds[{k}]")))
        elif not isinstance(c, (str, bool)):
            raise A.ArgError(f"argument 'conds[{k}]': expected a condition string, got {type(c).__name__}")
        parsed.append(parse_expr_fragment(proc._ir, c, anchor, expected="bool", call_site=names))
    return R.specialize(proc._ir, (parent, field, lo, hi), tuple(parsed))


@primitive
def parallelize_loop(proc, loop_cursor):
    """Make a loop ``par`` (an OpenMP parallel loop); refused unless iterations are independent
    and the body allocates no static buffer (``DRAM_STATIC``...), itself or in a callee:
    that is one buffer for every thread."""
    return R.parallelize_loop(proc._ir, A.loop_arg(proc, loop_cursor, "loop_cursor"))


@primitive
def unguard(proc, if_cursor):
    """``if c: S`` -> ``S``: run the block also where ``c`` is false. Allowed when those
    extra runs change nothing observable: they only write locations of buffers this
    procedure allocates that no other run of any statement reads or writes (so what they
    write is dead), they call nothing, and they stay in bounds. Typical use: the lanes of a
    register past the end of a row, computed and then dropped, so that a masked (prefix)
    instruction can become the full-width one."""
    return R.unguard(proc._ir, A.stmt_arg(proc, if_cursor, "if_cursor"))
