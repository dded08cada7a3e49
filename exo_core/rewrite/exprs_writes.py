"""Rewrites of assignments and reductions: ``merge_writes``, ``split_write``,
``fold_into_reduce``, ``inline_assign``, ``lift_reduce_constant``.

All of them reorder or regroup a sum (or, for ``lift_reduce_constant``, factor a product
out of one), so they hold up to real-number arithmetic (see ``exprs.py``); each refuses a
rewrite that would change the precision an operation computes in or how a literal is
rounded, and checks that no value it moves is read or written in between.
"""

from __future__ import annotations

from ..errors import InvalidCursorError, SchedulingError
from ..ir import (
    F32,
    F64,
    Alloc,
    Assign,
    BinOp,
    Call,
    Const,
    ControlType,
    Extern,
    For,
    Pass,
    ProcDef,
    Read,
    Reduce,
    USub,
    WindowExpr,
    WindowStmt,
    WriteConfig,
)
from ..ir.paths import node_at, splice, stmts_at
from ..ir.printer import expr_to_str
from . import forward as fw
from .describe import where
from .exprs import (
    buffers_read,
    concrete,
    exact_in,
    is_r,
    join,
    replace_node,
    root_of,
    same_as_cast,
    stmt_exprs,
    walk_stmts,
    window_roots,
)


def _line(src) -> str:
    return f"line {src.line}" if src is not None and src.line else "generated code"


def _same_location(p: ProcDef, path: tuple, idx1, idx2) -> bool:
    from ..analysis.sched import prove_equal

    return len(idx1) == len(idx2) and all(prove_equal(p, path, a, b) for a, b in zip(idx1, idx2))


def _different_location(p: ProcDef, path: tuple, idx1, idx2) -> bool:
    """Whether ``idx1`` and ``idx2`` (both readable at ``path``) differ whenever it runs."""
    from ..analysis import logic as L
    from ..analysis.sched.paths import locate
    from ..analysis.solver import SOLVER

    facts, w = locate(p, path)
    parts = []
    for a, b in zip(idx1, idx2):
        x, y = w.affine(a), w.affine(b)
        if x is not None and y is not None:
            parts.append(L.disj((L.ge(x - y - 1), L.ge(y - x - 1))))
    return bool(parts) and SOLVER.prove(L.disj(parts), facts)


def _exact_literal_sum(u, v, x) -> bool:
    """Two literals whose sum, computed in f32, equals adding them once stored in ``x``."""
    if isinstance(u, bool) or isinstance(v, bool):
        return False
    if not (exact_in(u, F32) and exact_in(v, F32) and exact_in(u + v, F32)):
        return False
    if concrete(x) in (F32, F64):
        return True
    return float(u).is_integer() and float(v).is_integer() and exact_in(u, x) and exact_in(v, x)


def _check_sum(stmt, b, c, what: str):
    """Storing ``b + c`` into ``stmt``'s buffer must equal adding the two values as stored."""
    x = stmt.type
    if type(b) is Const and type(c) is Const and _exact_literal_sum(b.val, c.val, x):
        return join(b.type, c.type)
    t = join(b.type, c.type)
    if t is None:
        raise SchedulingError(f"{what}: '{expr_to_str(b)}' ({b.type}) and '{expr_to_str(c)}' ({c.type}) "
                              "have different precisions")
    if concrete(t) != concrete(x):
        raise SchedulingError(f"{what}: the sum would compute in {concrete(t)} but {where(stmt)} stores "
                              f"{concrete(x)}: the rewrite would change a rounding")
    for o in (b, c):
        if not same_as_cast(o, x):
            raise SchedulingError(f"{what}: '{expr_to_str(o)}' ({concrete(o.type) if type(o) is not Const else 'a literal'}) "
                                  f"is rounded differently when stored to {concrete(x)} than when added in "
                                  f"{concrete(x)}")
    return t


# --------------------------------------------------------------------------- merge / split / fold


