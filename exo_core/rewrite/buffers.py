"""Buffer rewrites: ``bind_expr``, moving allocations (``lift_alloc``, ``sink_alloc``,
``autolift_alloc``), ``reuse_buffer``, ``delete_buffer``, ``inline_window``. The
dimension rewrites are in ``buffer_dims.py``, ``stage_mem`` in ``stage.py``.

An allocation is uninitialised storage, fresh each time the statement runs. Moving one
across a loop changes which iterations share it, so the moves are checked like a
dependence: no iteration may read a value another one wrote through the buffer.
"""

from __future__ import annotations

from ..errors import SchedulingError
from ..ir import (
    Alloc,
    Assign,
    BinOp,
    Const,
    For,
    If,
    Interval,
    Point,
    ProcDef,
    Read,
    ReadConfig,
    ScalarType,
    Sym,
    Tensor,
    USub,
    WindowExpr,
    WindowStmt,
)
from ..ir.paths import node_at, replace_at, splice, stmts_at
from ..ir.subst import binders, free_syms, substitute
from ..ir.visit import map_bottom_up, walk
from . import build as B
from . import forward as fw
from .buffer_dims import (  # noqa: F401  (re-exported: one import site for the family)
    divide_dim,
    expand_dim,
    mult_dim,
    rearrange_dim,
    resize_dim,
    unroll_buffer,
)
from .buffer_util import access_mapper, alloc_at, check_failed, extents, refuse_uses, scope_of, split_path
from .describe import where
from .stage import stage_mem  # noqa: F401


def _sched():
    from ..analysis import sched

    return sched


# --------------------------------------------------------------------------- bind_expr


_NARROW_INTS = ("i8", "ui8", "ui16")


def bind_expr(p: ProcDef, expr_paths, new_name: str):
    """Bind the data expression at ``expr_paths`` (all occurrences of one expression)
    to a new scalar ``new_name``: ``new_name: T`` and ``new_name = e`` are inserted
    before the first statement (of the innermost statement list holding every
    occurrence) that contains one, and the occurrences read ``new_name``.

    Checked: the occurrences are the same expression over the same variables, which are
    all bound before the insertion point; nothing that may run between the insertion
    point and an occurrence writes a location or config field the expression reads
    (Exo #237: the value must be the same at every occurrence); the expression can be
    evaluated at the insertion point (bounds)."""
    from ..analysis.sched.paths import stmt_path
    from ..memory import DRAM

    paths = sorted(set(tuple(x) for x in expr_paths))
    if not paths:
        raise SchedulingError("no expression to bind")
    nodes = []
    for path in paths:
        try:
            nodes.append(node_at(p, path))
        except LookupError:
            raise SchedulingError(f"no expression at {path}") from None
    e = nodes[0]
    if not isinstance(getattr(e, "type", None), ScalarType) or isinstance(e, WindowExpr):
        raise SchedulingError(f"only data expressions can be bound; '{_show(e)}' has type "
                              f"{getattr(e, 'type', '?')}")
    for other in nodes[1:]:
        if other != e:
            raise SchedulingError(f"the expressions to bind are not all the same: '{_show(e)}' "
                                  f"and '{_show(other)}'")
    if type(e) in (BinOp, USub) and getattr(e.type, "name", None) in _NARROW_INTS:
        # C computes it in 32-bit int: a temporary of the expression's own type would
        # truncate the value, one of type i32 would not type-check where it is read
        raise SchedulingError(f"cannot bind '{_show(e)}': arithmetic on {e.type.name} is computed in "
                              f"32-bit int, and a {e.type.name} temporary would truncate it")
    spaths = [stmt_path(x) for x in paths]
    parent, field, ins, last = _insertion_point(spaths)
    stmts = stmts_at(p, parent, field)
    region = stmts[ins:last + 1]
    bound_inside = set(binders(region)) & free_syms(e)
    if bound_inside:
        s = sorted(bound_inside, key=lambda x: x.name)[0]
        raise SchedulingError(f"cannot bind '{_show(e)}' before {where(stmts[ins])}: it uses "
                              f"{s.name}, which is bound after that point")
    _check_no_write_between(p, e, (parent, field, ins, last + 1), spaths)
    if any(len(sp) > len(parent) + 1 for sp in spaths) and _int_division(e):
        raise SchedulingError(f"cannot bind '{_show(e)}' before {where(stmts[ins])}: it divides integers, "
                              "and an occurrence is inside a loop or if that may not evaluate it")

    sym = Sym(new_name)
    src = stmts[ins].srcinfo
    new_stmts = (Alloc(sym, e.type, DRAM, srcinfo=src), Assign(sym, e.type, (), e, srcinfo=src))
    shift = fw.after_splice(parent, field, ins, ins, 2)
    new = splice(p, parent, field, ins, ins, new_stmts)
    moved = [shift(x) for x in paths]
    for path in moved:
        old = node_at(new, path)
        new = replace_at(new, path, Read(sym, (), e.type, srcinfo=old.srcinfo))
    try:
        # the new name is read only in the statements it was bound for
        _sched().check_bounds(new, region=stmts_at(new, parent, field)[ins:last + 3])
    except _sched().CheckFailed as err:
        raise SchedulingError(f"cannot bind '{_show(e)}' before {where(stmts[ins])}: evaluating it "
                              f"there may be out of bounds: {err}") from None
    inner = set(moved)

    def forward(path):
        path = shift(path)
        for m in inner:
            if len(path) > len(m) and path[:len(m)] == m:
                from ..errors import InvalidCursorError

                raise InvalidCursorError("the cursor's expression was bound to a new buffer")
        return path

    return new, forward


