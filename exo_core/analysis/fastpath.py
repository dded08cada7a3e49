"""Proving affine facts without z3.

Two sound, incomplete techniques over the linear assumptions (``a >= 0`` and ``a == 0``):

* numeric intervals of every atom, by a few rounds of bound propagation through the
  constraints (so ``i < n`` with ``n <= 16`` gives ``i <= 15``);
* bound substitution: to show ``e >= 0``, replace an atom by a lower bound (positive
  coefficient) or an upper bound (negative coefficient) taken from an assumption
  (``k * x >= L`` / ``k * x <= U``), which can only decrease ``e``; eliminate innermost
  atoms first (highest Sym id, divisions before their operands) until the numeric
  lower bound is ``>= 0``. Floor division ``q = floor(num / d)`` contributes
  ``num - d + 1 <= d * q <= num``; ``num mod d`` is rewritten as ``num - d * q``.

A failure here only means "ask z3"; disproofs always go to z3 for a counterexample.
"""

from __future__ import annotations

import random
from math import gcd, inf

from ..ir.sym import Sym
from . import logic as L
from .affine import Affine, DivAtom, ModAtom, MulAtom, floordiv

_BUDGET = 48
_ROUNDS = 3


_FACTS: dict = {}


def prove(goal, assumptions: frozenset) -> bool:
    # contexts repeat (every access in one loop nest): reuse the derived bounds
    facts = _FACTS.get(assumptions)
    if facts is None:
        if len(_FACTS) > 4096:
            _FACTS.clear()
        facts = _FACTS[assumptions] = _Facts(assumptions)
    return facts.prove(goal)


def _rank(a) -> float:
    if type(a) is Sym:
        return a.id
    if type(a) in (DivAtom, ModAtom, MulAtom):
        ids = [x.id for x in a.leaves() if type(x) is Sym]
        return max(ids) + 0.5 if ids else 0.5
    return 0


