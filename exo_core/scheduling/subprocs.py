"""Public sub-procedure primitives (thin wrappers over exo_core.rewrite.subprocs):
``inline``, ``extract_subproc``, ``call_eqv``, ``make_instr``, ``insert_noop_call``.
Names, parameters and defaults are Exo's.

Call arguments are a cursor to a call, a procedure (its first call), or a pattern
(``"foo"``, ``"foo #1"``, ``"foo(_)"``)."""

from __future__ import annotations

import sys

from .. import cursors as C
from ..errors import SchedulingError
from ..procedure import Procedure
from ..rewrite import subprocs as R
from . import args as A
from .primitive import _PACKAGE_DIR, primitive

__all__ = ["inline", "extract_subproc", "call_eqv", "make_instr", "insert_noop_call"]


def _user_names() -> dict:
    """The names visible at the user's call site (configs and procs in expression strings)."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        f = f.f_back
    if f is None:
        return {}
    return {**f.f_globals, **f.f_locals}


def _call_path(proc, value, what: str) -> tuple:
    from .. import patterns
    from ..ir import Call

    if isinstance(value, (str, Procedure)):
        return patterns.find_call(proc._ir, value).at
    path = A.stmt_arg(proc, value, what)
    if type(C._node_at(proc._ir, path)) is not Call:
        raise A.ArgError(f"argument '{what}': expected a call")
    return path


def _proc_arg(value, what: str) -> Procedure:
    if not isinstance(value, Procedure):
        raise A.ArgError(f"argument '{what}': expected a procedure, got {type(value).__name__}")
    return value


@primitive
def inline(proc, call_cursor):
    """Replace a call by the callee's body (arguments substituted, window arguments bound
    by window statements). Always safe: the callee's preconditions hold at the call."""
    return R.inline(proc._ir, _call_path(proc, call_cursor, "call_cursor"))


def _extract(proc, block, subproc_name, include_asserts=True):
    parent, field, lo, hi = A.block_arg(proc, block, "block")
    name = A.name_arg(subproc_name, "subproc_name")
    if not isinstance(include_asserts, bool):
        raise A.ArgError(f"argument 'include_asserts': expected True or False, got {include_asserts!r}")
    new, fwd, _ = R.extract_subproc(proc._ir, parent, field, lo, hi, name, include_asserts)
    return new, fwd


_extract.__name__ = _extract.__qualname__ = "extract_subproc"
_extract_primitive = primitive(_extract)


def extract_subproc(proc, block, subproc_name, include_asserts=True):
    """Move a block into a new procedure ``subproc_name`` and call it there; returns
    ``(proc, subproc)``. Parameters are the variables the block uses, in definition
    order; with ``include_asserts`` the facts known at the block that mention only
    parameters become the new procedure's preconditions. The new procedure must pass
    the bounds check. It starts a new provenance (``call_eqv`` does not treat it as
    equivalent to anything it was not scheduled from)."""
    new = _extract_primitive(proc, block, subproc_name, include_asserts)
    parent, field, lo, _ = A.block_arg(proc, block, "block")
    call = C._node_at(new._ir, tuple(parent) + ((field, lo),))
    return new, Procedure(call.proc)


extract_subproc.__exo_primitive__ = True


@primitive
def call_eqv(proc, call_cursor, eqv_proc):
    """Call ``eqv_proc`` instead of the callee. Refused unless the two procedures were
    scheduled from one another (or from a common procedure): provenance is followed
    through every procedure's history. When they are equal only up to the final values
    of some config fields (``bind_config``, ``delete_config``, ``write_config``), those
    fields must not be read after the call before being overwritten. The call must be a
    valid call of ``eqv_proc`` (arguments, memories, preconditions)."""
    path = _call_path(proc, call_cursor, "call_cursor")
    eqv = _proc_arg(eqv_proc, "eqv_proc")
    callee = C._node_at(proc._ir, path).proc
    modulo = R.equivalence_modulo(callee, eqv._ir, procedures=(eqv,))
    if modulo is None:
        raise SchedulingError(
            f"{eqv.name()} is not known to be equivalent to {callee.name}: neither was scheduled from "
            "the other or from a common procedure (or a step in between, such as set_precision, "
            "changed what it computes)")
    R.remember(eqv)
    return R.call_eqv(proc._ir, path, eqv._ir, modulo)


@primitive
def make_instr(proc, c_instr, c_global=""):
    """Make the procedure an instr with C template ``c_instr`` (and global C ``c_global``).
    TRUSTED: the template is assumed to do what the body says; nothing checks it."""
    if not isinstance(c_instr, str):
        raise A.ArgError(f"argument 'c_instr': expected a string, got {type(c_instr).__name__}")
    if not isinstance(c_global, str):
        raise A.ArgError(f"argument 'c_global': expected a string, got {type(c_global).__name__}")
    return R.make_instr(proc._ir, c_instr, c_global)


def _arg_expr(proc, value, anchor, fa, what: str):
    from ..fragments import parse_expr_fragment
    from ..ir import ControlType

    expected = fa.type.name if isinstance(fa.type, ControlType) else "buffer"
    if isinstance(value, C.ExprCursor):
        value = C._node_at(proc._ir, A.expr_arg(proc, value, what))
    elif isinstance(value, C.Cursor) or not isinstance(value, (str, int, float)) and \
            type(value).__name__ != "FormattedExprStr":
        raise A.ArgError(f"argument '{what}': expected an expression (a string, a number or an "
                         f"expression cursor), got {value!r}")
    return parse_expr_fragment(proc._ir, value, anchor, expected=expected, call_site=_user_names())


@primitive
def insert_noop_call(proc, gap_cursor, instr, args):
    """Insert a call of ``instr`` (a procedure whose body does nothing: only ``pass``) at a
    gap. ``args`` are expressions (strings parsed at the gap, numbers, or expression
    cursors), one per parameter; the callee's preconditions must hold there."""
    parent, field, index = A.gap_arg(proc, gap_cursor, "gap_cursor")
    anchor = A.cursor_arg(proc, gap_cursor, "gap_cursor")
    callee = _proc_arg(instr, "instr")
    if not isinstance(args, (list, tuple)):
        raise A.ArgError(f"argument 'args': expected a list of expressions, got {type(args).__name__}")
    params = callee._ir.args
    if len(args) != len(params):
        raise A.ArgError(f"argument 'args': {callee.name()} takes {len(params)} arguments, got {len(args)}")
    exprs = [_arg_expr(proc, a, anchor, fa, f"args[{k}]") for k, (a, fa) in enumerate(zip(args, params))]
    return R.insert_noop_call(proc._ir, parent, field, index, callee._ir, exprs)
