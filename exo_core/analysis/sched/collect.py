"""The accesses of a block, as regions over the loop variables inside it.

``Collector`` walks the proc to a block (keeping the facts, buffers, windows and config
versions of the walk) and records, for every statement of the block, each access:

* ``kind``: ``"read"``, ``"write"`` or ``"reduce"``;
* ``root``: the root buffer ``Sym`` (windows resolved) or ``(config, field)``;
* ``idx``: root coordinates as ``Affine`` forms (``None`` for a dimension that is not
  affine: it may be anything);
* ``facts``: what holds when the access runs (context, inner loop ranges, branch
  conditions, config values);
* ``path``: the statement it belongs to (a call, a loop whose bounds read a config...).

Calls contribute the callee's own accesses (``calls.py``) mapped through the arguments.
Atoms bound while walking the block (iterators, config versions, fresh variables of call
regions) are in ``walker.bound[mark:]``: renaming them gives a second, independent
execution, which is how dependence queries compare two iterations or two blocks.
"""

from __future__ import annotations

from ...ir.nodes import NULL_SRC, Alloc, For, WindowStmt
from ...ir.sym import Sym
from .. import logic as L
from ..affine import Affine, ConfigAtom
from ..context import extend
from ..parallel import _RaceChecker
from . import CheckFailed
from .paths import PathWalker, Stop, as_procdef, block_stmts


class Access:
    __slots__ = ("kind", "root", "idx", "facts", "what", "src", "path")

    def __init__(self, kind, root, idx, facts, what, src, path):
        self.kind, self.root, self.idx, self.facts = kind, root, idx, facts
        self.what, self.src, self.path = what, src, path

    def is_write(self) -> bool:
        return self.kind != "read"

    def root_name(self) -> str:
        r = self.root
        return r.name if type(r) is Sym else f"{r[0].name()}.{r[1]}"

    def __repr__(self):
        idx = ", ".join("?" if i is None else str(i) for i in self.idx)
        return f"<{self.kind} {self.root_name()}[{idx}] at {self.path}>"


class LoopInfo:
    __slots__ = ("stmt", "path", "iter", "lo", "hi", "mark", "facts")

    def __init__(self, stmt, path, lo, hi, mark, facts):
        self.stmt, self.path, self.iter = stmt, path, stmt.iter
        self.lo, self.hi, self.mark, self.facts = lo, hi, mark, facts


class Effects:
    """What a block does. ``accesses`` in program order; ``allocs``: buffers allocated in
    the block (private to it); ``loops``: path -> ``LoopInfo`` of loops in the block;
    ``mark``: start of the block's atoms in ``walker.bound``; ``facts``: the context just
    before the block; ``walker``: the walk, stopped at the end of the block."""

    def __init__(self, block, walker, facts, mark):
        self.block, self.walker, self.facts, self.mark = block, walker, facts, mark
        self.accesses: list = []
        self.allocs: set = set()
        self.binders: dict = {}  # Sym -> path of the Alloc/WindowStmt binding it
        self.loops: dict = {}
        self.tag_marks: dict = {}  # statement index -> len(bound) before it

    def locals(self, start=None) -> list:
        return self.walker.bound[self.mark if start is None else start:]

    def reads(self):
        return [a for a in self.accesses if a.kind == "read"]

    def writes(self):
        return [a for a in self.accesses if a.kind == "write"]

    def reductions(self):
        return [a for a in self.accesses if a.kind == "reduce"]

    def in_stmt(self, path) -> list:
        """Accesses of the statement at ``path`` (and everything inside it)."""
        n = len(path)
        return [a for a in self.accesses if a.path[:n] == path]

    def shared(self, accesses=None) -> list:
        """Accesses of locations that outlive the block (not allocated inside it)."""
        return [a for a in (self.accesses if accesses is None else accesses)
                if a.root not in self.allocs]


