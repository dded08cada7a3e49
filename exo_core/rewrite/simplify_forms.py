"""Helpers of ``simplify`` (simplify.py): integer normal forms back to LoopIR in canonical
order, divisions and modulos folded under facts, and exact folding of data literals."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..analysis import fastpath
from ..analysis import logic as L
from ..analysis.affine import (
    Affine,
    ConfigAtom,
    DivAtom,
    ModAtom,
    MulAtom,
    StrideAtom,
    floordiv,
    mod,
)
from ..analysis.solver import SOLVER
from ..ir import (
    F32,
    F64,
    INDEX,
    INT,
    SIZE,
    STRIDE,
    BinOp,
    Const,
    Read,
    ReadConfig,
    ScalarType,
    StrideExpr,
    USub,
)

# --------------------------------------------------------------------------- Affine -> LoopIR


def _join(a, b):
    if INDEX in (a, b):
        return INDEX
    if SIZE in (a, b):
        return SIZE
    return INT


def control_types(e, out=None) -> dict:
    """Sym -> the control type it is read with, for every variable read in ``e``."""
    out = {} if out is None else out
    t = type(e)
    if t is Read:
        out.setdefault(e.name, e.type)
        for i in e.idx:
            control_types(i, out)
    elif t is BinOp:
        control_types(e.lhs, out)
        control_types(e.rhs, out)
    elif t is USub:
        control_types(e.arg, out)
    return out


def _atom_expr(a, types, src):
    t = type(a)
    if t is DivAtom or t is ModAtom:
        num = from_affine(a.num, types, src)
        return BinOp("/" if t is DivAtom else "%", num, Const(a.d, INT, srcinfo=src), num.type, srcinfo=src)
    if t is MulAtom:
        x, y = from_affine(a.a, types, src), from_affine(a.b, types, src)
        return BinOp("*", x, y, _join(x.type, y.type), srcinfo=src)
    if t is StrideAtom:
        return StrideExpr(a.sym, a.dim, STRIDE, srcinfo=src)
    if t is ConfigAtom:
        return ReadConfig(a.config, a.field, a.config.lookup_type(a.field), srcinfo=src)
    return Read(a, (), types.get(a, INDEX), srcinfo=src)


def _term(c: int, a, types, src):
    x = _atom_expr(a, types, src)
    if c == 1:
        return x
    if c == -1:
        return USub(x, x.type, srcinfo=src)
    return BinOp("*", Const(c, INT, srcinfo=src), x, x.type, srcinfo=src)


def from_affine(a: Affine, types: dict, src) -> object:
    """LoopIR for a normal form, in canonical order: positive terms, negative terms, constant."""
    pos = [(x, c) for x, c in a.terms if c > 0]
    neg = [(x, c) for x, c in a.terms if c < 0]
    const = a.const
    if pos:
        x, c = pos[0]
        out = _term(c, x, types, src)
        pos = pos[1:]
    elif neg and const > 0:
        out = Const(const, INT, srcinfo=src)
        const = 0
    elif neg:
        x, c = neg[0]
        out = _term(c, x, types, src)
        neg = neg[1:]
    else:
        return Const(a.const, INT, srcinfo=src)
    for x, c in pos:
        t = _term(c, x, types, src)
        out = BinOp("+", out, t, _join(out.type, t.type), srcinfo=src)
    for x, c in neg:
        t = _term(-c, x, types, src)
        out = BinOp("-", out, t, _join(out.type, t.type), srcinfo=src)
    if const:
        k = Const(abs(const), INT, srcinfo=src)
        out = BinOp("+" if const > 0 else "-", out, k, out.type, srcinfo=src)
    return out


# --------------------------------------------------------------------------- facts


def numeric_bounds(num: Affine, facts: frozenset):
    """Numeric bounds of ``num`` under ``facts`` (sound, possibly infinite)."""
    got = fastpath._FACTS.get(facts)
    if got is None:
        if len(fastpath._FACTS) > 4096:
            fastpath._FACTS.clear()
        got = fastpath._FACTS[facts] = fastpath._Facts(facts)
    return got.bounds(num)


def _quotient(num: Affine, d: int, facts: frozenset):
    """``q`` with ``d*q <= num < d*(q+1)`` under ``facts``, or None."""
    lo, hi = numeric_bounds(num, facts)
    finite_lo, finite_hi = lo not in (float("inf"), float("-inf")), hi not in (float("inf"), float("-inf"))
    if finite_lo and finite_hi and lo // d == hi // d:
        return int(lo // d)
    candidates = [0]
    if finite_lo:
        candidates.append(int(lo // d))
    if finite_hi:
        candidates.append(int(hi // d))
    for q in dict.fromkeys(candidates):
        goal = L.conj((L.ge(num - d * q), L.ge(d * q + d - 1 - num)))
        if SOLVER.prove(goal, facts):
            return q
    return None


def _trunc_split(a: Affine, d: int):
    """``a = d * q + r`` with every coefficient (and the constant) of ``r`` of the sign of
    ``a``'s and smaller than ``d`` in magnitude (truncating, unlike the canonical split)."""
    def t(c):
        return c - d * (c // d if c >= 0 else -((-c) // d))

    r = Affine({x: t(c) for x, c in a.terms}, t(a.const))
    q = Affine({x: (c - t(c)) // d for x, c in a.terms}, (a.const - t(a.const)) // d)
    return q, r


def recombine(a: Affine) -> Affine:
    """``c * d * (x / d) + c * (x % d)`` is ``c * x``."""
    divs = {(x.num, x.d): c for x, c in a.terms if type(x) is DivAtom}
    out = a
    for x, c in a.terms:
        if type(x) is ModAtom and divs.get((x.num, x.d)) == c * x.d:
            out = out.without(x).without(DivAtom(x.num, x.d)) + x.num.scale(c)
    return out


def divmod_with_facts(num: Affine, d: int, op: str, facts: frozenset) -> Affine:
    """``num / d`` or ``num % d`` (floor semantics), folded when the facts confine the
    remainder of the truncating split to one block of ``d``; otherwise in normal form,
    keeping the user's signs when a coefficient is negative."""
    if d == 1:
        return num if op == "/" else Affine.constant(0)
    q, r = _trunc_split(num, d)
    k = _quotient(r, d, facts) if facts and not r.is_const() else None
    if r.is_const():
        k = r.const // d
    if k is not None:
        return q + k if op == "/" else r - d * k
    if all(c >= 0 for _, c in num.terms) and num.const >= 0:
        c0 = num.const % d
        if c0 and facts and SOLVER.prove(L.ge(mod(num, d) - c0), facts):
            # the constant never carries into the quotient: (n + 3) / 4 is n / 4 when 4 | n
            base = num - c0
            return floordiv(base, d) if op == "/" else mod(base, d) + c0
        return floordiv(num, d) if op == "/" else mod(num, d)
    if op == "/":
        return q + Affine.of(DivAtom(r, d))
    return Affine.of(ModAtom(r, d))


# --------------------------------------------------------------------------- data folding


def is_r(t) -> bool:
    return isinstance(t, ScalarType) and t.name == "R"


def exact_f32(v) -> bool:
    if isinstance(v, bool):
        return False
    try:
        return bool(np.isfinite(v)) and Fraction(float(np.float32(v))) == Fraction(v)
    except (OverflowError, ValueError):
        return False


def concrete_prec(t):
    return F32 if is_r(t) else t


def ctx_ok(ctx) -> bool:
    """Whether an R literal in this context computes in the precision an R expression would
    (f32, or f64 which holds every f32 value exactly), or is converted like one (``cast``)."""
    return ctx == "cast" or concrete_prec(ctx) in (F32, F64)


def fold_literals(op: str, a, b):
    """The exact real result of ``a op b`` if it is exactly an f32 value, else None."""
    if not (exact_f32(a) and exact_f32(b)):
        return None
    fa, fb = Fraction(a), Fraction(b)
    if op == "+":
        r = fa + fb
    elif op == "-":
        r = fa - fb
    elif op == "*":
        r = fa * fb
    elif op == "/":
        if fb == 0:
            return None
        r = fa / fb
    else:
        return None
    v = float(r)
    if not exact_f32(v) or Fraction(v) != r:
        return None
    if op != "/" and isinstance(a, int) and isinstance(b, int):
        return int(r)
    return v


def is_one(e) -> bool:
    return type(e) is Const and not isinstance(e.val, bool) and e.val == 1


def is_zero(e) -> bool:
    return type(e) is Const and not isinstance(e.val, bool) and e.val == 0
