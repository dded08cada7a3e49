"""Public configuration-state primitives (thin wrappers over exo_core.rewrite.configs):
``bind_config``, ``delete_config``, ``write_config``. Names and parameters are Exo's.

A config write is inserted or deleted only when no later read can see the difference
(or the field already holds the value); the procedure is then equivalent to the old one
except, possibly, for the final values of that field, which ``call_eqv`` takes into
account. To hoist a loop-invariant config write out of a loop, ``write_config`` it
before the loop and ``delete_config`` the write inside (redundant by induction)."""

from __future__ import annotations

from .. import cursors as C
from ..rewrite import configs as R
from . import args as A
from .primitive import primitive
from .subprocs import _user_names

__all__ = ["bind_config", "delete_config", "write_config"]


@primitive
def bind_config(proc, var_cursor, config, field):
    """``s[e]`` -> ``config.field = e; s[config.field]`` for ``e`` a read of a scalar data
    variable or a bool of the field's type (a cursor or a pattern)."""
    path = A.expr_arg(proc, var_cursor, "var_cursor")
    return R.bind_config(proc._ir, path, config, field)


@primitive
def delete_config(proc, stmt_cursor):
    """Delete a config write. Refused unless the field already holds the written value
    or nothing reads it afterwards before it is overwritten."""
    return R.delete_config(proc._ir, A.stmt_arg(proc, stmt_cursor, "stmt_cursor"))


@primitive
def write_config(proc, gap_cursor, config, field, rhs):
    """Insert ``config.field = rhs`` at a gap (``rhs``: a string parsed at the gap, a
    number, or an expression cursor). Refused if a later read of the field would see
    the new value (unless the field already holds it)."""
    from ..fragments import parse_expr_fragment

    parent, fld, index = A.gap_arg(proc, gap_cursor, "gap_cursor")
    anchor = A.cursor_arg(proc, gap_cursor, "gap_cursor")
    ftyp = R.check_field(config, field)
    if isinstance(rhs, C.ExprCursor):
        rhs = C._node_at(proc._ir, A.expr_arg(proc, rhs, "rhs"))
    elif isinstance(rhs, C.Cursor) or not isinstance(rhs, (str, int, float)) and \
            type(rhs).__name__ != "FormattedExprStr":
        raise A.ArgError(f"argument 'rhs': expected an expression (a string, a number or an expression "
                         f"cursor), got {rhs!r}")
    e = parse_expr_fragment(proc._ir, rhs, anchor, expected=ftyp, call_site=_user_names())
    return R.write_config(proc._ir, parent, fld, index, config, field, e)
