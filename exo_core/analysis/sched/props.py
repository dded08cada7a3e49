"""Properties of one block or loop: idempotence, reduce-only, window containment,
deadness, loop facts and bounds.

Idempotence (``check_idempotent``) is Exo's ``Shadows(a, a)`` made precise: running the
block twice equals running it once if every read (a reduction reads too) of a location
the block may write is *covered*, i.e. the location was certainly assigned earlier in
the same run, by an assignment that dominates the read (an earlier statement of an
enclosing list, reached through loops only) and whose region, over the loops between,
contains the read location. By induction over the run every read then sees the same
value both times, so the same values are written. Uncovered reductions (``x += ...``
with no earlier ``x = ...``) are never idempotent.
"""

from __future__ import annotations

from ...errors import BoundsCheckError, TypeCheckError
from ...ir.nodes import Alloc, Assign, Call, For, Interval, Point, WindowExpr, WindowStmt, WriteConfig
from ...ir.sym import Sym
from .. import logic as L
from ..aliasing import check_aliasing
from ..boundscheck import _BoundsChecker, check_proc
from ..effects import proc_effects
from ..solver import SOLVER
from . import CheckFailed
from .collect import collect, free_syms, rename, renamed
from .deps import access_text, disjoint_goal, when
from .paths import as_procdef, block_stmts, locate, loop_at, node_at

# --------------------------------------------------------------------------- loops


def check_loop_nonempty(proc, loop_path) -> bool:
    """Whether ``hi > lo`` is provable for the loop (not ``hi > 0``: Exo's bug)."""
    s = loop_at(as_procdef(proc), tuple(loop_path))
    facts, w = locate(proc, loop_path)
    lo, hi = w.affine(s.lo), w.affine(s.hi)
    return lo is not None and hi is not None and SOLVER.prove(L.ge(hi - lo - 1), facts)


def check_body_independent_of_iter(proc, loop_path) -> None:
    """The loop's body does not mention its iterator."""
    s = loop_at(as_procdef(proc), tuple(loop_path))
    if s.iter in free_syms(s.body):
        raise CheckFailed(f"the body of the loop over {s.iter.name} uses {s.iter.name}", s.srcinfo)


# --------------------------------------------------------------------------- idempotence


def check_idempotent(proc, block) -> None:
    """Running ``block`` twice in a row has the effect of running it once."""
    proc = as_procdef(proc)
    eff = collect(proc, block)
    accs = eff.shared()
    writes = [a for a in accs if a.kind != "read"]
    if not writes:
        return
    mapping = rename(eff.locals())
    others = [renamed(a, mapping) for a in writes]
    for r in accs:
        if r.kind == "write":
            continue
        hits = [w for w, w2 in zip(writes, others) if w2.root == r.root
                and not SOLVER.prove(disjoint_goal(r, w2), r.facts | w2.facts)]
        if not hits or covered(proc, eff, r):
            continue
        w = hits[0]
        if r.kind == "reduce":
            raise CheckFailed(f"{access_text(r)} is a reduction into a location not assigned "
                              "before in the block: running the block twice would add twice", r.src)
        raise CheckFailed(
            f"{access_text(r)} reads a location that {access_text(w)} writes: a second run of "
            "the block would read the value the first run wrote", r.src)


def covered(proc, eff, r) -> bool:
    """Whether the location ``r`` reads was certainly assigned earlier in the same run."""
    base = len(eff.block[0])
    for w in eff.accesses:
        if w.kind != "write" or w.root != r.root or len(w.path) <= base:
            continue
        if type(node_at(proc, w.path)) not in (Assign, WriteConfig):
            continue
        loops = _dominating_loops(proc, eff, w.path, r.path)
        if loops is not None and _region_covers(eff, w, r, loops):
            return True
    return False


def _dominating_loops(proc, eff, wpath, rpath):
    """The loops between the common list and ``wpath`` if the statement at ``wpath``
    runs before ``rpath`` in every run reaching ``rpath``, only through loops; else None."""
    base = len(eff.block[0])
    c = base
    while c < len(wpath) and c < len(rpath) and wpath[c] == rpath[c]:
        c += 1
    if c >= len(wpath) or c >= len(rpath):
        return None
    if wpath[c][0] != rpath[c][0] or wpath[c][1] >= rpath[c][1]:
        return None
    loops = []
    for d in range(c + 1, len(wpath)):
        p = wpath[:d]
        if type(node_at(proc, p)) is not For or wpath[d][0] != "body":
            return None
        loops.append(eff.loops.get(p))
    if any(li is None for li in loops):
        return None
    return loops