def merge_writes(p: ProcDef, parent: tuple, field: str, lo: int):
    """Merge two consecutive writes of one location: ``a = b; a = c -> a = c``,
    ``a += b; a = c -> a = c``, ``a = b; a += c -> a = b + c``, ``a += b; a += c ->
    a += b + c``. Checked: both write the same buffer at provably equal indices, and the
    second right-hand side does not read that buffer (through any window either)."""
    stmts = stmts_at(p, parent, field)
    if lo + 1 >= len(stmts):
        raise SchedulingError(f"{where(stmts[lo])} has no statement after it to merge with")
    s1, s2 = stmts[lo], stmts[lo + 1]
    if type(s1) not in (Assign, Reduce) or type(s2) not in (Assign, Reduce):
        raise SchedulingError(f"expected two consecutive assign/reduce statements, got {where(s1)} "
                              f"and {where(s2)}")
    if s1.name is not s2.name or s1.type != s2.type:
        raise SchedulingError(f"expected the two statements' left hand sides to have the same name & "
                              f"type: {where(s1)} and {where(s2)}")
    path1 = parent + ((field, lo),)
    if not _same_location(p, path1, s1.idx, s2.idx):
        raise SchedulingError(f"cannot prove that {where(s1)} and {where(s2)} write the same location")
    roots = window_roots(p)
    if root_of(s1.name, roots) in buffers_read(s2.rhs, roots):
        raise SchedulingError(f"the right hand side of {where(s2)} reads '{s1.name.name}', which {where(s1)} "
                              "writes")
    if type(s2) is Assign:
        new = s2
    else:
        t = _check_sum(s1, s1.rhs, s2.rhs, f"merging {where(s1)} and {where(s2)}")
        new = s1.update(rhs=BinOp("+", s1.rhs, s2.rhs, t, srcinfo=s1.rhs.srcinfo))
    out = splice(p, parent, field, lo, lo + 2, (new,))
    n = len(parent)
    here = parent + ((field, lo),)

    def inner(q):
        i, rest = q[n][1], q[n + 1:]
        if i == lo + 1:
            if type(s2) is Reduce and rest[:1] == (("rhs", None),):
                return here + (("rhs", None), ("rhs", None)) + rest[1:]
            return here + rest
        if type(s2) is Reduce and rest[:1] == (("rhs", None),):
            return here + (("rhs", None), ("lhs", None)) + rest[1:]
        raise InvalidCursorError("the first statement was merged into the second")

    return out, fw.after_splice(parent, field, lo, lo + 2, 1, inner)


def split_write(p: ProcDef, path: tuple):
    """``a = b + c -> a = b; a += c`` and ``a += b + c -> a += b; a += c``. Checked: ``c``
    does not read ``a``'s buffer (it would see the first write), and storing ``b`` then
    adding ``c`` rounds like the original (same precision)."""
    s = node_at(p, path)
    if type(s) not in (Assign, Reduce):
        raise SchedulingError(f"expected an assign or reduce statement, got {where(s)}")
    if type(s.rhs) is not BinOp or s.rhs.op != "+":
        raise SchedulingError(f"Expected the rhs of the statement to be an addition: {where(s)}")
    b, c = s.rhs.lhs, s.rhs.rhs
    roots = window_roots(p)
    if root_of(s.name, roots) in buffers_read(c, roots):
        raise SchedulingError(f"'{expr_to_str(c)}' in {where(s)} reads '{s.name.name}': after the split it "
                              "would read the value the first statement stores")
    _check_sum(s, b, c, f"splitting {where(s)}")
    first = s.update(rhs=b)
    second = Reduce(s.name, s.type, s.idx, c, srcinfo=s.srcinfo)
    parent, (field, i) = path[:-1], path[-1]
    out = splice(p, parent, field, i, i + 1, (first, second))
    n = len(parent)

    def inner(q):
        rest = q[n + 1:]
        if rest[:2] == (("rhs", None), ("lhs", None)):
            return parent + ((field, i), ("rhs", None)) + rest[2:]
        if rest[:2] == (("rhs", None), ("rhs", None)):
            return parent + ((field, i + 1), ("rhs", None)) + rest[2:]
        if rest and rest[0][0] == "idx":
            return parent + ((field, i),) + rest
        raise InvalidCursorError("the statement was split by split_write")

    return out, fw.after_splice(parent, field, i, i + 1, 2, inner)


