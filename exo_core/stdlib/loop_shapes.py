"""Library operations that reshape single loops (Exo's ``exo.stdlib.stdlib``):
``divide_loop_recursive``, ``binary_specialize``, ``round_loop``, ``cut_loop_and_unroll``,
``bound_loop_by_if``, ``undo_divide_and_guard_loop``, ``unroll_loops``, ``dce``,
``cleanup``."""

from __future__ import annotations

from dataclasses import dataclass

from .. import scheduling as S
from ..cursors import ExprCursor, ForCursor, IfCursor, LiteralCursor, PassCursor, ReadCursor
from ..errors import InvalidCursorError, SchedulingError
from ..fragments import FormattedExprStr
from ._op import int_of, library_op, loop_of, stmt_of
from .higher_order import attempt
from .inspection import _WHOLE, expr_to_string, lrn_stmts, nlr, nlr_stmts
from .rc_wrappers import cut_loop_, divide_loop_, specialize_


@dataclass
class divide_loop_recursive_cursors:
    outer_loops: list
    inner_loops: list
    tail_loop: ForCursor

    def __iter__(self):
        yield self.outer_loops
        yield self.inner_loops
        yield self.tail_loop


@library_op
def divide_loop_recursive(proc, loop, factor, tail="cut", rc=False):
    """Divide ``loop`` by ``factor``, then its tail loop by ``factor // 2``, and so on down to
    2: a main loop of ``factor``-wide steps, then at most one step of each smaller power.
    ``tail`` is "cut" or "cut_and_guard". ``rc``: the outer loops, the inner loops and the
    last tail loop."""
    if tail not in ("cut", "cut_and_guard"):
        raise SchedulingError(f"tail strategy must be 'cut' or 'cut_and_guard', got {tail!r}")
    factor = int_of(factor, "factor", minimum=1)
    tail_loop = loop_of(proc, loop)
    outers, inners = [], []
    while factor > 1:
        proc, (outer, inner, t) = divide_loop_(proc, tail_loop, factor, tail=tail, rc=True)
        outers.append(outer)
        inners.append(inner)
        tail_loop = t.body()[0] if tail == "cut_and_guard" else t
        factor //= 2
    if not rc:
        return proc
    outers = [proc.forward(c) for c in outers]
    inners = [proc.forward(c) for c in inners]
    return proc, divide_loop_recursive_cursors(outers, inners, proc.forward(tail_loop))


@dataclass
class binary_specialize_cursors:
    stmts: list

    def __iter__(self):
        yield self.stmts


@library_op
def binary_specialize(proc, stmt, expr, values, rc=False):
    """Specialize ``stmt`` on the value of ``expr`` (a string or an expression cursor) being
    each of ``values``, by a binary search of ``if expr < v`` tests, and check that the
    values cover every case (each leaf's ``expr == v`` must be provable). ``rc``: the
    specialized copies of ``stmt``."""
    stmt = stmt_of(proc, stmt)
    if isinstance(expr, ExprCursor):
        expr = expr_to_string(proc.forward(expr))
    if not isinstance(expr, str):
        raise SchedulingError(f"argument 'expr': expected a string or an expression cursor, got {expr!r}")
    values = sorted(int_of(v, "values") for v in values)
    if len(values) < 2:
        raise SchedulingError("cannot specialize on fewer than two values")
    leaves = []

    def rewrite(proc, stmt, values):
        if len(values) == 1:
            proc, (if_stmt,) = specialize_(proc, stmt, f"{expr} == {values[0]}", rc=True)
            leaves.extend([if_stmt.body()[0], if_stmt.orelse()[0]])
            proc = _substitute_value(proc, if_stmt, values[0])
            proc = S.simplify(proc)
            try:
                if_stmt = proc.forward(if_stmt)
            except InvalidCursorError:
                return proc  # simplify already decided the test
            return S.eliminate_dead_code(proc, if_stmt) if isinstance(if_stmt, IfCursor) else proc
        md = len(values) // 2
        proc, (if_stmt,) = specialize_(proc, stmt, f"{expr} < {values[md]}", rc=True)
        proc = rewrite(proc, if_stmt.body()[0], values[:md])
        return rewrite(proc, if_stmt.orelse()[0], values[md:])

    proc = rewrite(proc, stmt, values)
    if not rc:
        return proc
    kept = []
    for s in leaves:
        try:
            s = proc.forward(s)
        except InvalidCursorError:
            continue
        if not isinstance(s, PassCursor):
            kept.append(s)
    return proc, binary_specialize_cursors(kept)


def _text(c):
    try:
        return expr_to_string(c)
    except SchedulingError:
        return None


def _substitute_value(proc, if_stmt, value):
    """In the branch of ``if e == value:``, rewrite the occurrences of ``e`` to ``value``
    (``rewrite_expr`` proves each under the condition) so ``simplify`` sees literals."""
    key = _text(if_stmt.cond().lhs())
    found = [c for c in nlr(proc, if_stmt.body()) if isinstance(c, ExprCursor) and _text(c) == key]
    for c in found:
        try:
            c = proc.forward(c)
        except InvalidCursorError:
            continue
        proc = attempt(S.rewrite_expr, errs=(SchedulingError,))(proc, c, str(value))
    return proc


