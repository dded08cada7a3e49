"""Loop and scope rewrites: interchange, lifting a scope, fission, fusion, specialization,
parallel loops.

Every rewrite takes a ``ProcDef`` and paths into it and returns ``(new ProcDef, forward)``.
Code moved by a rewrite keeps following its cursors: a loop's cursor points to the same loop
after an interchange or a lift, statements of a split or fused body point to where they went.
The conditions are decided by ``exo_core.analysis.sched`` (which raises ``CheckFailed``);
malformed requests raise ``SchedulingError``.
"""

from __future__ import annotations

from ..analysis.effects import config_reads_of, config_writes
from ..errors import InvalidCursorError, SchedulingError
from ..ir import (
    BOOL,
    Alloc,
    Assign,
    BinOp,
    Call,
    Const,
    ControlType,
    For,
    If,
    Pass,
    ProcDef,
    Read,
    ReadConfig,
    Reduce,
    WindowExpr,
    WindowStmt,
)
from ..ir.paths import node_at, splice, stmts_at
from ..ir.subst import alpha_rename, free_syms, substitute
from ..ir.visit import walk
from . import forward as fw
from .describe import where

_GONE = object()


# --------------------------------------------------------------------------- helpers


def _sched():
    from ..analysis import sched

    return sched


def _moves(table: dict):
    """Forwarding inside a rewritten region: the longest old path prefix found in ``table``
    decides; its value is the new prefix, or None when that code no longer exists."""

    def forward(path):
        for k in range(len(path), 0, -1):
            new = table.get(path[:k], _GONE)
            if new is not _GONE:
                if new is None:
                    raise InvalidCursorError("the cursor's code was removed by the rewrite")
                return new + path[k:]
        raise InvalidCursorError("the cursor's code was rewritten")

    return forward


def _replace_stmt(p: ProcDef, path: tuple, new_stmts, table: dict):
    """Replace the statement at ``path`` by ``new_stmts``; code inside it moves by ``table``."""
    field, k = path[-1]
    new = splice(p, path[:-1], field, k, k + 1, tuple(new_stmts))
    return new, fw.after_splice(path[:-1], field, k, k + 1, len(new_stmts), _moves(table))


def _stmt(p: ProcDef, path: tuple, what: str):
    try:
        return node_at(p, path)
    except LookupError:
        raise SchedulingError(f"{what}: no statement at {path}") from None


def _loop(p: ProcDef, path: tuple, what: str) -> For:
    s = _stmt(p, path, what)
    if not isinstance(s, For):
        raise SchedulingError(f"{what}: expected a loop, got {where(s)}")
    return s


def _cfg_names(keys) -> str:
    return ", ".join(sorted(f"{c.name()}.{f}" for c, f in keys))


def _written_syms(stmts) -> set:
    """Buffers that ``stmts`` may write (assignments, reductions, anything passed to a call)."""
    out = set()
    for n in walk(tuple(stmts)):
        if isinstance(n, (Assign, Reduce)):
            out.add(n.name)
        elif isinstance(n, Call):
            for a in n.args:
                if isinstance(a, WindowExpr) or (isinstance(a, Read) and not isinstance(a.type, ControlType)):
                    out.add(a.name)
    return out


def _cond_clash(cond, stmts) -> str | None:
    """What in ``stmts`` may change the value of the control expression ``cond``, if anything."""
    cfg = config_reads_of(cond) & config_writes(tuple(stmts))
    if cfg:
        return _cfg_names(cfg)
    syms = free_syms(cond) & _written_syms(stmts)
    if syms:
        return ", ".join(sorted(s.name for s in syms))
    return None


def _with_fresh_iter(loop: For) -> For:
    """The loop with a new iterator Sym (used when a loop header is duplicated)."""
    it = loop.iter.copy()
    return loop.update(iter=it, body=substitute(loop.body, {loop.iter: it}))


def _b(k: int, field: str = "body") -> tuple:
    return ((field, k),)


def _top_binders_used_after(first, second):
    """Allocations and windows bound at the top level of ``first`` and used in ``second``."""
    used = free_syms(tuple(second))
    return [s for s in first if isinstance(s, (Alloc, WindowStmt)) and s.name in used]


