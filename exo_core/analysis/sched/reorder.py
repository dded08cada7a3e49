"""Checks of transformations that change the order of execution.

* ``check_commute``: two adjacent blocks can be swapped.
* ``check_reorder_loops``: loop interchange (no triangular bounds, Exo bug #314).
* ``check_fission``: splitting a loop or an ``if`` (the ``if`` case checks the condition,
  which Exo did not).
* ``check_fuse_loops``: merging two adjacent loops (both bounds compared, Exo compared
  only ``hi``).
* ``check_no_loop_carried``: iterations are independent.
* ``check_parallel``: that, and the body has no static buffer (a ``par`` loop's C runs its
  iterations in threads).
* ``check_sink_alloc``: no iteration reads a value of the buffer an earlier one wrote.

Two executions are compared by renaming the atoms local to one of them (``rename``) and
asking the solver to prove that each conflicting pair of accesses touches different
locations (``deps.find_conflict``).
"""

from __future__ import annotations

from ...ir.nodes import Alloc, For, If, WindowStmt
from .. import logic as L
from ..affine import Affine
from ..effects import config_reads_of, config_writes, shared_buffer_in
from . import CheckFailed
from .collect import collect, free_syms, rename, renamed
from .deps import access_text, find_conflict, iteration_pair, races, verb, when
from .paths import as_procdef, block_stmts, loop_at, node_at, prove_equal, stmt_at


def _block(b):
    parent, field, lo, hi = b
    return tuple(parent), field, lo, hi


def _in(eff, acc, lo, hi) -> bool:
    k = eff.block[0]
    return lo <= acc.path[len(k)][1] < hi


def _check_binders(first_stmts, second_stmts, what: str) -> None:
    bound = {}
    for s in first_stmts:
        if type(s) in (Alloc, WindowStmt):
            bound[s.name] = s
    if not bound:
        return
    used = free_syms(second_stmts)
    for sym, s in bound.items():
        if sym in used:
            kind = "allocated" if type(s) is Alloc else "bound as a window"
            raise CheckFailed(f"{sym.name} is {kind} {what}", s.srcinfo)


def _cfg_names(keys) -> str:
    return ", ".join(sorted(f"{c.name()}.{f}" for c, f in keys))


# --------------------------------------------------------------------------- commute


def check_commute(proc, block_a, block_b) -> None:
    """Adjacent blocks ``block_a`` and ``block_b`` (either order) can be swapped."""
    proc = as_procdef(proc)
    a, b = _block(block_a), _block(block_b)
    if a[:2] != b[:2]:
        raise CheckFailed("the two blocks are not in the same statement list")
    if a[3] == b[2]:
        first, second = a, b
    elif b[3] == a[2]:
        first, second = b, a
    else:
        raise CheckFailed("the two blocks are not adjacent")
    s1, s2 = block_stmts(proc, first), block_stmts(proc, second)
    if not s1 or not s2:
        return
    _check_binders(s1, s2, "in the first block and used in the second: cannot swap them")
    eff = collect(proc, (first[0], first[1], first[2], second[3]))
    acc1 = eff.shared([x for x in eff.accesses if _in(eff, x, first[2], first[3])])
    mapping = rename(eff.locals(eff.tag_marks[second[2]]))
    acc2 = [renamed(x, mapping) for x in eff.shared() if _in(eff, x, second[2], second[3])]
    hit = find_conflict(acc1, acc2)
    if hit is not None:
        x, y, model = hit
        raise CheckFailed(
            f"{access_text(x)} {verb(x.kind)} a location that {access_text(y)} "
            f"{verb(y.kind)}{when(model, second=(y, mapping, 'the second block'))}: "
            "the statements do not commute", y.src)


# --------------------------------------------------------------------------- loops