class _Facts:
    __slots__ = ("set", "ges", "mins", "lows", "highs", "num", "budget")

    def __init__(self, assumptions):
        self.set = assumptions
        ges = []
        for f in assumptions:
            self._add(f, ges)
        self.ges = ges
        # terms -> smallest constant c with (terms + c >= 0) assumed
        self.mins: dict = {}
        self.lows: dict = {}  # atom -> [(k, L)]: k * atom >= L, k > 0
        self.highs: dict = {}  # atom -> [(k, U)]: k * atom <= U, k > 0
        for a in ges:
            m = self.mins.get(a.terms)
            if m is None or a.const < m:
                self.mins[a.terms] = a.const
            for x, c in a.terms:
                rest = a.without(x)
                if c > 0:  # c*x >= -rest
                    self.lows.setdefault(x, []).append((c, -rest))
                else:  # |c|*x <= rest
                    self.highs.setdefault(x, []).append((-c, rest))
        self.num: dict = {}
        self._propagate()

    @staticmethod
    def _add(f, out):
        t = type(f)
        if t is L.Ge:
            out.append(f.aff)
        elif t is L.Eq:
            out.append(f.aff)
            out.append(-f.aff)
        elif t is L.And:
            for g in f.args:
                _Facts._add(g, out)

    # ------------------------------------------------------------------ intervals
    def interval(self, a):
        t = type(a)
        lo, hi = self.num.get(a, (-inf, inf))
        if t is DivAtom:
            nlo, nhi = self.bounds(a.num)
            lo = max(lo, _fdiv(nlo, a.d))
            hi = min(hi, _fdiv(nhi, a.d))
        elif t is ModAtom:
            nlo, nhi = self.bounds(a.num)
            if 0 <= nlo and nhi < a.d:
                lo, hi = max(lo, nlo), min(hi, nhi)
            else:
                lo, hi = max(lo, 0), min(hi, a.d - 1)
        elif t is MulAtom:
            alo, ahi = self.bounds(a.a)
            blo, bhi = self.bounds(a.b)
            ps = [_mul(x, y) for x in (alo, ahi) for y in (blo, bhi)]
            lo, hi = max(lo, min(ps)), min(hi, max(ps))
        return lo, hi

    def bounds(self, e: Affine):
        lo = hi = e.const
        for x, c in e.terms:
            xlo, xhi = self.interval(x)
            if c > 0:
                lo, hi = lo + c * xlo, hi + c * xhi
            else:
                lo, hi = lo + c * xhi, hi + c * xlo
        return lo, hi

    def _propagate(self):
        for _ in range(_ROUNDS):
            changed = False
            for a in self.ges:
                if len(a.terms) > 4:
                    continue
                for x, c in a.terms:
                    rest = a.without(x)
                    _, rmax = self.bounds(rest)
                    if rmax == inf:
                        continue
                    lo, hi = self.num.get(x, (-inf, inf))
                    if c > 0:
                        b = -(rmax // c)
                        if b > lo:
                            self.num[x] = (b, hi)
                            changed = True
                    else:
                        b = rmax // (-c)
                        if b < hi:
                            self.num[x] = (lo, b)
                            changed = True
            if not changed:
                break

    # ------------------------------------------------------------------ proving
    def prove(self, goal) -> bool:
        t = type(goal)
        if goal is L.TRUE or goal in self.set:
            return True
        if t is L.Ge:
            return self.nonneg(goal.aff)
        if t is L.Eq:
            return self.nonneg(goal.aff) and self.nonneg(-goal.aff)
        if t is L.And:
            return all(self.prove(g) for g in goal.args)
        if t is L.Or:
            return any(self.prove(g) for g in goal.args)
        return False

    def nonneg(self, e: Affine) -> bool:
        self.budget = _BUDGET
        return self._nonneg(e, 0)

    def _nonneg(self, e: Affine, depth: int) -> bool:
        lo, _ = self.bounds(e)
        if lo >= 0:
            return True
        m = self.mins.get(e.terms)
        if m is not None and e.const >= m:
            return True
        if depth > 12:
            return False
        for x, c in sorted(e.terms, key=lambda t: _rank(t[0]), reverse=True):
            for e2 in self._eliminate(e, x, c):
                self.budget -= 1
                if self.budget <= 0:
                    return False
                if self._nonneg(e2, depth + 1):
                    return True
        return False

    def _eliminate(self, e: Affine, x, c: int):
        """Forms ``e2`` with ``e >= e2 * positive`` obtained by bounding ``x``.

        Only bounds over atoms of lower rank are used, so elimination moves outwards
        (inner iterators to outer ones to sizes) and cannot cycle."""
        t = type(x)
        if t is ModAtom:
            yield e.replace(x, x.num - floordiv(x.num, x.d).scale(x.d))
            return
        r = _rank(x)
        if t is DivAtom:
            # floor division is monotone: bound an atom of the numerator
            for y, k in x.num.terms:
                for b in self._int_bounds(y, (c > 0) == (k > 0)):
                    yield e.replace(x, floordiv(x.num.replace(y, b), x.d))
            extra = [(x.d, x.num - (x.d - 1))] if c > 0 else [(x.d, x.num)]
        else:
            extra = []
        bounds = [kb for kb in (self.lows.get(x, ()) if c > 0 else self.highs.get(x, ()))
                  if all(_rank(y) < r for y in kb[1].leaves())]
        for k, b in bounds + extra:
            # scale e so x's coefficient is a multiple of k, then replace k*x by its bound
            ac = abs(c)
            m = ac * k // gcd(ac, k)
            es = e.scale(m // ac)
            yield es.without(x) + b.scale((m // k) * (1 if c > 0 else -1))

    def _int_bounds(self, y, low: bool):
        """Integer lower (or upper) bounds of atom ``y`` over lower-ranked atoms."""
        r = _rank(y)
        for k, b in (self.lows.get(y, ()) if low else self.highs.get(y, ())):
            if all(_rank(z) < r for z in b.leaves()):
                if k == 1:
                    yield b
                else:
                    yield -floordiv(-b, k) if low else floordiv(b, k)
        lo, hi = self.interval(y)
        v = lo if low else hi
        if v not in (inf, -inf):
            yield Affine.constant(v)


def _fdiv(v, d: int):
    return v if v in (inf, -inf) else v // d


def _mul(x, y):
    if x == 0 or y == 0:
        return 0
    return x * y


# --------------------------------------------------------------------------- witnesses


def witness(formulas) -> dict | None:
    """A model of ``formulas`` found by trying a few assignments, or None.

    Leaves are assigned outermost first (lowest rank: sizes, then iterators), each at
    the lowest, the highest or a middle value its linear assumptions allow given the
    leaves already assigned; the assignment is then evaluated exactly, so a returned
    model is a real one. Finding none means nothing (ask z3)."""
    formulas = tuple(formulas)
    ges: list = []
    leaves: set = set()
    for f in formulas:
        if _has_bvar(f):
            return None
        _Facts._add(f, ges)
        leaves |= f.leaves()
    order = sorted(leaves, key=_rank)
    # the linear assumptions in which each leaf appears as a term of its own
    mentions: dict = {x: [] for x in order}
    for a in ges:
        for y, _ in a.terms:
            got = mentions.get(y)
            if got is not None:
                got.append(a)
    rng = random.Random(len(order))  # deterministic: the same query, the same tries
    for how in ("low", "high", "huge", "mid", "rand", "rand"):
        model: dict = {}
        for x in order:
            model[x] = _pick(x, mentions[x], model, how, rng)
        if all(_holds(f, model) for f in formulas):
            return model
    return None


def _pick(x, ges, model, how: str, rng) -> int:
    lo, hi = -inf, inf
    for a in ges:
        c = 0
        rest = a.const
        for y, k in a.terms:
            if y is x or y == x:
                c = k
                continue
            v = _value(y, model)
            if v is None:
                break
            rest += k * v
        else:
            if c > 0:  # c*x + rest >= 0
                lo = max(lo, -(rest // c))
            elif c < 0:
                hi = min(hi, rest // (-c))
    if how == "rand":
        lo2 = lo if lo != -inf else (hi - 5000 if hi != inf else -5000)
        hi2 = hi if hi != inf else lo2 + 5000
        return rng.randint(int(lo2), int(max(lo2, hi2)))
    span = {"low": 0, "high": 1000, "mid": 5, "huge": 1_000_003}[how]
    if lo == -inf and hi == inf:
        return 0 if how == "low" else span + 7
    if lo == -inf:
        return hi if how != "mid" else hi - 3
    if hi == inf:
        return lo + span
    if how == "low":
        return lo
    if how == "mid":
        return (lo + hi) // 2
    return hi


def _has_bvar(f) -> bool:
    t = type(f)
    if t is L.BVar:
        return True
    if t is L.And or t is L.Or:
        return any(_has_bvar(g) for g in f.args)
    return False


def _value(a, model):
    from .affine import eval_atom

    return eval_atom(a, model)


def _holds(f, model) -> bool:
    t = type(f)
    if t is L.Ge:
        v = f.aff.eval(model)
        return v is not None and v >= 0
    if t is L.Eq:
        v = f.aff.eval(model)
        return v is not None and v == 0
    if t is L.And:
        return all(_holds(g, model) for g in f.args)
    if t is L.Or:
        return any(_holds(g, model) for g in f.args)
    return f is L.TRUE
