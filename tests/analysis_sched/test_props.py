"""Idempotence, loop facts, reduce-only, windows, deadness, bounds, context queries."""

from __future__ import annotations

from exo_core import config, proc
from exo_core.analysis import logic as L
from exo_core.analysis.affine import Affine
from exo_core.analysis.sched import (
    access_in_window,
    block_effects,
    check_body_independent_of_iter,
    check_bounds,
    check_dead_after,
    check_idempotent,
    check_loop_nonempty,
    check_reduce_only,
    context_facts,
    prove_equal,
    prove_in_context,
)
from exo_core.ir.nodes import BinOp, Const, Read
from exo_core.ir.types import INDEX, INT

from .util import P, S, blk, fails, sym


@config
class PC:
    k: index


@proc
def fill(n: size, y: [f32][n]):
    for j in seq(0, n):
        y[j] = 1.0


# ---------------------------------------------------------------------- loop facts


def test_loop_nonempty_uses_lo():
    # Exo tested hi > 0 instead of hi > lo (anatomy 9.2 #5): remove_loop with lo > 0
    @proc
    def p(n: size, x: f32):
        assert n >= 5
        for i in seq(5, n):  # noqa: B007
            x = 1.0
        for i in seq(4, n):  # noqa: B007
            x = 1.0

    assert not check_loop_nonempty(p, P(0))
    assert check_loop_nonempty(p, P(1))


def test_body_independent_of_iter():
    @proc
    def p(n: size, x: f32[n], s: f32):
        for i in seq(0, n):  # noqa: B007
            s = 1.0
        for i in seq(0, n):
            x[i] = 1.0

    check_body_independent_of_iter(p, P(0))
    fails(check_body_independent_of_iter, p, P(1), match="uses i")


# ---------------------------------------------------------------------- idempotence


def test_idempotent_plain_copy():
    @proc
    def p(n: size, x: f32[n], y: f32[n]):
        for i in seq(0, n):
            y[i] = x[i]

    check_idempotent(p, blk((), 0))
    check_idempotent(p, blk(P(0), 0))


def test_reduction_not_idempotent():
    @proc
    def p(n: size, x: f32[n], s: f32):
        for i in seq(0, n):
            s += x[i]

    fails(check_idempotent, p, blk(P(0), 0), match=["reduction", "add twice"])


def test_covered_reduction_is_idempotent():
    @proc
    def p(n: size, x: f32[n], s: f32):
        s = 0.0
        for i in seq(0, n):
            s += x[i]

    check_idempotent(p, blk((), 0, 2))


def test_read_of_own_write_covered_by_loop():
    @proc
    def p(n: size, x: f32[n], t: f32[n], y: f32[n]):
        for j in seq(0, n):
            t[j] = x[j]
        for i in seq(0, n):
            y[i] = t[i] + 1.0

    check_idempotent(p, blk((), 0, 2))

    @proc
    def q(n: size, x: f32[n + 1], t: f32[n + 1], y: f32[n]):
        for j in seq(0, n):
            t[j] = x[j]
        for i in seq(0, n):
            y[i] = t[i + 1]

    fails(check_idempotent, q, blk((), 0, 2), match="t[i + 1]")


def test_in_place_update_not_idempotent():
    @proc
    def p(n: size, x: f32[n]):
        for i in seq(0, n):
            x[i] = x[i] * 2.0

    fails(check_idempotent, p, blk((), 0), match=["x[i]", "second run"])


def test_conditional_write_does_not_cover():
    @proc
    def p(n: size, x: f32, y: f32):
        if n > 3:
            x = 1.0
        y = x
        x = y + 1.0

    fails(check_idempotent, p, blk((), 0, 3), match="x")


def test_idempotent_config_write():
    @proc
    def p(x: f32[8]):
        PC.k = 3
        x[PC.k] = 1.0

    check_idempotent(p, blk((), 0, 2))

    @proc
    def q(x: f32[8]):
        if PC.k == 2:
            x[0] = 1.0
        PC.k = 3

    fails(check_idempotent, q, blk((), 0, 2), match="PC.k")


def test_idempotent_through_call_and_private_alloc():
    @proc
    def p(x: f32[8], y: f32[8]):
        t: f32[8]
        fill(8, t)
        for i in seq(0, 8):
            y[i] = t[i] + x[i]

    check_idempotent(p, blk((), 0, 3))


# ---------------------------------------------------------------------- buffers


def test_reduce_only():
    @proc
    def p(n: size, x: f32[n], s: f32[4]):
        for i in seq(0, n):
            s[0] += x[i]
        s[1] = 0.0

    check_reduce_only(p, blk((), 0), sym(p, "s"))
    fails(check_reduce_only, p, blk((), 0, 2), sym(p, "s"), match="only be reduced")
    fails(check_reduce_only, p, blk((), 0), sym(p, "x"), match="reads")


def test_access_in_window():
    @proc
    def p(n: size, A: f32[n, 16]):
        for i in seq(0, n):
            for j in seq(0, 4):
                A[i, 4 + j] = 1.0
        for i in seq(0, n):
            A[i, 12] = 2.0
        for i in seq(0, n):
            for j in seq(0, 8):
                A[i, j] = 3.0

    A = sym(p, "A")
    n = Read(sym(p, "n"), (), INDEX)
    z = Const(0, INT)
    win = [(z, n), (Const(4, INT), Const(8, INT))]
    assert access_in_window(p, blk((), 0), A, win) is True
    assert access_in_window(p, blk((), 1), A, win) is False
    fails(access_in_window, p, blk((), 2), A, win, match="partly inside")
    fails(access_in_window, p, blk((), 0, 2), A, win, match="is outside")


