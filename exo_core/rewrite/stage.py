"""``stage_mem``: copy a window of a buffer into a new buffer around a block.

``x[w]`` (a window given in the scope just before the block) gets a staging buffer of the
window's shape in ``x``'s memory. Before the block a loop nest loads the window into it,
the block's accesses to the window use it, and after the block a loop nest stores it
back. With ``accum=True`` the staging buffer starts at zero, the block's reductions go
into it, and it is added back.

Soundness, where Exo was not (#507): every access to ``x`` in the block is decided to be
entirely inside the window or entirely outside it (else refused); loads and stores are
guarded by ``x``'s bounds where they are not provably in bounds, so a window larger
than the buffer reads and writes only real locations (and the staged locations outside
the buffer are never touched by the block, whose accesses are in bounds); the load is
omitted only when the window is one location that the block's first statement assigns
without reading it; ``accum`` needs the block to only reduce into ``x``.
"""

from __future__ import annotations

from ..errors import SchedulingError
from ..ir import (
    Alloc,
    Assign,
    Call,
    Const,
    For,
    If,
    Interval,
    Point,
    ProcDef,
    R,
    Read,
    Reduce,
    Sym,
    Tensor,
    WindowExpr,
    WindowStmt,
)
from ..ir.paths import splice, stmts_at
from ..ir.visit import map_bottom_up, walk
from . import build as B
from . import forward as fw
from .buffer_util import buffer_type, check_failed, is_arg
from .describe import where


def _show(e) -> str:
    from ..ir.printer import expr_to_str

    return expr_to_str(e)


def stage_mem(p: ProcDef, block: tuple, win, new_name: str, accum: bool = False):
    """Stage the window ``win`` (a ``WindowExpr``, a ``Read`` with point indices, or a whole
    buffer ``Read``, in scope before the block) of a buffer around ``block`` into a new
    buffer ``new_name``. See the module docstring for what is checked."""
    from ..analysis.effects import config_reads_of, config_writes

    parent, field, lo, hi = block
    stmts = stmts_at(p, parent, field)
    body = stmts[lo:hi]
    x = win.name
    xt = buffer_type(p, p.body, x)
    if xt is None:
        raise SchedulingError(f"{x.name} is not a buffer")
    dims = _window_dims(win, xt)
    clash = set().union(*(config_reads_of(e) for d in dims for e in d[1:])) & config_writes(body)
    if clash:
        c, f = sorted(clash, key=lambda t: (t[0].name(), t[1]))[0]
        raise SchedulingError(f"cannot stage {_show(win)}: the window reads {c.name()}.{f}, which the "
                              "block writes")
    base = xt.basetype()
    ivs = [d for d in dims if d[0] == "iv"]
    sizes = tuple(_extent(d[1], d[2]) for d in ivs)
    sym = Sym(new_name)
    mem = _memory_of(p, x)
    src = body[0].srcinfo
    new_alloc = Alloc(sym, Tensor(sizes, False, base) if sizes else base, mem, srcinfo=src)

    v = _Verdicts(p, (tuple(parent), field, lo, hi), x, win, dims)
    v.run()
    if not v.touched:
        raise SchedulingError(f"cannot stage {_show(win)}: the block does not access {x.name}")
    if accum:
        sched = _sched()
        try:
            sched.check_reduce_only(p, (tuple(parent), field, lo, hi), x)
        except sched.CheckFailed as err:
            raise SchedulingError(f"cannot stage {_show(win)} with accum=True: {err}") from None

    new_body = tuple(_rewrite(s, tuple(parent) + ((field, lo + i),), v, x, sym, dims, base, sizes)
                     for i, s in enumerate(body))

    guards = _guards(p, tuple(parent) + ((field, lo),), x, xt, dims, sizes)
    before, after = [new_alloc], []
    if accum:
        before.append(_nest(dims, sizes, src, lambda xi, ki: Assign(
            sym, base, ki, Const(0.0, R, srcinfo=src), srcinfo=src), None))
    elif not _load_omittable(body, v, dims):
        before.append(_nest(dims, sizes, src, lambda xi, ki: Assign(
            sym, base, ki, Read(x, xi, base, srcinfo=src), srcinfo=src), guards))
    if v.writes:
        kind = Reduce if accum else Assign
        after.append(_nest(dims, sizes, src, lambda xi, ki: kind(
            x, base, xi, Read(sym, ki, base, srcinfo=src), srcinfo=src), guards))
    new_stmts = tuple(before) + new_body + tuple(after)
    new = splice(p, parent, field, lo, hi, new_stmts)
    sched = _sched()
    try:
        # the block's other accesses are unchanged and stay where they were checked
        sched.check_bounds(new, region=tuple(before[1:]) + tuple(after))
        sched.check_bounds(new, buf_sym=sym)
    except sched.CheckFailed as err:
        raise check_failed(err) from None
    nb = len(before)
    n = len(parent)

    def inner(path):
        i = path[n][1]
        return tuple(parent) + ((field, i + nb),) + path[n + 1:]

    return new, fw.after_splice(tuple(parent), field, lo, hi, len(new_stmts), inner)