def _bounds_unchanged(loops, writers, what: str) -> None:
    reads = set()
    for s in loops:
        reads |= config_reads_of(s.lo) | config_reads_of(s.hi)
    clash = reads & config_writes(writers)
    if clash:
        raise CheckFailed(f"{what} writes {_cfg_names(clash)}, which the loop bounds read")


def _loop_block(path):
    field, k = path[-1]
    return (path[:-1], field, k, k + 1)


def _body_accesses(eff, loop_path):
    n = len(loop_path)
    return eff.shared([a for a in eff.accesses if len(a.path) > n and a.path[:n] == loop_path])


def check_reorder_loops(proc, outer_loop_path) -> None:
    """``for i: for j: body`` can become ``for j: for i: body``."""
    proc = as_procdef(proc)
    path = tuple(outer_loop_path)
    outer = loop_at(proc, path)
    if len(outer.body) != 1 or type(outer.body[0]) is not For:
        raise CheckFailed(f"the body of the loop over {outer.iter.name} is not exactly one loop",
                          outer.srcinfo)
    inner = outer.body[0]
    i, j = outer.iter, inner.iter
    if i in free_syms((inner.lo, inner.hi)):
        raise CheckFailed(
            f"the bounds of the loop over {j.name} depend on {i.name} (a triangular nest): "
            f"cannot reorder the loops over {i.name} and {j.name}", inner.srcinfo)
    _bounds_unchanged((outer, inner), inner.body, f"the body of the loop over {j.name}")
    eff = collect(proc, _loop_block(path))
    inner_path = path + (("body", 0),)
    body = _body_accesses(eff, inner_path)
    mapping = rename(eff.locals(eff.loops[path].mark))
    order = frozenset((L.ge(mapping[i] - Affine.of(i) - 1), L.ge(Affine.of(j) - mapping[j] - 1)))
    hit = find_conflict(body, [renamed(x, mapping) for x in body], order)
    if hit is not None:
        x, y, model = hit
        its = iteration_pair(model, (i, j), mapping)
        w1, w2 = (f"iteration {its[0]}", f"iteration {its[1]}") if its else (
            f"iteration ({i.name}, {j.name})", f"a later iteration over {i.name} with a smaller {j.name}")
        raise CheckFailed(
            f"{w1} {verb(x.kind)} {access_text(x)} and {w2} {verb(y.kind)} {access_text(y)}, "
            f"the same location: cannot reorder the loops over {i.name} and {j.name}", x.src)


def check_fission(proc, parent_path, k: int, field: str = "body") -> None:
    """The loop or ``if`` at ``parent_path`` can be split after statement ``k`` of its
    ``field`` (``body``, or ``orelse`` of an ``if``)."""
    proc = as_procdef(proc)
    path = tuple(parent_path)
    s = stmt_at(proc, path)
    if type(s) not in (For, If):
        raise CheckFailed("fission needs a loop or an if around the split point", s.srcinfo)
    stmts = getattr(s, field)
    if not 0 <= k < len(stmts) - 1:
        raise CheckFailed("the split point is at the edge of the block: nothing to split", s.srcinfo)
    first, second = stmts[:k + 1], stmts[k + 1:]
    _check_binders(first, second, "before the split point and used after it")
    if type(s) is If:
        other = s.orelse if field == "body" else s.body
        clash = config_reads_of(s.cond) & config_writes(first + other)
        if clash:
            raise CheckFailed(
                f"the statements before the split point write {_cfg_names(clash)}, which the "
                f"condition of the if reads: the second if would test a different value", s.srcinfo)
        return
    it = s.iter
    _bounds_unchanged((s,), s.body, f"the body of the loop over {it.name}")
    eff = collect(proc, _loop_block(path))
    body = _body_accesses(eff, path)
    n = len(path)
    acc1 = [a for a in body if a.path[n][1] <= k]
    acc2 = [a for a in body if a.path[n][1] > k]
    mapping = rename(eff.locals(eff.loops[path].mark))
    order = frozenset((L.ge(mapping[it] - Affine.of(it) - 1),))
    hit = find_conflict(acc2, [renamed(x, mapping) for x in acc1], order)
    if hit is not None and _invariant_first_part(proc, path, it, first, k, acc1, acc2, mapping):
        return
    if hit is not None:
        x, y, model = hit
        its = iteration_pair(model, (it,), mapping)
        w1, w2 = (f"iteration {its[0]}", f"iteration {its[1]}") if its else (
            f"iteration {it.name}", "a later iteration")
        raise CheckFailed(
            f"{w2} {verb(y.kind)} {access_text(y)} before the split point and {w1} "
            f"{verb(x.kind)} {access_text(x)} after it, the same location: splitting the loop "
            f"over {it.name} would reorder them", x.src)