# --------------------------------------------------------------------------- reorder / lift


def reorder_loops(p: ProcDef, loop_path: tuple):
    """``for i: for j: s`` -> ``for j: for i: s``. Checked: the outer body is exactly the
    inner loop, the inner bounds do not mention ``i`` (a triangular nest cannot be
    interchanged, Exo bug #314), and no two iterations whose order the interchange reverses
    touch a common location unless both only read or both reduce."""
    outer = _loop(p, loop_path, "nested_loops")
    if len(outer.body) != 1 or not isinstance(outer.body[0], For):
        raise SchedulingError(f"the body of {where(outer)} is not exactly one loop: "
                              "reorder_loops needs two directly nested loops")
    return _interchange(p, loop_path)


def _interchange(p: ProcDef, q: tuple):
    outer = node_at(p, q)
    inner = outer.body[0]
    if outer.iter in free_syms((inner.lo, inner.hi)):
        raise SchedulingError(
            f"the bounds of {where(inner)} depend on {outer.iter.name}, the iterator of "
            f"{where(outer)} (a triangular nest): cannot reorder the loops")
    _sched().check_reorder_loops(p, q)
    new = inner.update(body=(outer.update(body=inner.body),))
    inner_path = q + _b(0)
    table = {q: q + _b(0), inner_path: q}
    for k in range(len(inner.body)):
        table[inner_path + _b(k)] = q + _b(0) + _b(k)
    result = _replace_stmt(p, q, (new,), table)
    if inner.loop_mode == "par":
        # iterations of the par loop were independent for each outer iteration only; now
        # they run in parallel across all of them
        sched = _sched()
        try:
            sched.check_parallel(result[0], q)
        except sched.CheckFailed as err:
            raise SchedulingError(f"{where(inner)} is par and would become the outer loop, running its "
                                  f"iterations for all {outer.iter.name} in parallel: {err}") from None
    return result


def lift_scope(p: ProcDef, path: tuple):
    """Move the loop or ``if`` at ``path`` one level up, out of its parent loop or ``if``
    (of which it must be the only statement in its branch).

    * loop in loop: interchange (checked as ``reorder_loops``);
    * ``if`` in loop -> the loop in each branch: the condition must not mention the iterator
      nor read anything the loop body writes (it is now evaluated once, before the loop);
    * loop in ``if`` -> the ``if`` inside the loop: the ``if`` has no ``else``, and the loop
      body must not change the condition (it is now evaluated at every iteration);
    * ``if`` in ``if``: the branches are distributed (the other branch is duplicated); always
      equivalent, conditions being pure.
    """
    s = _stmt(p, path, "scope_cursor")
    if not isinstance(s, (For, If)):
        raise SchedulingError(f"expected a loop or an if statement, got {where(s)}")
    q = path[:-1]
    if not q:
        raise SchedulingError(f"{where(s)} is at the top level of the procedure: there is no scope to lift it out of")
    parent = node_at(p, q)
    field = path[-1][0]
    branch = getattr(parent, field)
    if len(branch) != 1:
        kind = "loop" if isinstance(parent, For) else ("if" if field == "body" else "else")
        raise SchedulingError(f"{where(s)} is not the only statement in the {kind} body of {where(parent)}: "
                              "it must be directly nested to be lifted")
    if isinstance(parent, For):
        if isinstance(s, For):
            return _interchange(p, q)
        return _lift_if_from_loop(p, q, parent, s)
    if isinstance(s, For):
        return _lift_loop_from_if(p, q, parent, s)
    return _lift_if_from_if(p, q, parent, s, field)


def _lift_if_from_loop(p, q, loop: For, s: If):
    if loop.iter in free_syms(s.cond):
        raise SchedulingError(f"the condition of {where(s)} depends on {loop.iter.name}, the iterator of "
                              f"{where(loop)}: cannot lift the if out of the loop")
    clash = _cond_clash(s.cond, loop.body)
    if clash:
        raise SchedulingError(f"the body of {where(loop)} writes {clash}, which the condition of {where(s)} "
                              "reads: cannot lift the if out of the loop")
    then_loop = loop.update(body=s.body)
    orelse = (_with_fresh_iter(loop.update(body=s.orelse)),) if s.orelse else ()
    new = If(s.cond, (then_loop,), orelse, srcinfo=s.srcinfo)
    ip = q + _b(0)
    table = {q: q + _b(0), ip: q}
    for k in range(len(s.body)):
        table[ip + _b(k)] = q + _b(0) + _b(k)
    for k in range(len(s.orelse)):
        table[ip + _b(k, "orelse")] = q + _b(0, "orelse") + _b(k)
    return _replace_stmt(p, q, (new,), table)


