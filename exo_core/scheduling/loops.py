"""Public loop primitives (thin wrappers over exo_core.rewrite.loops): ``divide_loop``,
``divide_with_recompute``, ``mult_loops``, ``join_loops``, ``cut_loop``, ``shift_loop``,
``remove_loop``, ``add_loop``, ``unroll_loop``. Names, parameters and defaults are Exo's.

Expression arguments (``cut_point``, ``new_lo``, ``hi_expr``, ``outer_hi``) are an ``int``,
a string parsed in the scope just before the loop (or block), or an expression cursor."""

from __future__ import annotations

import sys

from .. import cursors as C
from ..rewrite import loops as R
from . import args as A
from .primitive import _PACKAGE_DIR, primitive

__all__ = [
    "divide_loop", "divide_with_recompute", "mult_loops", "join_loops", "cut_loop", "shift_loop",
    "remove_loop", "add_loop", "unroll_loop",
]


def _bool_arg(value, what: str) -> bool:
    if not isinstance(value, bool):
        raise A.ArgError(f"argument '{what}': expected True or False, got {value!r}")
    return value


def _user_names() -> dict:
    """The names visible at the user's call site (configs in expression strings)."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        f = f.f_back
    if f is None:
        return {}
    return {**f.f_globals, **f.f_locals}


def _new_iters(value, what: str = "new_iters") -> tuple:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise A.ArgError(f"argument '{what}': expected a list of two names, got {value!r}")
    return A.name_arg(value[0], f"{what}[0]"), A.name_arg(value[1], f"{what}[1]")


def _index_expr(proc, value, anchor_path: tuple, what: str):
    """An index expression given as an int, a string (parsed before ``anchor_path``) or a cursor."""
    from ..fragments import parse_expr_fragment

    if isinstance(value, C.ExprCursor):
        value = C._node_at(proc._ir, A.expr_arg(proc, value, what))
    elif isinstance(value, bool) or not isinstance(value, (int, str)) and type(value).__name__ != "FormattedExprStr":
        raise A.ArgError(f"argument '{what}': expected an index expression (a string or an int), got {value!r}")
    return parse_expr_fragment(proc._ir, value, anchor_path, expected="index", call_site=_user_names())


@primitive
def divide_loop(proc, loop_cursor, div_const, new_iters, tail="guard", perfect=False):
    """Split ``for i in seq(0, e)`` into ``for io: for ii in seq(0, div_const)`` with
    ``i = div_const * io + ii``; ``tail`` is "guard", "cut" or "cut_and_guard";
    ``perfect=True`` asserts (and checks) that ``div_const`` divides ``e``."""
    path = A.loop_arg(proc, loop_cursor, "loop_cursor")
    q = A.int_arg(div_const, "div_const", minimum=1)
    outer, inner = _new_iters(new_iters)
    tail = A.choice_arg(tail, "tail", R.TAILS)
    perfect = _bool_arg(perfect, "perfect")
    return R.divide_loop(proc._ir, path, q, outer, inner, tail=tail, perfect=perfect)


@primitive
def divide_with_recompute(proc, loop_cursor, outer_hi, outer_stride, new_iters):
    """``for i in seq(0, hi)`` -> ``for io in seq(0, outer_hi): for ii in seq(0,
    outer_stride + (hi - outer_hi * outer_stride))`` with ``i = outer_stride * io + ii``
    (overlapping tiles; the body must be idempotent)."""
    path = A.loop_arg(proc, loop_cursor, "loop_cursor")
    hi = _index_expr(proc, outer_hi, path, "outer_hi")
    stride = A.int_arg(outer_stride, "outer_stride", minimum=1)
    outer, inner = _new_iters(new_iters)
    return R.divide_with_recompute(proc._ir, path, hi, stride, outer, inner)


@primitive
def mult_loops(proc, nested_loops, new_iter_name):
    """``for i in seq(0, e): for j in seq(0, c): s`` (``c`` literal) -> ``for k in seq(0,
    e * c): s[i -> k / c, j -> k % c]``. ``nested_loops``: the outer loop (or ``"i j"``)."""
    path = A.loop_arg(proc, nested_loops, "nested_loops")
    return R.mult_loops(proc._ir, path, A.name_arg(new_iter_name, "new_iter_name"))


@primitive
def join_loops(proc, loop1_cursor, loop2_cursor):
    """``for i in seq(lo, mid): s`` then ``for i in seq(mid, hi): s`` -> ``for i in seq(lo, hi): s``."""
    p1 = A.loop_arg(proc, loop1_cursor, "loop1_cursor")
    p2 = A.loop_arg(proc, loop2_cursor, "loop2_cursor")
    return R.join_loops(proc._ir, p1, p2)


@primitive
def cut_loop(proc, loop_cursor, cut_point):
    """``for i in seq(lo, hi)`` -> ``for i in seq(lo, cut_point)`` then ``for i in
    seq(cut_point, hi)``; needs ``lo <= cut_point <= hi``."""
    path = A.loop_arg(proc, loop_cursor, "loop_cursor")
    return R.cut_loop(proc._ir, path, _index_expr(proc, cut_point, path, "cut_point"))


@primitive
def shift_loop(proc, loop_cursor, new_lo):
    """``for i in seq(m, n): s(i)`` -> ``for i in seq(new_lo, new_lo + n - m): s(i + (m -
    new_lo))``; needs ``new_lo >= 0``."""
    path = A.loop_arg(proc, loop_cursor, "loop_cursor")
    return R.shift_loop(proc._ir, path, _index_expr(proc, new_lo, path, "new_lo"))


@primitive
def remove_loop(proc, loop_cursor, unsafe_disable_check=False):
    """``for i in _: s`` -> ``s`` (guarded by ``if hi > lo`` unless the loop provably runs).
    The body must not use ``i`` and must be idempotent; ``unsafe_disable_check=True`` skips
    the idempotence check (UNCHECKED: the result may compute something else)."""
    path = A.loop_arg(proc, loop_cursor, "loop_cursor")
    unsafe = _bool_arg(unsafe_disable_check, "unsafe_disable_check")
    return R.remove_loop(proc._ir, path, unsafe_disable_check=unsafe)


@primitive
def add_loop(proc, block_cursor, iter_name, hi_expr, guard=False, unsafe_disable_check=False):
    """``s`` -> ``for iter_name in seq(0, hi_expr): s`` (``guard=True``: ``if iter_name ==
    0: s`` inside). Needs ``hi_expr > 0`` and, without ``guard``, ``s`` idempotent;
    ``unsafe_disable_check=True`` skips both checks (UNCHECKED)."""
    parent, field, lo, hi = A.block_arg(proc, block_cursor, "block_cursor")
    name = A.name_arg(iter_name, "iter_name")
    bound = _index_expr(proc, hi_expr, parent + ((field, lo),), "hi_expr")
    g = _bool_arg(guard, "guard")
    unsafe = _bool_arg(unsafe_disable_check, "unsafe_disable_check")
    return R.add_loop(proc._ir, parent, field, lo, hi, name, bound, guard=g, unsafe_disable_check=unsafe)


@primitive
def unroll_loop(proc, loop_cursor):
    """Replace a loop with literal bounds by one copy of its body per iteration."""
    return R.unroll_loop(proc._ir, A.loop_arg(proc, loop_cursor, "loop_cursor"))
