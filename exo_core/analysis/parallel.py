"""Race detection for ``par`` loops, at any nesting depth.

For a ``par`` loop over ``i`` the body's accesses are collected with the facts known at
each access (enclosing context, ``lo <= i < hi``, inner loops and branches). Two
iterations ``i < i'`` race if one writes or reduces a location the other accesses:
for each such pair of accesses ``A`` (at ``i``) and ``B`` (at ``i'``, with every atom
local to the iteration renamed) the solver must prove the locations differ. Reductions
race too (C ``+=`` is not atomic). Locations are buffer elements (resolved through
windows to the root buffer), scalars and config fields; a call contributes its whole
argument windows with the callee's summary effects. Allocations inside the body are
private per iteration, except in a memory ``shared_across_calls()`` (a ``static`` array is
one for all threads: its accesses are checked like any shared buffer's), and the body may
call no procedure allocating in one. The body may not write a config field the bounds read.
"""

from __future__ import annotations

from ..errors import CodegenError
from ..ir.nodes import NULL_SRC, Assign, ProcDef, Read, ReadConfig, WindowExpr
from ..ir.sym import Sym
from ..ir.types import ControlType
from . import logic as L
from .affine import Affine, ConfigAtom
from .context import Walker, extend
from .effects import config_reads_of, config_writes, proc_effects, shared_buffer
from .fmt import Label, expr_str, lvalue_str, model_str
from .solver import SOLVER

_CHECKED: dict = {}
_MAX_CHECKED = 8192


def check_parallel_loops(proc: ProcDef) -> None:
    """Raise ``CodegenError`` naming the loop if a ``par`` loop of ``proc`` may race."""
    if proc in _CHECKED:
        return
    _RaceChecker(proc).run()
    if len(_CHECKED) >= _MAX_CHECKED:
        _CHECKED.clear()
    _CHECKED[proc] = True


class _Access:
    __slots__ = ("kind", "root", "idx", "facts", "what", "src")

    def __init__(self, kind, root, idx, facts, what, src):
        self.kind, self.root, self.idx, self.facts = kind, root, idx, facts
        self.what, self.src = what, src


def _is_write(a: _Access) -> bool:
    return a.kind != "read"