def _region_covers(eff, w, r, loops) -> bool:
    if any(i is None for i in w.idx) or any(i is None for i in r.idx):
        return False
    its = {li.iter: li for li in loops}
    # atoms bound inside the loops other than their iterators make the region unknown
    inner = set()
    for li in loops:
        inner |= set(eff.walker.bound[li.mark:])
    leaves = frozenset().union(*(i.leaves() for i in w.idx)) if w.idx else frozenset()
    if any(x in inner and x not in its for x in leaves):
        return False
    goals, used = [], set()
    for x, y in zip(w.idx, r.idx):
        js = [a for a, _ in x.terms if a in its]
        if not js:
            goals.append(L.eq0(x - y))
            continue
        if len(js) > 1 or abs(x.coeff(js[0])) != 1 or js[0] in used:
            return False
        j = js[0]
        used.add(j)
        li = its[j]
        if li.lo is None or li.hi is None or not (li.lo.leaves() | li.hi.leaves()).isdisjoint(its):
            return False
        c = x.coeff(j)
        val = (y - x.without(j)).scale(c)  # the j that writes y
        goals.append(L.conj((L.ge(val - li.lo), L.ge(li.hi - val - 1))))
    for j, li in its.items():
        if j not in used:
            if li.lo is None or li.hi is None:
                return False
            goals.append(L.ge(li.hi - li.lo - 1))
    return SOLVER.prove(L.conj(goals), r.facts)


# --------------------------------------------------------------------------- buffers


def _root(eff_or_walker, buf):
    w = getattr(eff_or_walker, "walker", eff_or_walker)
    info = w.bufs.get(buf)
    return info.root if info is not None else buf


def check_reduce_only(proc, block, buf_sym) -> None:
    """``buf_sym`` (its whole root buffer) is only reduced into in ``block``."""
    eff = collect(proc, block)
    root = _root(eff, buf_sym)
    for a in eff.accesses:
        if a.root is root and a.kind != "reduce":
            raise CheckFailed(f"{access_text(a)} {'reads' if a.kind == 'read' else 'assigns'} "
                              f"{buf_sym.name}, which may only be reduced into here", a.src)


def window_verdicts(proc, block, buf_sym, window) -> list:
    """``[(access, inside)]`` for every access to ``buf_sym``'s buffer in ``block``;
    raises ``CheckFailed`` for an access partly inside the window."""
    proc = as_procdef(proc)
    parent, field, lo, _ = block
    _, w0 = locate(proc, tuple(parent) + ((field, lo),))
    if isinstance(window, WindowExpr):
        entries = window.idx
    else:
        entries = tuple(e if type(e) in (Interval, Point) else
                        Interval(e[0], e[1]) if isinstance(e, tuple) else Point(e) for e in window)
    wd = w0.window_dims(WindowExpr(buf_sym, tuple(entries), None))
    if wd is None:
        raise CheckFailed(f"{buf_sym.name} is not a buffer in scope at the block")
    root, dims, _ = wd
    eff = collect(proc, block)
    out = []
    for a in eff.accesses:
        if a.root is not root:
            continue
        if len(a.idx) != len(dims):
            raise CheckFailed(f"{access_text(a)}: cannot compare with the window", a.src)
        ins, outs = [], []
        for i, d in zip(a.idx, dims):
            if i is None or any(x is None for x in d[1:]):
                ins, outs = [L.FALSE], [L.FALSE]
                break
            if d[0] == "pt":
                ins.append(L.eq0(i - d[1]))
                outs.append(L.disj((L.ge(i - d[1] - 1), L.ge(d[1] - i - 1))))
            else:
                ins.append(L.conj((L.ge(i - d[1]), L.ge(d[2] - i - 1))))
                outs.append(L.disj((L.ge(d[1] - i - 1), L.ge(i - d[2]))))
        if SOLVER.prove(L.conj(ins), a.facts):
            out.append((a, True))
        elif SOLVER.prove(L.disj(outs), a.facts):
            out.append((a, False))
        else:
            r = SOLVER.check(L.conj(ins), a.facts)
            raise CheckFailed(f"{access_text(a)} may be partly inside and partly outside the "
                              f"window{when(r.model)}", a.src)
    return out


def access_in_window(proc, block, buf_sym, window) -> bool:
    """True if every access to ``buf_sym`` in ``block`` is inside ``window`` (a
    ``WindowExpr`` over ``buf_sym`` or per-dimension ``(lo, hi)`` pairs / point
    expressions, read at the start of the block), False if every one is outside (or
    there is none... True then); CheckFailed otherwise."""
    verdicts = window_verdicts(proc, block, buf_sym, window)
    ins = [a for a, v in verdicts if v]
    outs = [a for a, v in verdicts if not v]
    if ins and outs:
        raise CheckFailed(f"{access_text(ins[0])} is inside the window but {access_text(outs[0])} "
                          "is outside it", outs[0].src)
    return not outs


