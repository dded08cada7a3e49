"""Loop rewrites: divide, divide with recompute, multiply, join, cut, shift, remove, add and
unroll loops (Exo's ``docs/primitives/loop_ops.md``).

Each rewrite takes a ``ProcDef`` and paths into it and returns ``(new ProcDef, forward)``.
Its docstring states what it checks. The checks are Exo's, made sound where Exo's were not
(``remove_loop`` guards with ``hi > lo``; ``join_loops`` needs ``lo <= mid <= hi``; a
``cut`` tail needs a loop that cannot run a negative number of times;
``divide_with_recompute`` needs the overlapping tiles to cover the loop and its iterations
to be independent when tiles overlap by more than one; bounds that a rewrite re-evaluates
at another point must not read configuration fields the loop writes).

Common helpers (substitution with constant folding, locating a loop, proving in context,
config conflicts) live in ``loops_util.py``; ``remove_loop``, ``add_loop`` and
``unroll_loop`` in ``loops_wrap.py``.
"""

from __future__ import annotations

from ..errors import InvalidCursorError, SchedulingError
from ..ir import BinOp, For, If, ProcDef, Sym
from ..ir.paths import splice
from ..ir.printer import expr_to_str
from ..ir.subst import alpha_rename
from . import build as B
from . import forward as fw
from .describe import where
from .loops_util import (
    add,
    block_of,
    literal,
    loop_at,
    prove,
    require_configs_unwritten,
    sub,
    subst_fold,
)
from .loops_wrap import add_loop, remove_loop, unroll_loop

__all__ = [
    "divide_loop", "divide_with_recompute", "mult_loops", "join_loops", "cut_loop", "shift_loop",
    "remove_loop", "add_loop", "unroll_loop",
]

TAILS = ("guard", "cut", "cut_and_guard")


def _invalid(path):
    raise InvalidCursorError("the cursor's code was rewritten")


# --------------------------------------------------------------------------- divide_loop


def divide_loop(p: ProcDef, path: tuple, quot: int, outer_name: str, inner_name: str,
                tail: str = "guard", perfect: bool = False):
    """``for i in seq(lo, hi): s`` becomes ``for io in seq(0, N): for ii in seq(0, quot):
    s[i -> quot * io + ii + lo]`` (the inner loop keeps the loop mode).

    ``tail="guard"``: ``N = ceil((hi - lo) / quot)`` and the inner body is wrapped in
    ``if quot * io + ii + lo < hi``. ``"cut"``: ``N = (hi - lo) / quot`` and a tail loop
    ``for ii in seq(0, (hi - lo) % quot)`` follows; ``"cut_and_guard"``: that tail loop
    wrapped in ``if (hi - lo) % quot > 0``. ``perfect=True``: no tail.

    Checked: ``perfect`` needs ``(hi - lo) % quot == 0`` provable; a cut tail needs
    ``hi >= lo`` provable (otherwise the tail would run iterations the loop did not); the
    bounds, re-evaluated inside or after the loop, must not read config fields the body
    writes. Exo only accepts ``lo == 0``; other lower bounds are handled exactly."""
    loop = loop_at(p, path)
    strategy = "perfect" if perfect else tail
    if strategy not in (*TAILS, "perfect"):
        raise SchedulingError(f"unknown tail strategy {tail!r}")
    if quot < 1:
        raise SchedulingError(f"cannot divide {where(loop)} by {quot}: expected a positive constant")
    src = loop.srcinfo
    lo, hi = loop.lo, loop.hi
    extent = sub(hi, lo, src)
    require_configs_unwritten(p, (lo, hi), loop.body, loop, "its bounds are re-evaluated inside the loop")
    if strategy == "perfect":
        if not _divisible(p, path, extent, quot):
            raise SchedulingError(
                f"cannot perfectly divide {where(loop)}: cannot prove that '{expr_to_str(extent)}' is "
                f"divisible by {quot}")
        outer_hi = B.floordiv(extent, quot, src)
    elif strategy == "guard":
        outer_hi = B.floordiv(add(extent, B.const(quot - 1, src), src), quot, src)
    else:
        if not prove(p, path, B.cmp(">=", hi, lo, src)):
            raise SchedulingError(
                f"cannot prove that {where(loop)} runs a non-negative number of times "
                f"('{expr_to_str(hi)} >= {expr_to_str(lo)}'): with tail='{tail}' the tail loop "
                f"would then run iterations the loop did not (use tail='guard')")
        outer_hi = B.floordiv(extent, quot, src)

    io, ii = Sym(outer_name), Sym(inner_name)
    index = add(add(B.mul(B.const(quot, src), B.var(io, srcinfo=src), src), B.var(ii, srcinfo=src), src),
                  lo, src)
    body = subst_fold(loop.body, {loop.iter: index})
    guarded = strategy == "guard"
    if guarded:
        body = (If(B.cmp("<", index, hi, src), body, (), srcinfo=src),)
    inner = For(ii, B.const(0, src), B.const(quot, src), body, loop.loop_mode, srcinfo=src)
    zero_lo = B.const(0, src) if not _is_zero(lo) else lo
    outer = loop.update(iter=io, lo=zero_lo, hi=outer_hi, body=(inner,))
    new_stmts = [outer]

    if strategy in ("cut", "cut_and_guard"):
        ti = Sym(inner_name)
        start = B.mul(B.floordiv(extent, quot, src), B.const(quot, src), src)
        tail_index = add(add(start, B.var(ti, srcinfo=src), src), lo, src)
        tail_body = alpha_rename(subst_fold(loop.body, {loop.iter: tail_index}))
        tail_hi = B.mod(extent, quot, src)
        tail_loop = For(ti, B.const(0, src), tail_hi, tail_body, loop.loop_mode, srcinfo=src)
        if strategy == "cut_and_guard":
            tail_loop = If(B.cmp(">", tail_hi, B.const(0, src), src), (tail_loop,), (), srcinfo=src)
        new_stmts.append(tail_loop)

    parent, field, k = block_of(path)
    new = splice(p, parent, field, k, k + 1, new_stmts)
    n = len(path)
    into_body = path + (("body", 0),) + ((("body", 0),) if guarded else ())
    lo_kept = zero_lo is lo

    def inner_fwd(old):
        if len(old) == n:
            return old
        step = old[n]
        if step[0] == "body":
            return into_body + old[n:]
        if step == ("lo", None) and lo_kept:
            return old
        return _invalid(old)

    return new, fw.after_splice(parent, field, k, k + 1, len(new_stmts), inner_fwd)


