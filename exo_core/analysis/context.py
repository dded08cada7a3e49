"""A forward walk of a proc that maintains what is known at each statement.

The walker tracks, in program order:

* ``facts``: a frozenset of formulas true at the current point (size arguments > 0,
  preconditions, enclosing loop ranges, branch conditions, known config values);
* buffers: extents of every argument, allocation and window statement, windows
  resolved to their root buffer in root coordinates, and strides (known expressions for
  dense tensors, opaque atoms for window parameters);
* config fields: each control field is an atom with a version. A write makes a fresh
  version equal to the written value (so later reads know it); at merges after ``if``
  and around loops whose body writes the field, a fresh unconstrained version (havoc).

Subclasses (bounds checking, race detection) override the ``on_*`` hooks.
"""

from __future__ import annotations

from ..ir.nodes import (
    Alloc,
    Assign,
    BinOp,
    Call,
    Extern,
    For,
    Free,
    If,
    Interval,
    Pass,
    Point,
    ProcDef,
    Read,
    ReadConfig,
    Reduce,
    StrideExpr,
    USub,
    WindowExpr,
    WindowStmt,
    WriteConfig,
)
from ..ir.types import ControlType, Tensor
from ..ir.visit import StmtSummary
from . import logic as L
from .affine import Affine, ConfigAtom, Env, NonAffine, StrideAtom, mul, to_affine
from .effects import proc_effects


def _own_config_writes(s):
    t = type(s)
    if t is WriteConfig:
        return ((s.config, s.field),)
    if t is Call:
        return tuple(proc_effects(s.proc).cfg_writes)
    return ()


_CONFIG_WRITES = StmtSummary(_own_config_writes)


class BufInfo:
    """A buffer name in scope.

    ``extents``: own extents (Affine, or None when not an affine expression).
    ``root``/``dims``: for a window statement, the root buffer and, per root dimension,
    ``("pt", a)`` or ``("iv", lo, hi)`` in root coordinates; ``dims is None`` for roots.
    """

    __slots__ = ("sym", "root", "dims", "extents", "window_arg")

    def __init__(self, sym, extents, root=None, dims=None, window_arg=False):
        self.sym, self.extents = sym, extents
        self.root = root if root is not None else sym
        self.dims, self.window_arg = dims, window_arg


def _same(a: ConfigAtom, b: ConfigAtom):
    if a.config.lookup_type(a.field).name == "bool":
        x, y = L.BVar(a), L.BVar(b)
        return L.disj((L.conj((x, y)), L.conj((L.neg(x), L.neg(y)))))
    return L.eq0(Affine.of(a) - Affine.of(b))


def extend(facts: frozenset, f) -> frozenset:
    if f is None or f is L.TRUE:
        return facts
    if type(f) is L.And:
        return facts | f.args
    return facts | {f}