def test_access_in_window_through_call():
    @proc
    def p(A: f32[4, 16]):
        fill(4, A[1, 4:8])

    A = sym(p, "A")
    win = [(Const(0, INT), Const(4, INT)), (Const(4, INT), Const(8, INT))]
    assert access_in_window(p, blk((), 0), A, win) is True
    win2 = [(Const(0, INT), Const(4, INT)), (Const(4, INT), Const(6, INT))]
    fails(access_in_window, p, blk((), 0), A, win2)


def test_dead_after():
    @proc
    def p(n: size, x: f32[n], y: f32[n]):
        t: f32[n]
        u: f32
        for i in seq(0, n):
            t[i] = x[i]
            u = t[i]
            y[i] = u
        for i in seq(0, n):
            y[i] += t[i]

    t, u = sym(p, "t"), sym(p, "u")
    check_dead_after(p, blk((), 3), t)
    fails(check_dead_after, p, blk((), 2), t, match="used after")
    # u is read in the same iteration, after the block
    fails(check_dead_after, p, blk(P(2), 1), u)
    # a later iteration re-runs the body: t[i] = x[i] is followed by reads of t
    fails(check_dead_after, p, blk(P(2), 2), t)
    fails(check_dead_after, p, blk((), 3), sym(p, "y"), match="argument")


def test_dead_after_through_window():
    @proc
    def p(x: f32[8]):
        t: f32[8]
        t[0] = 1.0
        w = t[2:4]
        x[0] = w[0]

    fails(check_dead_after, p, blk((), 1), sym(p, "t"))


def test_check_bounds():
    @proc
    def p(n: size, x: f32[n]):
        for i in seq(0, n):
            x[i] = 1.0

    check_bounds(p)
    check_bounds(p, sym(p, "x"))
    bad = p._ir.update(body=(p._ir.body[0].update(hi=BinOp("+", p._ir.body[0].hi,
                                                              Const(1, INT), INDEX)),))
    fails(check_bounds, bad, match="out of bounds")
    fails(check_bounds, bad, sym(p, "x"), match="out of bounds")


def test_check_bounds_of_a_region():
    @proc
    def p(n: size, x: f32[n], y: f32[n]):
        for i in seq(0, n):
            x[i] = 1.0
        for j in seq(0, n):
            y[j] = 2.0

    def widen(loop):
        return loop.update(hi=BinOp("+", loop.hi, Const(1, INT), INDEX))

    ir = p._ir
    bad_first = ir.update(body=(widen(ir.body[0]), ir.body[1]))
    # the region holds the bad access: refused; a region elsewhere is the caller's promise
    fails(check_bounds, bad_first, region=(bad_first.body[0],), match="x[i] may be out of bounds")
    check_bounds(bad_first, region=(bad_first.body[1],))
    # the facts at a region deep inside a loop are those of a full walk
    inner = bad_first.body[1].body[0]
    check_bounds(bad_first, region=(inner,))


def test_check_bounds_of_a_region_that_writes_config_is_whole():
    @proc
    def p(n: size, x: f32[n]):
        for i in seq(0, n):
            x[i] = 1.0
        PC.k = 0

    ir = p._ir
    bad = ir.update(body=(ir.body[0].update(hi=BinOp("+", ir.body[0].hi, Const(1, INT), INDEX)),
                          ir.body[1]))
    # a config write can change what later statements know: the whole proc is checked
    fails(check_bounds, bad, region=(bad.body[1],), match="out of bounds")


# ---------------------------------------------------------------------- context


def test_context_queries():
    @proc
    def p(n: size, m: size, x: f32[n]):
        assert n >= 4
        for i in seq(0, n):
            if i < m:
                x[i] = 1.0
            else:
                x[i] = 2.0

    facts = context_facts(p, P(0, 0, 0))
    assert facts
    i, m, n = sym(p, "i"), sym(p, "m"), sym(p, "n")
    ri, rm, rn = Read(i, (), INDEX), Read(m, (), INDEX), Read(n, (), INDEX)
    assert prove_in_context(p, P(0, 0, 0), BinOp("<", ri, rm, INDEX))
    assert prove_in_context(p, S(("body", 0), ("body", 0), ("orelse", 0)), BinOp(">=", ri, rm, INDEX))
    assert not prove_in_context(p, P(0, 0, 0), BinOp("<", ri, Const(3, INT), INDEX))
    assert prove_in_context(p, P(0), L.ge(Affine.of(n) - 4))
    # an expression path uses its statement's context
    assert prove_in_context(p, P(0, 0, 0) + (("rhs", None),), BinOp("<", ri, rn, INDEX))
    assert prove_equal(p, P(0, 0, 0), BinOp("+", ri, Const(0, INT), INDEX), ri)
    assert not prove_equal(p, P(0, 0, 0), ri, rm)


def test_block_effects():
    @proc
    def p(n: size, A: f32[n, 8], x: f32[n]):
        for i in seq(0, n):
            fill(4, A[i, 2:6])
            x[i] += A[i, 0]

    eff = block_effects(p, blk((), 0))
    kinds = sorted((a.kind, a.root.name) for a in eff.accesses)
    assert kinds == [("read", "A"), ("reduce", "x"), ("write", "A")]
    w = [a for a in eff.accesses if a.kind == "write"][0]
    assert str(w.idx[0]) == "i" and str(w.idx[1]).startswith("j") and "+ 2" in str(w.idx[1])
