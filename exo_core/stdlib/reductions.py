"""Parallel reductions (Exo's ``exo.stdlib.stdlib``): ``parallelize_reduction`` and
``parallelize_all_reductions``."""

from __future__ import annotations

from .. import scheduling as S
from ..cursors import ForCursor, ReduceCursor
from ..errors import InvalidCursorError, SchedulingError
from ..memory import DRAM
from ._op import library_op, loop_of, stmt_of
from .higher_order import attempt
from .inspection import get_enclosing_loop, get_parents, get_symbols, nlr_stmts
from .loop_shapes import undo_divide_and_guard_loop
from .rc_wrappers import divide_loop_
from .staging import auto_stage_mem, parallelize_and_lift_alloc, set_memory_if_needed


@library_op
def parallelize_reduction(proc, reduce_stmt, factor=None, memory=DRAM, nth_loop=1, unroll=False):
    """Split the reduction ``x[...] += e`` over its ``nth_loop``-th enclosing loop into
    independent partial sums, one per iteration of the loop directly inside it (with
    ``factor``: the loop is first divided by ``factor``, and the division is undone after)::

        for i in seq(0, n):            acc: R[f] @ memory
            for j in seq(0, f):   ->   for j in seq(0, f): acc[j] = 0.0
                x += e                 for i in seq(0, n):
                                           for j in seq(0, f): acc[j] += e
                                       for j in seq(0, f): x += acc[j]

    ``unroll`` (a bool or a pair): unroll the zeroing and the final sum loops. The
    partial sums change the order of the additions (equal up to real-number
    reassociation)."""
    if isinstance(unroll, bool):
        unroll = (unroll, unroll)
    reduce_stmt = stmt_of(proc, reduce_stmt, "reduce_stmt")
    if not isinstance(reduce_stmt, ReduceCursor):
        raise SchedulingError(f"argument 'reduce_stmt': expected a reduction 'x += e', got "
                              f"{type(reduce_stmt).__name__}")
    loop = get_enclosing_loop(proc, reduce_stmt, nth_loop)
    if loop.name() in set(get_symbols(proc, reduce_stmt.idx())):
        raise SchedulingError(f"the statement is not a reduction over loop '{loop.name()}': its "
                              f"indices depend on '{loop.name()}'")
    if factor is not None:
        proc, (loop, _, _) = divide_loop_(proc, loop, factor, tail="guard", rc=True)
        proc = S.simplify(proc)

    # Stage the reduced value around the loop we reduce over, inside the lane loop.
    proc = S.reorder_loops(proc, loop)
    proc, (alloc, _, _, _) = auto_stage_mem(proc, loop, reduce_stmt.name(), accum=True, rc=True)
    proc = S.simplify(proc)
    proc = set_memory_if_needed(proc, alloc, memory)
    # One accumulator per lane, then the zeroing and the final sum out of the lane loop.
    proc = parallelize_and_lift_alloc(proc, alloc)
    loop = proc.forward(loop)
    proc = S.fission(proc, loop.before())
    proc = S.fission(proc, loop.after())
    loop = proc.forward(loop)
    proc = S.reorder_loops(proc, loop.parent())
    loop = proc.forward(loop)
    if unroll[0]:
        proc = S.unroll_loop(proc, loop.prev())
    if unroll[1]:
        proc = S.unroll_loop(proc, proc.forward(loop).next())
    if factor is not None:
        proc = undo_divide_and_guard_loop(proc, loop)
    return proc


@library_op
def parallelize_all_reductions(proc, loop, factor=None, memory=DRAM, unroll=False):
    """``parallelize_reduction`` attempted on every reduction inside ``loop`` over ``loop``."""
    loop = loop_of(proc, loop)
    for s in [s for s in nlr_stmts(proc, loop.body()) if isinstance(s, ReduceCursor)]:
        try:
            s, outer = proc.forward(s), proc.forward(loop)
        except InvalidCursorError:
            continue
        nth = 0
        for parent in get_parents(proc, s):
            if isinstance(parent, ForCursor):
                nth += 1
            if parent == outer:
                break
        else:
            continue  # no longer inside the loop
        proc = attempt(parallelize_reduction, errs=(SchedulingError,))(proc, s, factor, memory, nth, unroll)
    return proc


__all__ = ["parallelize_reduction", "parallelize_all_reductions"]