class Walker:
    def __init__(self, proc: ProcDef):
        self.proc = proc
        self.bufs: dict = {}
        self.cfg: dict = {}  # (config, field) -> current ConfigAtom
        self.env = Env(syms={}, strides=self.stride_of, configs=self.cfg)
        self._strides: dict = {}
        self.bound: list = []  # atoms introduced by the walk, in order

    # ------------------------------------------------------------------ conversions
    def affine(self, e, env: Env | None = None):
        try:
            return to_affine(e, env or self.env)
        except NonAffine:
            return None

    def formula(self, e, env: Env | None = None):
        try:
            return L.to_formula(e, env or self.env)
        except NonAffine:
            return None

    # ------------------------------------------------------------------ buffers
    def arg_facts(self) -> frozenset:
        """Register the parameters; facts about sizes (> 0). Preconditions are separate."""
        facts = frozenset()
        for a in self.proc.args:
            t = a.type
            if isinstance(t, ControlType):
                if t.name == "size":
                    facts = extend(facts, L.ge(Affine.of(a.name) - 1))
            elif isinstance(t, Tensor):
                self.bufs[a.name] = BufInfo(a.name, self.extents(t.hi), window_arg=t.is_window)
            else:
                self.bufs[a.name] = BufInfo(a.name, ())
        return facts

    def extents(self, his):
        return tuple(self.affine(h) for h in his)

    def stride_of(self, sym, dim: int) -> Affine:
        key = (sym, dim)
        s = self._strides.get(key)
        if s is None:
            s = self._stride(sym, dim)
            self._strides[key] = s
        return s

    def _stride(self, sym, dim: int) -> Affine:
        info = self.bufs.get(sym)
        if info is not None and info.dims is not None:
            rdim = self.root_dim(info, dim)
            if rdim is not None:
                return self.stride_of(info.root, rdim)
        if info is None or info.dims is not None or info.window_arg:
            return Affine.of(StrideAtom(sym, dim))
        # dense row-major: product of the inner extents
        out = Affine.constant(1)
        for ext in info.extents[dim + 1:]:
            if ext is None:
                return Affine.of(StrideAtom(sym, dim))
            out = mul(out, ext)
        return out

    def arg_stride(self, a, d: int, fallback: Affine) -> Affine:
        """Stride ``d`` of a buffer passed as argument ``a`` (a whole buffer or a window of
        one), in the caller's terms; ``fallback`` when it is not known."""
        if type(a) is Read:
            return self.stride_of(a.name, d)
        if type(a) is WindowExpr:
            wd = self.window_dims(a)
            if wd is not None:
                root, dims, _ = wd
                k = -1
                for rd, dim in enumerate(dims):
                    if dim[0] == "iv":
                        k += 1
                        if k == d:
                            return self.stride_of(root, rd)
        return fallback

    @staticmethod
    def root_dim(info: BufInfo, dim: int):
        k = -1
        for rd, d in enumerate(info.dims):
            if d[0] == "iv":
                k += 1
                if k == dim:
                    return rd
        return None

    def window_dims(self, w: WindowExpr):
        """(root, dims in root coordinates, own extents) of a window expression; None parts
        when an index is not affine."""
        src = self.bufs.get(w.name)
        if src is None:
            return None
        own = []
        for acc in w.idx:
            if type(acc) is Interval:
                lo, hi = self.affine(acc.lo), self.affine(acc.hi)
                own.append(("iv", lo, hi))
            else:
                own.append(("pt", self.affine(acc.pt)))
        if src.dims is None:
            dims = own
        else:
            dims, k = [], 0
            for d in src.dims:
                if d[0] == "pt":
                    dims.append(d)
                    continue
                base = d[1]
                o = own[k]
                k += 1
                if base is None:
                    dims.append(("pt", None) if o[0] == "pt" else ("iv", None, None))
                elif o[0] == "pt":
                    dims.append(("pt", None if o[1] is None else base + o[1]))
                else:
                    dims.append(("iv", None if o[1] is None else base + o[1],
                                 None if o[2] is None else base + o[2]))
        extents = tuple(None if o[1] is None or o[2] is None else o[2] - o[1]
                        for o in own if o[0] == "iv")
        return src.root, tuple(dims), extents

    def to_root(self, sym, idx):
        """Translate an access through window statements: (root Sym, root indices)."""
        info = self.bufs.get(sym)
        if info is None or info.dims is None:
            return sym, tuple(idx)
        out, k = [], 0
        for d in info.dims:
            if d[0] == "pt":
                out.append(d[1])
            else:
                i = idx[k]
                k += 1
                out.append(None if d[1] is None or i is None else d[1] + i)
        return info.root, tuple(out)

    # ------------------------------------------------------------------ configs
    def writes_of(self, s) -> frozenset:
        """Config fields a loop or branch may write."""
        return frozenset(_CONFIG_WRITES(s))

    def _new_version(self, key):
        cur = self.cfg.get(key) or ConfigAtom(key[0], key[1], 0)
        new = cur.next()
        self.cfg[key] = new
        self.bound.append(new)
        return new

    def _merge(self, facts, c, fb, cfg_b, fe, cfg_e):
        """After an ``if``: a fresh version of each field the branches left different,
        equal to the then-value under the then-branch's facts, or else the else-value."""
        changed = [k for k in set(cfg_b) | set(cfg_e) if cfg_b.get(k) is not cfg_e.get(k)]
        if not changed:
            return facts
        sides = []
        for cond, fs, cfg in ((c, fb, cfg_b), (None if c is None else L.neg(c), fe, cfg_e)):
            parts = [cond or L.TRUE] + list(fs - facts)
            for k in changed:
                parts.append(("eq", k, cfg.get(k) or ConfigAtom(k[0], k[1], 0)))
            sides.append(parts)
        news = {k: self._new_version(k) for k in changed}
        out = []
        for parts in sides:
            fs = []
            for p in parts:
                if isinstance(p, tuple):
                    _, k, old = p
                    fs.append(_same(news[k], old))
                else:
                    fs.append(p)
            out.append(L.conj(fs))
        return extend(facts, L.disj(out))

    def havoc(self, keys):
        for key in keys:
            if isinstance(key[0].lookup_type(key[1]), ControlType):
                self._new_version(key)

    # ------------------------------------------------------------------ focus
    # With ``focus`` set to ``(targets, ancestors)`` (sets of statement ids), only the
    # target statements are walked in full; their ancestors are entered; every other
    # statement is skimmed: only what it tells the statements after it (buffers, windows,
    # config versions) is taken, none of its expressions is visited. Facts at a target are
    # the same as in a full walk: a statement outside the targets' ancestry extends the
    # facts only through config writes, and those are replayed.
    focus = None

    def set_focus(self, targets, parent_path=None) -> None:
        """Walk only ``targets`` (statements of ``self.proc``) in full. ``parent_path``:
        the path of the statement whose block holds them, when known (saves a search)."""
        ids = {id(t) for t in targets}
        if parent_path is None:
            ancestors = ancestor_ids(self.proc.body, ids)
        else:
            ancestors, node = set(), self.proc
            for field, idx in parent_path:
                node = getattr(node, field)[idx]
                ancestors.add(id(node))
        self.focus = (ids, ancestors)

    def skim(self, s, facts: frozenset) -> frozenset:
        t = type(s)
        if t is For:
            self.havoc(self.writes_of(s))
            return facts
        if t is If:
            return self.stmt(s, facts) if self.writes_of(s) else facts
        if t is Call:
            self.havoc(proc_effects(s.proc).cfg_writes)
            return facts
        if t is Alloc or t is WindowStmt or t is WriteConfig:
            return self.stmt(s, facts)
        return facts

    # ------------------------------------------------------------------ walking
    def block(self, stmts, facts: frozenset) -> frozenset:
        if self.focus is None:
            for s in stmts:
                facts = self.stmt(s, facts)
            return facts
        for s in stmts:
            facts = self.walk_stmt(s, facts)
        return facts

    def walk_stmt(self, s, facts: frozenset) -> frozenset:
        """``stmt``, or less under a focus."""
        focus = self.focus
        if focus is None:
            return self.stmt(s, facts)
        k = id(s)
        if k in focus[0]:
            self.focus = None
            try:
                return self.stmt(s, facts)
            finally:
                self.focus = focus
        if k in focus[1]:
            return self.stmt(s, facts)
        return self.skim(s, facts)

    def stmt(self, s, facts: frozenset) -> frozenset:
        t = type(s)
        if t is Assign or t is Reduce:
            for i in s.idx:
                self.expr(i, facts)
            self.expr(s.rhs, facts)
            self.on_write(s, facts)
        elif t is For:
            self.expr(s.lo, facts)
            self.expr(s.hi, facts)
            lo, hi = self.affine(s.lo), self.affine(s.hi)
            mark = len(self.bound)
            written = self.writes_of(s)
            self.havoc(written)
            i = Affine.of(s.iter)
            self.bound.append(s.iter)
            inner = facts
            if lo is not None:
                inner = extend(inner, L.ge(i - lo))
            if hi is not None:
                inner = extend(inner, L.ge(hi - i - 1))
            self.on_loop(s, facts, inner, mark)
            self.havoc(written)
        elif t is If:
            self.expr(s.cond, facts)
            c = self.formula(s.cond)
            before = dict(self.cfg)
            fb = self.block(s.body, extend(facts, c))
            after_body = dict(self.cfg)
            self.cfg.clear()
            self.cfg.update(before)
            fe = self.block(s.orelse, extend(facts, None if c is None else L.neg(c)))
            facts = self._merge(facts, c, fb, after_body, fe, dict(self.cfg))
        elif t is WriteConfig:
            self.expr(s.rhs, facts)
            self.on_config_write(s, facts)
            ftype = s.config.lookup_type(s.field)
            if isinstance(ftype, ControlType):
                if ftype.name == "bool":
                    val = self.formula(s.rhs)
                    new = self._new_version((s.config, s.field))
                    if val is not None:
                        b = L.BVar(new)
                        facts = extend(facts, L.disj((L.conj((b, val)), L.conj((L.neg(b), L.neg(val))))))
                else:
                    val = self.affine(s.rhs)
                    new = self._new_version((s.config, s.field))
                    if val is not None:
                        facts = extend(facts, L.eq0(Affine.of(new) - val))
        elif t is Alloc:
            his = s.type.hi if isinstance(s.type, Tensor) else ()
            for h in his:
                self.expr(h, facts)
            self.bufs[s.name] = BufInfo(s.name, self.extents(his))
            self.on_alloc(s, facts)
        elif t is WindowStmt:
            self.expr(s.rhs, facts)
            wd = self.window_dims(s.rhs)
            if wd is not None:
                root, dims, ext = wd
                self.bufs[s.name] = BufInfo(s.name, ext, root=root, dims=dims,
                                            window_arg=self.bufs[root].window_arg)
            self.on_window_stmt(s, facts)
        elif t is Call:
            for p, a in zip(s.proc.args, s.args):
                if type(a) is Read and not a.idx and not isinstance(p.type, ControlType):
                    continue  # a whole buffer or scalar: the call hook accounts for it
                self.expr(a, facts)
            self.on_call(s, facts)
            self.havoc(proc_effects(s.proc).cfg_writes)
        elif t is Pass or t is Free:
            pass
        return facts

    def on_loop(self, s: For, outer: frozenset, inner: frozenset, mark: int) -> None:
        """Walk the body; ``self.bound[mark:]`` will be the atoms local to one iteration."""
        self.block(s.body, inner)

    def expr(self, e, facts) -> None:
        t = type(e)
        if t is Read:
            if e.idx:
                for i in e.idx:
                    self.expr(i, facts)
                self.on_read(e, facts)
            elif not isinstance(e.type, ControlType):
                self.on_read(e, facts)
        elif t is BinOp:
            self.expr(e.lhs, facts)
            self.expr(e.rhs, facts)
        elif t is USub:
            self.expr(e.arg, facts)
        elif t is Extern:
            for a in e.args:
                self.expr(a, facts)
        elif t is WindowExpr:
            for w in e.idx:
                if type(w) is Interval:
                    self.expr(w.lo, facts)
                    self.expr(w.hi, facts)
                elif type(w) is Point:
                    self.expr(w.pt, facts)
            self.on_window_expr(e, facts)
        elif t is ReadConfig:
            self.on_config_read(e, facts)
        elif t is StrideExpr:
            pass

    # ------------------------------------------------------------------ hooks
    def on_read(self, e: Read, facts) -> None:
        pass

    def on_write(self, s, facts) -> None:
        pass

    def on_window_expr(self, e: WindowExpr, facts) -> None:
        pass

    def on_window_stmt(self, s: WindowStmt, facts) -> None:
        pass

    def on_alloc(self, s: Alloc, facts) -> None:
        pass

    def on_call(self, s: Call, facts) -> None:
        pass

    def on_config_read(self, e: ReadConfig, facts) -> None:
        pass

    def on_config_write(self, s: WriteConfig, facts) -> None:
        pass


