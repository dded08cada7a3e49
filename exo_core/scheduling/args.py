"""Turning the arguments users pass to primitives into paths of the procedure.

A code argument is a cursor (of this procedure or of an earlier version: it is forwarded)
or an Exo pattern string. Malformed arguments raise ``SchedulingError`` naming the argument.
"""

from __future__ import annotations

import keyword

from .. import cursors as C
from ..errors import InvalidCursorError, SchedulingError


class ArgError(SchedulingError):
    """A malformed argument to a primitive (a ``SchedulingError``)."""


def _matches(proc, pattern: str, kind: str, within=None):
    from .. import patterns

    if kind == "loop":
        return patterns.find_loop(proc._ir, pattern, many=True)
    if kind == "alloc_or_arg":
        return patterns.find_alloc_or_arg(proc._ir, pattern, many=True)
    return patterns.match_pattern(proc._ir, pattern, within=within)


def _cursor_of(proc, match):
    kind, where = match
    if kind == "stmt":
        return C.StmtCursor._make(proc, where)
    if kind == "block":
        parent, field, lo, hi = where
        return C.BlockCursor(proc, parent, field, lo, hi)
    if kind == "expr":
        return C.ExprCursor._make(proc, where)
    if kind == "arg":
        return C.ArgCursor(proc, (("args", where),))
    raise AssertionError(kind)


def find_cursors(proc, pattern: str, *, many: bool, kind: str, within=None):
    if not isinstance(pattern, str):
        raise ArgError(f"find: expected a pattern string, got {type(pattern).__name__}")
    found = _matches(proc, pattern, kind, within)
    if not found:
        raise SchedulingError(f"find: failed to find matches for pattern '{pattern}'")
    cursors = [_cursor_of(proc, m) for m in found]
    return cursors if many else cursors[0]


def _forwarded(proc, cursor, what: str):
    try:
        return proc.forward(cursor)
    except InvalidCursorError as err:
        raise ArgError(f"argument '{what}': {err}") from None


def cursor_arg(proc, value, what: str, *, kind: str = "any"):
    """A cursor for ``value``: a cursor (forwarded to ``proc``) or a pattern string."""
    if isinstance(value, str):
        return find_cursors(proc, value, many=False, kind=kind)
    if isinstance(value, C.Cursor):
        if not value:
            raise ArgError(f"argument '{what}' is an invalid cursor")
        return _forwarded(proc, value, what)
    raise ArgError(f"argument '{what}': expected a cursor or a pattern string, got {type(value).__name__}")


def stmt_arg(proc, value, what: str, *, kind: str = "any") -> tuple:
    """The path of one statement (a one-statement block is accepted)."""
    c = cursor_arg(proc, value, what, kind=kind)
    if isinstance(c, C.BlockCursor) and len(c) == 1:
        c = c[0]
    if not isinstance(c, C.StmtCursor):
        raise ArgError(f"argument '{what}': expected a statement, got {_describe_kind(c)}")
    return c._path


def loop_arg(proc, value, what: str) -> tuple:
    path = stmt_arg(proc, value, what, kind="loop")
    if not isinstance(C._node_at(proc._ir, path), _For()):
        raise ArgError(f"argument '{what}': expected a loop")
    return path


def block_arg(proc, value, what: str) -> tuple:
    """``(parent_path, field, lo, hi)`` of a block (a statement is a one-statement block)."""
    c = cursor_arg(proc, value, what)
    if isinstance(c, C.StmtCursor):
        c = c.as_block()
    if not isinstance(c, C.BlockCursor):
        raise ArgError(f"argument '{what}': expected a block or a statement, got {_describe_kind(c)}")
    return c._path, c._field, c._lo, c._hi


def gap_arg(proc, value, what: str) -> tuple:
    """``(parent_path, field, index)``: the insertion point of a gap cursor."""
    c = cursor_arg(proc, value, what)
    if not isinstance(c, C.GapCursor):
        raise ArgError(f"argument '{what}': expected a gap (stmt.before() or stmt.after()), got {_describe_kind(c)}")
    anchor = c._path
    field, idx = anchor[-1]
    return anchor[:-1], field, idx + (1 if c._side == "after" else 0)


def expr_arg(proc, value, what: str) -> tuple:
    c = cursor_arg(proc, value, what)
    if not isinstance(c, C.ExprCursor):
        raise ArgError(f"argument '{what}': expected an expression, got {_describe_kind(c)}")
    return c._path


def alloc_or_arg(proc, value, what: str):
    """``("alloc", path)`` or ``("arg", index)``."""
    c = cursor_arg(proc, value, what, kind="alloc_or_arg")
    if isinstance(c, C.ArgCursor):
        return "arg", c._path[0][1]
    if isinstance(c, C.AllocCursor):
        return "alloc", c._path
    raise ArgError(f"argument '{what}': expected an allocation or an argument, got {_describe_kind(c)}")


def name_arg(value, what: str) -> str:
    if not isinstance(value, str) or not value.isidentifier() or keyword.iskeyword(value):
        raise ArgError(f"argument '{what}': expected a valid identifier, got {value!r}")
    return value


def int_arg(value, what: str, *, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgError(f"argument '{what}': expected an int, got {value!r}")
    if minimum is not None and value < minimum:
        raise ArgError(f"argument '{what}': expected an int >= {minimum}, got {value}")
    return value


def choice_arg(value, what: str, options) -> str:
    if value not in options:
        raise ArgError(f"argument '{what}': expected one of {', '.join(map(repr, options))}, got {value!r}")
    return value


def _describe_kind(c) -> str:
    return type(c).__name__.replace("Cursor", " cursor").lower()


def _For():
    from ..ir import For

    return For