@library_op
def round_loop(proc, loop, factor, up=True):
    """Round the trip count of ``loop`` to a multiple of ``factor``: up (with a guard ``if
    i < n`` inside) or down (with a tail loop after)."""
    tail = "guard" if up else "cut"
    proc, (outer, _, _) = divide_loop_(proc, loop, factor, tail=tail, rc=True)
    return S.mult_loops(proc, outer, outer.name()[:-1])


@dataclass
class cut_loop_and_unroll_cursors:
    loop: ForCursor

    def __iter__(self):
        yield self.loop


@library_op
def cut_loop_and_unroll(proc, loop, const, front=True, rc=False):
    """Peel ``const`` iterations off the front (or the back) of ``loop`` and unroll them; the
    remaining loop is shifted to start at 0. (Exo's version ignores ``const`` and always
    peels one iteration; ``const=1`` is that.) ``rc``: the remaining loop."""
    loop = loop_of(proc, loop)
    const = int_of(const, "const", minimum=1)
    if front:
        cut = FormattedExprStr(f"_ + {const}", loop.lo())
    else:
        cut = FormattedExprStr(f"_ - {const}", loop.hi())
    proc, (loop1, loop2) = cut_loop_(proc, loop, cut, rc=True)
    peeled, rest = (loop1, loop2) if front else (loop2, loop1)
    proc = S.shift_loop(proc, peeled, 0)
    proc = S.simplify(proc)
    proc = S.unroll_loop(proc, peeled)
    proc = S.shift_loop(proc, rest, 0)
    if not rc:
        return proc
    return proc, cut_loop_and_unroll_cursors(proc.forward(rest))


@library_op
def bound_loop_by_if(proc, loop):
    """``for i in seq(lo, hi): if i < e: s`` -> ``for i in seq(lo, lo + e): s``: the
    iterations past ``e``, which do nothing, are cut off into a second loop, which is
    removed (or left as ``for i in seq(lo + e, hi): pass`` when removing it would also
    delete other ``pass`` statements)."""
    loop = loop_of(proc, loop)
    err = "expected a loop of the form 'for i in seq(lo, hi): if i < e: ...' (no else)"
    body = loop.body()
    if len(body) != 1 or not isinstance(body[0], IfCursor) or body[0].orelse():
        raise SchedulingError(err)
    cond = body[0].cond()
    if (getattr(cond, "op", lambda: None)() != "<" or not isinstance(cond.lhs(), ReadCursor)
            or cond.lhs().name() != loop.name()):
        raise SchedulingError(err)
    proc, (loop1, loop2) = cut_loop_(proc, loop, FormattedExprStr("_ + _", loop.lo(), cond.rhs()), rc=True)
    proc = S.eliminate_dead_code(proc, loop1.body()[0])
    proc, removed = attempt(S.eliminate_dead_code)(proc, loop2, rs=True)
    if removed:
        return proc
    proc = S.eliminate_dead_code(proc, proc.forward(loop2).body()[0])
    # The second loop now does nothing (``pass``): drop it when that touches no other code.
    passes = [s for s in nlr_stmts(proc) if isinstance(s, PassCursor)]
    if [p.parent() for p in passes] == [proc.forward(loop2)]:
        proc = S.delete_pass(proc)
    return proc


@library_op
def undo_divide_and_guard_loop(proc, loop):
    """Undo ``divide_loop(..., tail="guard")`` on the outer loop ``loop``: merge the two loops
    and drop the guard by bounding the loop."""
    loop = loop_of(proc, loop)
    proc = S.mult_loops(proc, loop, loop.name()[:-1])
    proc = S.simplify(proc)
    return bound_loop_by_if(proc, loop)


@library_op
def unroll_loops(proc, block=_WHOLE, threshold=None):
    """Unroll every loop with literal bounds in ``block`` (the whole procedure by default),
    innermost first; with ``threshold``, only loops of at most that many iterations."""
    for s in list(lrn_stmts(proc, block)):
        try:
            s = proc.forward(s)
        except InvalidCursorError:
            continue
        if not (isinstance(s, ForCursor) and isinstance(s.lo(), LiteralCursor)
                and isinstance(s.hi(), LiteralCursor)):
            continue
        if threshold is None or s.hi().value() - s.lo().value() <= threshold:
            proc = S.unroll_loop(proc, s)
    return proc


@library_op
def dce(proc, block=_WHOLE):
    """``eliminate_dead_code`` attempted on every ``if`` and every loop without literal bounds
    in ``block`` (the whole procedure by default)."""
    for s in list(nlr_stmts(proc, block)):
        try:
            s = proc.forward(s)
        except InvalidCursorError:
            continue
        if isinstance(s, IfCursor) or (isinstance(s, ForCursor) and not (
                isinstance(s.lo(), LiteralCursor) and isinstance(s.hi(), LiteralCursor))):
            proc = attempt(S.eliminate_dead_code)(proc, s)
    return proc


@library_op
def cleanup(proc):
    """``simplify``, unroll loops of at most one iteration, remove dead code and ``pass``."""
    proc = S.simplify(proc)
    proc = unroll_loops(proc, threshold=1)
    proc = dce(proc)
    if any(isinstance(s, PassCursor) for s in nlr_stmts(proc)):
        proc = S.delete_pass(proc)
    return proc


__all__ = [
    "divide_loop_recursive_cursors", "divide_loop_recursive", "binary_specialize_cursors",
    "binary_specialize", "round_loop", "cut_loop_and_unroll_cursors", "cut_loop_and_unroll",
    "bound_loop_by_if", "undo_divide_and_guard_loop", "unroll_loops", "dce", "cleanup",
]
