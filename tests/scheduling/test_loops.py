"""divide_loop, divide_with_recompute, mult_loops and join_loops: accepted rewrites agree
with the original (interpreter and compiled C on random inputs), refused ones say why,
cursors follow their code."""

from __future__ import annotations

import functools

import pytest

from exo_core import config, proc
from exo_core.errors import InvalidCursorError
from exo_core.scheduling import divide_loop, divide_with_recompute, join_loops, mult_loops

from . import checks
from .checks import body, refused

# the random inputs these tests were written against
same_results = functools.partial(checks.same_results, trials=5, seed=11)


@config
class LoopCfg:
    n: index


# --------------------------------------------------------------------------- kernels


@proc
def scale(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        y[i] = x[i] * 2.0
    y[0] = y[0] + 1.0


@proc
def scale10(x: f32[10], y: f32[10]):
    for i in seq(0, 10):
        y[i] = x[i] * 2.0


@proc
def scale_mult4(n: size, x: f32[n], y: f32[n]):
    assert n % 4 == 0
    for i in seq(0, n):
        y[i] = x[i] * 2.0


@proc
def offset_lo(n: size, x: f32[n + 2], y: f32[n + 2]):
    for i in seq(2, n + 2):
        y[i] = x[i - 1] + x[i - 2]


@proc
def maybe_negative(n: size, x: f32[n]):
    for i in seq(0, n - 3):
        x[i] += 1.0


@proc
def count(n: index, y: f32):
    assert n >= 0
    for i in seq(0, n):  # noqa: B007
        y += 1.0


@proc
def bound_from_config(n: size, x: f32[n]):
    LoopCfg.n = n
    for i in seq(0, LoopCfg.n):
        x[i] = 1.0
        LoopCfg.n = 0


@proc
def stencil(n: size, x: f32[n + 2], y: f32[n]):
    assert n >= 4
    for i in seq(0, n):
        y[i] = x[i] + x[i + 1] + x[i + 2]


@proc
def accumulate(n: size, x: f32[n], y: f32[n]):
    assert n >= 4
    for i in seq(0, n):
        y[i] += x[i]


@proc
def shift_right(n: size, x: f32[n + 1]):
    assert n >= 4
    for i in seq(0, n):
        x[i + 1] = x[i]


@proc
def par_scale(n: size, x: f32[n], y: f32[n]):
    assert n >= 4
    for i in par(0, n):
        y[i] = x[i] * 2.0


@proc
def tile2d(n: size, A: f32[n, 4], B: f32[n, 4]):
    for i in seq(0, n):
        for j in seq(0, 4):
            B[i, j] = A[i, j] + 1.0


@proc
def tile2d_lo(n: size, A: f32[n + 1, 6], B: f32[n + 1, 6]):
    for i in seq(1, n + 1):
        for j in seq(2, 5):
            B[i, j] = A[i, j] * A[i - 1, j]


@proc
def tile2d_var(n: size, m: size, A: f32[n, m]):
    for i in seq(0, n):
        for j in seq(0, m):
            A[i, j] = 1.0


@proc
def tile2d_two(n: size, A: f32[n, 4], x: f32[n]):
    for i in seq(0, n):
        x[i] = 0.0
        for j in seq(0, 4):
            A[i, j] = 1.0


@proc
def two_halves(n: size, m: size, x: f32[m], y: f32[m]):
    assert n <= m
    for i in seq(0, n):
        y[i] = x[i] * 3.0
    for j in seq(n, m):
        y[j] = x[j] * 3.0
    y[0] = 0.0


@proc
def two_counts(n: size, m: size, y: f32):
    for i in seq(0, n):  # noqa: B007
        y += 1.0
    for i in seq(n, m):  # noqa: B007
        y += 1.0


@proc
def two_different(n: size, m: size, x: f32[m], y: f32[m]):
    assert n <= m
    for i in seq(0, n):
        y[i] = x[i] * 3.0
    for i in seq(n, m):
        y[i] = x[i] * 4.0


@proc
def two_gap(n: size, m: size, x: f32[m], y: f32[m]):
    assert n + 1 <= m
    for i in seq(0, n):
        y[i] = x[i]
    for i in seq(n + 1, m):
        y[i] = x[i]


@proc
def two_apart(n: size, m: size, x: f32[m], y: f32[m]):
    assert n <= m
    for i in seq(0, n):
        y[i] = x[i]
    y[0] = 1.0
    for i in seq(n, m):
        y[i] = x[i]


@proc
def two_free(n: size, m: size, a: f32, b: f32, y: f32[m]):
    assert n <= m
    for i in seq(0, n):
        y[i] = a
    for i in seq(n, m):
        y[i] = b


@proc
def two_cfg(n: size, x: f32[n]):
    LoopCfg.n = n
    for i in seq(0, n):  # noqa: B007
        x[0] = 1.0
        LoopCfg.n = n
    for i in seq(n, LoopCfg.n):  # noqa: B007
        x[0] = 1.0
        LoopCfg.n = n


@proc
def stencil_lo(n: size, x: f32[n + 4], y: f32[n + 4]):
    assert n >= 4
    for i in seq(2, n + 2):
        y[i] = x[i - 2] + x[i + 2]


@proc
def tile2d_par(n: size, A: f32[n, 4]):
    for i in par(0, n):
        for j in seq(0, 4):
            A[i, j] = A[i, j] + 1.0


@proc
def tile2d_par_par(n: size, A: f32[n, 4]):
    for i in par(0, n):
        for j in par(0, 4):
            A[i, j] = A[i, j] + 1.0


@proc
def two_par(n: size, x: f32[2 * n], y: f32[2 * n]):
    for i in par(0, n):
        y[i] = x[i]
    for i in seq(n, 2 * n):
        y[i] = x[i]


# --------------------------------------------------------------------------- divide_loop


def test_divide_guard():
    p = divide_loop(scale, "i", 4, ["io", "ii"])
    assert body(p) == (
        "for io in seq(0, (n + 3) / 4):\n"
        "    for ii in seq(0, 4):\n"
        "        if 4 * io + ii < n:\n"
        "            y[4 * io + ii] = x[4 * io + ii] * 2.0\n"
        "y[0] = y[0] + 1.0")
    same_results(scale, p)


def test_divide_cut():
    p = divide_loop(scale, "i", 4, ["io", "ii"], tail="cut")
    assert body(p) == (
        "for io in seq(0, n / 4):\n"
        "    for ii in seq(0, 4):\n"
        "        y[4 * io + ii] = x[4 * io + ii] * 2.0\n"
        "for ii in seq(0, n % 4):\n"
        "    y[n / 4 * 4 + ii] = x[n / 4 * 4 + ii] * 2.0\n"
        "y[0] = y[0] + 1.0")
    same_results(scale, p)
    tail = p.body()[1]
    assert tail.name() == "ii" and tail._node().iter is not p.body()[0].body()[0]._node().iter


def test_divide_cut_and_guard():
    p = divide_loop(scale, "i", 3, ["io", "ii"], tail="cut_and_guard")
    assert body(p).splitlines()[3:5] == ["if n % 3 > 0:", "    for ii in seq(0, n % 3):"]
    same_results(scale, p)


def test_divide_literal_bounds_fold():
    p = divide_loop(scale10, "i", 4, ["io", "ii"])
    assert body(p).splitlines()[0] == "for io in seq(0, 3):"
    same_results(scale10, p)
    p = divide_loop(scale10, "i", 4, ["io", "ii"], tail="cut")
    assert body(p).splitlines()[:5] == [
        "for io in seq(0, 2):", "    for ii in seq(0, 4):", "        y[4 * io + ii] = x[4 * io + ii] * 2.0",
        "for ii in seq(0, 2):", "    y[8 + ii] = x[8 + ii] * 2.0"]
    same_results(scale10, p)
    p = divide_loop(scale10, "i", 5, ["io", "ii"], perfect=True)
    assert body(p).splitlines()[0] == "for io in seq(0, 2):"
    same_results(scale10, p)


def test_divide_perfect():
    p = divide_loop(scale_mult4, "i", 4, ["io", "ii"], perfect=True)
    assert body(p) == (
        "for io in seq(0, n / 4):\n"
        "    for ii in seq(0, 4):\n"
        "        y[4 * io + ii] = x[4 * io + ii] * 2.0")
    same_results(scale_mult4, p)
    # perfect wins over the tail strategy
    assert str(divide_loop(scale_mult4, "i", 2, ["io", "ii"], tail="cut", perfect=True)).count("for ii") == 1


def test_divide_perfect_refused_when_not_divisible():
    refused(divide_loop, scale, "i", 4, ["io", "ii"], perfect=True, words=("divide_loop", "divisible by 4", "'n'"))
    refused(divide_loop, scale10, "i", 4, ["io", "ii"], perfect=True, words="divisible by 4")


def test_divide_nonzero_lower_bound():
    p = divide_loop(offset_lo, "i", 4, ["io", "ii"])
    assert body(p).splitlines()[:3] == [
        "for io in seq(0, (n + 3) / 4):", "    for ii in seq(0, 4):", "        if 4 * io + ii + 2 < n + 2:"]
    same_results(offset_lo, p)
    for tail in ("cut", "cut_and_guard"):
        same_results(offset_lo, divide_loop(offset_lo, "i", 3, ["io", "ii"], tail=tail))


def test_divide_cut_refused_when_loop_may_run_backwards():
    # n - 3 < 0 for n < 3: the cut tail `seq(0, (n - 3) % 4)` would run iterations
    refused(divide_loop, maybe_negative, "i", 4, ["io", "ii"], tail="cut", words=("non-negative", "tail='guard'"))
    refused(divide_loop, maybe_negative, "i", 4, ["io", "ii"], tail="cut_and_guard", words="non-negative")
    same_results(maybe_negative, divide_loop(maybe_negative, "i", 4, ["io", "ii"]))


def test_divide_index_bound_that_may_be_zero():
    for tail in ("guard", "cut", "cut_and_guard"):
        p = divide_loop(count, "i", 3, ["io", "ii"], tail=tail)
        same_results(count, p, trials=8)
        same_results(count, p, sizes={"n": 0}, trials=1)


def test_divide_refuses_bounds_read_from_config_the_body_writes():
    refused(divide_loop, bound_from_config, "i", 2, ["io", "ii"], words=("LoopCfg.n", "re-evaluated"))


def test_divide_keeps_loop_mode():
    p = divide_loop(par_scale, "i", 4, ["io", "ii"], perfect=False)
    assert "for io in par(" in str(p) and "for ii in par(0, 4)" in str(p)
    same_results(par_scale, p)


def test_divide_argument_errors():
    refused(divide_loop, scale, "i", 0, ["io", "ii"], words="div_const")
    refused(divide_loop, scale, "i", 4, ["io"], words="new_iters")
    refused(divide_loop, scale, "i", 4, ["io", "1x"], words="valid identifier")
    refused(divide_loop, scale, "i", 4, ["io", "ii"], tail="round", words="tail")
    refused(divide_loop, scale, "i", 4, ["io", "ii"], perfect="yes", words="perfect")
    refused(divide_loop, scale, "y[0] = _", 4, ["io", "ii"], words="loop")


def test_divide_forwarding():
    loop = scale.find_loop("i")
    stmt = loop.body()[0]
    last = scale.body()[1]
    p = divide_loop(scale, loop, 4, ["io", "ii"])
    assert p.forward(loop) == p.find_loop("io")
    assert p.forward(stmt).parent().parent() == p.find_loop("ii")
    assert p.forward(stmt) == p.find_loop("ii").body()[0].body()[0]
    assert p.forward(last) == p.body()[1]
    assert p.forward(loop.lo()) == p.find_loop("io").lo()
    with pytest.raises(InvalidCursorError):
        p.forward(loop.hi())
    q = divide_loop(scale, loop, 4, ["io", "ii"], tail="cut")
    assert q.forward(loop) == q.body()[0]
    assert q.forward(stmt).parent() == q.find_loop("ii")
    assert q.forward(last) == q.body()[2]
    # a cursor from before still works two versions later
    r = divide_loop(q, q.find_loop("ii"), 2, ["iio", "iii"], perfect=True)
    assert r.forward(stmt).parent() == r.find_loop("iii")


# --------------------------------------------------------------------------- divide_with_recompute


def test_divide_with_recompute():
    p = divide_with_recompute(stencil, "i", "n / 4", 4, ["io", "ii"])
    assert body(p) == (
        "for io in seq(0, n / 4):\n"
        "    for ii in seq(0, 4 + (n - n / 4 * 4)):\n"
        "        y[4 * io + ii] = x[4 * io + ii] + x[4 * io + ii + 1] + x[4 * io + ii + 2]")
    same_results(stencil, p)
    q = divide_with_recompute(stencil, "i", 2, 2, ["io", "ii"])
    same_results(stencil, q)


def test_divide_with_recompute_nonzero_lower_bound():
    p = divide_with_recompute(stencil_lo, "i", "n / 3", 3, ["io", "ii"])
    assert body(p) == (
        "for io in seq(0, n / 3):\n"
        "    for ii in seq(0, 3 + (n - n / 3 * 3)):\n"
        "        y[3 * io + ii + 2] = x[3 * io + ii] + x[3 * io + ii + 4]")
    same_results(stencil_lo, p)


def test_divide_with_recompute_refusals():
    refused(divide_with_recompute, accumulate, "i", "n / 4", 4, ["io", "ii"], words=("y", "idempotent|twice|again"))
    refused(divide_with_recompute, stencil, "i", "n", 2, ["io", "ii"], words="exceed")
    refused(divide_with_recompute, stencil, "i", 0, 2, ["io", "ii"], words="at least 1")
    refused(divide_with_recompute, shift_right, "i", 1, 2, ["io", "ii"], words="not independent")
    refused(divide_with_recompute, par_scale, "i", 2, 2, ["io", "ii"], words="parallel")
    refused(divide_with_recompute, stencil, "i", "n / 4", 0, ["io", "ii"], words="outer_stride")


def test_divide_with_recompute_overlap_of_one_needs_only_idempotence():
    # tiles [0, 3), [2, 5) with n == 5: iteration 2 runs twice in a row
    p = divide_with_recompute(shift_right, "i", "n / 2", 2, ["io", "ii"])
    same_results(shift_right, p, sizes={"n": 5}, trials=1)
    same_results(shift_right, p, sizes={"n": 6}, trials=1)


def test_divide_with_recompute_forwarding():
    loop = stencil.find_loop("i")
    stmt = loop.body()[0]
    p = divide_with_recompute(stencil, loop, "n / 4", 4, ["io", "ii"])
    assert p.forward(loop) == p.find_loop("io")
    assert p.forward(stmt).parent() == p.find_loop("ii")


# --------------------------------------------------------------------------- mult_loops


def test_mult_loops():
    p = mult_loops(tile2d, "i j", "k")
    assert body(p) == "for k in seq(0, n * 4):\n    B[k / 4, k % 4] = A[k / 4, k % 4] + 1.0"
    same_results(tile2d, p)


def test_mult_loops_inverts_divide():
    p = divide_loop(scale_mult4, "i", 4, ["io", "ii"], perfect=True)
    q = mult_loops(p, "io", "i")
    same_results(scale_mult4, q)


def test_mult_loops_general_bounds():
    p = mult_loops(tile2d_lo, "i", "k")
    assert body(p) == "for k in seq(3, (n + 1) * 3):\n    B[k / 3, k % 3 + 2] = A[k / 3, k % 3 + 2] * A[k / 3 - 1, k % 3 + 2]"
    same_results(tile2d_lo, p)


def test_mult_loops_modes():
    p = mult_loops(tile2d_par, "i", "k")
    assert body(p).startswith("for k in seq(0, n * 4):")
    same_results(tile2d_par, p)
    q = mult_loops(tile2d_par_par, "i", "k")
    assert body(q).startswith("for k in par(0, n * 4):")
    same_results(tile2d_par_par, q)


def test_mult_loops_refusals():
    refused(mult_loops, tile2d_var, "i", "k", words="constant bounds")
    refused(mult_loops, tile2d_two, "i", "k", words="directly inside")
    refused(mult_loops, tile2d, "i", "not a name", words="valid identifier")


def test_mult_loops_forwarding():
    outer = tile2d.find_loop("i")
    inner = tile2d.find_loop("j")
    stmt = inner.body()[0]
    p = mult_loops(tile2d, outer, "k")
    assert p.forward(outer) == p.find_loop("k")
    assert p.forward(stmt) == p.find_loop("k").body()[0]
    with pytest.raises(InvalidCursorError):
        p.forward(inner)


# --------------------------------------------------------------------------- join_loops


def test_join_loops():
    l1, l2 = two_halves.body()[0], two_halves.body()[1]
    p = join_loops(two_halves, l1, l2)
    assert body(p) == "for i in seq(0, m):\n    y[i] = x[i] * 3.0\ny[0] = 0.0"
    same_results(two_halves, p)


def test_join_loops_with_patterns_and_cut_inverse():
    from exo_core.scheduling import cut_loop

    p = cut_loop(scale, "i", "n / 2")
    q = join_loops(p, p.body()[0], p.body()[1])
    assert body(q) == body(scale)
    same_results(scale, q)


def test_join_loops_refuses_possibly_empty_parts():
    # n > m: the first loop adds n, the second nothing; seq(0, m) would add m
    refused(join_loops, two_counts, two_counts.body()[0], two_counts.body()[1], words=("second loop", "non-negative"))


def test_join_loops_refusals():
    refused(join_loops, two_different, two_different.body()[0], two_different.body()[1], words="identical bodies")
    refused(join_loops, two_gap, two_gap.body()[0], two_gap.body()[1], words=("upper bound 'n'", "lower bound 'n \\+ 1'"))
    refused(join_loops, two_apart, two_apart.body()[0], two_apart.body()[2], words="directly after")
    refused(join_loops, two_free, two_free.body()[0], two_free.body()[1], words="identical bodies")
    refused(join_loops, two_halves, two_halves.body()[1], two_halves.body()[0], words="directly after")


def test_join_loops_refuses_bounds_the_first_loop_changes():
    refused(join_loops, two_cfg, two_cfg.body()[1], two_cfg.body()[2],
            words=("LoopCfg.n", "for i in seq\\(0, n\\)", "before the first loop runs"))


def test_join_loops_mixed_modes_become_sequential():
    p = join_loops(two_par, two_par.body()[0], two_par.body()[1])
    assert body(p) == "for i in seq(0, 2 * n):\n    y[i] = x[i]"
    same_results(two_par, p)


def test_join_loops_forwarding():
    l1, l2 = two_halves.body()[0], two_halves.body()[1]
    last = two_halves.body()[2]
    s2 = l2.body()[0]
    p = join_loops(two_halves, l1, l2)
    assert p.forward(l1) == p.body()[0]
    assert p.forward(l2) == p.body()[0]
    assert p.forward(s2) == p.body()[0].body()[0]
    assert p.forward(last) == p.body()[1]
    assert p.forward(l2.hi()) == p.body()[0].hi()
    with pytest.raises(InvalidCursorError):
        p.forward(l1.hi())
