"""The one solver layer: every analysis question goes through ``Solver.prove`` /
``Solver.is_satisfiable``.

A query is a goal formula plus assumption formulas (``logic.py``). Answering it:

1. Slice: keep only assumptions connected to the goal through shared leaves (they cannot
   matter otherwise, except by being contradictory, which only loses a proof).
2. Cache: look the sliced query up by its canonical form (frozenset of assumptions,
   goal). Formulas are canonical, so syntactically different but equal checks share
   entries, and a re-check of a rewritten proc whose subtrees kept their Syms is free.
3. Fast path (``fastpath.py``): interval and bound-substitution reasoning proves the
   usual affine facts (``0 <= i + 3 < n`` under loop bounds) without z3.
4. z3: one long-lived ``Solver`` in a private ``Context`` with push/pop per query and a
   timeout; ``unknown`` (or any z3 failure) means "not proven" / "maybe satisfiable".
"""

from __future__ import annotations

import threading

import z3

from . import fastpath
from . import logic as L
from .affine import Affine, DivAtom, ModAtom, MulAtom, NonAffine
from .logic import FALSE, TRUE, Formula


class QueryResult:
    """Outcome of a validity query. ``model`` is a counterexample (leaf -> value) if known."""

    __slots__ = ("proven", "model", "how")

    def __init__(self, proven: bool, model: dict | None, how: str):
        self.proven, self.model, self.how = proven, model, how

    def __bool__(self):
        return self.proven

    def __repr__(self):
        return f"QueryResult(proven={self.proven}, how={self.how!r})"


class Stats:
    __slots__ = ("queries", "hits", "fast", "z3", "unknown")

    def __init__(self):
        self.queries = self.hits = self.fast = self.z3 = self.unknown = 0

    def __repr__(self):
        return (f"Stats(queries={self.queries}, hits={self.hits}, fast={self.fast}, "
                f"z3={self.z3}, unknown={self.unknown})")