def _sched():
    from ..analysis import sched

    return sched


def _window_dims(win, xt) -> list:
    """Per dimension of ``x``: ``("pt", e)`` or ``("iv", lo, hi)``."""
    if isinstance(win, WindowExpr):
        return [("pt", w.pt) if isinstance(w, Point) else ("iv", w.lo, w.hi) for w in win.idx]
    if win.idx:
        return [("pt", e) for e in win.idx]
    if isinstance(xt, Tensor):
        return [("iv", B.const(0, win.srcinfo), h) for h in xt.hi]
    return []


def _extent(lo, hi):
    from ..analysis.affine import NonAffine, to_affine
    from ..frontend.typecheck import window_extent

    e = window_extent(Interval(lo, hi))
    if isinstance(e, Const):
        return e
    try:
        d = to_affine(hi) - to_affine(lo)
    except NonAffine:
        return e
    if d.is_const():
        return B.const(d.const, lo.srcinfo)
    return e


def _memory_of(p, x):
    a = is_arg(p, x)
    if a is not None:
        return a.mem
    for n in walk(p.body):
        if isinstance(n, Alloc) and n.name is x:
            return n.mem
        if isinstance(n, WindowStmt) and n.name is x:
            return _memory_of(p, n.rhs.name)
    from ..memory import DRAM

    return DRAM


# --------------------------------------------------------------------------- verdicts


