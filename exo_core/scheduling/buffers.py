"""Public buffer primitives (thin wrappers over exo_core.rewrite.buffers): ``bind_expr``,
``resize_dim``, ``expand_dim``, ``rearrange_dim``, ``divide_dim``, ``mult_dim``,
``unroll_buffer``, ``lift_alloc``, ``sink_alloc``, ``autolift_alloc``, ``reuse_buffer``,
``stage_mem``, ``delete_buffer``, ``inline_window``. Names, parameters and defaults are
Exo's.

Allocation arguments are a cursor or a name pattern (``"x"``, ``"x #1"``, ``"x : _"``).
Expression arguments (``size``, ``offset``, ``alloc_dim``, ``indexing_expr``) are an
``int``, a string parsed in the scope just before the allocation, or an expression
cursor; ``stage_mem``'s window is a string ``"x[lo:hi, pt, ...]"`` (or ``"x"``) parsed
in the scope just before the block."""

from __future__ import annotations

import sys

from .. import cursors as C
from ..rewrite import buffers as R
from . import args as A
from .primitive import _PACKAGE_DIR, primitive

__all__ = [
    "bind_expr", "resize_dim", "expand_dim", "rearrange_dim", "divide_dim", "mult_dim",
    "unroll_buffer", "lift_alloc", "sink_alloc", "autolift_alloc", "reuse_buffer", "stage_mem",
    "delete_buffer", "inline_window",
]


# --------------------------------------------------------------------------- arguments


def _user_names() -> dict:
    """The names visible at the user's call site (configs in expression strings)."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        f = f.f_back
    if f is None:
        return {}
    return {**f.f_globals, **f.f_locals}


def _bool_arg(value, what: str) -> bool:
    if not isinstance(value, bool):
        raise A.ArgError(f"argument '{what}': expected True or False, got {value!r}")
    return value


def _alloc_path(proc, value, what: str) -> tuple:
    """The path of an allocation given by a cursor or a name pattern."""
    from .. import patterns

    if isinstance(value, str):
        return patterns.find_alloc(proc._ir, value).at
    c = A.cursor_arg(proc, value, what)
    if isinstance(c, C.BlockCursor) and len(c) == 1:
        c = c[0]
    if not isinstance(c, C.AllocCursor):
        raise A.ArgError(f"argument '{what}': expected an allocation, got {A._describe_kind(c)}")
    return c._path


def _expr(proc, value, anchor_path: tuple, what: str, expected="index"):
    """An index expression: an int, a string (parsed before ``anchor_path``) or a cursor."""
    from ..fragments import parse_expr_fragment

    if isinstance(value, C.ExprCursor):
        value = C._node_at(proc._ir, A.expr_arg(proc, value, what))
    elif isinstance(value, bool) or (not isinstance(value, (int, str))
                                     and type(value).__name__ != "FormattedExprStr"):
        raise A.ArgError(f"argument '{what}': expected an index expression (a string or an int), "
                         f"got {value!r}")
    return parse_expr_fragment(proc._ir, value, anchor_path, expected=expected, call_site=_user_names())


def _expr_paths(proc, value, what: str) -> list:
    from .. import patterns

    if isinstance(value, str):
        return [m.at for m in patterns.find_expr(proc._ir, value, many=True, call_site=_user_names())]
    items = value if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise A.ArgError(f"argument '{what}': expected at least one expression")
    out = []
    for v in items:
        if not isinstance(v, C.ExprCursor):
            raise A.ArgError(f"argument '{what}': expected expression cursors or a pattern string, got "
                             f"{type(v).__name__}")
        out.append(A.expr_arg(proc, v, what))
    return out


# --------------------------------------------------------------------------- primitives


@primitive
def bind_expr(proc, expr_cursors, new_name):
    """Bind a data expression (all the given occurrences of it) to a new scalar buffer
    ``new_name``, assigned just before the first statement using it."""
    paths = _expr_paths(proc, expr_cursors, "expr_cursors")
    return R.bind_expr(proc._ir, paths, A.name_arg(new_name, "new_name"))


@primitive
def resize_dim(proc, buf_cursor, dim_idx, size, offset, fold=False):
    """Give dimension ``dim_idx`` of an allocation the extent ``size``; indices ``e``
    become ``e - offset`` (``fold=True``: ``e % size``, a circular buffer)."""
    path = _alloc_path(proc, buf_cursor, "buf_cursor")
    dim = A.int_arg(dim_idx, "dim_idx")
    fold = _bool_arg(fold, "fold")
    size_e = _expr(proc, size, path, "size")
    offset_e = None if fold else _expr(proc, offset, path, "offset")
    return R.resize_dim(proc._ir, path, dim, size_e, offset_e, fold=fold)


@primitive
def expand_dim(proc, buf_cursor, alloc_dim, indexing_expr):
    """Add a leading dimension of extent ``alloc_dim`` to an allocation; its accesses
    use ``indexing_expr`` in it."""
    path = _alloc_path(proc, buf_cursor, "buf_cursor")
    ad = _expr(proc, alloc_dim, path, "alloc_dim")
    ie = _expr(proc, indexing_expr, path, "indexing_expr")
    return R.expand_dim(proc._ir, path, ad, ie)


@primitive
def rearrange_dim(proc, buf_cursor, permute_vector):
    """Permute the dimensions of an allocation (new dimension k = old ``permute_vector[k]``)."""
    path = _alloc_path(proc, buf_cursor, "buf_cursor")
    if not isinstance(permute_vector, (list, tuple)):
        raise A.ArgError(f"argument 'permute_vector': expected a list of ints, got {permute_vector!r}")
    perm = tuple(A.int_arg(v, "permute_vector") for v in permute_vector)
    return R.rearrange_dim(proc._ir, path, perm)


@primitive
def divide_dim(proc, alloc_cursor, dim_idx, quotient):
    """Split dimension ``dim_idx`` into ``(extent / quotient, quotient)``."""
    path = _alloc_path(proc, alloc_cursor, "alloc_cursor")
    dim = A.int_arg(dim_idx, "dim_idx")
    q = A.int_arg(quotient, "quotient", minimum=1)
    if q == 1:
        raise A.ArgError("argument 'quotient': dividing a dimension by 1 does nothing; expected an int > 1")
    return R.divide_dim(proc._ir, path, dim, q)


@primitive
def mult_dim(proc, alloc_cursor, hi_dim_idx, lo_dim_idx):
    """Merge dimensions ``hi_dim_idx`` and ``lo_dim_idx`` (a literal extent) into one."""
    path = _alloc_path(proc, alloc_cursor, "alloc_cursor")
    return R.mult_dim(proc._ir, path, A.int_arg(hi_dim_idx, "hi_dim_idx"),
                      A.int_arg(lo_dim_idx, "lo_dim_idx"))


@primitive
def unroll_buffer(proc, alloc_cursor, dimension):
    """Replace a dimension of literal extent by separate buffers ``x_0, x_1, ...``."""
    path = _alloc_path(proc, alloc_cursor, "alloc_cursor")
    return R.unroll_buffer(proc._ir, path, A.int_arg(dimension, "dimension"))


@primitive
def lift_alloc(proc, alloc_cursor, n_lifts=1):
    """Move an allocation out of ``n_lifts`` enclosing loops or ``if``s."""
    path = _alloc_path(proc, alloc_cursor, "alloc_cursor")
    return R.lift_alloc(proc._ir, path, A.int_arg(n_lifts, "n_lifts", minimum=1))


@primitive
def sink_alloc(proc, alloc_cursor):
    """Move an allocation into the loop or ``if`` right after it."""
    return R.sink_alloc(proc._ir, _alloc_path(proc, alloc_cursor, "alloc_cursor"))


@primitive
def autolift_alloc(proc, alloc_cursor, n_lifts=1, mode="row", size=None, keep_dims=False):
    """Exo's legacy lift: like ``lift_alloc``, and with ``keep_dims=True`` one new
    dimension per crossed loop the buffer's writes depend on (``mode`` "row": in front,
    "col": at the back; ``size``: its extent instead of the loop's bound)."""
    path = _alloc_path(proc, alloc_cursor, "alloc_cursor")
    n = A.int_arg(n_lifts, "n_lifts", minimum=1)
    mode = A.choice_arg(mode, "mode", ("row", "col"))
    if size is not None:
        size = A.int_arg(size, "size", minimum=1)
    return R.autolift_alloc(proc._ir, path, n, mode, size, _bool_arg(keep_dims, "keep_dims"))


