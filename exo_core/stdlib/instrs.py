"""Replacing code by instructions, and vectorization (Exo's ``exo.stdlib.scheduling`` and
``exo.stdlib.stdlib``): ``replace_all``, ``call_site_mem_aware_replace``,
``check_call_mem_types``, ``check_call_site``, ``checked_replace``, ``replace_all_stmts``,
``vectorize``.

These delegate to the ``replace`` primitive; without it (an exo-core version that does not
have it yet) they raise a ``SchedulingError`` saying so."""

from __future__ import annotations

from dataclasses import dataclass

from .. import scheduling as S
from ..cursors import AssignCursor, CallCursor, ForCursor, ReduceCursor
from ..errors import ExoError, InvalidCursorError, SchedulingError
from ..fragments import FormattedExprStr
from ..memory import DRAM
from ..procedure import Procedure
from ._op import has_primitive, int_of, library_op, loop_of, primitive, stmt_of
from .higher_order import attempt
from .inspection import get_declaration, nlr_stmts
from .loop_shapes import dce
from .loops import fission_into_singles
from .rc_wrappers import divide_loop_
from .reductions import parallelize_all_reductions
from .staging import stage_compute

_PATTERNS = {AssignCursor: "_ = _", ReduceCursor: "_ += _", ForCursor: "for _ in _: _"}


def _mem(c):
    return c.mem() or DRAM


def check_call_mem_types(call_cursor):
    """Whether every buffer passed at a call lives in a memory the callee accepts (the
    argument's memory is the parameter's or a subclass of it)."""
    if not isinstance(call_cursor, CallCursor):
        raise TypeError("call_cursor must be a CallCursor")
    proc = call_cursor.proc()
    for arg, par in zip(call_cursor.args(), call_cursor.subproc().args()):
        if par.type().is_numeric() and hasattr(arg, "name"):
            if not issubclass(_mem(get_declaration(proc, call_cursor, arg.name())), _mem(par)):
                return False
    return True


def check_call_site(proc, call_cursor):
    """``check_call_mem_types`` and the same precision for every buffer argument."""
    call_cursor = proc.forward(call_cursor)
    if not isinstance(call_cursor, CallCursor):
        raise TypeError("call_cursor must be a CallCursor")
    for arg, par in zip(call_cursor.args(), call_cursor.subproc().args()):
        if par.type().is_numeric() and hasattr(arg, "name"):
            decl = get_declaration(proc, call_cursor, arg.name())
            if not issubclass(_mem(decl), _mem(par)) or decl.type() is not par.type():
                return False
    return True


def _calls_of(proc, subproc):
    return [s for s in nlr_stmts(proc) if isinstance(s, CallCursor) and s.subproc().name() == subproc.name()]


@library_op
def call_site_mem_aware_replace(proc, block_cursor, subproc, quiet=False):
    """``replace``, then check that the buffers passed to ``subproc`` live in memories it
    accepts."""
    proc = primitive("replace")(proc, block_cursor, subproc, quiet=quiet)
    if not all(check_call_mem_types(c) for c in _calls_of(proc, subproc)):
        raise SchedulingError(f"replace by {subproc.name()}: a buffer argument lives in a memory the "
                              f"instruction does not accept")
    return proc


@library_op
def replace_all(proc, subprocs, mem_aware=True):
    """Replace every statement that one of ``subprocs`` (procedures or instructions, one or a
    list) computes by a call to it, trying them in turn over the statements in program
    order; statements they do not match are left alone. ``mem_aware``: also require the
    memories of the arguments to fit. Delegates to the ``replace_all`` primitive when this
    exo-core has it, else tries ``replace`` on each assignment, reduction or loop matching
    the kind of each (one-statement) subprocedure's body."""
    subprocs = list(subprocs) if isinstance(subprocs, (list, tuple)) else [subprocs]
    for sub in subprocs:
        if not isinstance(sub, Procedure):
            raise SchedulingError(f"expected procedures to replace with, got {type(sub).__name__}")
    if has_primitive("replace_all"):
        return S.replace_all(proc, subprocs, mem_aware=mem_aware)
    replace = primitive("replace")
    for sub in subprocs:
        if len(sub.body()) != 1 or type(sub.body()[0]) not in _PATTERNS:
            raise SchedulingError(f"{sub.name()}: replace_all supports procedures whose body is one "
                                  f"assignment, reduction or loop")
        try:
            matches = proc.find(_PATTERNS[type(sub.body()[0])], many=True)
        except SchedulingError:
            continue
        for m in matches:
            try:
                m = proc.forward(m)
            except InvalidCursorError:
                continue
            try:
                if mem_aware:
                    proc = call_site_mem_aware_replace(proc, m, sub, quiet=True)
                else:
                    proc = replace(proc, m, sub, quiet=True)
            except ExoError:
                continue  # this statement is not what the subprocedure computes
    return proc