class Collector(PathWalker, _RaceChecker):
    """Walk to ``block`` and collect its effects (``self.eff``)."""

    def __init__(self, proc, block):
        PathWalker.__init__(self, proc)
        self.solver = None
        self.accesses = None
        self.allocs = []
        self.target = block
        self.eff = None

    def run(self):
        PathWalker.run(self)
        if self.eff is None:
            raise CheckFailed(f"no block {self.target[1]}[{self.target[2]}:{self.target[3]}] at "
                              f"{self.target[0]} in {self.proc.name}")
        return self.eff

    def visit(self, s, facts, field, k):
        parent, tfield, lo, hi = self.target
        if self.eff is None and field == tfield and self.path[:-1] == parent and k == lo:
            self.eff = Effects(self.target, self, facts, len(self.bound))
            self.accesses = self.eff.accesses
        if self.eff is not None and self.path[:-1] == parent and field == tfield:
            if k >= hi:
                raise Stop
            self.eff.tag_marks[k] = len(self.bound)
        facts = self.walk_stmt(s, facts)
        if self.eff is not None and self.path[:-1] == parent and field == tfield and k == hi - 1:
            raise Stop
        return facts

    # ------------------------------------------------------------------ recording
    def src(self, node):
        s = getattr(node, "srcinfo", NULL_SRC)
        return self.proc.srcinfo if s == NULL_SRC else s

    def _add(self, kind, root, idx, facts, what, node) -> None:
        if self.accesses is not None:
            self.accesses.append(Access(kind, root, tuple(idx), facts, what, self.src(node), self.path))

    def on_alloc(self, s: Alloc, facts) -> None:
        if self.eff is not None:
            self.eff.allocs.add(s.name)
            self.eff.binders.setdefault(s.name, self.path)

    def on_window_stmt(self, s: WindowStmt, facts) -> None:
        if self.eff is not None:
            self.eff.binders.setdefault(s.name, self.path)

    def on_loop(self, s: For, outer, inner, mark) -> None:
        if self.eff is not None:
            self.eff.loops[self.path] = LoopInfo(s, self.path, self.affine(s.lo), self.affine(s.hi),
                                                 mark, inner)
        self.block(s.body, inner)

    def on_call(self, s, facts) -> None:
        if self.accesses is None:
            return
        from .calls import call_accesses

        call_accesses(self, s, facts)

    def fresh(self, name: str, facts, lo=None, hi=None):
        """A fresh variable local to the block with ``lo <= j < hi``: (Affine, facts)."""
        j = Sym(name)
        self.bound.append(j)
        a = Affine.of(j)
        if lo is not None:
            facts = extend(facts, L.ge(a - lo))
        if hi is not None:
            facts = extend(facts, L.ge(hi - a - 1))
        return a, facts


_EFFECTS: dict = {}


def collect(proc, block) -> Effects:
    """The effects of ``block`` = ``(parent_path, field, lo, hi)`` (cached)."""
    proc = as_procdef(proc)
    block = (tuple(block[0]), block[1], block[2], block[3])
    key = (proc, block)
    eff = _EFFECTS.get(key)
    if eff is None:
        stmts = block_stmts(proc, block)
        if block[2] >= block[3]:
            raise CheckFailed("the block is empty")
        c = Collector(proc, block)
        c.set_focus(stmts, block[0])
        eff = c.run()
        if len(_EFFECTS) > 1024:
            _EFFECTS.clear()
        _EFFECTS[key] = eff
    return eff


def block_effects(proc, block) -> Effects:
    """Reads, writes and reductions of ``block`` (see ``Effects``/``Access``)."""
    return collect(proc, block)


def rename(atoms, suffix: str = "'") -> dict:
    """A mapping giving every atom in ``atoms`` a fresh copy (a second execution)."""
    mapping = {}
    for atom in atoms:
        if type(atom) is Sym:
            mapping[atom] = Affine.of(Sym(atom.name + suffix if not atom.name.startswith("$")
                                          else atom.name))
        elif type(atom) is ConfigAtom:
            mapping[atom] = Affine.of(atom.next())
    return mapping


def renamed(a: Access, mapping: dict) -> Access:
    if not mapping:
        return a
    idx = tuple(None if i is None else i.subst(mapping) for i in a.idx)
    facts = frozenset(L.subst(f, mapping) for f in a.facts)
    return Access(a.kind, a.root, idx, facts, a.what, a.src, a.path)


def free_syms(stmts) -> set:
    """Syms referenced anywhere in ``stmts`` (reads, writes, windows, strides, types)."""
    from ...ir.visit import walk

    out = set()
    for n in walk(tuple(stmts)):
        name = getattr(n, "name", None)
        if type(name) is Sym:
            out.add(name)
        if type(n) is For:
            out.add(n.iter)
        t = getattr(n, "type", None)
        for h in getattr(t, "hi", ()) or ():
            for m in walk(h):
                if type(getattr(m, "name", None)) is Sym:
                    out.add(m.name)
    return out


__all__ = ["Access", "Effects", "LoopInfo", "Collector", "collect", "block_effects", "rename",
           "renamed", "free_syms"]