def _is_zero(e) -> bool:
    return literal(e) == 0


def _divisible(p, path, e, quot) -> bool:
    v = literal(e)
    if v is not None:
        return v % quot == 0
    return prove(p, path, B.cmp("==", B.mod(e, quot), B.const(0)))


# --------------------------------------------------------------------------- divide_with_recompute


def divide_with_recompute(p: ProcDef, path: tuple, outer_hi, outer_stride: int, outer_name: str,
                          inner_name: str):
    """``for i in seq(lo, hi): s`` becomes ``for io in seq(0, outer_hi): for ii in seq(0,
    outer_stride + (hi - lo - outer_hi * outer_stride)): s[i -> outer_stride * io + ii + lo]``:
    overlapping tiles, so some iterations run more than once.

    Checked: ``hi - lo - outer_hi * outer_stride >= 0`` (tiles reach the end) and, if the
    loop runs at all, ``outer_hi >= 1`` (provable in context); the body is idempotent; when
    tiles may overlap by more than one iteration (recomputed iterations then run after
    later ones), the iterations must be independent; the loop is sequential (overlapping
    parallel tiles would race); bounds re-evaluated inside must not read config fields the
    body writes."""
    from ..analysis.sched import check_idempotent, check_no_loop_carried

    loop = loop_at(p, path)
    if outer_stride < 1:
        raise SchedulingError(f"expected a positive outer_stride, got {outer_stride}")
    if loop.loop_mode != "seq":
        raise SchedulingError(
            f"{where(loop)} is a parallel loop: its overlapping tiles would run the same "
            "iterations in parallel")
    src = loop.srcinfo
    lo, hi = loop.lo, loop.hi
    extent = sub(hi, lo, src)
    require_configs_unwritten(p, (lo, hi, outer_hi), loop.body, loop,
                              "the bounds are re-evaluated inside the loop")
    stride = B.const(outer_stride, src)
    recompute = sub(extent, B.mul(outer_hi, stride, src), src)
    if not prove(p, path, B.cmp(">=", recompute, B.const(0, src), src)):
        raise SchedulingError(
            f"outer_hi * outer_stride ('{expr_to_str(B.mul(outer_hi, stride))}') may exceed the "
            f"number of iterations of {where(loop)} ('{expr_to_str(extent)}')")
    runs = B.cmp("<=", extent, B.const(0, src), src)
    covers = BinOp("or", runs, B.cmp(">=", outer_hi, B.const(1, src), src), runs.type, srcinfo=src)
    if not prove(p, path, covers):
        raise SchedulingError(
            f"cannot prove that outer_hi ('{expr_to_str(outer_hi)}') is at least 1 whenever "
            f"{where(loop)} runs: its iterations would be skipped")
    check_idempotent(p, (path, "body", 0, len(loop.body)))
    if not prove(p, path, B.cmp("<=", recompute, B.const(1, src), src)):
        check_no_loop_carried(p, path)

    io, ii = Sym(outer_name), Sym(inner_name)
    index = add(add(B.mul(stride, B.var(io, srcinfo=src), src), B.var(ii, srcinfo=src), src), lo, src)
    body = subst_fold(loop.body, {loop.iter: index})
    inner = For(ii, B.const(0, src), add(stride, recompute, src), body, "seq", srcinfo=src)
    zero_lo = B.const(0, src) if not _is_zero(lo) else lo
    outer = loop.update(iter=io, lo=zero_lo, hi=outer_hi, body=(inner,))
    parent, field, k = block_of(path)
    new = splice(p, parent, field, k, k + 1, (outer,))
    n = len(path)
    lo_kept = zero_lo is lo

    def inner_fwd(old):
        if len(old) == n:
            return old
        step = old[n]
        if step[0] == "body":
            return path + (("body", 0),) + old[n:]
        if step == ("lo", None) and lo_kept:
            return old
        return _invalid(old)

    return new, fw.after_replace(path, inner_fwd)