class _Verdicts:
    """Walk the proc; decide for every access to ``x``'s storage in the block whether it
    is inside the window (``inside[(path, id(node))]``) and record whether the block
    writes the window (``writes``)."""

    def __init__(self, p, block, x, win, dims):
        from ..analysis.sched.paths import PathWalker

        self.p, self.block, self.x, self.win, self.dims = p, block, x, win, dims
        self.inside: dict = {}
        self.touched = False
        self.writes = False
        self.staged_aliases: set = set()
        outer = self

        class W(PathWalker):
            def visit(self, s, facts, field, k):
                outer._visit(self, s, facts)
                return self.walk_stmt(s, facts)

            def on_read(self, e, facts):
                outer._point(self, e, e.idx, facts, False)

            def on_write(self, s, facts):
                outer._point(self, s, s.idx, facts, True)

            def on_window_stmt(self, s, facts):
                outer._window(self, s.rhs, facts, None, s.name)

            def on_call(self, s, facts):
                outer._call(self, s, facts)

        self.w = W(p)
        parent, field, lo, hi = block
        self.w.set_focus(stmts_at(p, parent, field)[lo:hi], tuple(parent))
        self.root_dims = None

    def run(self):
        from ..analysis.sched.paths import Stop

        try:
            self.w.run()
        except Stop:
            pass

    def _in_block(self, path) -> bool:
        parent, field, lo, hi = self.block
        n = len(parent)
        return len(path) > n and path[:n] == parent and path[n][0] == field and lo <= path[n][1] < hi

    def _visit(self, w, s, facts):
        parent, field, lo, hi = self.block
        if w.path == parent + ((field, lo),) and self.root_dims is None:
            entries = tuple(Point(d[1]) if d[0] == "pt" else Interval(d[1], d[2]) for d in self.dims)
            if entries:
                wd = w.window_dims(WindowExpr(self.x, entries, None))
                if wd is None:
                    raise SchedulingError(f"{self.x.name} is not a buffer in scope at the block")
                self.root, self.root_dims = wd[0], wd[1]
            else:
                info = w.bufs.get(self.x)
                self.root, self.root_dims = (info.root if info else self.x), ()
        if w.path == parent + ((field, hi),):
            from ..analysis.sched.paths import Stop

            raise Stop

    def _mine(self, w, name) -> bool:
        if self.root_dims is None or not self._in_block(w.path):
            return False
        info = w.bufs.get(name)
        return (info.root if info is not None else name) is self.root

    def _decide(self, w, box, facts, node, what):
        """True (inside), False (outside); raises when partly inside. ``box``: per root
        dimension ``("pt", a)`` / ``("iv", lo, hi)``."""
        from ..analysis import logic as L
        from ..analysis.solver import SOLVER

        ins, outs = [], []
        for b, d in zip(box, self.root_dims):
            if any(t is None for t in b[1:]) or any(t is None for t in d[1:]):
                ins, outs = [L.FALSE], [L.FALSE]
                break
            if d[0] == "pt":
                p = d[1]
                if b[0] == "pt":
                    ins.append(L.eq0(b[1] - p))
                    outs.append(L.disj((L.ge(b[1] - p - 1), L.ge(p - b[1] - 1))))
                else:
                    ins.append(L.FALSE)
                    outs.append(L.disj((L.ge(p - b[2]), L.ge(b[1] - p - 1))))
            else:
                lo, hi = d[1], d[2]
                if b[0] == "pt":
                    ins.append(L.conj((L.ge(b[1] - lo), L.ge(hi - b[1] - 1))))
                    outs.append(L.disj((L.ge(lo - b[1] - 1), L.ge(b[1] - hi))))
                else:
                    ins.append(L.conj((L.ge(b[1] - lo), L.ge(hi - b[2]))))
                    outs.append(L.disj((L.ge(lo - b[2]), L.ge(b[1] - hi))))
        if SOLVER.prove(L.conj(ins), facts):
            return True
        if SOLVER.prove(L.disj(outs), facts):
            return False
        r = SOLVER.check(L.conj(ins), facts)
        from ..analysis.sched.deps import when

        raise SchedulingError(f"cannot stage {_show(self.win)}: {what} may be partly inside and partly "
                              f"outside the window{when(r.model)}")

    def _record(self, w, node, name, inside, is_write, what):
        self.touched = True
        if name is not self.x and name not in self.staged_aliases:
            if inside:
                raise SchedulingError(f"cannot stage {_show(self.win)}: {what} accesses the window "
                                      f"through {name.name}, another name for {self.x.name}")
            return
        self.inside[(w.path, id(node))] = inside
        if inside and is_write:
            self.writes = True

    def _point(self, w, node, idx, facts, is_write):
        name = node.name
        if not self._mine(w, name):
            return
        if name in self.staged_aliases:
            self.touched = True
            self.writes = self.writes or is_write
            return
        what = where(node) if is_write else f"'{_show(node)}'"
        aff = [w.affine(i) for i in idx]
        root, ridx = w.to_root(name, aff)
        box = [("pt", i) for i in ridx]
        inside = self._decide(w, box, facts, node, what)
        self._record(w, node, name, inside, is_write and not isinstance(node, Read), what)

    def _window(self, w, node, facts, kinds, alias=None):
        """A window of ``x`` (window statement or call argument): ``kinds`` are the callee's
        effects on it (None for a window statement)."""
        if not self._mine(w, node.name):
            return
        if node.name in self.staged_aliases:
            self.touched = True
            self.writes = self.writes or bool(kinds and set(kinds) - {"read"})
            if alias is not None:
                self.staged_aliases.add(alias)
            return
        wd = w.window_dims(node)
        box = wd[1] if wd is not None else [("pt", None)] * len(self.root_dims)
        inside = self._decide(w, box, facts, node, f"the window '{_show(node)}'")
        self._record(w, node, node.name, inside, bool(kinds and set(kinds) - {"read"}),
                     f"the window '{_show(node)}'")
        if inside and alias is not None:
            self.staged_aliases.add(alias)

    def _call(self, w, s: Call, facts):
        from ..analysis.effects import proc_effects

        eff = proc_effects(s.proc)
        for prm, a in zip(s.proc.args, s.args):
            if isinstance(a, WindowExpr):
                self._window(w, a, facts, eff.kinds(prm.name))
            elif isinstance(a, Read) and not a.idx and not _is_control(a):
                if not self._mine(w, a.name):
                    continue
                kinds = eff.kinds(prm.name)
                if isinstance(a.type, Tensor):
                    info = w.bufs.get(a.name)
                    his = info.extents if info is not None else ()
                    win = WindowExpr(a.name, tuple(Interval(B.const(0), h) for h in a.type.hi), None)
                    wd = w.window_dims(win)
                    box = wd[1] if wd is not None and his else [("pt", None)] * len(self.root_dims)
                    inside = self._decide(w, box, facts, a, f"'{_show(a)}' passed to {s.proc.name}")
                else:
                    inside = True
                if a.name in self.staged_aliases:
                    self.touched = True
                    self.writes = self.writes or bool(set(kinds) - {"read"})
                    continue
                self._record(w, a, a.name, inside, bool(set(kinds) - {"read"}),
                             f"'{_show(a)}' passed to {s.proc.name}")