def _lift_loop_from_if(p, q, cond_if: If, loop: For):
    if cond_if.orelse:
        raise SchedulingError(f"{where(cond_if)} has an else branch: cannot lift the loop {where(loop)} out of it")
    clash = _cond_clash(cond_if.cond, loop.body)
    if clash:
        raise SchedulingError(f"the body of {where(loop)} writes {clash}, which the condition of {where(cond_if)} "
                              "reads: the condition would change between iterations")
    new = loop.update(body=(cond_if.update(body=loop.body),))
    ip = q + _b(0)
    table = {q: q + _b(0), ip: q}
    for k in range(len(loop.body)):
        table[ip + _b(k)] = q + _b(0) + _b(k)
    return _replace_stmt(p, q, (new,), table)


def _lift_if_from_if(p, q, outer: If, inner: If, field: str):
    src = outer.srcinfo
    ip = q + _b(0, field)
    table = {q: q + _b(0), ip: q}
    if field == "body":
        # if o: (if i: A else: B) else: C  ->  if i: (if o: A else: C) else: (if o: B else: C)
        a, b, c = inner.body, inner.orelse, outer.orelse
        then_ = (If(outer.cond, a, c, srcinfo=src),)
        else_ = (If(outer.cond, b or (Pass(srcinfo=src),), alpha_rename(c), srcinfo=src),) if (b or c) else ()
        for k in range(len(a)):
            table[ip + _b(k)] = q + _b(0) + _b(k)
        for k in range(len(b)):
            table[ip + _b(k, "orelse")] = q + _b(0, "orelse") + _b(k)
    else:
        # if o: A else: (if i: B else: C)  ->  if i: (if o: A else: B) else: (if o: A else: C)
        a, b, c = outer.body, inner.body, inner.orelse
        then_ = (If(outer.cond, a, b, srcinfo=src),)
        else_ = (If(outer.cond, alpha_rename(a), c, srcinfo=src),)
        for k in range(len(b)):
            table[ip + _b(k)] = q + _b(0) + _b(k, "orelse")
        for k in range(len(c)):
            table[ip + _b(k, "orelse")] = q + _b(0, "orelse") + _b(k, "orelse")
    new = If(inner.cond, then_, else_, srcinfo=inner.srcinfo)
    return _replace_stmt(p, q, (new,), table)


# --------------------------------------------------------------------------- fission


def fission(p: ProcDef, parent_path: tuple, field: str, index: int, n_lifts: int = 1,
            unsafe_disable_checks: bool = False):
    """Split the loop or ``if`` around the gap before statement ``index`` of ``field`` into
    two copies (the first with the statements before the gap, the second with the rest),
    then repeat ``n_lifts - 1`` times one level up at the gap between the two copies.

    Checked at each level: the gap is not at the edge of a block, nothing bound before it
    (allocation, window) is used after it; for a loop, no later iteration's first part
    touches a location that an earlier iteration's second part touches (unless both only
    read or both reduce) and the body does not change the bounds; for an ``if``, the first
    part does not change the condition (Exo did not check this). ``unsafe_disable_checks``
    skips the dependence and condition checks (not the scoping one)."""
    return _fission(p, parent_path, field, index, n_lifts, not unsafe_disable_checks, autoremove=False)


def autofission(p: ProcDef, parent_path: tuple, field: str, index: int, n_lifts: int = 1):
    """``fission`` (always checked) that also removes a split loop around a part that does
    not use its iterator, when that part is idempotent and the loop provably runs at least
    once (Exo removed such loops without the last two conditions)."""
    return _fission(p, parent_path, field, index, n_lifts, True, autoremove=True)