def fold_into_reduce(p: ProcDef, path: tuple):
    """``a = a + e -> a += e``. Checked: the read is of the written location (indices
    provably equal) and the addition computes in the precision of ``a``."""
    s = node_at(p, path)
    if type(s) is not Assign:
        raise SchedulingError(f"expected an assignment, got {where(s)}")
    r = s.rhs
    if type(r) is not BinOp or r.op != "+":
        raise SchedulingError(f"The rhs of the assignment must be an add: {where(s)}")
    lhs = r.lhs
    if type(lhs) is not Read or lhs.name is not s.name or not _same_location(p, path, lhs.idx, s.idx):
        raise SchedulingError(f"The lhs of the addition is not a read to the lhs of the assignment: "
                              f"{where(s)}")
    x = concrete(s.type)
    if concrete(r.type) != x:
        raise SchedulingError(f"the addition in {where(s)} computes in {concrete(r.type)}, not in {x}")
    if not same_as_cast(r.rhs, s.type):
        raise SchedulingError(f"'{expr_to_str(r.rhs)}' in {where(s)} is rounded differently when stored "
                              f"to {x} than when added in {x}")
    new = Reduce(s.name, s.type, s.idx, r.rhs, srcinfo=s.srcinfo)
    n = len(path)

    def inner(q):
        rest = q[n:]
        if rest[:2] == (("rhs", None), ("rhs", None)):
            return path + (("rhs", None),) + rest[2:]
        if rest[0][0] == "idx":
            return q
        raise InvalidCursorError("the cursor's expression was folded into the reduction")

    return replace_node(p, path, new), fw.after_replace(path, inner)


# --------------------------------------------------------------------------- inline_assign


def _is_before(q: tuple, path: tuple) -> int | None:
    """The length of the common statement prefix when ``q`` runs before ``path`` in program
    order (or in another branch of a common ``if``), else None."""
    d = 0
    while d < len(q) and d < len(path) and q[d] == path[d]:
        d += 1
    if d == len(q):
        return d  # an enclosing statement: its own expressions run first
    if d == len(path):
        return None
    (f1, i1), (f2, i2) = q[d], path[d]
    if f1 != f2 or i1 < i2:
        return d
    return None


def configs_read_idx(s) -> bool:
    from .exprs import configs_read

    return any(configs_read(e) for e in s.idx)


def _narrow(t) -> bool:
    return concrete(t).name in ("f16", "i8", "ui8", "ui16")


def _use_ok(e, x, read, parent) -> str | None:
    """Why substituting ``e`` for ``read`` (of a buffer of type ``x``) under ``parent`` would
    change a value or mix two precisions in one operation, or None."""
    if type(e) is Const:
        if not (exact_in(e.val, x)):
            return f"the literal {expr_to_str(e)} is rounded when stored to {concrete(x)}"
        if type(parent) in (Assign, Reduce, Extern, WriteConfig):
            return None
        if type(parent) in (BinOp, USub) and concrete(parent.type) == concrete(x):
            return None
        return (f"the literal would take the precision of '{expr_to_str(parent)}' "
                f"({concrete(parent.type)}) instead of {concrete(x)}")
    if concrete(e.type) != concrete(x):
        return f"the value is computed in {concrete(e.type)} and stored to {concrete(x)}"
    if _narrow(x) and type(e) in (BinOp, USub):
        return f"the store to {concrete(x)} rounds (or wraps) the result of the arithmetic"
    if type(parent) is BinOp:
        sibling = parent.rhs if isinstance(parent.lhs, Read) and parent.lhs.name is read.name else parent.lhs
        if join(e.type, sibling.type) is None:
            return (f"'{expr_to_str(parent)}' would mix {e.type} and {sibling.type} in one operation")
    elif type(parent) in (USub, Extern) and not (e.type == read.type or is_r(e.type)):
        return f"'{expr_to_str(parent)}' would take a {e.type} operand instead of {read.type}"
    return None


