"""Quantifier-free formulas over ``Affine`` forms, in a canonical negation normal form.

Atoms of the logic are ``Ge(a)`` (``a >= 0``), ``Eq(a)`` (``a == 0``) and boolean leaves
``BVar`` (bool arguments and bool config fields, possibly negated). ``And``/``Or`` hold
frozensets, so formulas are hashable and order-insensitive: they are the solver's cache
keys. Free variables of a query are implicitly universal for ``prove`` and existential
for ``is_satisfiable``; dependence queries over two iterations rename one copy's
variables with ``subst`` rather than using quantifiers.
"""

from __future__ import annotations

from ..ir.nodes import BinOp, Const, Read, ReadConfig
from .affine import EMPTY_ENV, Affine, Env, NonAffine, akey, to_affine


class Formula:
    __slots__ = ("_hash", "_leaves")

    def leaves(self) -> frozenset:
        return self._leaves

    def __hash__(self):
        return self._hash

    def __str__(self):
        from .fmt import formula_str

        return formula_str(self)

    __repr__ = __str__


class _Const(Formula):
    __slots__ = ("value",)

    def __init__(self, value: bool):
        self.value = value
        self._hash = hash(value)
        self._leaves = frozenset()

    def __eq__(self, other):
        return other is self

    __hash__ = Formula.__hash__


TRUE = _Const(True)
FALSE = _Const(False)


class Ge(Formula):
    """``aff >= 0`` with the coefficients' gcd divided out."""

    __slots__ = ("aff",)

    def __init__(self, aff: Affine):
        self.aff = aff
        self._hash = hash(("ge", aff))
        self._leaves = aff.leaves()

    def __eq__(self, other):
        return type(other) is Ge and other.aff == self.aff

    __hash__ = Formula.__hash__


class Eq(Formula):
    """``aff == 0``, gcd divided out and the first coefficient positive."""

    __slots__ = ("aff",)

    def __init__(self, aff: Affine):
        self.aff = aff
        self._hash = hash(("eq", aff))
        self._leaves = aff.leaves()

    def __eq__(self, other):
        return type(other) is Eq and other.aff == self.aff

    __hash__ = Formula.__hash__


class BVar(Formula):
    """A boolean leaf (a bool ``Sym`` or a bool ``ConfigAtom``), negated when not ``pos``."""

    __slots__ = ("atom", "pos")

    def __init__(self, atom, pos: bool = True):
        self.atom, self.pos = atom, pos
        self._hash = hash(("b", atom, pos))
        self._leaves = frozenset((atom,))

    def __eq__(self, other):
        return type(other) is BVar and other.atom == self.atom and other.pos == self.pos

    __hash__ = Formula.__hash__


class And(Formula):
    __slots__ = ("args",)

    def __init__(self, args: frozenset):
        self.args = args
        self._hash = hash(("and", args))
        self._leaves = frozenset().union(*(a.leaves() for a in args))

    def __eq__(self, other):
        return type(other) is And and other._hash == self._hash and other.args == self.args

    __hash__ = Formula.__hash__


class Or(Formula):
    __slots__ = ("args",)

    def __init__(self, args: frozenset):
        self.args = args
        self._hash = hash(("or", args))
        self._leaves = frozenset().union(*(a.leaves() for a in args))

    def __eq__(self, other):
        return type(other) is Or and other._hash == self._hash and other.args == self.args

    __hash__ = Formula.__hash__


# --------------------------------------------------------------------------- constructors