@library_op
def checked_replace(proc, stmt, subproc, quiet=False):
    """``replace`` of one statement, then check the call's memories and precisions."""
    stmt = stmt_of(proc, stmt)
    prev, parent = stmt.prev(), stmt.parent()
    proc = primitive("replace")(proc, stmt, subproc, quiet=quiet)
    if prev:
        call = proc.forward(prev).next()
    elif parent:
        call = _first_in(proc.forward(parent), stmt)
    else:
        call = proc.body()[0]
    if not isinstance(call, CallCursor) or not check_call_site(proc, call):
        raise SchedulingError(f"call site inconsistency after replacing by {subproc.name()}")
    return proc


def _first_in(parent, old_stmt):
    # the replaced statement was first in one of the parent's blocks: find which one
    old_parent = old_stmt.parent()
    if hasattr(old_parent, "orelse") and old_parent.orelse() and old_parent.orelse()[0] == old_stmt:
        return parent.orelse()[0]
    return parent.body()[0]


@library_op
def replace_all_stmts(proc, instructions):
    """Try every instruction on every statement (pre-order); the first that ``replace``
    accepts (with consistent memories and precisions) replaces it."""
    instructions = instructions if isinstance(instructions, (list, tuple)) else [instructions]
    if instructions:
        primitive("replace")
    for stmt in list(nlr_stmts(proc)):
        try:
            stmt = proc.forward(stmt)
        except InvalidCursorError:
            continue
        for instr in instructions:
            proc, ok = attempt(checked_replace, errs=(SchedulingError, InvalidCursorError))(
                proc, stmt, instr, quiet=True, rs=True)
            if ok:
                break
    return proc


@dataclass
class vectorize_cursors:
    loop: ForCursor

    def __iter__(self):
        yield self.loop


@library_op
def vectorize(proc, loop, vec_width, precision, mem_type, instructions=(), rules=(), tail="cut_and_predicate",
              rc=False):
    """Vectorize ``loop`` by ``vec_width`` lanes: reductions over it get one partial sum per
    lane, every computation is staged in buffers of ``mem_type`` (``stage_compute``), the loop
    is divided by ``vec_width`` and every statement gets its own ``vec_width`` loop
    (``fission_into_singles``), which ``instructions`` then replace.

    ``tail``: "cut_and_predicate" (the default: a guarded inner loop, the last outer
    iteration cut off so only it keeps the guards), "predicate" (guards everywhere), or a
    ``divide_loop`` tail ("cut", "cut_and_guard", "perfect") for a scalar tail loop.
    ``rules``: staging rules for ``stage_compute`` (e.g. ``fma_rule``). ``rc``: the outer
    loop."""
    loop = loop_of(proc, loop)
    vec_width = int_of(vec_width, "vec_width", minimum=1)
    instructions, rules = list(instructions), list(rules)
    if tail in ("predicate", "cut_and_predicate"):
        proc = parallelize_all_reductions(proc, loop, factor=vec_width, memory=mem_type)
        proc = stage_compute(proc, loop, precision, mem_type, rules)
        proc, (outer, inner, _) = divide_loop_(proc, loop, vec_width, rc=True)
        proc = S.simplify(proc)
        proc = fission_into_singles(proc, inner)
        if tail == "cut_and_predicate":
            outer = proc.forward(outer)
            proc = attempt(S.cut_loop, errs=(SchedulingError,))(proc, outer, FormattedExprStr("_ - 1", outer.hi()))
            proc = dce(proc, proc.forward(outer).body())
    elif tail in ("cut", "cut_and_guard", "perfect"):
        proc, (outer, inner, _) = divide_loop_(proc, loop, vec_width, tail=tail, rc=True)
        proc = parallelize_all_reductions(proc, outer, memory=mem_type)
        inner = proc.forward(outer).body()[0]
        proc = stage_compute(proc, inner, precision, mem_type, rules)
        proc = fission_into_singles(proc, inner)
    else:
        raise SchedulingError(f"unknown tail strategy {tail!r}: expected 'cut_and_predicate', 'predicate', "
                              f"'cut', 'cut_and_guard' or 'perfect'")
    proc = replace_all_stmts(proc, instructions)
    if not rc:
        return proc
    return proc, vectorize_cursors(proc.forward(outer))


__all__ = [
    "check_call_mem_types", "check_call_site", "call_site_mem_aware_replace", "replace_all", "checked_replace",
    "replace_all_stmts", "vectorize_cursors", "vectorize",
]
