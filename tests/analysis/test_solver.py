"""The solver layer: fast path soundness against z3 and brute force, caching, z3 semantics."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from exo_core.analysis import fastpath
from exo_core.analysis import logic as L
from exo_core.analysis.affine import Affine, floordiv, mod
from exo_core.analysis.solver import Solver
from exo_core.ir import Sym

i, j, n, k = Sym("i"), Sym("j"), Sym("n"), Sym("k")
A = Affine.of
C = Affine.constant


def loop_ctx(var, lo, hi):
    return [L.ge(var - lo), L.ge(hi - var - 1)]


def test_fast_path_decides_common_bounds():
    s = Solver()
    ctx = [L.ge(A(n) - 1)] + loop_ctx(A(i), C(0), A(n) - 3)
    assert s.check(L.conj([L.ge(A(i) + 3), L.cmp("<", A(i) + 3, A(n))]), ctx).how == "fast"
    # tiling: io < n / 4, ii < 4  =>  4 io + ii < n
    io, ii = Sym("io"), Sym("ii")
    ctx = [L.ge(A(n) - 1)] + loop_ctx(A(io), C(0), floordiv(A(n), 4)) + loop_ctx(A(ii), C(0), C(4))
    r = s.check(L.cmp("<", A(io) * 4 + A(ii), A(n)), ctx)
    assert r.proven and r.how == "fast"
    # ceil-div tiling: i < n, x has (n + 3) / 4 elements: i / 4 < (n + 3) / 4
    ctx = [L.ge(A(n) - 1)] + loop_ctx(A(i), C(0), A(n))
    r = s.check(L.cmp("<", floordiv(A(i), 4), floordiv(A(n) + 3, 4)), ctx)
    assert r.proven and r.how == "fast"
    # two iterations i < i' write 4i + j and 4i' + j' (j, j' < 4): disjoint
    i2, j2 = Sym("i'"), Sym("j'")
    ctx = loop_ctx(A(j), C(0), C(4)) + loop_ctx(A(j2), C(0), C(4)) + [L.ge(A(i2) - A(i) - 1)]
    x, y = A(i) * 4 + A(j), A(i2) * 4 + A(j2)
    r = s.check(L.disj([L.ge(x - y - 1), L.ge(y - x - 1)]), ctx)
    assert r.proven and r.how == "fast"
    assert s.stats.z3 == 0


def test_failure_gives_counterexample():
    s = Solver()
    ctx = [L.ge(A(n) - 1)] + loop_ctx(A(i), C(0), A(n))
    r = s.check(L.cmp("<", A(i) + 1, A(n)), ctx)
    assert not r.proven and r.how == "z3"
    assert r.model[i] + 1 >= r.model[n] and 0 <= r.model[i] < r.model[n]


def test_cache_hits_and_slicing():
    s = Solver()
    ctx = [L.ge(A(n) - 1)] + loop_ctx(A(i), C(0), A(n))
    goal = L.cmp("<", A(i), A(n) + 1)
    assert s.prove(goal, ctx)
    q = s.stats.queries
    assert s.prove(goal, list(reversed(ctx)))
    # an unrelated assumption is sliced away: still the same cache entry
    assert s.prove(goal, ctx + [L.ge(A(k) - 7)])
    assert s.stats.hits == 2 and s.stats.queries == q + 2
    # a failing proof is refuted by a concrete witness, without z3
    bad = L.cmp("<", A(i) + 1, A(n))
    z = s.stats.z3
    assert not s.prove(bad, ctx)
    assert s.stats.z3 == z
    # a check wanting a counterexample for a message asks z3 once, then the cache
    r = s.check(bad, ctx)
    assert not r.proven and r.model and s.stats.z3 == z + 1
    assert r.model[i] + 1 >= r.model[n] and 0 <= r.model[i] < r.model[n]
    r = s.check(bad, ctx)
    assert not r.proven and r.model and s.stats.z3 == z + 1


def test_witness_models_are_real():
    # every model the witness search returns satisfies the formulas; none is invented
    ctx = [L.ge(A(n) - 1)] + loop_ctx(A(i), C(0), A(n))
    m = fastpath.witness(frozenset(ctx) | {L.neg(L.cmp("<", A(i) + 1, A(n)))})
    assert m is not None and m[i] + 1 >= m[n] and 0 <= m[i] < m[n]
    assert fastpath.witness(frozenset({L.ge(A(n) - 1), L.ge(-A(n))})) is None


def test_floor_semantics_in_z3():
    s = Solver()
    for num in (-7, -8, -1, 0, 5, 7):
        for d in (2, 3, 4):
            ctx = [L.eq0(A(i) - num)]
            assert s.prove(L.eq0(floordiv(A(i), d) - num // d), ctx)
            assert s.prove(L.eq0(mod(A(i), d) - num % d), ctx)
            assert not s.prove(L.eq0(floordiv(A(i), d) - (num // d + 1)), ctx)


def test_unknown_is_not_proven():
    s = Solver(timeout_ms=1)
    # nonlinear facts may time out; whatever z3 says, no exception escapes
    from exo_core.analysis.affine import mul
    goal = L.ge(mul(A(i), A(j)) - mul(A(j), A(i)))
    assert isinstance(s.prove(goal, [L.ge(A(i)), L.ge(A(j))]), bool)


def test_satisfiability():
    s = Solver()
    assert s.is_satisfiable([L.ge(A(n) - 1), L.ge(C(3) - A(n))])
    assert not s.is_satisfiable([L.ge(A(n) - 1), L.ge(-A(n))])
    assert not s.is_satisfiable([L.FALSE])
    # n % 4 == 3 and n % 2 == 0 contradict
    assert not s.is_satisfiable([L.eq0(mod(A(n), 4) - 3), L.eq0(mod(A(n), 2))])


def test_booleans():
    s = Solver()
    b = L.BVar(Sym("b"))
    assert s.prove(b, [b])
    assert not s.prove(b, [])
    assert s.prove(L.ge(A(i)), [L.disj([L.conj([b, L.ge(A(i) - 2)]), L.conj([L.neg(b), L.ge(A(i) - 5)])])])


# ---------------------------------------------------------------------- random agreement

_VARS = (i, j, n)
_RANGE = range(-3, 5)


def _affine(draw):
    coeffs = [draw(st.integers(-3, 3)) for _ in _VARS]
    return Affine({v: c for v, c in zip(_VARS, coeffs)}, draw(st.integers(-6, 6)))


@st.composite
def atoms(draw):
    a = _affine(draw)
    kind = draw(st.sampled_from(["ge", "eq", "div", "mod"]))
    d = draw(st.integers(2, 4))
    if kind == "div":
        a = floordiv(a, d) + draw(st.integers(-3, 3))
    elif kind == "mod":
        a = mod(a, d) - draw(st.integers(0, 3))
    return L.eq0(a) if kind == "eq" else L.ge(a)


def _holds(f, model):
    t = type(f)
    if t is L.Ge:
        return f.aff.eval(model) >= 0
    if t is L.Eq:
        return f.aff.eval(model) == 0
    if t is L.And:
        return all(_holds(g, model) for g in f.args)
    if t is L.Or:
        return any(_holds(g, model) for g in f.args)
    return f is L.TRUE


_SOLVER = Solver()


@settings(max_examples=250, deadline=None)
@given(ctx=st.lists(atoms(), max_size=4), goal=atoms())
def test_fast_path_and_z3_agree_with_brute_force(ctx, goal):
    bounds = [f for v in _VARS for f in loop_ctx(A(v), C(_RANGE.start), C(_RANGE.stop))]
    assumptions = bounds + ctx
    truth = True
    for vals in itertools.product(_RANGE, repeat=len(_VARS)):
        model = dict(zip(_VARS, vals))
        if all(_holds(f, model) for f in assumptions) and not _holds(goal, model):
            truth = False
            break
    # the fast path is sound: it never proves a false goal
    if fastpath.prove(goal, frozenset(assumptions)):
        assert truth
    # z3 (all variables bounded) is exact
    assert _SOLVER.prove(goal, assumptions) == truth


def test_loopir_goals_and_facts_at():
    from ir.irb import F32, INDEX, SIZE, Var, assign, if_, loop, proc, ten

    from exo_core.analysis.context import facts_at
    from exo_core.analysis.solver import SOLVER

    nv, iv = Var("n", SIZE), Var("i", INDEX)
    x = Var("x", ten(F32, nv))
    target = assign(x[iv], 0.0)
    p = proc("f", [nv, x], [loop(iv, 0, nv, [if_(iv.lt(nv - 1), [target])])])
    facts, w = facts_at(p, target)
    assert SOLVER.prove((iv + 1).lt(nv).e, facts)
    assert not SOLVER.prove((iv + 2).lt(nv).e, facts)
    assert facts_at(p, assign(x[iv], 0.0)) is None


@st.composite
def loop_queries(draw):
    """A loop-nest context over n in [1, 12] and a goal over i, j, n and their quotients."""
    d = draw(st.integers(2, 4))
    hi_i = draw(st.sampled_from([A(n), floordiv(A(n), d), floordiv(A(n) + d - 1, d), A(n) - 1]))
    ctx = [L.ge(A(n) - 1), L.ge(C(12) - A(n))] + loop_ctx(A(i), C(0), hi_i) + loop_ctx(A(j), C(0), C(d))
    terms = [A(i), A(j), A(n), floordiv(A(n), d), floordiv(A(i), d), mod(A(i), d), floordiv(A(n) + d - 1, d)]
    goal_aff = C(draw(st.integers(-4, 4)))
    for t in terms:
        goal_aff = goal_aff + t.scale(draw(st.sampled_from([0, 0, 0, 1, -1, d, -d])))
    return ctx, L.ge(goal_aff)


_FAST_PROVED = [0]


@settings(max_examples=250, deadline=None)
@given(q=loop_queries())
def test_fast_path_sound_on_loop_nests(q):
    ctx, goal = q
    truth = True
    # the context confines i to [0, 12), j to [0, 4), n to [1, 12]
    for vals in itertools.product(range(0, 12), range(0, 4), range(1, 13)):
        model = dict(zip((i, j, n), vals))
        if all(_holds(f, model) for f in ctx) and not _holds(goal, model):
            truth = False
            break
    if fastpath.prove(goal, frozenset(ctx)):
        _FAST_PROVED[0] += 1
        assert truth


def test_fast_path_proves_something_in_random_loop_nests():
    # guard against the soundness test above being vacuous
    assert _FAST_PROVED[0] > 10
