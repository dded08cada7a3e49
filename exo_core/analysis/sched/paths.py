"""Addressing statements by path, walking a proc to a point, and the facts known there.

``PathWalker`` is the analysis ``Walker`` (context.py) that also knows the path of the
statement it is visiting (``self.path``). ``locate(proc, path)`` walks to a statement and
returns the facts before it and the walker in its state there (buffers, windows, config
versions), so expressions can be converted exactly as they read at that point. Results
are cached per (proc, path): procs are immutable.
"""

from __future__ import annotations

from ...ir.nodes import For, If, ProcDef, Stmt
from .. import logic as L
from ..affine import Affine
from ..context import Walker, extend
from ..logic import Formula
from ..solver import SOLVER
from . import CheckFailed

STMT_FIELDS = ("body", "orelse")


def as_procdef(proc) -> ProcDef:
    """Accept a ``Procedure`` as well as a ``ProcDef``."""
    if isinstance(proc, ProcDef):
        return proc
    ir = getattr(proc, "_ir", None)
    if isinstance(ir, ProcDef):
        return ir
    raise TypeError(f"expected a procedure, got {proc!r}")


def stmt_path(path: tuple) -> tuple:
    """The statement part of a (possibly expression) path."""
    out = []
    for step in path:
        field, idx = step
        if field not in STMT_FIELDS or not isinstance(idx, int):
            break
        out.append(step)
    return tuple(out)


def node_at(proc: ProcDef, path: tuple):
    node = proc
    for field, idx in path:
        node = getattr(node, field)
        if idx is not None:
            if not 0 <= idx < len(node):
                raise CheckFailed(f"no statement at {path} in {proc.name}")
            node = node[idx]
    return node


def block_stmts(proc: ProcDef, block) -> tuple:
    parent, field, lo, hi = block
    stmts = getattr(node_at(proc, parent), field)
    if not 0 <= lo <= hi <= len(stmts):
        raise CheckFailed(f"no block {field}[{lo}:{hi}] at {parent} in {proc.name}")
    return stmts[lo:hi]


def stmt_at(proc: ProcDef, path: tuple) -> Stmt:
    if not path:
        raise CheckFailed("the empty path addresses the procedure, not a statement")
    s = node_at(proc, path)
    if not isinstance(s, Stmt):
        raise CheckFailed(f"{path} does not address a statement of {proc.name}")
    return s


def loop_at(proc: ProcDef, path: tuple) -> For:
    s = stmt_at(proc, path)
    if type(s) is not For:
        raise CheckFailed(f"the statement at {path} is not a loop")
    return s


# --------------------------------------------------------------------------- walking


class Stop(Exception):
    pass


class PathWalker(Walker):
    """A ``Walker`` that tracks the path of the current statement (``self.path``)."""

    def __init__(self, proc: ProcDef):
        super().__init__(proc)
        self.path: tuple = ()
        self._entered: list = []

    def start(self) -> frozenset:
        facts = self.arg_facts()
        for p in self.proc.preds:
            facts = extend(facts, self.formula(p))
        return facts

    def run(self):
        try:
            self.block(self.proc.body, self.start())
        except Stop:
            pass
        return self

    def block(self, stmts, facts: frozenset) -> frozenset:
        parent = self.path
        if self._entered:
            n = self._entered[-1]
            self._entered[-1] = n + 1
            field = "orelse" if n and type(self.current) is If else "body"
        else:
            field = "body"
        saved = self.current if parent else None
        for k, s in enumerate(stmts):
            self.path = parent + ((field, k),)
            self.current = s
            self._entered.append(0)
            facts = self.visit(s, facts, field, k)
            self._entered.pop()
        self.path = parent
        self.current = saved
        return facts

    current = None

    def visit(self, s, facts, field, k):
        """Walk one statement (hook for subclasses); ``self.path`` is its path."""
        return self.walk_stmt(s, facts)


class _Locate(PathWalker):
    def __init__(self, proc, target):
        super().__init__(proc)
        self.target = target
        self.found = None

    def visit(self, s, facts, field, k):
        if self.path == self.target:
            self.found = facts
            raise Stop
        return self.walk_stmt(s, facts)


_LOCATED: dict = {}


def locate(proc, path: tuple):
    """``(facts, walker)`` just before the statement at ``path`` (a statement path, or an
    expression path whose statement part is used)."""
    proc = as_procdef(proc)
    path = stmt_path(path)
    key = (proc, path)
    got = _LOCATED.get(key)
    if got is not None:
        return got
    w = _Locate(proc, path)
    if not path:
        facts = w.start()
    else:
        w.set_focus((stmt_at(proc, path),), path[:-1])
        w.run()
        if w.found is None:
            raise CheckFailed(f"no statement at {path} in {proc.name}")
        facts = w.found
    if len(_LOCATED) > 2048:
        _LOCATED.clear()
    _LOCATED[key] = (facts, w)
    return facts, w


def context_facts(proc, path: tuple) -> frozenset:
    """Formulas true just before the statement at ``path``: size arguments > 0,
    preconditions, enclosing loop ranges, branch conditions (negated in ``else``), known
    config values."""
    return locate(proc, path)[0]


def to_formula_at(w: Walker, cond):
    if isinstance(cond, Formula):
        return cond
    return w.formula(cond)


def to_affine_at(w: Walker, e):
    if isinstance(e, Affine):
        return e
    if isinstance(e, int) and not isinstance(e, bool):
        return Affine.constant(e)
    return w.affine(e)


def prove_in_context(proc, path: tuple, cond) -> bool:
    """Whether ``cond`` (a LoopIR boolean control expression or a formula) holds whenever
    the statement at ``path`` runs."""
    facts, w = locate(proc, path)
    f = to_formula_at(w, cond)
    return f is not None and SOLVER.prove(f, facts)


def prove_equal(proc, path: tuple, e1, e2) -> bool:
    """Whether the control expressions ``e1`` and ``e2`` are equal at ``path``."""
    facts, w = locate(proc, path)
    a, b = to_affine_at(w, e1), to_affine_at(w, e2)
    if a is None or b is None:
        fa, fb = to_formula_at(w, e1), to_formula_at(w, e2)
        if fa is None or fb is None:
            return False
        same = L.disj((L.conj((fa, fb)), L.conj((L.neg(fa), L.neg(fb)))))
        return SOLVER.prove(same, facts)
    return a == b or SOLVER.prove(L.eq0(a - b), facts)