def inline_assign(p: ProcDef, path: tuple):
    """Delete ``x[idx] = e`` and substitute ``e`` for the reads of ``x[idx]`` in the rest of
    its block. Checked (Exo #612 and more):

    * ``x`` is an allocation, not an argument or a window (the caller would see the write);
    * ``x`` is not windowed or passed to a call, and no read of ``x`` that the rewrite
      leaves could see the deleted write: reads after the block, earlier reads in an
      enclosing loop (the next iteration), reads in the rest of the block not provably of
      another location;
    * ``x[idx]`` is not written again in the rest of the block;
    * nothing ``e`` reads (buffers, config fields) is written between the assignment and a
      use;
    * the value is the same: ``e`` computes in the precision of ``x`` (and a literal is
      exact in it)."""
    from ..analysis.sched import block_effects
    from ..analysis.sched.deps import find_conflict

    s = node_at(p, path)
    if type(s) is not Assign:
        raise SchedulingError(f"expected an assignment 'x = ...', got {where(s)}")
    x = s.name
    if any(a.name is x for a in p.args):
        raise SchedulingError(f"{where(s)} writes '{x.name}', an argument of {p.name}: the caller sees "
                              "the value it stores, so the assignment cannot be removed")
    roots = window_roots(p)
    if x in roots:
        raise SchedulingError(f"{where(s)} writes through the window '{x.name}': the write is visible "
                              f"in '{root_of(x, roots).name}'")
    alloc_path = None
    for q, t in walk_stmts(p.body, (), "body"):
        if type(t) is Alloc and t.name is x:
            alloc_path = q
        elif type(t) is WindowStmt and root_of(t.rhs.name, roots) is x:
            raise SchedulingError(f"'{x.name}' is windowed by {where(t)}: its uses cannot all be seen")
        elif type(t) is Call:
            for a in t.args:
                if type(a) in (Read, WindowExpr) and not isinstance(a.type, ControlType) \
                        and root_of(a.name, roots) is x:
                    raise SchedulingError(f"'{x.name}' is passed to {where(t)}, which may read the "
                                          "value the assignment stores")
    if alloc_path is None:
        raise SchedulingError(f"'{x.name}' is not allocated in {p.name}")
    if configs_read_idx(s):
        raise SchedulingError(f"the indices of {where(s)} read a configuration field: its uses cannot be "
                              "matched reliably")
    scope_depth = len(alloc_path) - 1
    parent, (field, i) = path[:-1], path[-1]
    stmts = stmts_at(p, parent, field)
    n = len(parent)
    # A later assignment of the same location in the block hides the deleted write from
    # everything after it (and from later iterations of enclosing loops).
    kill = None
    for j in range(i + 1, len(stmts)):
        t = stmts[j]
        if type(t) is Assign and t.name is x and _same_location(p, parent + ((field, j),), t.idx, s.idx):
            kill = j
            break
    last = len(stmts) - 1 if kill is None else kill

    def loop_between(k: int) -> bool:
        """Whether an in-scope loop is among the first ``k`` enclosing statements of ``path``."""
        return any(type(node_at(p, path[:j])) is For for j in range(scope_depth + 1, k + 1))

    def in_rest(q) -> bool:
        return len(q) > n and q[:n] == parent and q[n][0] == field and i < q[n][1] <= last

    uses = []
    for q, t in walk_stmts(p.body, (), "body"):
        for ep, e, par in stmt_exprs(t, q):
            if type(e) is not Read or e.name is not x:
                continue
            if q == path:
                if kill is None and loop_between(len(path) - 1):
                    raise SchedulingError(f"{where(s)} reads '{x.name}' inside a loop: the next iteration "
                                          "reads the value it stores")
                continue
            if in_rest(q):
                if _same_location(p, q, e.idx, s.idx):
                    why = _use_ok(s.rhs, s.type, e, par)
                    if why is not None:
                        raise SchedulingError(f"cannot inline {where(s)} into {where(t)}: {why}")
                    uses.append((q, ep))
                    continue
                if _different_location(p, q, e.idx, s.idx):
                    continue
                raise SchedulingError(f"cannot tell whether '{expr_to_str(e)}' in {where(t)} reads the "
                                      f"value {where(s)} stores")
            if kill is not None:
                continue  # before the assignment, or after the later assignment: unaffected
            d = _is_before(q, path)
            if d is not None:
                if loop_between(d):
                    raise SchedulingError(f"'{expr_to_str(e)}' in {where(t)} reads '{x.name}' in a later "
                                          f"iteration of a loop around {where(s)}")
                continue
            raise SchedulingError(f"'{x.name}' is read after the block, by {where(t)}: it would no "
                                  f"longer see the value {where(s)} stores")
    for q, t in walk_stmts(stmts[i + 1:len(stmts) if kill is None else kill], parent, field):
        q = parent + ((field, q[n][1] + i + 1),) + q[n + 1:]
        if type(t) in (Assign, Reduce) and t.name is x and not _different_location(p, q, t.idx, s.idx):
            raise SchedulingError(f"Cannot inline {where(s)} because the buffer is written afterwards, "
                                  f"by {where(t)}")
    if uses:
        eff = block_effects(p, (parent, field, i, len(stmts)))
        mine = [a for a in eff.accesses if a.path == path and a.kind == "read"]
        for q, _ in uses:
            j = q[n][1]
            between = [a for a in eff.accesses if a.is_write() and a.path[:n] == parent
                       and (i < a.path[n][1] < j or (a.path[n][1] == j and len(q) > n + 1))]
            hit = find_conflict(mine, between, conflict=lambda a, b: True)
            if hit is not None:
                a, b, _ = hit
                raise SchedulingError(f"{where(s)} reads '{a.root_name()}', which is written ('{b.what}', "
                                      f"{_line(b.src)}) before the use in {where(node_at(p, q))}")
    out, fwds = p, []
    for _, ep in uses:
        out = replace_node(out, ep, s.rhs)
        fwds.append(fw.after_replace(ep))
    fill = (Pass(srcinfo=s.srcinfo),) if len(stmts) == 1 else ()
    out = splice(out, parent, field, i, i + 1, fill)
    fwds.append(fw.after_splice(parent, field, i, i + 1, len(fill)))
    return out, fw.compose(*fwds)