def check_dead_after(proc, block, buf_sym) -> None:
    """``buf_sym`` is not accessed at all after ``block`` (through any window of it
    either), up to the end of its scope; later iterations of enclosing loops count. A
    procedure argument is never dead (the caller sees it)."""
    proc = as_procdef(proc)
    parent, field, hi = tuple(block[0]), block[1], block[3]
    block_stmts(proc, block)
    if any(a.name is buf_sym for a in proc.args):
        raise CheckFailed(f"{buf_sym.name} is an argument of {proc.name}: its value is visible "
                          "after the procedure returns")
    names = {buf_sym} | _aliases(proc.body, buf_sym)
    stmts = getattr(node_at(proc, parent), field)
    later = list(stmts[hi:])
    scope_list = stmts
    path = parent
    while not _binds(scope_list, buf_sym) and path:
        s = node_at(proc, path)
        if type(s) is For:
            later.extend(s.body)
        f, k = path[-1]
        path = path[:-1]
        scope_list = getattr(node_at(proc, path), f)
        later.extend(scope_list[k + 1:])
    used = free_syms(tuple(later)) & names
    if used:
        raise CheckFailed(f"{buf_sym.name} is used after the block")


def _binds(stmts, sym) -> bool:
    return any(getattr(s, "name", None) is sym and type(s).__name__ == "Alloc" for s in stmts)


def _aliases(stmts, sym) -> set:
    from ...ir.visit import walk

    out = {sym}
    changed = True
    while changed:
        changed = False
        for n in walk(tuple(stmts)):
            if type(n) is WindowStmt and n.rhs.name in out and n.name not in out:
                out.add(n.name)
                changed = True
    return out - {sym}


# --------------------------------------------------------------------------- bounds


class _OneBuffer(_BoundsChecker):
    def __init__(self, proc, buf: Sym):
        super().__init__(proc)
        self.buf = buf

    def _mine(self, sym) -> bool:
        info = self.bufs.get(sym)
        return (info.root if info is not None else sym) is self.buf

    def check_access(self, sym, idx, what, node, facts) -> None:
        if self._mine(sym):
            super().check_access(sym, idx, what, node, facts)

    def on_window_expr(self, w, facts) -> None:
        if self._mine(w.name):
            super().on_window_expr(w, facts)

    def on_alloc(self, s, facts) -> None:
        if s.name is self.buf:
            super().on_alloc(s, facts)

    def on_call(self, s, facts) -> None:
        if any(self._mine(getattr(a, "name", None)) for a in s.args):
            super().on_call(s, facts)


def check_bounds(proc, buf_sym=None, region=None) -> None:
    """The bounds checker on a rewritten proc, reporting as ``CheckFailed``.

    With ``buf_sym``, only the accesses to that buffer (and only where it is in scope).
    With ``region`` (statements of ``proc``), only those statements: the caller states
    that everything else is unchanged from a checked proc and that buffers the region
    declares are not used after it. A region that writes configuration state or declares
    a window can change what later statements know, so it is checked whole."""
    proc = as_procdef(proc)
    try:
        if buf_sym is not None:
            w = _OneBuffer(proc, buf_sym)
            scope = _alloc_scope(proc.body, buf_sym)
            if scope is not None:
                w.set_focus(scope)
            w.run()
        elif region is not None and not _informs_later(region):
            check_aliasing(proc)
            w = _BoundsChecker(proc)
            w.set_focus(region)
            w.run()
        else:
            check_proc(proc)
    except (BoundsCheckError, TypeCheckError) as e:
        raise CheckFailed(str(e), getattr(e, "srcinfo", None)) from None


def _alloc_scope(body, sym):
    """The statements from ``sym``'s allocation to the end of its block, or None (an
    argument, or not found)."""
    for k, s in enumerate(body):
        if type(s) is Alloc and s.name is sym:
            return body[k:]
        for b in (getattr(s, "body", None), getattr(s, "orelse", None)):
            if b:
                got = _alloc_scope(b, sym)
                if got is not None:
                    return got
    return None


def _informs_later(region) -> bool:
    from ...ir.visit import walk

    if any(type(s) is WindowStmt for s in region):
        return True
    for n in walk(tuple(region)):
        if type(n) is WriteConfig or (type(n) is Call and proc_effects(n.proc).cfg_writes):
            return True
    return False


__all__ = ["check_loop_nonempty", "check_body_independent_of_iter", "check_idempotent",
           "check_reduce_only", "window_verdicts", "access_in_window", "check_dead_after",
           "check_bounds", "covered"]
