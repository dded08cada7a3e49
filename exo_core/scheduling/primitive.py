"""The ``@primitive`` wrapper every public scheduling operation goes through.

It names the primitive and the user's call site in errors, records the call in the new
procedure's history, and, with ``EXO_CHECK=paranoid``, runs the procedure before and after
the rewrite in the reference interpreter on small random inputs and raises on a difference.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

from ..errors import SchedulingError
from ..procedure import Procedure

_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)


def user_call_site() -> str:
    """``file:line`` of the innermost caller outside exo_core (frames only, no source reads)."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        f = f.f_back
    if f is None:
        return "<unknown>"
    return f"{f.f_code.co_filename}:{f.f_lineno}"


def _arg_text(value) -> str:
    from ..cursors import Cursor

    if isinstance(value, Procedure):
        return value.name()
    if isinstance(value, Cursor):
        return f"<{type(value).__name__} {value._path}>"
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_arg_text(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    return repr(value)


def primitive(fn=None, *, paranoid_check=None):
    """Wrap ``fn(proc, ...) -> (new ProcDef, forward)`` as a public primitive.

    ``fn`` raises ``SchedulingError`` (or ``CheckFailed`` from the analyses) with a reason
    in words; the wrapper prefixes the call site and the primitive's name. Under
    ``EXO_CHECK=paranoid`` the result is compared with the original by
    ``paranoid_check(before, after, name, site)`` (default: same outputs on random inputs)."""
    if fn is None:
        return lambda f: primitive(f, paranoid_check=paranoid_check)
    name = fn.__name__

    @functools.wraps(fn)
    def run(proc, *args, **kwargs):
        if not isinstance(proc, Procedure):
            raise SchedulingError(f"{user_call_site()}: {name}: the first argument must be a procedure, "
                                  f"got {type(proc).__name__}")
        try:
            new_ir, forward = fn(proc, *args, **kwargs)
        except SchedulingError as err:
            raise _located(err, name) from None
        except Exception as err:
            from ..analysis.sched import CheckFailed

            if isinstance(err, CheckFailed):
                raise SchedulingError(f"{user_call_site()}: {name}: {err}") from None
            raise
        call = f"{name}({', '.join([_arg_text(proc)] + [_arg_text(a) for a in args] + [f'{k}={_arg_text(v)}' for k, v in kwargs.items()])})"
        result = proc._derive(new_ir, forward, (name, call))
        if _paranoid():
            if paranoid_check is None:
                from .paranoid import compare_before_after as check
            else:
                check = paranoid_check
            check(proc, result, name, user_call_site())
        return result

    run.__exo_primitive__ = True
    return run


def _located(err: SchedulingError, name: str) -> SchedulingError:
    msg = str(err)
    if getattr(err, "_located", False):
        return err
    new = type(err)(f"{user_call_site()}: {name}: {msg}")
    new._located = True
    return new


def _paranoid() -> bool:
    return os.environ.get("EXO_CHECK", "") == "paranoid"