def _fission(p, parent_path, field, index, n_lifts, checked, autoremove):
    fwds = []
    for level in range(n_lifts):
        if not parent_path:
            if level == 0:
                raise SchedulingError("the gap is at the top level of the procedure: only a loop or an if "
                                      "around it can be split")
            raise SchedulingError(f"n_lifts={n_lifts} but only {level} loop(s) or if(s) enclose the gap")
        s = node_at(p, parent_path)
        stmts = getattr(s, field)
        if not 0 < index < len(stmts):
            edge = "start" if index <= 0 else "end"
            raise SchedulingError(f"the gap is at the {edge} of the {field} of {where(s)}: "
                                  "expected a gap between two statements")
        p, f, first, second = _split(p, parent_path, field, index, checked)
        fwds.append(f)
        if autoremove and isinstance(s, For):
            removed_second = _try_remove_loop(p, second)
            if removed_second is not None:
                p, f, _ = removed_second
                fwds.append(f)
            removed_first = _try_remove_loop(p, first)
            if removed_first is not None:
                p, f, n1 = removed_first
                fwds.append(f)
                index_after_first = first[-1][1] + n1
            else:
                index_after_first = first[-1][1] + 1
        else:
            index_after_first = first[-1][1] + 1
        outer_field = parent_path[-1][0]
        parent_path, field, index = parent_path[:-1], outer_field, index_after_first
    return p, fw.compose(*fwds)


def _split(p, path, field, index, checked):
    """One level of fission at statement ``index`` of ``field`` of the loop/if at ``path``.
    Returns the new proc, forwarding, and the paths of the two halves."""
    s = node_at(p, path)
    stmts = getattr(s, field)
    first, second = stmts[:index], stmts[index:]
    bad = _top_binders_used_after(first, second)
    if bad:
        b = bad[0]
        kind = "allocation" if isinstance(b, Alloc) else "window"
        raise SchedulingError(f"{where(b)} is before the gap and {b.name.name} is used after it: fission would "
                              f"hide the {kind} from a later use")
    if checked:
        _sched().check_fission(p, path, index - 1, field)
        if isinstance(s, If):
            # the second if re-tests the condition after the first part ran
            ran = first if field == "body" else first + s.body
            clash = _cond_clash(s.cond, ran)
            if clash:
                raise SchedulingError(f"the statements before the gap write {clash}, which the condition of "
                                      f"{where(s)} reads: the second if would test a different value")
    parent, (pfield, a) = path[:-1], path[-1]
    p1, p2 = path, parent + ((pfield, a + 1),)
    n = len(first)
    if isinstance(s, For):
        one, two = s.update(body=first), _with_fresh_iter(s.update(body=second))
        table = {path: p1}
    elif field == "body":
        one, two = s.update(body=first, orelse=()), s.update(body=second)
        table = {path: p2}  # the original if (with its else) is the second one
    else:
        one, two = s.update(orelse=first), s.update(body=(Pass(srcinfo=s.srcinfo),), orelse=second)
        table = {path: p1}
    for k in range(len(stmts)):
        table[path + _b(k, field)] = p1 + _b(k, field) if k < n else p2 + _b(k - n, field)
    new, f = _replace_stmt(p, path, (one, two), table)
    return new, f, p1, p2


def _try_remove_loop(p, path):
    """Replace the loop at ``path`` by its body when that is equivalent: the body does not
    use the iterator, it is idempotent and the loop runs at least once. None otherwise."""
    sched = _sched()
    loop = node_at(p, path)
    if loop.iter in free_syms(loop.body):
        return None
    if not sched.check_loop_nonempty(p, path):
        return None
    try:
        sched.check_idempotent(p, (path, "body", 0, len(loop.body)))
    except sched.CheckFailed:
        return None
    parent, (field, a) = path[:-1], path[-1]
    table = {path: None}
    for k in range(len(loop.body)):
        table[path + _b(k)] = parent + ((field, a + k),)
    new, f = _replace_stmt(p, path, loop.body, table)
    return new, f, len(loop.body)


# --------------------------------------------------------------------------- fuse