class _RaceChecker(Walker):
    def __init__(self, proc: ProcDef, solver=SOLVER):
        super().__init__(proc)
        self.solver = solver
        self.accesses: list | None = None
        self.allocs: list = []
        self.shared_allocs: dict = {}  # Sym -> memory name, for messages

    def src(self, node):
        s = getattr(node, "srcinfo", NULL_SRC)
        return self.proc.srcinfo if s == NULL_SRC else s

    def run(self) -> None:
        facts = self.arg_facts()
        for p in self.proc.preds:
            facts = extend(facts, self.formula(p))
        self.block(self.proc.body, facts)

    # ------------------------------------------------------------------ collecting
    def _add(self, kind, root, idx, facts, what, node) -> None:
        if self.accesses is not None:
            self.accesses.append(_Access(kind, root, tuple(idx), facts, what, self.src(node)))

    def _idx(self, exprs):
        return [self.affine(e) for e in exprs]

    def on_read(self, e: Read, facts) -> None:
        root, idx = self.to_root(e.name, self._idx(e.idx))
        self._add("read", root, idx, facts, Label(expr_str, e), e)

    def on_write(self, s, facts) -> None:
        root, idx = self.to_root(s.name, self._idx(s.idx))
        self._add("write" if type(s) is Assign else "reduce", root, idx, facts, Label(lvalue_str, s), s)

    def on_config_read(self, e: ReadConfig, facts) -> None:
        self._add("read", (e.config, e.field), (), facts, expr_str(e), e)

    def on_config_write(self, s, facts) -> None:
        self._add("write", (s.config, s.field), (), facts, f"{s.config.name()}.{s.field}", s)

    def on_alloc(self, s, facts) -> None:
        if s.mem is not None and s.mem.shared_across_calls():  # one static array for every thread
            self.shared_allocs[s.name] = s.mem.name()
        else:
            self.allocs.append(s.name)

    def on_call(self, s, facts) -> None:
        if self.accesses is None:
            return
        shared = shared_buffer(s.proc)
        if shared is not None:
            raise CodegenError(f"parallel loop body calls {s.proc.name}, whose {shared} is shared by "
                               "every call: the iterations would race on it", self.src(s))
        eff = proc_effects(s.proc)
        name = s.proc.name
        for key in eff.cfg_reads:
            self._add("read", key, (), facts, f"{key[0].name()}.{key[1]} (in {name})", s)
        for key in eff.cfg_writes:
            self._add("write", key, (), facts, f"{key[0].name()}.{key[1]} (in {name})", s)
        for p, a in zip(s.proc.args, s.args):
            if isinstance(p.type, ControlType):
                continue
            kinds = eff.kinds(p.name)
            if not kinds:
                continue
            region = self._region(a, facts)
            if region is None:
                continue
            root, idx, rfacts, what = region
            for k in kinds:
                self._add(k, root, idx, rfacts, Label("{} (passed to {})".format, what, name), s)

    def _region(self, a, facts):
        """The locations an argument designates: (root, indices, facts) with fresh
        variables ranging over the window's interval dimensions."""
        if type(a) is ReadConfig:
            return (a.config, a.field), (), facts, Label(expr_str, a)
        if type(a) is Read:
            info = self.bufs.get(a.name)
            if info is None:
                return None
            if a.idx:
                root, idx = self.to_root(a.name, self._idx(a.idx))
                return root, idx, facts, Label(expr_str, a)
            js = []
            for ext in info.extents:
                j = self._fresh()
                js.append(Affine.of(j))
                facts = extend(facts, L.ge(Affine.of(j)))
                if ext is not None:
                    facts = extend(facts, L.ge(ext - Affine.of(j) - 1))
            root, idx = self.to_root(a.name, js)
            return root, idx, facts, a.name.name
        if type(a) is WindowExpr:
            wd = self.window_dims(a)
            if wd is None:
                return None
            root, dims, _ = wd
            idx = []
            for d in dims:
                if d[0] == "pt":
                    idx.append(d[1])
                    continue
                j = Affine.of(self._fresh())
                if d[1] is not None:
                    facts = extend(facts, L.ge(j - d[1]))
                if d[2] is not None:
                    facts = extend(facts, L.ge(d[2] - j - 1))
                idx.append(j)
            return root, tuple(idx), facts, Label(expr_str, a)
        return None

    def _fresh(self) -> Sym:
        j = Sym("$j")
        self.bound.append(j)
        return j

    # ------------------------------------------------------------------ checking
    def on_loop(self, s, outer, inner, mark) -> None:
        if s.loop_mode != "par":
            return super().on_loop(s, outer, inner, mark)
        saved, self.accesses = self.accesses, []
        alloc_mark = len(self.allocs)
        self.block(s.body, inner)
        body = self.accesses
        self.accesses = saved if saved is None else saved + body
        self._check_bounds_unchanged(s)
        private = set(self.allocs[alloc_mark:])
        local = self.bound[mark:]
        self._check_races(s, inner, [a for a in body if a.root not in private], local)

    def _check_bounds_unchanged(self, s) -> None:
        read = config_reads_of(s.lo) | config_reads_of(s.hi)
        clash = read & config_writes(s.body)
        if clash:
            c, f = sorted(clash, key=lambda k: (k[0].name(), k[1]))[0]
            raise CodegenError(
                f"parallel loop over {s.iter.name}: its body writes {c.name()}.{f}, which the loop "
                "bounds read", self.src(s))

    def _check_races(self, s, inner, accesses, local) -> None:
        groups: dict = {}
        for a in accesses:
            groups.setdefault(a.root, []).append(a)
        if not any(_is_write(a) for a in accesses):
            return
        i = s.iter
        mapping = {}
        for atom in local:
            if type(atom) is Sym:
                mapping[atom] = Affine.of(Sym(atom.name + "'") if atom is i else Sym(atom.name))
            elif type(atom) is ConfigAtom:
                mapping[atom] = Affine.of(atom.next())
        i2 = mapping[i]
        order = L.ge(i2 - Affine.of(i) - 1)
        for group in groups.values():
            writes = [a for a in group if _is_write(a)]
            if not writes:
                continue
            for x, a in enumerate(group):
                for b in group[x:]:
                    if not (_is_write(a) or _is_write(b)):
                        continue
                    self._pair(s, a, b, mapping, order, i2)
                    if b is not a:
                        self._pair(s, b, a, mapping, order, i2)

    def _pair(self, s, a: _Access, b: _Access, mapping, order, i2) -> None:
        if len(a.idx) != len(b.idx):
            return
        facts = a.facts | frozenset(L.subst(f, mapping) for f in b.facts) | {order}
        diffs = []
        for x, y in zip(a.idx, b.idx):
            if x is None or y is None:
                diffs = None
                break
            y2 = y.subst(mapping)
            diffs.append(L.disj((L.ge(x - y2 - 1), L.ge(y2 - x - 1))))
        goal = L.disj(diffs) if diffs else L.FALSE
        r = self.solver.check(goal, facts)
        if r.proven:
            return
        it = s.iter.name
        when = ""
        if r.model:
            v1, v2 = r.model.get(s.iter), i2.eval(r.model)
            if v1 is not None and v2 is not None:
                when = f" (e.g. iterations {it} = {v1} and {it} = {v2}"
                rest = model_str(r.model, [k for k in r.model if k is not s.iter and k not in
                                           {next(iter(v.leaves())) for v in mapping.values()}])
                when += f", when {rest})" if rest else ")"
        mem = self.shared_allocs.get(a.root)
        shared = f"; {a.root.name} is in {mem}, one buffer for every iteration" if mem else ""
        raise CodegenError(
            f"parallel loop over {it} may race: {a.what} ({a.kind}, {_line(a.src)}) in one iteration "
            f"and {b.what} ({b.kind}, {_line(b.src)}) in another may touch the same location{when}{shared}",
            self.src(s))


def _line(src) -> str:
    return f"line {src.line}" if src is not None else "?"