def _int_division(e) -> bool:
    return any(isinstance(n, BinOp) and n.op == "/" and isinstance(n.type, ScalarType)
               and not n.type.is_float() for n in walk(e))


def _show(e) -> str:
    from ..ir.printer import expr_to_str

    try:
        return expr_to_str(e)
    except Exception:  # pragma: no cover - printing never fails on typed IR
        return type(e).__name__


def _insertion_point(spaths):
    """``(parent, field, first, last)``: the innermost statement list holding every
    occurrence, and the first/last indices in it of statements holding one."""
    common = spaths[0]
    for sp in spaths[1:]:
        n = 0
        while n < len(common) and n < len(sp) and common[n] == sp[n]:
            n += 1
        common = common[:n]
    if all(len(sp) == len(common) for sp in spaths):  # one statement
        parent, field, k = split_path(common)
        return parent, field, k, k
    nexts = [sp[len(common)] for sp in spaths if len(sp) > len(common)]
    fields = {f for f, _ in nexts}
    if len(fields) == 1 and all(len(sp) > len(common) for sp in spaths):
        (field,) = fields
        idxs = [k for _, k in nexts]
        return common, field, min(idxs), max(idxs)
    parent, field, k = split_path(common)
    return parent, field, k, k


def _check_no_write_between(p, e, block, spaths) -> None:
    """No write that may run after the insertion point and before an occurrence touches
    what ``e`` reads."""
    from types import SimpleNamespace

    from ..analysis.sched.collect import collect
    from ..analysis.sched.deps import disjoint_goal
    from ..analysis.solver import SOLVER

    sched = _sched()
    try:
        eff = collect(p, block)
    except sched.CheckFailed as err:
        raise check_failed(err) from None
    w = eff.walker
    reads = []  # (root, root indices, node): what e reads, as of the insertion point
    for n in walk(e):
        if isinstance(n, Read) and isinstance(n.type, ScalarType):
            root, ridx = w.to_root(n.name, [w.affine(i) for i in n.idx])
            reads.append((root, ridx, n))
        elif isinstance(n, ReadConfig):
            reads.append(((n.config, n.field), (), n))
    roots = {r for r, _, _ in reads}
    depth = len(block[0])
    for acc in eff.accesses:
        if acc.kind == "read" or acc.root not in roots:
            continue
        if not any(_may_precede(p, acc.path, po, depth) for po in spaths):
            continue
        for root, ridx, n in reads:
            if root != acc.root:
                continue
            mine = SimpleNamespace(idx=tuple(ridx))
            if type(root) is tuple or any(i is None for i in ridx) or not SOLVER.prove(
                    disjoint_goal(acc, mine), acc.facts | eff.facts):
                raise SchedulingError(
                    f"cannot bind '{_show(e)}': {_stmt_where(p, acc.path)} may write what '{_show(n)}' "
                    "reads between the new binding and an occurrence, so the occurrences may not "
                    "all have the value it would bind")


def _stmt_where(p, path) -> str:
    return where(node_at(p, path))


def _may_precede(p, pw, po, depth: int) -> bool:
    """Whether the statement at ``pw`` may run after the insertion point (in the list at
    ``depth``) and before the occurrence in the statement at ``po``."""
    n = 0
    while n < len(pw) and n < len(po) and pw[n] == po[n]:
        n += 1
    for d in range(depth + 1, n + 1):
        if isinstance(node_at(p, pw[:d]), For):
            return True  # a later iteration of a loop around both
    if n == len(pw) or n == len(po):
        return False  # the occurrence's own statement writes after evaluating it
    (fw_, iw), (fo, io) = pw[n], po[n]
    return fw_ == fo and iw < io


