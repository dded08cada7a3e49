"""Library operations on loop nests (Exo's ``exo.stdlib.scheduling`` and
``exo.stdlib.stdlib``): ``lift_if``, ``hoist_stmt``, ``hoist_from_loop``, ``jam_stmt``,
``reorder_stmt_forward``/``reorder_stmt_backwards``, ``interleave_outer_loop_with_inner_loop``,
``unroll_and_jam``, ``unroll_and_jam_parent``, ``tile_loops``, ``interleave_loop``,
``fission_into_singles``."""

from __future__ import annotations

from dataclasses import dataclass

from .. import scheduling as S
from ..cursors import AllocCursor, ForCursor, IfCursor, InvalidCursor, LiteralCursor, StmtCursor
from ..errors import InvalidCursorError, SchedulingError
from ..fragments import FormattedExprStr
from ..memory import DRAM
from ._op import int_of, library_op, loop_of, stmt_of, strip_site
from .higher_order import repeate
from .inspection import get_children, get_symbols
from .loop_shapes import binary_specialize, divide_loop_recursive
from .rc_wrappers import divide_loop_, fission_
from .reductions import parallelize_all_reductions
from .staging import parallelize_allocs, parallelize_and_lift_alloc


@library_op
def lift_if(proc, cursor, n_lifts=1):
    """Move the ``if`` at ``cursor`` up through ``n_lifts`` enclosing loops or ifs
    (``lift_scope`` repeated), e.g. ``for i: if p: s1 else: s2`` -> ``if p: for i: s1 else:
    for i: s2``."""
    n_lifts = int_of(n_lifts, "n_lifts", minimum=1)
    cursor = stmt_of(proc, cursor, "cursor")
    if not isinstance(cursor, IfCursor):
        raise SchedulingError(f"argument 'cursor': expected an if statement, got {type(cursor).__name__}")
    for k in range(n_lifts):
        try:
            proc = S.lift_scope(proc, cursor)
        except SchedulingError as err:
            raise SchedulingError(f"{strip_site(str(err))} (could not fully lift the if: {n_lifts - k} of "
                                  f"{n_lifts} lifts remain)") from None
    return proc


@dataclass
class hoist_stmt_cursors:
    allocs: list
    stmt: StmtCursor
    loop: ForCursor

    def __iter__(self):
        yield self.allocs
        yield self.stmt
        yield self.loop


@library_op
def hoist_stmt(proc, stmt, rc=False):
    """Move a statement that does not depend on its loop's iterator out of the loop, before
    it: ``for i: B1; s; B2`` -> ``s; for i: B1; B2`` (moving it past ``B1`` and dropping the
    loop around it are checked by ``reorder_stmts`` and ``remove_loop``; allocations it uses
    are lifted with it). ``rc``: the lifted allocations, the statement and the loop."""
    stmt = stmt_of(proc, stmt)
    loop = stmt.parent()
    if not isinstance(loop, ForCursor):
        raise SchedulingError("the statement is not directly inside a loop")
    deps = set(get_symbols(proc, stmt))
    if loop.name() in deps:
        raise SchedulingError(f"the statement depends on the loop iterator '{loop.name()}'")
    if isinstance(stmt, AllocCursor):
        proc = S.lift_alloc(proc, stmt)
        return (proc, hoist_stmt_cursors([proc.forward(stmt)], proc.forward(stmt), proc.forward(loop))) if rc else proc
    allocs = []
    while stmt.prev():
        prev = stmt.prev()
        if isinstance(prev, AllocCursor) and prev.name() in deps:
            proc = S.lift_alloc(proc, prev)
            allocs.append(prev)
        else:
            proc = S.reorder_stmts(proc, stmt.expand(1, 0))
        stmt = proc.forward(stmt)
    loop = proc.forward(loop)
    if len(loop.body()) > 1:
        proc, (_, loop) = fission_(proc, stmt.after(), rc=True)
        stmt = proc.forward(stmt)
    else:
        loop = InvalidCursor()
    proc = S.remove_loop(proc, stmt.parent())
    if not rc:
        return proc
    loop = proc.forward(loop) if loop else loop
    return proc, hoist_stmt_cursors([proc.forward(a) for a in allocs], proc.forward(stmt), loop)