def _invariant_first_part(proc, path, it, first, k, acc1, acc2, mapping) -> bool:
    """Exo's rule for a loop-invariant first part: if it does not use the iterator, is
    idempotent, and the second part writes nothing it reads or writes (in any iteration),
    every iteration's first part computes the same values, so running them all first
    leaves what each second part sees unchanged."""
    from .props import check_idempotent

    if it in free_syms(first):
        return False
    try:
        check_idempotent(proc, (path, "body", 0, k + 1))
    except CheckFailed:
        return False
    writes2 = [a for a in acc2 if a.kind != "read"]
    return find_conflict(writes2, [renamed(x, mapping) for x in acc1]) is None


def check_fuse_loops(proc, loop1_path, loop2_path) -> None:
    """Adjacent loops ``for i in seq(lo, hi): S1`` and ``for j in seq(lo, hi): S2`` can be
    fused into ``for i: S1; S2[j -> i]``: same bounds (both compared) and for ``j < i``,
    ``S1(i)`` commutes with ``S2(j)``."""
    proc = as_procdef(proc)
    p1, p2 = tuple(loop1_path), tuple(loop2_path)
    l1, l2 = loop_at(proc, p1), loop_at(proc, p2)
    if p1[:-1] != p2[:-1] or p1[-1][0] != p2[-1][0] or p1[-1][1] + 1 != p2[-1][1]:
        raise CheckFailed("the two loops are not adjacent", l2.srcinfo)
    _bounds_unchanged((l1, l2), l1.body + l2.body, "the body of one of the loops")
    for e1, e2, which in ((l1.lo, l2.lo, "lower"), (l1.hi, l2.hi, "upper")):
        if not prove_equal(proc, p2, e1, e2):
            raise CheckFailed(f"the {which} bounds of the loops over {l1.iter.name} and "
                              f"{l2.iter.name} may differ: cannot fuse them", l2.srcinfo)
    field, k = p1[-1]
    eff = collect(proc, (p1[:-1], field, k, k + 2))
    acc1, acc2 = _body_accesses(eff, p1), _body_accesses(eff, p2)
    mapping = rename(eff.locals(eff.tag_marks[k + 1]))
    i, j = l1.iter, l2.iter
    order = frozenset((L.ge(Affine.of(i) - mapping[j] - 1),))
    hit = find_conflict(acc1, [renamed(x, mapping) for x in acc2], order)
    if hit is not None:
        x, y, model = hit
        vi = model.get(i) if model else None
        vj = mapping[j].eval(model) if model else None
        w1 = f"iteration {i.name} = {vi}" if vi is not None else f"iteration {i.name}"
        w2 = f"iteration {j.name} = {vj}" if vj is not None else f"an earlier iteration {j.name}"
        raise CheckFailed(
            f"{w1} of the first loop {verb(x.kind)} {access_text(x)} and {w2} of the second "
            f"loop {verb(y.kind)} {access_text(y)}, the same location: cannot fuse", y.src)