# --------------------------------------------------------------------------- lift / sink


def lift_alloc(p: ProcDef, alloc_path: tuple, n_lifts: int = 1):
    """Move the allocation out of ``n_lifts`` enclosing loops or ``if``s (before the
    outermost). Checked per loop: its extents do not use the iterator, the loop is not
    parallel, and no iteration reads a value another iteration wrote through the buffer
    (storage that was fresh per iteration becomes shared by all of them)."""
    fwds = []
    path = tuple(alloc_path)
    for k in range(n_lifts):
        p, path, f = _lift_once(p, path, k, n_lifts)
        fwds.append(f)
    return p, fw.compose(*fwds)


def _lift_once(p: ProcDef, path: tuple, done: int, total: int, check: bool = True):
    a = alloc_at(p, path)
    parent, field, k = split_path(path)
    if not parent:
        raise SchedulingError(f"cannot lift {a.name.name} {total} time(s): it is only inside "
                              f"{done} loop(s) or if(s)")
    scope = node_at(p, parent)
    if isinstance(scope, For):
        _check_lift_over_loop(p, a, scope)
    gp, gfield, gk = split_path(parent)
    new = splice(p, parent, field, k, k + 1, ())
    new = splice(new, gp, gfield, gk, gk, (a,))
    new_path = gp + ((gfield, gk),)
    if check and isinstance(scope, For):
        try:
            _sched().check_sink_alloc(new, new_path)
        except _sched().CheckFailed as err:
            raise SchedulingError(f"cannot lift {a.name.name} out of {where(scope)}: {err}") from None
    remove = fw.after_splice(parent, field, k, k + 1, 0)
    insert = fw.after_splice(gp, gfield, gk, gk, 1)
    n = len(path)

    def forward(q):
        if q[:n] == path:
            return new_path + q[n:]
        return insert(remove(q))

    return new, new_path, forward


def _check_lift_over_loop(p, a: Alloc, loop: For) -> None:
    name = a.name.name
    for h in extents(a.type):
        if loop.iter in free_syms(h):
            raise SchedulingError(f"cannot lift {name} out of {where(loop)}: its extent uses "
                                  f"{loop.iter.name}")
    if loop.loop_mode == "par":
        raise SchedulingError(f"cannot lift {name} out of the parallel loop {where(loop)}: its "
                              "iterations would share the buffer")


def sink_alloc(p: ProcDef, alloc_path: tuple):
    """Move the allocation into the loop or ``if`` right after it (into both branches of
    an ``if``, with a fresh buffer in the ``else``). Checked: the buffer is not used after
    that statement, and (loop) no iteration reads a value an earlier iteration wrote
    through it (each iteration now gets fresh storage)."""
    a = alloc_at(p, alloc_path)
    parent, field, k, stmts = scope_of(p, alloc_path)
    if k + 1 >= len(stmts) or not isinstance(stmts[k + 1], (For, If)):
        raise SchedulingError(f"cannot sink {a.name.name}: the statement after it is not a loop "
                              "or an if")
    try:
        _sched().check_sink_alloc(p, alloc_path)
    except _sched().CheckFailed as err:
        raise SchedulingError(f"cannot sink {a.name.name} into {where(stmts[k + 1])}: {err}") from None
    s = stmts[k + 1]
    updates = {"body": (a,) + tuple(s.body)}
    if isinstance(s, If) and s.orelse:
        copy = a.update(name=a.name.copy())
        updates["orelse"] = (copy,) + tuple(substitute(s.orelse, {a.name: copy.name}))
    new = splice(p, parent, field, k, k + 2, (s.update(**updates),))
    spath = parent + ((field, k),)
    n = len(spath)
    moved = fw.after_splice(parent, field, k, k + 1, 0)

    def forward(q):
        if q[:len(alloc_path)] == tuple(alloc_path):
            return spath + (("body", 0),) + q[len(alloc_path):]
        q = moved(q)
        if len(q) > n and q[:n] == spath:
            f, i = q[n]
            if f == "body" or (f == "orelse" and "orelse" in updates):
                return spath + ((f, i + 1),) + q[n + 1:]
        return q

    return new, forward