def fuse(p: ProcDef, path1: tuple, path2: tuple, unsafe_disable_check: bool = False):
    """Fuse two adjacent loops, or two adjacent ``if`` statements, into one.

    Loops: both bounds provably equal (Exo compared only the upper bound) and, unless
    ``unsafe_disable_check``, the fused order valid: no iteration of the first body touches a
    location that an earlier iteration of the second body touched (unless both only read or
    both reduce). Loops of different modes are not fused; two ``par`` loops fuse into a
    ``par`` loop only if its iterations are independent.
    Ifs: conditions provably equivalent, and the first ``if`` does not change the
    condition."""
    s1, s2 = _stmt(p, path1, "stmt1"), _stmt(p, path2, "stmt2")
    if not (path1[:-1] == path2[:-1] and path1[-1][0] == path2[-1][0] and path1[-1][1] + 1 == path2[-1][1]):
        raise SchedulingError(f"{where(s2)} does not come right after {where(s1)}: expected two adjacent statements")
    if isinstance(s1, For) and isinstance(s2, For):
        return _fuse_loops(p, path1, path2, s1, s2, unsafe_disable_check)
    if isinstance(s1, If) and isinstance(s2, If):
        return _fuse_ifs(p, path1, path2, s1, s2)
    raise SchedulingError(f"expected two loops or two if statements, got {where(s1)} and {where(s2)}")


def _fuse_loops(p, path1, path2, l1: For, l2: For, unchecked: bool):
    sched = _sched()
    clash = _cond_clash(BinOp("and", l2.lo, l2.hi, BOOL), l1.body)
    if clash:
        raise SchedulingError(f"the body of {where(l1)} writes {clash}, which the bounds of {where(l2)} read: "
                              "cannot fuse them")
    for e1, e2, which in ((l1.lo, l2.lo, "lower"), (l1.hi, l2.hi, "upper")):
        if not sched.prove_equal(p, path1, e1, e2):
            raise SchedulingError(f"the {which} bounds of {where(l1)} and {where(l2)} may differ: cannot fuse them")
    if l1.loop_mode != l2.loop_mode:
        raise SchedulingError(f"{where(l1)} and {where(l2)} have different loop modes: cannot fuse them")
    if not unchecked:
        sched.check_fuse_loops(p, path1, path2)
    body2 = substitute(l2.body, {l2.iter: l1.iter})
    fused = l1.update(body=l1.body + body2)
    parent, (field, a) = path1[:-1], path1[-1]
    n1 = len(l1.body)
    table = {path1: path1, path2: None}
    for k in range(len(l2.body)):
        table[path2 + _b(k)] = path1 + _b(n1 + k)
    new = splice(p, parent, field, a, a + 2, (fused,))
    if fused.loop_mode == "par" and not unchecked:
        try:
            sched.check_parallel(new, path1)
        except sched.CheckFailed as err:
            raise SchedulingError(f"the fused loop would be par but its iterations are not independent: {err}") from None
    return new, fw.after_splice(parent, field, a, a + 2, 1, _moves(table))


def _fuse_ifs(p, path1, path2, i1: If, i2: If):
    sched = _sched()
    clash = _cond_clash(i2.cond, i1.body + i1.orelse)
    if clash:
        raise SchedulingError(f"{where(i1)} writes {clash}, which the condition of {where(i2)} reads: "
                              "cannot fuse the ifs")
    if not sched.prove_equal(p, path1, i1.cond, i2.cond):
        raise SchedulingError(f"the conditions of {where(i1)} and {where(i2)} may differ: cannot fuse the ifs")
    fused = i1.update(body=i1.body + i2.body, orelse=i1.orelse + i2.orelse)
    parent, (field, a) = path1[:-1], path1[-1]
    table = {path1: path1, path2: None}
    for k in range(len(i2.body)):
        table[path2 + _b(k)] = path1 + _b(len(i1.body) + k)
    for k in range(len(i2.orelse)):
        table[path2 + _b(k, "orelse")] = path1 + _b(len(i1.orelse) + k, "orelse")
    new = splice(p, parent, field, a, a + 2, (fused,))
    return new, fw.after_splice(parent, field, a, a + 2, 1, _moves(table))


# --------------------------------------------------------------------------- specialize