def ancestor_ids(body, ids) -> set:
    """Ids of the statements of ``body`` (recursively) that contain one whose id is in ``ids``."""
    out: set = set()

    def visit(stmts) -> bool:
        found = False
        for s in stmts:
            inner = False
            for b in (getattr(s, "body", None), getattr(s, "orelse", None)):
                if b and visit(b):
                    inner = True
            if inner:
                out.add(id(s))
            if inner or id(s) in ids:
                found = True
        return found

    visit(body)
    return out


class _Found(Exception):
    def __init__(self, facts):
        self.facts = facts


class _Locate(Walker):
    def __init__(self, proc: ProcDef, target):
        super().__init__(proc)
        self.target = target

    def stmt(self, s, facts):
        if s is self.target:
            raise _Found(facts)
        return super().stmt(s, facts)


def facts_at(proc: ProcDef, stmt):
    """``(facts, walker)`` just before ``stmt`` (matched by identity) runs, or None.

    ``facts`` include size positivity, the preconditions, enclosing loop ranges and branch
    conditions; ``walker.affine(e)`` / ``walker.formula(e)`` convert expressions at that
    point (window names, strides and config versions resolved). For scheduling checks."""
    w = _Locate(proc, stmt)
    w.set_focus((stmt,))
    facts = w.arg_facts()
    for p in proc.preds:
        facts = extend(facts, w.formula(p))
    try:
        w.block(proc.body, facts)
    except _Found as found:
        return found.facts, w
    return None
