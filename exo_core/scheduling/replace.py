"""Public instruction-replacement primitives (thin wrappers over exo_core.rewrite.unify*):
``replace``, ``replace_all``, ``replace_once``. Names, parameters and defaults are Exo's
(``replace`` from ``exo.API_scheduling``, the others from ``exo.stdlib.scheduling``).

Unlike Exo, ``replace`` proves what the call needs at the call site -- the callee's
preconditions (``assert`` lines, strides included), window bounds, memories and
precisions -- and refuses with the failed condition in words; it matches index
expressions by their affine normal form, not their spelling."""

from __future__ import annotations

from ..procedure import Procedure
from ..rewrite import unify_replace as R
from . import args as A
from .primitive import primitive

__all__ = ["replace", "replace_all", "replace_once"]


def _proc_arg(value, what: str):
    if not isinstance(value, Procedure):
        raise A.ArgError(f"argument '{what}': expected a procedure or an instr, got {type(value).__name__}")
    return value._ir


def _procs_arg(value, what: str) -> list:
    items = value if isinstance(value, (list, tuple)) else [value]
    return [_proc_arg(v, f"{what}[{k}]" if value is not items[0] else what) for k, v in enumerate(items)]


def _bool_arg(value, what: str) -> bool:
    if not isinstance(value, bool):
        raise A.ArgError(f"argument '{what}': expected True or False, got {value!r}")
    return value


@primitive
def replace(proc, block_cursor, subproc, quiet=False):
    """Replace the first ``len(subproc.body())`` statements of ``block_cursor`` by a call of
    ``subproc`` (an instr or a proc), with the arguments that make its body that code.
    Checked: the code unifies with the body, and at the call the callee's preconditions
    hold, windows are in bounds, memories and precisions match, arguments do not alias.
    ``quiet=False`` adds both codes to the error message."""
    parent, field, lo, hi = A.block_arg(proc, block_cursor, "block_cursor")
    sub = _proc_arg(subproc, "subproc")
    return R.replace_block(proc._ir, parent, field, lo, hi, sub, quiet=_bool_arg(quiet, "quiet"))


@primitive
def replace_all(proc, subprocs, mem_aware=True):
    """For each of ``subprocs`` (one procedure or a list) in turn, replace every block in
    the procedure that it can replace (program order, outer statements first). Blocks that
    do not unify or fail a call-site check are left alone. ``mem_aware=False`` skips the
    memory check (the backend still refuses a mismatch when generating C)."""
    subs = _procs_arg(subprocs, "subprocs")
    new, forward, _ = R.replace_matches(proc._ir, subs, mem_aware=_bool_arg(mem_aware, "mem_aware"))
    return new, forward


@primitive
def replace_once(proc, subprocs, mem_aware=True):
    """``replace_all``, but each of ``subprocs`` replaces only the first block it can."""
    subs = _procs_arg(subprocs, "subprocs")
    new, forward, _ = R.replace_matches(proc._ir, subs, mem_aware=_bool_arg(mem_aware, "mem_aware"), once=True)
    return new, forward