def _is_control(e) -> bool:
    from ..ir import ControlType

    return isinstance(e.type, ControlType)


# --------------------------------------------------------------------------- rewriting


def _rewrite(s, path, v: _Verdicts, x, sym, dims, base, sizes):
    if isinstance(s, For):
        return s.update(body=tuple(_rewrite(b, path + (("body", i),), v, x, sym, dims, base, sizes)
                                   for i, b in enumerate(s.body)))
    if isinstance(s, If):
        return s.update(
            body=tuple(_rewrite(b, path + (("body", i),), v, x, sym, dims, base, sizes)
                       for i, b in enumerate(s.body)),
            orelse=tuple(_rewrite(b, path + (("orelse", i),), v, x, sym, dims, base, sizes)
                         for i, b in enumerate(s.orelse)))

    def staged_idx(idx):
        return tuple(B.sub(i, d[1], i.srcinfo) for i, d in zip(idx, dims) if d[0] == "iv")

    def fn(n):
        t = type(n)
        if t is Read and n.name is x and v.inside.get((path, id(n))):
            if n.idx or not isinstance(n.type, Tensor):
                return Read(sym, staged_idx(n.idx), n.type, srcinfo=n.srcinfo)
            return _whole(n, sym, dims, base, sizes, s)
        if t is WindowExpr and n.name is x and v.inside.get((path, id(n))):
            out = []
            for w, d in zip(n.idx, dims):
                if d[0] == "pt":
                    continue
                if isinstance(w, Point):
                    out.append(Point(B.sub(w.pt, d[1]), srcinfo=w.srcinfo))
                else:
                    out.append(Interval(B.sub(w.lo, d[1]), B.sub(w.hi, d[1]), srcinfo=w.srcinfo))
            return n.update(name=sym, idx=tuple(out))
        return n

    if isinstance(s, (Assign, Reduce)) and s.name is x and v.inside.get((path, id(s))):
        s = s.update(name=sym, idx=staged_idx(s.idx))
    return map_bottom_up(s, lambda n: n if n is s else fn(n)) if not isinstance(s, (Assign, Reduce)) \
        else s.update(rhs=map_bottom_up(s.rhs, fn))