def autolift_alloc(p: ProcDef, alloc_path: tuple, n_lifts: int = 1, mode: str = "row", size=None,
                   keep_dims: bool = False):
    """Exo's legacy lift: move the allocation out of ``n_lifts`` loops or ``if``s and,
    with ``keep_dims``, give it one more dimension per crossed loop whose iterator the
    buffer's writes use (extent the loop's ``hi``, ``hi + 1`` when it is not a literal,
    or ``size``), indexed by the iterator: in front (``mode="row"``) or at the back
    (``"col"``). Loops crossed without a new dimension are checked like ``lift_alloc``;
    every access of the result is bounds-checked."""
    path = tuple(alloc_path)
    a0 = alloc_at(p, path)
    deps = _write_deps(p, path, a0.name)
    ndims = len(extents(a0.type))
    fwds = []
    for k in range(n_lifts):
        a = alloc_at(p, path)
        parent = path[:-1]
        scope = node_at(p, parent) if parent else None
        if isinstance(scope, For) and keep_dims and scope.iter in deps:
            p = _add_loop_dim(p, path, scope, mode, size, ndims)
            p, path, f = _lift_once(p, path, k, n_lifts, check=False)
        else:
            p, path, f = _lift_once(p, path, k, n_lifts)
        fwds.append(f)
        del a
    try:
        _sched().check_bounds(p, a0.name)
    except _sched().CheckFailed as err:
        raise check_failed(err) from None
    return p, fw.compose(*fwds)


def _write_deps(p, path, sym) -> set:
    parent, field, k, stmts = scope_of(p, path)
    out = set()
    for n in walk(tuple(stmts[k + 1:])):
        if isinstance(n, (Assign,)) or type(n).__name__ == "Reduce":
            if n.name is sym:
                out |= free_syms(n)
    return out


def _add_loop_dim(p, path, loop: For, mode: str, size, ndims: int):
    """Give the allocation at ``path`` (directly in ``loop``'s body) a dimension indexed by
    the loop's iterator."""
    a = alloc_at(p, path)
    name = a.name.name
    if size is not None:
        ext = B.const(size, loop.srcinfo)
    elif isinstance(loop.hi, Const):
        ext = loop.hi
    else:
        ext = B.add(loop.hi, B.const(1, loop.srcinfo))
    _, _, _, stmts = scope_of(p, path)
    parent, field, k = split_path(path)
    refuse_uses(stmts[k + 1:], a.name, f"cannot lift {name} with a new dimension", scalar_args=True,
                whole_to_windows=True, strides=True)
    his = list(extents(a.type))
    pos = 0 if mode == "row" else ndims
    his.insert(pos, ext)
    it = B.var(loop.iter, srcinfo=loop.srcinfo)

    def point(n):
        idx = list(n.idx)
        idx.insert(pos, it)
        return n.update(idx=tuple(idx))

    def window(n):
        idx = list(n.idx)
        idx.insert(pos, Point(it, srcinfo=n.srcinfo))
        return n.update(idx=tuple(idx))

    from .buffer_util import full_window, rewrite_scope

    new_alloc = a.update(type=Tensor(tuple(his), False, a.type.basetype()))
    return rewrite_scope(p, path, (new_alloc,), access_mapper(
        a.name, point=point, window=window, whole=lambda n: window(full_window(n))))


# --------------------------------------------------------------------------- reuse / delete


def reuse_buffer(p: ProcDef, x_path: tuple, y_path: tuple):
    """Use the buffer ``x`` instead of allocating ``y`` (allocated later, in ``x``'s
    scope): ``y``'s allocation is deleted and its uses read and write ``x``. Checked:
    same type and memory; ``x`` is not used after ``y``'s allocation (later iterations
    of loops around it count); and, when ``y`` is allocated inside loops, no iteration
    reads a value another wrote through ``y`` (they would now share ``x``)."""
    x = alloc_at(p, x_path)
    y = alloc_at(p, y_path)
    xn, yn = x.name.name, y.name.name
    if x.type != y.type:
        raise SchedulingError(f"cannot reuse {xn} for {yn}: their types differ ({_type(x.type)} and "
                              f"{_type(y.type)})")
    if x.mem is not y.mem:
        raise SchedulingError(f"cannot reuse {xn} for {yn}: their memories differ "
                              f"({x.mem.name()} and {y.mem.name()})")
    xp, xf, xk = split_path(tuple(x_path))
    n = len(xp)
    if not (len(y_path) > n and tuple(y_path[:n]) == xp and y_path[n][0] == xf and y_path[n][1] > xk):
        raise SchedulingError(f"cannot reuse {xn} for {yn}: {yn} is not allocated after {xn} "
                              f"within {xn}'s scope")
    yp, yf, yk = split_path(tuple(y_path))
    sched = _sched()
    try:
        sched.check_dead_after(p, (yp, yf, yk, yk + 1), x.name)
    except sched.CheckFailed as err:
        raise SchedulingError(f"cannot reuse {xn} for {yn}: {xn} is still live at {where(y)}: "
                              f"{err}") from None
    # sharing x across the loops around y is a lift of y to x's level
    q, path = p, tuple(y_path)
    for k in range(len(y_path) - len(x_path)):
        q, path, _ = _lift_once(q, path, k, len(y_path) - len(x_path))
    stmts = stmts_at(p, yp, yf)
    rest = substitute(stmts[yk + 1:], {y.name: x.name})
    new = splice(p, yp, yf, yk, len(stmts), tuple(rest))
    return new, fw.after_splice(yp, yf, yk, yk + 1, 0)