def ge(a: Affine) -> Formula:
    """``a >= 0``."""
    if not a.terms:
        return TRUE if a.const >= 0 else FALSE
    g = a.content()
    if g > 1:
        # sum(g*k*x) + c >= 0  <=>  sum(k*x) >= -c/g  <=>  sum(k*x) + floor(c/g) >= 0
        a = Affine({x: c // g for x, c in a.terms}, a.const // g)
    return Ge(a)


def eq0(a: Affine) -> Formula:
    """``a == 0``."""
    if not a.terms:
        return TRUE if a.const == 0 else FALSE
    g = a.content()
    if a.const % g:
        return FALSE
    if a.terms[0][1] < 0:
        g = -g
    if g != 1:
        a = Affine({x: c // g for x, c in a.terms}, a.const // g)
    return Eq(a)


def cmp(op: str, lhs: Affine, rhs: Affine) -> Formula:
    if op == "<":
        return ge(rhs - lhs - 1)
    if op == "<=":
        return ge(rhs - lhs)
    if op == ">":
        return ge(lhs - rhs - 1)
    if op == ">=":
        return ge(lhs - rhs)
    if op == "==":
        return eq0(lhs - rhs)
    if op == "!=":
        return disj((ge(lhs - rhs - 1), ge(rhs - lhs - 1)))
    raise NonAffine(f"unknown comparison {op}")


def _flat(fs, kind, unit, zero):
    out = set()
    for f in fs:
        if f is unit:
            continue
        if f is zero:
            return zero
        if type(f) is kind:
            out |= f.args
        else:
            out.add(f)
    if not out:
        return unit
    if len(out) == 1:
        return next(iter(out))
    return kind(frozenset(out))


def conj(fs) -> Formula:
    return _flat(fs, And, TRUE, FALSE)


def disj(fs) -> Formula:
    return _flat(fs, Or, FALSE, TRUE)


def neg(f: Formula) -> Formula:
    t = type(f)
    if t is Ge:
        return ge(-f.aff - 1)
    if t is Eq:
        return disj((ge(f.aff - 1), ge(-f.aff - 1)))
    if t is BVar:
        return BVar(f.atom, not f.pos)
    if t is And:
        return disj(neg(a) for a in f.args)
    if t is Or:
        return conj(neg(a) for a in f.args)
    return FALSE if f is TRUE else TRUE


def implies(a: Formula, b: Formula) -> Formula:
    return disj((neg(a), b))


def subst(f: Formula, mapping: dict) -> Formula:
    """Substitute forms for leaves (e.g. fresh copies of loop variables)."""
    if not mapping or f.leaves().isdisjoint(mapping):
        return f
    t = type(f)
    if t is Ge:
        return ge(f.aff.subst(mapping))
    if t is Eq:
        return eq0(f.aff.subst(mapping))
    if t is BVar:
        v = mapping.get(f.atom)
        if v is None:
            return f
        if isinstance(v, Formula):
            return v if f.pos else neg(v)
        # a renamed boolean leaf
        return BVar(next(iter(v.leaves())) if isinstance(v, Affine) else v, f.pos)
    if t is And:
        return conj(subst(a, mapping) for a in f.args)
    if t is Or:
        return disj(subst(a, mapping) for a in f.args)
    return f


def literals(f: Formula):
    """The conjuncts of ``f``."""
    return f.args if type(f) is And else (f,)


def sort_formulas(fs):
    """A deterministic order (for z3 input and messages)."""
    return sorted(fs, key=_fkey)


def _fkey(f):
    t = type(f)
    if t is Ge or t is Eq:
        return (0, f.aff.sortkey())
    if t is BVar:
        return (1, akey(f.atom), f.pos)
    if t is And or t is Or:
        return (2, tuple(sorted(_fkey(a) for a in f.args)))
    return (3, f.value)


__all__ = [
    "Formula", "TRUE", "FALSE", "Ge", "Eq", "BVar", "And", "Or", "ge", "eq0", "cmp", "conj",
    "disj", "neg", "implies", "subst", "literals", "to_formula", "sort_formulas",
]


# --------------------------------------------------------------------------- LoopIR -> Formula


def to_formula(e, env: Env = EMPTY_ENV) -> Formula:
    """A boolean control expression as a formula; raises ``NonAffine`` otherwise."""
    t = type(e)
    if t is Const:
        if e.val is True or e.val is False:
            return TRUE if e.val else FALSE
        raise NonAffine("not a boolean")
    if t is Read:
        if e.idx or getattr(e.type, "name", None) != "bool":
            raise NonAffine("not a boolean control value")
        v = env.syms.get(e.name)
        if v is None:
            return BVar(e.name)
        if not isinstance(v, Formula):
            raise NonAffine("integer in boolean position")
        return v
    if t is ReadConfig:
        if getattr(e.type, "name", None) != "bool":
            raise NonAffine("not a boolean config field")
        return BVar(env.config(e.config, e.field))
    if t is BinOp:
        op = e.op
        if op == "and":
            return conj((to_formula(e.lhs, env), to_formula(e.rhs, env)))
        if op == "or":
            return disj((to_formula(e.lhs, env), to_formula(e.rhs, env)))
        if op == "==" and getattr(e.lhs.type, "name", None) == "bool":
            a, b = to_formula(e.lhs, env), to_formula(e.rhs, env)
            return disj((conj((a, b)), conj((neg(a), neg(b)))))
        return cmp(op, to_affine(e.lhs, env), to_affine(e.rhs, env))
    raise NonAffine(f"{t.__name__} is not a boolean control expression")