def _whole(n: Read, sym, dims, base, sizes, s):
    """``x`` passed whole (inside the window): the staging buffer, whole or as a window."""
    full = all(d[0] == "iv" and isinstance(d[1], Const) and d[1].val == 0 and d[2] == h
               for d, h in zip(dims, n.type.hi))
    if full:
        return Read(sym, (), Tensor(sizes, False, base), srcinfo=n.srcinfo)
    if isinstance(s, Call):
        for prm, a in zip(s.proc.args, s.args):
            if a is n and not prm.type.is_win():
                raise SchedulingError(f"cannot stage: {n.name.name} is passed whole to {s.proc.name} at "
                                      f"{where(s)}, whose parameter {prm.name.name} is a dense tensor")
    idx = tuple(Interval(B.sub(B.const(0), d[1]), B.sub(h, d[1]), srcinfo=n.srcinfo)
                for d, h in zip(dims, n.type.hi))
    return WindowExpr(sym, idx, Tensor(tuple(n.type.hi), True, base), srcinfo=n.srcinfo)


def _load_omittable(body, v: _Verdicts, dims) -> bool:
    """The window is one location and the block's first statement assigns it without
    reading the buffer."""
    if any(d[0] == "iv" for d in dims):
        return False
    s = body[0]
    if not isinstance(s, Assign) or s.name is not v.x:
        return False
    return not any(getattr(n, "name", None) is v.x or getattr(n, "name", None) in v.staged_aliases
                   for n in walk(s.rhs)) and not _reads_root(s.rhs, v)


def _reads_root(e, v) -> bool:
    info = v.w.bufs
    for n in walk(e):
        if isinstance(n, (Read, WindowExpr)) and not _is_control(n):
            b = info.get(n.name)
            if (b.root if b is not None else n.name) is v.root:
                return True
    return False


# --------------------------------------------------------------------------- load / store


def _guards(p, first_path, x, xt, dims, sizes):
    """Per window dimension, the conditions (LoopIR) keeping ``x``'s index in bounds that
    could not be proven; a function of the staging loop variables."""
    from ..analysis import logic as L
    from ..analysis.affine import Affine
    from ..analysis.sched.paths import locate
    from ..analysis.solver import SOLVER

    facts, w = locate(p, first_path)
    his = xt.hi if isinstance(xt, Tensor) else ()

    def make(ks):
        conds, extra = [], set()
        j = 0
        for d, h in zip(dims, his):
            if d[0] == "iv":
                k = ks[j]
                idx = B.add(d[1], B.var(k))
                ka, ext = Affine.of(k), w.affine(sizes[j])
                extra.add(L.ge(ka))
                if ext is not None:
                    extra.add(L.ge(ext - ka - 1))
                j += 1
            else:
                idx = d[1]
            for cond in (B.cmp(">=", idx, B.const(0)), B.cmp("<", idx, h)):
                f = w.formula(cond)
                conds.append((cond, f))
        out = []
        for cond, f in conds:
            if f is None or not SOLVER.prove(f, facts | frozenset(extra)):
                out.append(cond)
        return out

    return make


def _nest(dims, sizes, src, make_stmt, guards):
    """The loop nest over the window: ``make_stmt(x_idx, staged_idx)`` at its core."""
    ks = [Sym(f"i{j}") for j in range(len(sizes))]
    xi, ki, j = [], [], 0
    for d in dims:
        if d[0] == "iv":
            k = B.var(ks[j], srcinfo=src)
            xi.append(B.add(d[1], k, src))
            ki.append(k)
            j += 1
        else:
            xi.append(d[1])
    stmt = make_stmt(tuple(xi), tuple(ki))
    if guards is not None:
        conds = guards(ks)
        if conds:
            c = conds[0]
            for more in conds[1:]:
                c = B.land(c, more)
            stmt = If(c, (stmt,), (), srcinfo=src)
    for k, size in reversed(list(zip(ks, sizes))):
        stmt = For(k, B.const(0, src), size, (stmt,), "seq", srcinfo=src)
    return stmt