class Solver:
    """A cached decision procedure for quantifier-free integer/boolean formulas."""

    def __init__(self, timeout_ms: int = 3000, max_cache: int = 200_000):
        self.timeout_ms = timeout_ms
        self.max_cache = max_cache
        self.stats = Stats()
        self._cache: dict = {}
        self._lock = threading.RLock()
        self._ctx = None
        self._z3s = None
        self._vars: dict = {}
        self._terms: dict = {}

    # ------------------------------------------------------------------ public API
    def prove(self, goal: Formula, assumptions=()) -> bool:
        """True iff ``assumptions`` imply ``goal`` for every value of the free leaves."""
        return self.check(goal, assumptions, want_model=False).proven

    def check(self, goal: Formula, assumptions=(), want_model: bool = True) -> QueryResult:
        """Like ``prove``, also returning a counterexample when the goal can fail.

        ``goal`` and ``assumptions`` are formulas, or LoopIR boolean control expressions
        (converted with ``to_formula``; one that cannot be converted is not proven)."""
        self.stats.queries += 1
        try:
            goal = _as_formula(goal)
            assumptions = _assumption_set(assumptions)
        except NonAffine:
            return QueryResult(False, None, "unknown")
        if goal is TRUE or goal in assumptions or FALSE in assumptions:
            return QueryResult(True, None, "trivial")
        leaves = goal.leaves()
        # a goal without leaves holds iff the assumptions are contradictory: keep them all
        relevant = slice_assumptions(leaves, assumptions) if leaves else assumptions
        res = self._check_sliced(goal, relevant, want_model)
        if not res.proven and len(relevant) < len(assumptions):
            # slicing lost the proof only if the dropped assumptions are contradictory
            if not self.is_satisfiable(assumptions):
                return QueryResult(True, None, "vacuous")
        return res

    def _check_sliced(self, goal, relevant, want_model):
        key = ("prove", goal, relevant)
        hit = self._cache.get(key)
        if hit is not None and (hit.proven or not want_model or hit.how == "unknown"
                                or (hit.model is not None and hit.how != "witness")):
            self.stats.hits += 1
            return hit
        if goal is not FALSE and fastpath.prove(goal, relevant):
            self.stats.fast += 1
            res = QueryResult(True, None, "fast")
        elif not want_model and (m := fastpath.witness(relevant | {L.neg(goal)})) is not None:
            # a concrete counterexample: no need for z3 (messages still get z3's model)
            self.stats.fast += 1
            res = QueryResult(False, m, "witness")
        else:
            status, model = self._z3_check(tuple(relevant) + (L.neg(goal),), want_model)
            res = QueryResult(status == "unsat", model, "z3" if status != "unknown" else "unknown")
        self._store(key, res)
        return res

    def is_satisfiable(self, formulas) -> bool:
        """True unless ``formulas`` are provably contradictory (z3 ``unknown`` -> True)."""
        try:
            fs = _assumption_set(formulas)
        except NonAffine:
            return True
        if FALSE in fs:
            return False
        hit = self._cache.get(("sat", fs))
        if hit is not None:
            self.stats.hits += 1
            return hit is not False
        m = fastpath.witness(fs)
        if m is not None:
            self.stats.fast += 1
            self._store(("sat", fs), m)
            return True
        return self.satisfiable_model(fs) is not False

    def satisfiable_model(self, formulas):
        """False if contradictory, else a model dict (possibly empty if unknown)."""
        self.stats.queries += 1
        try:
            fs = _assumption_set(formulas)
        except NonAffine:
            return {}
        if FALSE in fs:
            return False
        if not fs:
            return {}
        key = ("sat", fs)
        hit = self._cache.get(key)
        if hit is not None:
            self.stats.hits += 1
            return hit
        status, model = self._z3_check(tuple(fs), True)
        res = False if status == "unsat" else (model or {})
        self._store(key, res)
        return res

    def clear_cache(self) -> None:
        self._cache.clear()

    # ------------------------------------------------------------------ cache
    def _store(self, key, value) -> None:
        if len(self._cache) >= self.max_cache:
            self._cache.clear()
        self._cache[key] = value

    # ------------------------------------------------------------------ z3
    def _z3_check(self, formulas, want_model: bool):
        self.stats.z3 += 1
        with self._lock:
            if self._z3s is None:
                self._start()
            s = self._z3s
            s.push()
            try:
                s.add(*[self._z3f(f) for f in L.sort_formulas(formulas)])
                r = s.check()
                if r == z3.unsat:
                    return "unsat", None
                if r == z3.sat:
                    # the model is cheap once sat; keeping it lets a later request hit the cache
                    return "sat", self._model(s.model(), formulas)
                self.stats.unknown += 1
                return "unknown", None
            except z3.Z3Exception:
                self.stats.unknown += 1
                return "unknown", None
            finally:
                s.pop()

    def start(self) -> None:
        """Create the z3 context now (it is otherwise created by the first query)."""
        with self._lock:
            if self._z3s is None:
                self._start()

    def _start(self):
        self._ctx = z3.Context()
        self._z3s = z3.Solver(ctx=self._ctx)
        self._z3s.set("timeout", self.timeout_ms)

    def _model(self, m, formulas) -> dict:
        out = {}
        leaves = frozenset().union(*(f.leaves() for f in formulas))
        for a in leaves:
            v = self._vars.get((a, "b"))
            if v is None:
                v = self._vars.get((a, "i"))
                if v is None:
                    continue
            val = m.eval(v, model_completion=True)
            out[a] = z3.is_true(val) if z3.is_bool(val) else val.as_long()
        return out

    def _var(self, a, kind: str):
        v = self._vars.get((a, kind))
        if v is None:
            name = f"{a}#{a.id}" if hasattr(a, "id") else f"{a}#{len(self._vars)}"
            v = z3.Bool(name, self._ctx) if kind == "b" else z3.Int(name, self._ctx)
            if len(self._vars) > self.max_cache:
                self._vars.clear()
                self._terms.clear()
            self._vars[(a, kind)] = v
        return v

    def _z3a(self, a: Affine):
        t = self._terms.get(a)
        if t is not None:
            return t
        ctx = self._ctx
        parts = []
        for atom, c in a.terms:
            x = self._z3atom(atom)
            parts.append(x if c == 1 else z3.IntVal(c, ctx) * x)
        if a.const or not parts:
            parts.append(z3.IntVal(a.const, ctx))
        t = parts[0] if len(parts) == 1 else z3.Sum(parts)
        if len(self._terms) > self.max_cache:
            self._terms.clear()
        self._terms[a] = t
        return t

    def _z3atom(self, atom):
        t = type(atom)
        if t is DivAtom:
            return self._z3a(atom.num) / z3.IntVal(atom.d, self._ctx)
        if t is ModAtom:
            return self._z3a(atom.num) % z3.IntVal(atom.d, self._ctx)
        if t is MulAtom:
            return self._z3a(atom.a) * self._z3a(atom.b)
        return self._var(atom, "i")

    def _z3f(self, f: Formula):
        t = type(f)
        if t is L.Ge:
            return self._z3a(f.aff) >= 0
        if t is L.Eq:
            return self._z3a(f.aff) == 0
        if t is L.BVar:
            v = self._var(f.atom, "b")
            return v if f.pos else z3.Not(v)
        if t is L.And:
            return z3.And([self._z3f(a) for a in L.sort_formulas(f.args)])
        if t is L.Or:
            return z3.Or([self._z3f(a) for a in L.sort_formulas(f.args)])
        return z3.BoolVal(f is TRUE, self._ctx)


def _as_formula(f) -> Formula:
    return f if isinstance(f, Formula) else L.to_formula(f)


def _assumption_set(assumptions) -> frozenset:
    if isinstance(assumptions, frozenset):
        return assumptions
    out = set()
    for f in assumptions:
        f = _as_formula(f)
        if type(f) is L.And:
            out |= f.args
        elif f is not TRUE:
            out.add(f)
    return frozenset(out)


def slice_assumptions(leaves: frozenset, assumptions: frozenset) -> frozenset:
    """The assumptions connected to ``leaves`` through shared leaves."""
    if not assumptions:
        return assumptions
    keep = []
    rest = []
    for f in assumptions:
        (keep if not f.leaves().isdisjoint(leaves) else rest).append(f)
    if not keep:
        return frozenset()
    reach = leaves.union(*(f.leaves() for f in keep))
    changed = True
    while changed and rest:
        changed = False
        later = []
        for f in rest:
            if not f.leaves().isdisjoint(reach):
                keep.append(f)
                reach = reach | f.leaves()
                changed = True
            else:
                later.append(f)
        rest = later
    return frozenset(keep)


# The process-wide solver: one z3 context, one cache, shared by every check.
SOLVER = Solver()


def prove(goal: Formula, assumptions=()) -> bool:
    return SOLVER.prove(goal, assumptions)


def check(goal: Formula, assumptions=(), want_model: bool = True) -> QueryResult:
    return SOLVER.check(goal, assumptions, want_model)


def is_satisfiable(formulas) -> bool:
    return SOLVER.is_satisfiable(formulas)


__all__ = ["Solver", "SOLVER", "QueryResult", "prove", "check", "is_satisfiable", "slice_assumptions"]
