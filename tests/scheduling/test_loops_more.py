"""cut_loop, shift_loop, remove_loop, add_loop and unroll_loop: accepted rewrites agree with
the original (interpreter and compiled C on random inputs), refused ones say why, cursors
follow their code."""

from __future__ import annotations

import functools

import pytest

from exo_core import config, proc
from exo_core.errors import InvalidCursorError, ParseFragmentError
from exo_core.scheduling import add_loop, cut_loop, remove_loop, shift_loop, unroll_loop

from . import checks
from .checks import body, refused

# the random inputs these tests were written against
same_results = functools.partial(checks.same_results, trials=5, seed=11)


@config
class MoreCfg:
    lo: index


# --------------------------------------------------------------------------- kernels


@proc
def scale(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        y[i] = x[i] * 2.0
    y[0] = y[0] + 1.0


@proc
def prefix(n: size, x: f32[n + 1]):
    assert n >= 3
    for i in seq(0, n):
        x[i + 1] = x[i + 1] + x[i]


@proc
def shifted_cfg(n: size, x: f32[n]):
    MoreCfg.lo = 0
    for i in seq(MoreCfg.lo, n):
        x[i] = 1.0
        MoreCfg.lo = 1


@proc
def cut_cfg(n: size, x: f32[n]):
    MoreCfg.lo = 0
    for i in seq(0, n):
        x[i] = 1.0
        MoreCfg.lo = 1


@proc
def invariant(n: size, x: f32[4], y: f32[4]):
    for i in seq(0, n):  # noqa: B007
        for j in seq(0, 4):
            y[j] = x[j] + 1.0


@proc
def invariant_index(m: index, x: f32[4], y: f32[4]):
    assert m >= 0
    for i in seq(0, m):  # noqa: B007
        y[0] = x[0]


@proc
def from_five(n: size, y: f32):
    assert n >= 5
    for i in seq(5, n):  # noqa: B007
        y = 1.0


@proc
def from_five_literal(y: f32):
    for i in seq(5, 5):  # noqa: B007
        y = 1.0
    for i in seq(5, 6):  # noqa: B007
        y = 2.0
        y = 3.0


@proc
def uses_iter(n: size, x: f32[n]):
    for i in seq(0, n):
        x[0] = 1.0
        x[i] = 2.0


@proc
def count(n: size, y: f32):
    for i in seq(0, n):  # noqa: B007
        y += 1.0


@proc
def times_one(n: size, y: f32):
    for i in seq(0, n):  # noqa: B007
        y = y * 1.0


@proc
def copy_first(n: size, m: index, x: f32[n], y: f32):
    assert m >= 0
    y = x[0]
    y = y + 1.0


@proc
def add_one(n: size, x: f32[n], y: f32):
    y += x[0]
    y = y * 2.0


@proc
def two_stmts(n: size, x: f32[n], y: f32[2]):
    y[0] = x[0]
    y[1] = x[0] + 1.0
    y[0] = y[0] + y[1]


@proc
def alloc_block(n: size, x: f32[n], y: f32):
    t: f32
    t = x[0]
    y = t


@proc
def small(x: f32[5], y: f32[5]):
    for i in seq(0, 3):
        y[i + 1] = x[i] * 2.0 + x[i + 1]
    y[0] = 0.0


@proc
def small_alloc(x: f32[3], y: f32[3]):
    for i in seq(1, 3):
        t: f32[2]
        t[0] = x[i]
        t[1] = x[i - 1]
        y[i] = t[0] + t[1]
        for j in seq(0, i):
            y[j] += t[0]


@proc
def empty_range(y: f32):
    for i in seq(0, 0):  # noqa: B007
        y = 1.0


@proc
def empty_range_with_sibling(y: f32):
    for i in seq(3, 3):  # noqa: B007
        y = 1.0
    y = y + 1.0


@proc
def not_literal(n: size, x: f32[n]):
    for i in seq(0, n):
        x[i] = 1.0


# --------------------------------------------------------------------------- cut_loop


def test_cut_loop():
    p = cut_loop(scale, "i", "n / 2")
    assert body(p) == (
        "for i in seq(0, n / 2):\n"
        "    y[i] = x[i] * 2.0\n"
        "for i in seq(n / 2, n):\n"
        "    y[i] = x[i] * 2.0\n"
        "y[0] = y[0] + 1.0")
    first, second = p.body()[0], p.body()[1]
    assert first._node().iter is not second._node().iter
    same_results(scale, p)


def test_cut_loop_at_literal_and_ends():
    same_results(prefix, cut_loop(prefix, "i", 3))
    same_results(prefix, cut_loop(prefix, "i", 0))
    same_results(prefix, cut_loop(prefix, "i", "n"))


def test_cut_loop_refusals():
    refused(cut_loop, scale, "i", "n + 1", words=("cut_point <= hi", "n \\+ 1 <= n"))
    refused(cut_loop, scale, "i", -1, words="lo <= cut_point")
    refused(cut_loop, prefix, "i", 4, words="cut_point <= hi")
    with pytest.raises(ParseFragmentError, match="'i'"):  # the iterator is not in scope
        cut_loop(scale, "i", "i")
    refused(cut_loop, cut_cfg, "i", "MoreCfg.lo", words=("MoreCfg.lo", "evaluated again"))


def test_cut_loop_forwarding():
    loop = scale.find_loop("i")
    stmt = loop.body()[0]
    last = scale.body()[1]
    p = cut_loop(scale, loop, "n / 2")
    assert p.forward(loop) == p.body()[0]
    assert p.forward(stmt) == p.body()[0].body()[0]
    assert p.forward(last) == p.body()[2]
    with pytest.raises(InvalidCursorError):
        p.forward(loop.hi())


# --------------------------------------------------------------------------- shift_loop


def test_shift_loop():
    p = shift_loop(scale, "i", 3)
    assert body(p).splitlines()[:2] == ["for i in seq(3, n + 3):", "    y[i - 3] = x[i - 3] * 2.0"]
    same_results(scale, p)


def test_shift_loop_folds_offsets():
    p = shift_loop(prefix, "i", 1)
    assert body(p) == "for i in seq(1, n + 1):\n    x[i] = x[i] + x[i - 1]"
    same_results(prefix, p)
    q = shift_loop(p, "i", 0)
    assert body(q) == body(prefix)


def test_shift_loop_to_expression():
    p = shift_loop(scale, "i", "n")
    assert body(p).splitlines()[:2] == ["for i in seq(n, n + n):", "    y[i - n] = x[i - n] * 2.0"]
    same_results(scale, p)


def test_shift_loop_refusals():
    refused(shift_loop, scale, "i", -1, words="0 <= new_lo")
    refused(shift_loop, scale, "i", "n - 5", words="0 <= new_lo")
    refused(shift_loop, shifted_cfg, "i", 2, words=("MoreCfg.lo", "inside the loop"))


def test_shift_loop_forwarding():
    loop = scale.find_loop("i")
    stmt = loop.body()[0]
    p = shift_loop(scale, loop, 2)
    assert p.forward(loop) == p.body()[0]
    assert p.forward(stmt) == p.body()[0].body()[0]
    with pytest.raises(InvalidCursorError):
        p.forward(loop.lo())


# --------------------------------------------------------------------------- remove_loop


def test_remove_loop_runs_at_least_once():
    p = remove_loop(invariant, "i")
    assert body(p) == "for j in seq(0, 4):\n    y[j] = x[j] + 1.0"
    same_results(invariant, p)


def test_remove_loop_guards_a_loop_that_may_not_run():
    p = remove_loop(invariant_index, "i")
    assert body(p) == "if m > 0:\n    y[0] = x[0]"
    same_results(invariant_index, p, trials=6)
    same_results(invariant_index, p, sizes={"m": 0}, trials=1)


def test_remove_loop_regression_lo_above_zero():
    # Exo proved `n > 0` and dropped the guard; for n == 5 the loop runs zero times
    p = remove_loop(from_five, "i")
    assert body(p) == "if n > 5:\n    y = 1.0"
    same_results(from_five, p, sizes={"n": 5}, trials=1)
    same_results(from_five, p, sizes={"n": 7}, trials=1)


def test_remove_loop_literal_bounds():
    p = remove_loop(from_five_literal, from_five_literal.body()[0])
    assert body(p).splitlines()[:2] == ["if 5 > 5:", "    y = 1.0"]
    same_results(from_five_literal, p)
    q = remove_loop(from_five_literal, from_five_literal.body()[1])
    assert body(q).splitlines()[2:] == ["y = 2.0", "y = 3.0"]
    same_results(from_five_literal, q)


def test_remove_loop_refusals():
    refused(remove_loop, uses_iter, "i", words=("uses the iterator 'i'",))
    refused(remove_loop, count, "i", words=("remove_loop", "y"))
    refused(remove_loop, times_one, "i", words="y")


def test_remove_loop_unsafe_skips_idempotence():
    # y = y * 1.0 is idempotent, but the analysis cannot see it (it reads what it writes)
    p = remove_loop(times_one, "i", unsafe_disable_check=True)
    assert body(p) == "y = y * 1.0"
    same_results(times_one, p)
    refused(remove_loop, times_one, "i", unsafe_disable_check=1, words="unsafe_disable_check")


def test_remove_loop_forwarding():
    loop = invariant.find_loop("i")
    inner = invariant.find_loop("j")
    stmt = inner.body()[0]
    p = remove_loop(invariant, loop)
    assert p.forward(inner) == p.body()[0]
    assert p.forward(stmt) == p.body()[0].body()[0]
    with pytest.raises(InvalidCursorError):
        p.forward(loop)
    loop2 = invariant_index.find_loop("i")
    q = remove_loop(invariant_index, loop2)
    assert q.forward(loop2.body()[0]) == q.body()[0].body()[0]
    assert q.forward(loop2.hi()) == q.body()[0].cond().lhs()


# --------------------------------------------------------------------------- add_loop


def test_add_loop():
    p = add_loop(copy_first, copy_first.body()[0], "k", "n")
    assert body(p) == "for k in seq(0, n):\n    y = x[0]\ny = y + 1.0"
    same_results(copy_first, p)


def test_add_loop_guard_waives_idempotence():
    refused(add_loop, add_one, add_one.body()[0], "k", 4, words="y")
    p = add_loop(add_one, add_one.body()[0], "k", 4, guard=True)
    assert body(p) == "for k in seq(0, 4):\n    if k == 0:\n        y += x[0]\ny = y * 2.0"
    same_results(add_one, p)


def test_add_loop_block():
    blk = two_stmts.body()[0].expand(0, 1)
    p = add_loop(two_stmts, blk, "k", "n")
    assert body(p) == "for k in seq(0, n):\n    y[0] = x[0]\n    y[1] = x[0] + 1.0\ny[0] = y[0] + y[1]"
    same_results(two_stmts, p)
    q = add_loop(two_stmts, two_stmts.body(), "k", 2, guard=True)
    same_results(two_stmts, q)


def test_add_loop_refusals():
    refused(add_loop, copy_first, copy_first.body()[0], "k", "m", words=("at least once", "m > 0"))
    refused(add_loop, copy_first, copy_first.body()[0], "k", 0, words="at least once")
    refused(add_loop, copy_first, copy_first.body()[0], "k", "m", guard=True, words="at least once")
    refused(add_loop, two_stmts, two_stmts.body()[1].expand(0, 1), "k", 2, words="y")
    refused(add_loop, alloc_block, alloc_block.body()[0].expand(0, 1), "k", 2, words=("'t'", "used after"))
    refused(add_loop, copy_first, copy_first.body()[0], "k k", 2, words="valid identifier")


def test_add_loop_unsafe_skips_checks():
    p = add_loop(times_one, times_one.body()[0].body(), "k", 3, unsafe_disable_check=True)
    same_results(times_one, p)


def test_add_loop_forwarding():
    s0, s1 = copy_first.body()[0], copy_first.body()[1]
    p = add_loop(copy_first, s0, "k", "n")
    assert p.forward(s0) == p.body()[0].body()[0]
    assert p.forward(s1) == p.body()[1]
    q = add_loop(add_one, add_one.body()[0], "k", 4, guard=True)
    assert q.forward(add_one.body()[0]) == q.body()[0].body()[0].body()[0]
    a, b, c = two_stmts.body()
    r = add_loop(two_stmts, a.expand(0, 1), "k", 2)
    assert r.forward(b) == r.body()[0].body()[1]
    assert r.forward(c) == r.body()[1]


# --------------------------------------------------------------------------- unroll_loop


def test_unroll_loop():
    p = unroll_loop(small, "i")
    assert body(p) == (
        "y[1] = x[0] * 2.0 + x[1]\n"
        "y[2] = x[1] * 2.0 + x[2]\n"
        "y[3] = x[2] * 2.0 + x[3]\n"
        "y[0] = 0.0")
    same_results(small, p)


def test_unroll_loop_fresh_binders():
    p = unroll_loop(small_alloc, "i")
    allocs = [s for s in p.body() if type(s).__name__ == "AllocCursor"]
    assert len(allocs) == 2 and allocs[0]._node().name is not allocs[1]._node().name
    loops = [s for s in p.body() if type(s).__name__ == "ForCursor"]
    assert loops[0]._node().iter is not loops[1]._node().iter
    same_results(small_alloc, p)
    q = unroll_loop(p, p.body()[4])  # for j in seq(0, 1)
    same_results(small_alloc, q)


def test_unroll_empty_loop():
    p = unroll_loop(empty_range, "i")
    assert body(p) == "pass"
    same_results(empty_range, p)
    q = unroll_loop(empty_range_with_sibling, "i")
    assert body(q) == "y = y + 1.0"
    same_results(empty_range_with_sibling, q)


def test_unroll_loop_refusals():
    refused(unroll_loop, not_literal, "i", words="constant bounds")
    refused(unroll_loop, not_literal, "x[_] = _", words="loop")


def test_unroll_loop_forwarding():
    loop = small.find_loop("i")
    stmt = loop.body()[0]
    last = small.body()[1]
    p = unroll_loop(small, loop)
    assert p.forward(stmt) == p.body()[0]
    assert p.forward(last) == p.body()[3]
    with pytest.raises(InvalidCursorError):
        p.forward(loop)