def _type(t) -> str:
    from ..frontend.display import show_type

    return show_type(t)


def delete_buffer(p: ProcDef, alloc_path: tuple):
    """Delete an allocation that is not used."""
    a = alloc_at(p, alloc_path)
    parent, field, k, stmts = scope_of(p, alloc_path)
    if a.name in free_syms(tuple(stmts[k + 1:])):
        raise SchedulingError(f"cannot delete {a.name.name}: it is used ({where(_stmt_of(stmts[k + 1:], a.name))})")
    new = splice(p, parent, field, k, k + 1, ())
    return new, fw.after_splice(parent, field, k, k + 1, 0)


def _stmt_of(stmts, sym):
    """The innermost statement of ``stmts`` that uses ``sym``."""
    for s in stmts:
        if sym in free_syms(s):
            for f in ("body", "orelse"):
                inner = getattr(s, f, None)
                if inner and sym in free_syms(tuple(inner)):
                    return _stmt_of(inner, sym)
            return s
    return stmts[0]


# --------------------------------------------------------------------------- inline_window


def inline_window(p: ProcDef, path: tuple):
    """Remove the window statement ``y = x[...]``, rewriting every use of ``y`` (reads,
    writes, windows, strides, whole-window call arguments) onto ``x``. Checked: the
    window's indices read no config field that is written in ``y``'s scope (they were
    evaluated once, at the window statement)."""
    from ..analysis.effects import config_reads_of, config_writes

    try:
        s = node_at(p, path)
    except LookupError:
        raise SchedulingError(f"no statement at {path}") from None
    if not isinstance(s, WindowStmt):
        raise SchedulingError(f"expected a window statement, got {where(s)}")
    parent, field, k = split_path(tuple(path))
    stmts = stmts_at(p, parent, field)
    scope = stmts[k + 1:]
    w = s.rhs
    clash = config_reads_of(w) & config_writes(scope)
    if clash:
        c, f = sorted(clash, key=lambda t: (t[0].name(), t[1]))[0]
        raise SchedulingError(f"cannot inline {s.name.name}: its window reads {c.name()}.{f}, which "
                              "is written after it")
    ivs = [d for d, acc in enumerate(w.idx) if isinstance(acc, Interval)]

    def compose_idx(idx):
        out, j = [], 0
        for acc in w.idx:
            if isinstance(acc, Point):
                out.append(acc.pt)
            else:
                out.append(B.add(acc.lo, idx[j]))
                j += 1
        return tuple(out)

    def point(n):
        return n.update(name=w.name, idx=compose_idx(n.idx))

    def window(n):
        out, j = [], 0
        for acc in w.idx:
            if isinstance(acc, Point):
                out.append(acc)
                continue
            mine = n.idx[j]
            j += 1
            if isinstance(mine, Point):
                out.append(Point(B.add(acc.lo, mine.pt), srcinfo=mine.srcinfo))
            else:
                out.append(Interval(B.add(acc.lo, mine.lo), B.add(acc.lo, mine.hi), srcinfo=mine.srcinfo))
        return n.update(name=w.name, idx=tuple(out))

    def whole(n):
        return w.update(srcinfo=n.srcinfo)

    def stride(n):
        return n.update(name=w.name, dim=ivs[n.dim])

    body = map_bottom_up(scope, access_mapper(s.name, point=point, window=window, whole=whole,
                                              stride=stride))
    new = splice(p, parent, field, k, len(stmts), tuple(body))
    return new, fw.after_splice(parent, field, k, k + 1, 0)