@primitive
def reuse_buffer(proc, buf_cursor, replace_cursor):
    """Use the allocation ``buf_cursor`` instead of ``replace_cursor`` (deleted)."""
    x = _alloc_path(proc, buf_cursor, "buf_cursor")
    y = _alloc_path(proc, replace_cursor, "replace_cursor")
    return R.reuse_buffer(proc._ir, x, y)


@primitive
def stage_mem(proc, block_cursor, win_expr, new_buf_name, accum=False):
    """Stage the window ``win_expr`` (``"x[lo:hi, pt, ...]"``) of a buffer in a new buffer
    around the block: load before, use inside, store after (``accum=True``: zero, reduce,
    add back)."""
    from ..errors import SchedulingError
    from ..fragments import parse_expr_fragment
    from ..ir import Read, WindowExpr

    block = A.block_arg(proc, block_cursor, "block_cursor")
    if not isinstance(win_expr, str):
        raise A.ArgError(f"argument 'win_expr': expected a string like 'x[0:n, i]', got {win_expr!r}")
    parent, field, lo, _ = block
    win = parse_expr_fragment(proc._ir, win_expr, tuple(parent) + ((field, lo),), expected="buffer",
                              call_site=_user_names())
    if not isinstance(win, (Read, WindowExpr)):
        raise SchedulingError(f"argument 'win_expr': expected a buffer or a window of one, got '{win_expr}'")
    return R.stage_mem(proc._ir, block, win, A.name_arg(new_buf_name, "new_buf_name"),
                       accum=_bool_arg(accum, "accum"))


@primitive
def delete_buffer(proc, buf_cursor):
    """Delete an unused allocation."""
    return R.delete_buffer(proc._ir, _alloc_path(proc, buf_cursor, "buf_cursor"))


@primitive
def inline_window(proc, winstmt_cursor):
    """Remove a window statement ``y = x[...]``, rewriting the uses of ``y`` onto ``x``."""
    return R.inline_window(proc._ir, A.stmt_arg(proc, winstmt_cursor, "winstmt_cursor"))