# --------------------------------------------------------------------------- lift_reduce_constant


def _bound_in(stmts) -> set:
    out = set()
    for _, t in walk_stmts(tuple(stmts), (), "body"):
        if type(t) is For:
            out.add(t.iter)
        elif type(t) in (Alloc, WindowStmt):
            out.add(t.name)
    return out


def _syms_of(e) -> set:
    from ..ir.subst import free_syms

    return free_syms(e)


def lift_reduce_constant(p: ProcDef, parent: tuple, field: str, lo: int):
    """``x = 0; for ...: x += c * y -> x = 0; for ...: x += y; x = c * x``. Checked: the
    first statement stores zero; every write of ``x`` in the loop is a reduction of that
    location with the same factor ``c`` (a literal, or a read of a value not written in the
    loop and not depending on its variables); ``x`` is not read in the loop; the loop has no
    calls, config writes or windows. Equal up to real-number distributivity."""
    stmts = stmts_at(p, parent, field)
    if lo + 1 >= len(stmts):
        raise SchedulingError(f"{where(stmts[lo])} has no loop after it")
    s0, loop = stmts[lo], stmts[lo + 1]
    if type(s0) is not Assign or type(s0.rhs) is not Const or isinstance(s0.rhs.val, bool) or s0.rhs.val != 0:
        raise SchedulingError(f"expected an assignment of zero ('x = 0.0') first, got {where(s0)}")
    if type(loop) is not For:
        raise SchedulingError(f"expected a loop after {where(s0)}, got {where(loop)}")
    x = s0.name
    roots = window_roots(p)
    rx = root_of(x, roots)
    loop_path = parent + ((field, lo + 1),)
    reduces = []
    for q, t in walk_stmts(loop.body, loop_path, "body"):
        if type(t) in (WindowStmt, WriteConfig, Call):
            raise SchedulingError(f"unsupported statement in the loop body: {where(t)}")
        for _, e, _ in stmt_exprs(t, q):
            if type(e) in (Read, WindowExpr) and not isinstance(e.type, ControlType) and root_of(e.name, roots) is rx:
                raise SchedulingError(f"cannot lift constant because the buffer is read in the loop body, "
                                      f"by {where(t)}")
        if type(t) in (Assign, Reduce) and root_of(t.name, roots) is rx:
            ok = (type(t) is Reduce and t.name is x and _same_location(p, q, t.idx, s0.idx)
                  and type(t.rhs) is BinOp and t.rhs.op == "*" and type(t.rhs.lhs) in (Const, Read)
                  and not isinstance(t.rhs.lhs.type, ControlType))
            if not ok:
                raise SchedulingError(f"cannot lift constant because there are other operations on the same "
                                      f"buffer that may interfere: {where(t)}")
            reduces.append((q, t))
    if not reduces:
        raise SchedulingError(f"cannot lift constant because did not find a reduce in the loop body of the "
                              f"form '{x.name} += c * expr'")
    q0, r0 = reduces[0]
    c = r0.rhs.lhs
    if type(c) is Read:
        inner_syms = _bound_in(loop.body) | {loop.iter}
        dep = _syms_of(c) & inner_syms
        if dep:
            name = sorted(s.name for s in dep)[0]
            raise SchedulingError(f"'{expr_to_str(c)}' depends on the variable {name} which is defined "
                                  "within the loop")
        rc = root_of(c.name, roots)
        for _, t in walk_stmts(loop.body, loop_path, "body"):
            if type(t) in (Assign, Reduce) and root_of(t.name, roots) is rc:
                raise SchedulingError(f"cannot lift constant because '{c.name.name}' is written in the loop "
                                      f"body, by {where(t)}")
    for _q, t in reduces[1:]:
        k = t.rhs.lhs
        same = (type(k) is Const and type(c) is Const and k.val == c.val and k.type == c.type) or \
            (type(k) is Read and type(c) is Read and k.name is c.name and _same_location(p, q0, k.idx, c.idx))
        if not same:
            raise SchedulingError(f"cannot lift constant because the reduces to buffer {x.name} in the loop "
                                  f"body have different constants: {where(r0)} and {where(t)}")
    xt = s0.type
    for _, t in reduces:
        if concrete(t.rhs.type) != concrete(xt):
            raise SchedulingError(f"the product in {where(t)} computes in {concrete(t.rhs.type)}, not in "
                                  f"{concrete(xt)}")
        if not same_as_cast(t.rhs.rhs, xt):
            raise SchedulingError(f"'{expr_to_str(t.rhs.rhs)}' in {where(t)} is rounded differently when "
                                  f"stored to {concrete(xt)} than when multiplied in {concrete(xt)}")
    ct = join(c.type, xt)
    if ct is None or concrete(ct) != concrete(xt):
        raise SchedulingError(f"'{expr_to_str(c)}' ({c.type}) does not compute in {concrete(xt)}")
    out, fwds = p, []
    for q, t in reduces:
        out = replace_node(out, q, t.update(rhs=t.rhs.rhs))
        m = len(q)

        def inner(path, q=q, m=m):
            rest = path[m:]
            if rest[:2] == (("rhs", None), ("rhs", None)):
                return q + (("rhs", None),) + rest[2:]
            if rest[0][0] == "idx":
                return path
            raise InvalidCursorError("the constant factor was lifted out of the reduction")

        fwds.append(fw.after_replace(q, inner))
    scale = Assign(x, xt, s0.idx, BinOp("*", c, Read(x, s0.idx, xt, srcinfo=s0.srcinfo), ct, srcinfo=c.srcinfo),
                   srcinfo=loop.srcinfo)
    out = splice(out, parent, field, lo + 2, lo + 2, (scale,))
    fwds.append(fw.after_splice(parent, field, lo + 2, lo + 2, 1))
    return out, fw.compose(*fwds)


__all__ = ["merge_writes", "split_write", "fold_into_reduce", "inline_assign", "lift_reduce_constant"]