def check_no_loop_carried(proc, loop_path) -> None:
    """Different iterations of the loop touch no common location unless both only read
    (reductions count: ``+=`` is not atomic). Allocations in the body are private."""
    proc = as_procdef(proc)
    path = tuple(loop_path)
    s = loop_at(proc, path)
    it = s.iter
    _bounds_unchanged((s,), s.body, f"the body of the loop over {it.name}")
    eff = collect(proc, _loop_block(path))
    body = _body_accesses(eff, path)
    mapping = rename(eff.locals(eff.loops[path].mark))
    order = frozenset((L.ge(mapping[it] - Affine.of(it) - 1),))
    hit = find_conflict(body, [renamed(x, mapping) for x in body], order, races)
    if hit is not None:
        x, y, model = hit
        its = iteration_pair(model, (it,), mapping)
        w1, w2 = (f"iteration {its[0]}", f"iteration {its[1]}") if its else (
            f"iteration {it.name}", "another iteration")
        raise CheckFailed(
            f"{w1} {verb(x.kind)} {access_text(x)} and {w2} {verb(y.kind)} {access_text(y)}, "
            f"the same location: the iterations of the loop over {it.name} are not independent",
            x.src)


def check_parallel(proc, loop_path) -> None:
    """The loop's iterations may run in parallel threads: ``check_no_loop_carried``, and the
    body allocates no buffer of a memory shared across calls, itself or in a callee (a
    ``static`` array is one for every thread, where each iteration has its own)."""
    proc = as_procdef(proc)
    s = loop_at(proc, tuple(loop_path))
    shared = shared_buffer_in(s.body)
    if shared is not None:
        raise CheckFailed(f"the body of the loop over {s.iter.name} uses {shared}: one buffer for every "
                          "thread, so parallel iterations would share it", s.srcinfo)
    check_no_loop_carried(proc, loop_path)


def check_sink_alloc(proc, alloc_path) -> None:
    """The allocation can move into the loop or ``if`` right after it: the buffer is not
    used after that statement, and (loop) no iteration reads a value that an earlier
    iteration wrote to it (each iteration would get fresh storage): every read of the
    buffer that may see an earlier iteration's write is covered by an assignment earlier
    in its own iteration."""
    proc = as_procdef(proc)
    path = tuple(alloc_path)
    a = stmt_at(proc, path)
    if type(a) is not Alloc:
        raise CheckFailed(f"the statement at {path} is not an allocation")
    field, k = path[-1]
    stmts = getattr(node_at(proc, path[:-1]), field)
    if k + 1 >= len(stmts) or type(stmts[k + 1]) not in (For, If):
        raise CheckFailed(f"{a.name.name} is not followed by a loop or an if", a.srcinfo)
    if a.name in free_syms(stmts[k + 2:]):
        raise CheckFailed(f"{a.name.name} is used after the statement it would sink into", a.srcinfo)
    nxt = stmts[k + 1]
    if type(nxt) is If:
        return
    lpath = path[:-1] + ((field, k + 1),)
    eff = collect(proc, _loop_block(lpath))
    body = [x for x in _body_accesses(eff, lpath) if x.root is a.name]
    mapping = rename(eff.locals(eff.loops[lpath].mark))
    it = nxt.iter
    order = frozenset((L.ge(mapping[it] - Affine.of(it) - 1),))
    from .props import covered

    # a read covered by an assignment earlier in its own iteration sees that iteration's value
    reads = [x for x in body if x.kind != "write" and not covered(proc, eff, x)]
    hit = find_conflict([x for x in body if x.kind != "read"],
                        [renamed(x, mapping) for x in reads], order, lambda p, q: True)
    if hit is not None:
        x, y, model = hit
        its = iteration_pair(model, (it,), mapping)
        w1, w2 = (f"iteration {its[0]}", f"iteration {its[1]}") if its else (
            f"iteration {it.name}", "a later iteration")
        raise CheckFailed(
            f"{w2} reads {access_text(y)}, which {w1} wrote ({access_text(x)}): "
            f"{a.name.name} carries values between iterations of the loop over {it.name}", y.src)
