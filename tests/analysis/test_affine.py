"""Normal forms: canonical equality, floor division/modulo semantics, conversion from LoopIR."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ir.irb import SIZE, Var, cfg

from exo_core.analysis import logic as L
from exo_core.analysis.affine import (
    Affine,
    ConfigAtom,
    DivAtom,
    ModAtom,
    NonAffine,
    StrideAtom,
    floordiv,
    mod,
    to_affine,
)
from exo_core.config import Config
from exo_core.ir import INDEX, Sym

i, j, n = Sym("i"), Sym("j"), Sym("n")
A = Affine.of


def test_canonical_equality_and_hash():
    a = (A(i) + 1) + (A(j) + 2)
    b = A(j) + A(i) + 3
    assert a == b and hash(a) == hash(b)
    assert (A(i) - A(i)) == Affine.constant(0)
    assert (A(i) * 3 - A(i) * 3 + 5).is_const()
    assert {a: 1}[b] == 1


def test_div_mod_by_constants_reduce():
    assert floordiv(A(i) * 4 + 8, 4) == A(i) + 2
    assert mod(A(i) * 4 + 9, 4) == Affine.constant(1)
    assert floordiv(A(i) * 6 + 3, 4) == A(i) + floordiv(A(i) * 2 + 3, 4)
    # gcd of coefficients and divisor is divided out: (2i + 1) / 4 == i / 2
    assert floordiv(A(i) * 2 + 1, 4) == Affine.of(DivAtom(A(i), 2))
    assert mod(A(i) * 2 + 1, 4) == Affine.of(ModAtom(A(i), 2), 2) + 1
    assert floordiv(A(i), 1) == A(i) and mod(A(i), 1) == Affine.constant(0)


@settings(max_examples=300, deadline=None)
@given(ci=st.integers(-9, 9), cj=st.integers(-9, 9), c=st.integers(-30, 30), d=st.integers(1, 9),
       vi=st.integers(-40, 40), vj=st.integers(-40, 40))
def test_floor_semantics_match_python(ci, cj, c, d, vi, vj):
    a = A(i, ci) + A(j, cj) + c
    model = {i: vi, j: vj}
    v = ci * vi + cj * vj + c
    assert floordiv(a, d).eval(model) == v // d
    assert mod(a, d).eval(model) == v % d
    assert 0 <= mod(a, d).eval(model) < d
    # nested: (a / d) / 2 == a / (2d) for floor division
    assert floordiv(floordiv(a, d), 2).eval(model) == v // (2 * d)


def test_to_affine_from_loopir():
    nv, iv = Var("n", SIZE), Var("i", INDEX)
    e = (iv * 4 + 3) / 2 - iv % 3 + nv
    a = to_affine(e.e)
    for vi in range(-7, 8):
        assert a.eval({iv.sym: vi, nv.sym: 5}) == (vi * 4 + 3) // 2 - vi % 3 + 5
    x = Var("x", None)
    assert to_affine(x.stride(1).e) == Affine.of(StrideAtom(x.sym, 1))
    C = Config("C", [("k", INDEX)])
    assert to_affine(cfg(C, "k").e) == Affine.of(ConfigAtom(C, "k", 0))
    with pytest.raises(NonAffine):
        to_affine(iv.lt(nv).e)


def test_formula_canonical_forms():
    # gcd normalisation: 2i - 4 >= 0  ==  i - 2 >= 0;  2i == 3 is false
    assert L.ge(A(i) * 2 - 4) == L.ge(A(i) - 2)
    assert L.eq0(A(i) * 2 - 3) is L.FALSE
    assert L.eq0(A(i) - A(j)) == L.eq0(A(j) - A(i))
    assert L.conj([L.ge(A(i)), L.TRUE, L.ge(A(i))]) == L.ge(A(i))
    assert L.neg(L.neg(L.ge(A(i) - 3))) == L.ge(A(i) - 3)
    assert L.cmp("<", A(i), A(n)) == L.ge(A(n) - A(i) - 1)
    f = L.conj([L.ge(A(i)), L.disj([L.ge(A(j)), L.eq0(A(n))])])
    g = L.conj([L.disj([L.eq0(A(n)), L.ge(A(j))]), L.ge(A(i))])
    assert f == g and hash(f) == hash(g)


def test_subst_renames_through_divisions():
    i2 = Sym("i'")
    a = floordiv(A(i) + A(n), 4)
    b = a.subst({i: A(i2)})
    assert b == floordiv(A(i2) + A(n), 4)
    assert a.subst({i: A(i) * 4}) == A(i) + floordiv(A(n), 4)


def test_printing():
    assert str(A(i) * 2 - A(n) + 3) == "2 * i - n + 3"
    assert str(L.ge(A(n) - A(i) - 1)) == "n >= i + 1"
    assert str(floordiv(A(i) + 1, 4)) == "(i + 1) / 4"
