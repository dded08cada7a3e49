"""What every library operation shares: ``@library_op`` (errors name the operation and the
primitive that failed, after the user's call site), lookup of primitives that may not exist
yet, and turning cursor-or-pattern arguments into cursors.

Library operations use only the public API (primitives, cursors, ``Procedure`` methods),
as a user's own library would."""

from __future__ import annotations

import functools

from .. import cursors as C
from .. import scheduling as S
from ..errors import ExoError, InvalidCursorError, SchedulingError
from ..procedure import Procedure
from ..scheduling.primitive import user_call_site


def strip_site(message: str, site: str | None = None) -> str:
    """``message`` without the leading ``"<file>:<line>: "`` of the call site ``site``."""
    site = user_call_site() if site is None else site
    prefix = f"{site}: "
    return message[len(prefix):] if message.startswith(prefix) else message


def _relabel(err: ExoError, op: str, site: str) -> ExoError:
    msg = f"{site}: {op}: {strip_site(str(err), site)}"
    try:
        new = type(err)(msg)
    except TypeError:  # an error class with another constructor: keep the words
        new = SchedulingError(msg)
    new._located = True  # a primitive re-raising it must not prefix it again
    return new


def library_op(fn=None, *, transparent: bool = False):
    """Wrap a library operation ``fn(proc, ...)``: an error raised inside it (by a primitive,
    a nested library operation or the operation itself) is re-raised with the same type as
    ``"<call site>: <op>: <inner message>"``, where the inner message of a primitive reads
    ``"<primitive>: <reason>"``. So a failure names the user's line, the library operation
    and the primitive that refused.

    ``transparent=True`` (thin wrappers of one primitive, like ``divide_loop_``): errors of
    the primitives pass through unchanged; only the wrapper's own errors are labelled."""
    if fn is None:
        return lambda f: library_op(f, transparent=transparent)
    name = fn.__name__

    @functools.wraps(fn)
    def run(*args, **kwargs):
        site = user_call_site()
        if args and not isinstance(args[0], Procedure):
            raise SchedulingError(f"{site}: {name}: the first argument must be a procedure, "
                                  f"got {type(args[0]).__name__}")
        try:
            return fn(*args, **kwargs)
        except ExoError as err:
            if transparent and str(err).startswith(f"{site}: "):
                raise
            raise _relabel(err, name, site) from None

    run.__exo_library_op__ = True
    return run


def primitive(name: str):
    """The primitive ``name`` of ``exo_core.scheduling``; a ``SchedulingError`` naming it when
    this version of exo-core does not have it yet."""
    fn = getattr(S, name, None)
    if fn is None:
        raise SchedulingError(f"{name}: this primitive is not available in this version of exo-core")
    return fn


def has_primitive(name: str) -> bool:
    return getattr(S, name, None) is not None


# --------------------------------------------------------------------------- arguments


def cursor_of(proc, value, what: str):
    """``value`` (a cursor of ``proc`` or of an earlier version, or a pattern string) as a
    cursor of ``proc``."""
    if isinstance(value, str):
        return proc.find(value)
    if isinstance(value, C.Cursor):
        if not value:
            raise SchedulingError(f"argument '{what}' is an invalid cursor")
        try:
            return proc.forward(value)
        except InvalidCursorError as err:
            raise SchedulingError(f"argument '{what}': {err}") from None
    raise SchedulingError(f"argument '{what}': expected a cursor or a pattern string, "
                          f"got {type(value).__name__}")


def loop_of(proc, value, what: str = "loop") -> C.ForCursor:
    """A loop given by a cursor, ``"i"``/``"i #k"`` or a loop pattern."""
    c = proc.find_loop(value) if isinstance(value, str) else cursor_of(proc, value, what)
    if isinstance(c, C.BlockCursor) and len(c) == 1:
        c = c[0]
    if not isinstance(c, C.ForCursor):
        raise SchedulingError(f"argument '{what}': expected a loop, got {_kind(c)}")
    return c


def stmt_of(proc, value, what: str = "stmt") -> C.StmtCursor:
    c = cursor_of(proc, value, what)
    if isinstance(c, C.BlockCursor) and len(c) == 1:
        c = c[0]
    if not isinstance(c, C.StmtCursor):
        raise SchedulingError(f"argument '{what}': expected a statement, got {_kind(c)}")
    return c


def block_of(proc, value, what: str = "block") -> C.BlockCursor:
    c = cursor_of(proc, value, what)
    if isinstance(c, C.StmtCursor):
        c = c.as_block()
    if not isinstance(c, C.BlockCursor):
        raise SchedulingError(f"argument '{what}': expected a block or a statement, got {_kind(c)}")
    return c


def int_of(value, what: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SchedulingError(f"argument '{what}': expected an int, got {value!r}")
    if minimum is not None and value < minimum:
        raise SchedulingError(f"argument '{what}': expected an int >= {minimum}, got {value}")
    return value


def _kind(c) -> str:
    return type(c).__name__.replace("Cursor", " cursor").lower()