def _is_control_cond(e) -> bool:
    """A boolean condition over control values only (index comparisons, ``and``/``or``,
    bool literals, variables and config fields, equality of such booleans): pure, so
    testing it anywhere is harmless."""
    if e.type != BOOL:
        return False
    return all(_is_control_leaf(n) for n in walk(e))


def _is_control_leaf(n) -> bool:
    if isinstance(n, BinOp):
        return n.op in ("and", "or", "<", ">", "<=", ">=", "==", "+", "-", "*", "/", "%")
    if isinstance(n, (Const, Read, ReadConfig)):
        return isinstance(n.type, ControlType) and not getattr(n, "idx", ())
    return False


def specialize(p: ProcDef, block: tuple, conds: tuple):
    """``B`` -> ``if c0: B elif c1: B ... else: B`` (each copy with fresh binders). Checked:
    every condition is a control condition, and nothing the block allocates or binds is used
    after it. Cursors into ``B`` follow the first copy."""
    parent, field, lo, hi = block
    stmts = getattr(node_at(p, parent), field)
    body = stmts[lo:hi]
    if not conds:
        raise SchedulingError("expected at least one condition")
    for c in conds:
        if not _is_control_cond(c):
            raise SchedulingError(f"'{_expr_text(c)}' is not a valid specialization condition: expected "
                                  "a condition on control values (comparisons of index expressions, and/or)")
    bad = _top_binders_used_after(body, stmts[hi:])
    if bad:
        names = ", ".join(b.name.name for b in bad)
        raise SchedulingError(f"the block binds {names}, which is used after it: the copies would hide it")
    src = body[0].srcinfo
    else_br = alpha_rename(body)
    for c in reversed(conds[1:]):
        else_br = (If(c, alpha_rename(body), else_br, srcinfo=src),)
    new_if = If(conds[0], body, else_br, srcinfo=src)
    anchor = parent + ((field, lo),)
    table = {parent + ((field, lo + k),): anchor + _b(k) for k in range(len(body))}
    new = splice(p, parent, field, lo, hi, (new_if,))
    return new, fw.after_splice(parent, field, lo, hi, 1, _moves(table))


def unguard(p: ProcDef, path: tuple):
    """``if c: S`` -> ``S``: the block also runs where ``c`` is false. Checked
    (``check_unguard``): those extra runs write only locations of buffers the procedure
    allocates that no other run of anything reads or writes, call nothing, and (on the
    rewritten procedure) stay in bounds. For lanes of a register that are computed and then
    dropped: a masked operation becomes a full-width one."""
    s = _stmt(p, path, "if_cursor")
    if not isinstance(s, If):
        raise SchedulingError(f"expected an if statement, got {where(s)}")
    sched = _sched()
    try:
        sched.check_unguard(p, path)
    except sched.CheckFailed as err:
        raise SchedulingError(f"cannot remove the guard of {where(s)}: {err.reason}") from None
    table = {path + _b(k): path[:-1] + ((path[-1][0], path[-1][1] + k),) for k in range(len(s.body))}
    new, fwd = _replace_stmt(p, path, s.body, table)
    field, k = path[-1]
    try:
        sched.check_bounds(new, region=stmts_at(new, path[:-1], field)[k:k + len(s.body)])
    except sched.CheckFailed as err:
        raise SchedulingError(f"cannot remove the guard of {where(s)}: where the condition is false, "
                              f"{err.reason}") from None
    return new, fwd


def _expr_text(e) -> str:
    from ..ir.printer import expr_to_str

    return expr_to_str(e)


# --------------------------------------------------------------------------- parallel


def parallelize_loop(p: ProcDef, loop_path: tuple):
    """Make the loop ``par``. Checked: different iterations touch no common location unless
    both only read (reductions race too), the body does not change the bounds, and it
    allocates no buffer in a memory shared across calls (a ``static`` array is one for
    every thread), nor calls a procedure that does."""
    loop = _loop(p, loop_path, "loop_cursor")
    if loop.loop_mode != "par":
        _sched().check_parallel(p, loop_path)
    from ..ir.paths import replace_at

    return replace_at(p, loop_path, loop.update(loop_mode="par")), fw.identity