# --------------------------------------------------------------------------- mult_loops


def mult_loops(p: ProcDef, path: tuple, new_name: str):
    """``for i in seq(lo, hi): for j in seq(a, b): s`` (``a``, ``b`` literals, ``c = b - a``)
    becomes ``for k in seq(c * lo, c * hi): s[i -> k / c, j -> k % c + a]``.

    Checked: the inner loop is the only statement of the outer body and has literal bounds
    with ``c >= 1`` (Exo also asks ``lo == 0``; any outer ``lo`` is handled). The result
    is parallel only if both loops were."""
    outer = loop_at(p, path)
    if len(outer.body) != 1 or not isinstance(outer.body[0], For):
        raise SchedulingError(f"expected a loop directly inside of {where(outer)} (and nothing else)")
    inner = outer.body[0]
    a, b = literal(inner.lo), literal(inner.hi)
    if a is None or b is None:
        raise SchedulingError(f"expected the inner loop {where(inner)} to have constant bounds")
    c = b - a
    if c < 1:
        raise SchedulingError(f"the inner loop {where(inner)} runs no iterations")
    src = outer.srcinfo
    k = Sym(new_name)
    kv = B.var(k, srcinfo=src)
    env = {outer.iter: B.floordiv(kv, c, src), inner.iter: add(B.mod(kv, c, src), B.const(a, src), src)}
    body = subst_fold(inner.body, env)
    mode = outer.loop_mode if outer.loop_mode == inner.loop_mode else "seq"
    cc = B.const(c, src)
    new_loop = outer.update(iter=k, lo=B.mul(outer.lo, cc, src), hi=B.mul(outer.hi, cc, src), body=body,
                            loop_mode=mode)
    parent, field, idx = block_of(path)
    new = splice(p, parent, field, idx, idx + 1, (new_loop,))
    n = len(path)

    def inner_fwd(old):
        if len(old) == n:
            return old
        if old[n] == ("body", 0) and len(old) > n + 1 and old[n + 1][0] == "body":
            return path + old[n + 1:]
        return _invalid(old)

    return new, fw.after_replace(path, inner_fwd)


# --------------------------------------------------------------------------- join_loops