@dataclass
class hoist_from_loop_cursors:
    hoisted: list
    loop: ForCursor

    def __iter__(self):
        yield self.hoisted
        yield self.loop


@library_op
def hoist_from_loop(proc, loop, rc=False):
    """``hoist_stmt`` attempted on every statement (but allocations) of ``loop``. ``rc``: the
    hoisted ``(statement, allocations)`` pairs and the loop."""
    loop = loop_of(proc, loop)
    done = []
    for s in list(loop.body()):
        try:
            s = proc.forward(s)
            if isinstance(s, AllocCursor):
                continue
            proc, cursors = hoist_stmt(proc, s, rc=True)
        except (SchedulingError, InvalidCursorError):
            continue
        done.append(cursors)
    if not rc:
        return proc
    if not done:
        return proc, hoist_from_loop_cursors([], proc.forward(loop))
    hoisted = [(proc.forward(c.stmt), tuple(proc.forward(a) for a in c.allocs)) for c in done]
    last = done[-1].loop
    return proc, hoist_from_loop_cursors(hoisted, proc.forward(last) if last else last)


@dataclass
class jam_stmt_cursors:
    loop: ForCursor
    stmt: StmtCursor

    def __iter__(self):
        yield self.loop
        yield self.stmt


@library_op
def jam_stmt(proc, stmt, unsafe_disable_check=False, rc=False):
    """Move a statement into the loop right after it, at the end of the loop's body: ``s;
    for i: B`` -> ``for i: B; s`` (``s`` then runs at every iteration: it must be
    idempotent, not use ``i``, and commute with ``B``; the loop must run at least once).
    ``rc``: the loop and the statement."""
    stmt = stmt_of(proc, stmt)
    loop = stmt.next()
    if not isinstance(loop, ForCursor):
        raise SchedulingError("the next statement must be a loop")
    proc = S.add_loop(proc, stmt, loop.name(), FormattedExprStr("_ - _", loop.hi(), loop.lo()),
                      unsafe_disable_check=unsafe_disable_check)
    stmt_loop = proc.forward(stmt).parent()
    proc = S.shift_loop(proc, stmt_loop, FormattedExprStr("_", loop.lo()))
    proc = S.simplify(proc)
    proc = S.fuse(proc, stmt_loop, loop, unsafe_disable_check=unsafe_disable_check)
    proc = repeate(reorder_stmt_forward)(proc, stmt)
    if not rc:
        return proc
    return proc, jam_stmt_cursors(proc.forward(stmt_loop), proc.forward(stmt))


@library_op
def reorder_stmt_forward(proc, stmt):
    """Swap a statement with the one after it."""
    stmt = stmt_of(proc, stmt)
    return S.reorder_stmts(proc, stmt.as_block().expand(0, 1))


@library_op
def reorder_stmt_backwards(proc, stmt):
    """Swap a statement with the one before it."""
    stmt = stmt_of(proc, stmt)
    return S.reorder_stmts(proc, stmt.as_block().expand(1, 0))


def _literal(e, value=None) -> bool:
    return isinstance(e, LiteralCursor) and (value is None or e.value() == value)


@library_op
def interleave_outer_loop_with_inner_loop(proc, outer_loop_cursor, inner_loop_cursor, interleave_factor,
                                          unroll=(True, True, True)):
    """Unroll-and-jam: divide the outer loop by ``interleave_factor`` (unless its extent is
    that already) and move the new inner loop ``ii`` inside ``inner_loop_cursor``::

        for i: B1; for j: B; B2   ->   for io: (for ii: B1); for j: (for ii: B); (for ii: B2)

    (plus a tail loop); ``unroll`` says which of the three ``ii`` loops to unroll."""
    outer = loop_of(proc, outer_loop_cursor, "outer_loop_cursor")
    inner = loop_of(proc, inner_loop_cursor, "inner_loop_cursor")
    factor = int_of(interleave_factor, "interleave_factor", minimum=1)
    if not outer.is_ancestor_of(inner):
        raise SchedulingError("the inner loop is not inside the outer loop")
    if _literal(outer.lo(), 0) and _literal(outer.hi(), factor):
        middle = outer
    else:
        name = outer.name()
        proc = S.divide_loop(proc, outer, factor, (name + "o", name + "i"), tail="cut")
        middle = proc.forward(outer).body()[0]
    stmts = list(middle.body())
    proc = S.simplify(proc)
    for s in stmts:
        if isinstance(s, AllocCursor):
            proc = parallelize_and_lift_alloc(proc, s)
    inner = proc.forward(inner)
    if inner.prev():
        proc = S.fission(proc, inner.before())
        inner = proc.forward(inner)
        if unroll[0]:
            proc = S.unroll_loop(proc, inner.parent().prev())
    inner = proc.forward(inner)
    if inner.next():
        proc = S.fission(proc, inner.after())
        inner = proc.forward(inner)
        if unroll[2]:
            proc = S.unroll_loop(proc, inner.parent().next())
    middle = proc.forward(inner).parent()
    proc = S.reorder_loops(proc, middle)
    if unroll[1]:
        proc = S.unroll_loop(proc, middle)
    return proc


@library_op
def unroll_and_jam(proc, loop, factor, unroll=(True, True, True)):
    """``interleave_outer_loop_with_inner_loop`` of ``loop`` with the one loop in its body."""
    loop = loop_of(proc, loop)
    inner = [s for s in loop.body() if isinstance(s, ForCursor)]
    if len(inner) > 1:
        raise SchedulingError("several loops in the body: which one to jam into is ambiguous")
    if not inner:
        raise SchedulingError("no loop in the body to jam into")
    return interleave_outer_loop_with_inner_loop(proc, loop, inner[0], factor, unroll=unroll)


@library_op
def unroll_and_jam_parent(proc, loop, factor, unroll=(True, True, True)):
    """``interleave_outer_loop_with_inner_loop`` of the loop around ``loop`` with ``loop``."""
    loop = loop_of(proc, loop)
    outer = loop.parent()
    if not isinstance(outer, ForCursor):
        raise SchedulingError("the parent of the loop is not a loop")
    return interleave_outer_loop_with_inner_loop(proc, outer, loop, factor, unroll=unroll)


@library_op
def tile_loops(proc, loop_tile_pairs, perfect=False):
    """Tile a loop nest: divide each ``(loop, tile)`` of the list (outermost first) by its
    tile (``perfect``, or when a literal extent is a multiple: no tail; else a cut tail) and
    move the tile loops inside all the outer ones: ``for i: for j: s`` with ``[(i, 4), (j,
    8)]`` -> ``for io: for jo: for ii in seq(0, 4): for ji in seq(0, 8): s``. Returns
    ``(proc, [tile loops])``."""
    pairs = [(loop_of(proc, lp, "loop_tile_pairs"), int_of(t, "tile", minimum=1)) for lp, t in loop_tile_pairs]
    inners = []
    for loop, tile in pairs:
        loop = proc.forward(loop)
        names = (loop.name() + "o", loop.name() + "i")
        exact = _literal(loop.lo(), 0) and _literal(loop.hi()) and loop.hi().value() % tile == 0
        if perfect or exact:
            proc = S.divide_loop(proc, loop, tile, names, perfect=True)
        else:
            proc = S.divide_loop(proc, loop, tile, names, tail="cut")
        inners.append(proc.forward(loop).body()[0])
    for i in range(len(pairs) - 2, -1, -1):
        for j in range(i + 1, len(pairs)):
            proc = interleave_outer_loop_with_inner_loop(proc, inners[i], pairs[j][0], pairs[i][1],
                                                         (False, False, False))
    return proc, [proc.forward(c) for c in inners]