def join_loops(p: ProcDef, path1: tuple, path2: tuple):
    """``for i in seq(lo, mid): s`` followed by ``for j in seq(mid', hi): s[i -> j]`` becomes
    ``for i in seq(lo, hi): s``.

    Checked: the second loop directly follows the first; ``mid == mid'`` and
    ``lo <= mid <= hi`` are provable (Exo checked only the first: with an empty first or
    second loop the joined range differs); the bodies are equal up to the iterator; the
    second loop's bounds do not read config fields the first loop writes. The result is
    parallel only if both loops were."""
    from ..ir.subst import free_syms
    from ..ir.visit import _AlphaEq

    loop1, loop2 = loop_at(p, path1), loop_at(p, path2)
    parent, field, k = block_of(path1)
    if block_of(path2) != (parent, field, k + 1):
        raise SchedulingError(f"expected the second loop {where(loop2)} to be directly after the first {where(loop1)}")
    require_configs_unwritten(p, (loop2.lo, loop2.hi), (loop1,), loop1,
                              "the joined loop evaluates them before the first loop runs")
    if not prove(p, path1, B.cmp("==", loop1.hi, loop2.lo)):
        raise SchedulingError(
            f"expected the first loop's upper bound '{expr_to_str(loop1.hi)}' to be the same as the second "
            f"loop's lower bound '{expr_to_str(loop2.lo)}'")
    for a, b, what in ((loop1.lo, loop1.hi, "first"), (loop2.lo, loop2.hi, "second")):
        if not prove(p, path1, B.cmp("<=", a, b)):
            raise SchedulingError(
                f"cannot prove that the {what} loop runs a non-negative number of times "
                f"('{expr_to_str(a)} <= {expr_to_str(b)}'): the joined loop would run other iterations")
    eq = _AlphaEq()
    eq.map = {s: s for s in free_syms(loop1.body) | free_syms(loop2.body)}
    eq.map.pop(loop1.iter, None)
    eq.map.pop(loop2.iter, None)
    eq.map[loop1.iter] = loop2.iter
    if not eq.eq(loop1.body, loop2.body):
        raise SchedulingError(f"expected the two loops {where(loop1)} and {where(loop2)} to have identical bodies")
    mode = loop1.loop_mode if loop1.loop_mode == loop2.loop_mode else "seq"
    joined = loop1.update(hi=loop2.hi, loop_mode=mode)
    new = splice(p, parent, field, k, k + 2, (joined,))
    n = len(path1)

    def inner_fwd(old):
        if old[n - 1][1] == k:
            if len(old) > n and old[n] == ("hi", None):
                return _invalid(old)
            return old
        if len(old) == n or old[n][0] == "body" or old[n] == ("hi", None):
            return path1 + old[n:]
        return _invalid(old)

    return new, fw.after_splice(parent, field, k, k + 2, 1, inner_fwd)


# --------------------------------------------------------------------------- cut_loop


def cut_loop(p: ProcDef, path: tuple, cut):
    """``for i in seq(lo, hi): s`` becomes ``for i in seq(lo, cut): s`` followed by a
    renamed copy ``for i in seq(cut, hi): s``.

    Checked: ``lo <= cut <= hi`` provable in context; ``cut`` and ``hi`` (now evaluated
    after the first part runs) do not read config fields the body writes."""
    loop = loop_at(p, path)
    src = loop.srcinfo
    if not prove(p, path, B.cmp("<=", loop.lo, cut, src)):
        raise SchedulingError(
            f"expected lo <= cut_point: cannot prove '{expr_to_str(loop.lo)} <= {expr_to_str(cut)}' "
            f"for {where(loop)}")
    if not prove(p, path, B.cmp("<=", cut, loop.hi, src)):
        raise SchedulingError(
            f"expected cut_point <= hi: cannot prove '{expr_to_str(cut)} <= {expr_to_str(loop.hi)}' "
            f"for {where(loop)}")
    require_configs_unwritten(p, (cut, loop.hi), loop.body, loop,
                              "they are evaluated again after the first part of the loop")
    first = loop.update(hi=cut)
    second = alpha_rename((loop.update(lo=cut),))[0]
    parent, field, k = block_of(path)
    new = splice(p, parent, field, k, k + 1, (first, second))
    n = len(path)

    def inner_fwd(old):
        if len(old) > n and old[n] == ("hi", None):
            return _invalid(old)
        return old

    return new, fw.after_splice(parent, field, k, k + 1, 2, inner_fwd)


# --------------------------------------------------------------------------- shift_loop


def shift_loop(p: ProcDef, path: tuple, new_lo):
    """``for i in seq(lo, hi): s`` becomes ``for i in seq(new_lo, hi - lo + new_lo):
    s[i -> i + (lo - new_lo)]``.

    Checked: ``new_lo >= 0`` provable in context (as Exo); ``lo`` and ``new_lo``, now
    evaluated inside the body, do not read config fields the body writes."""
    loop = loop_at(p, path)
    src = loop.srcinfo
    if not prove(p, path, B.cmp(">=", new_lo, B.const(0, src), src)):
        raise SchedulingError(f"expected 0 <= new_lo: cannot prove '{expr_to_str(new_lo)} >= 0'")
    require_configs_unwritten(p, (loop.lo, new_lo), loop.body, loop, "they are evaluated inside the loop")
    new_hi = add(sub(loop.hi, loop.lo, src), new_lo, src)
    shifted = sub(add(B.var(loop.iter, srcinfo=src), loop.lo, src), new_lo, src)
    body = subst_fold(loop.body, {loop.iter: shifted})
    new_loop = loop.update(lo=new_lo, hi=new_hi, body=body)
    parent, field, k = block_of(path)
    new = splice(p, parent, field, k, k + 1, (new_loop,))
    n = len(path)

    def inner_fwd(old):
        if old[n][0] == "body":
            return old
        return _invalid(old)

    return new, fw.after_replace(path, inner_fwd)