def _interleave(proc, loop, factor=None, par_reduce=False, memory=DRAM, tail="cut"):
    loop = proc.forward(loop)
    if factor is not None:
        proc, (outer, loop, _) = divide_loop_(proc, loop, factor, tail=tail, rc=True)
    else:
        outer = loop.parent()
    if par_reduce:
        proc = parallelize_all_reductions(proc, outer, memory=memory, unroll=True)
        loop = proc.forward(outer).body()[0]
    for s in [s for s in proc.forward(loop).body() if isinstance(s, AllocCursor)]:
        proc = parallelize_and_lift_alloc(proc, s)
    stmts = list(proc.forward(loop).body())
    for s in stmts[:-1]:
        proc = S.fission(proc, proc.forward(s).after())
    for loop_piece in [proc.forward(s).parent() for s in stmts]:
        proc = S.unroll_loop(proc, loop_piece)
    return proc


@library_op
def interleave_loop(proc, loop, factor=None, par_reduce=False, memory=DRAM, tail="cut"):
    """Interleave ``factor`` consecutive iterations statement by statement: ``for i in seq(0,
    c): S1; S2`` -> ``S1(0) ... S1(c-1); S2(0) ... S2(c-1)`` (with ``factor``: the loop is
    divided first and its inner loop interleaved). ``par_reduce``: reductions over the loop
    get one partial sum per interleaved iteration (in ``memory``). ``tail``: "cut" or
    "cut_and_guard" (the tail loop stays), "recursive" (tails divided by halves and
    interleaved), "specialize" (the tail specialized on each trip count and interleaved)."""
    if factor == 1:
        return proc
    loop = loop_of(proc, loop)
    if tail in ("cut", "cut_and_guard"):
        return _interleave(proc, loop, factor, par_reduce, memory, tail)
    if factor is None:
        raise SchedulingError(f"tail strategy '{tail}' needs a factor")
    if tail == "recursive":
        proc, (_, inners, _) = divide_loop_recursive(proc, loop, factor, tail="cut", rc=True)
        for inner in inners:
            proc = _interleave(proc, inner, None, par_reduce, memory)
        return proc
    if tail == "specialize":
        proc = _interleave(proc, loop, factor, par_reduce, memory, "cut")
        tail_loop = proc.forward(loop).next()
        proc, (stmts,) = binary_specialize(proc, tail_loop, tail_loop.hi(), list(range(factor)), rc=True)
        for s in stmts:
            proc = _interleave(proc, s, None, par_reduce, memory)
        return proc
    raise SchedulingError(f"unknown tail strategy {tail!r}: expected 'cut', 'cut_and_guard', 'recursive' "
                          f"or 'specialize'")


@library_op
def fission_into_singles(proc, cursor):
    """Split the loop or ``if`` at ``cursor`` (and the loops and ifs inside it) so that every
    statement gets its own copy of the loop nest around it; allocations inside are first
    lifted out, with one copy per iteration of the loops they leave."""
    cursor = stmt_of(proc, cursor, "cursor")
    if not isinstance(cursor, (ForCursor, IfCursor)):
        raise SchedulingError(f"argument 'cursor': expected a loop or an if, got {type(cursor).__name__}")
    proc = parallelize_allocs(proc, cursor)

    def dfs(proc, c, n_lifts=0):
        c = proc.forward(c)
        if n_lifts and c.next():
            proc = S.fission(proc, c.after(), n_lifts)
        for child in [s for s in get_children(proc, c) if isinstance(s, StmtCursor)]:
            proc = dfs(proc, child, n_lifts + 1)
        return proc

    return dfs(proc, cursor)


__all__ = [
    "lift_if", "hoist_stmt_cursors", "hoist_stmt", "hoist_from_loop_cursors", "hoist_from_loop",
    "jam_stmt_cursors", "jam_stmt", "reorder_stmt_forward", "reorder_stmt_backwards",
    "interleave_outer_loop_with_inner_loop", "unroll_and_jam", "unroll_and_jam_parent", "tile_loops",
    "interleave_loop", "fission_into_singles",
]
