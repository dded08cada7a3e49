"""simplify, eliminate_dead_code, commute_expr, left_reassociate_expr, rewrite_expr,
add_unsafe_guard: accepted rewrites agree with the original (interpreter and compiled C),
refusals say why, printed results for the main cases."""

# ruff: noqa: B007 - kernels with loops whose iterator is unused (dead loops) are the point

from __future__ import annotations

import numpy as np
import pytest

from exo_core import config, proc
from exo_core.errors import InvalidCursorError, SchedulingError
from exo_core.ir.printer import expr_to_str
from exo_core.scheduling import (
    add_unsafe_guard,
    commute_expr,
    eliminate_dead_code,
    left_reassociate_expr,
    rewrite_expr,
    simplify,
)

from .checks import body, lines, refused, same_results

# --------------------------------------------------------------------------- kernels


@proc
def tiled(n: size, x: f32[n], y: f32[16]):
    assert n >= 4
    for io in seq(0, 4):
        for ii in seq(0, 4):
            y[(4 * io + ii) / 4 * 4 + (4 * io + ii) % 4] = x[0] + 1.0 / 2.0
            y[ii + io * 4] += (1.0 / 3.0) * x[1]
    for i in seq(0, n):
        x[i + 1 - 1] = x[(i + 1) * 4 / 4 - 1] * 1.0 - 0.0


@proc
def halves(x: f32[4], d: f64[4]):
    x[0] = 1.0 / 2.0
    x[1] = 1.0 / 3.0
    d[0] = d[0] + 1.0 / 3.0
    d[1] = d[1] + 3.0 * 0.5
    x[2] = -(2.0)
    x[3] = 7 / 2


@proc
def int_ctx(n: size, a: i32[n]):
    for i in seq(0, n):
        a[i] = a[i] + 7.0 / 2.0


@proc
def branches(n: size, x: f32[n], y: f32[8]):
    assert n >= 8
    for i in seq(0, 8):
        if i < 8:
            y[i] = 1.0
        else:
            y[i] = 2.0
        if i >= 8:
            y[i] = 3.0
        if n < 4:
            y[i] = 4.0
        else:
            y[i] += 5.0
        if i < 4 and n >= 8:
            x[i] = 6.0
    for j in seq(n, n):
        x[0] = 7.0
    for k in seq(0, 0):
        x[1] = 8.0


@proc
def symbolic_div(n: size, x: f32[4], y: f32[n + 4]):
    for i in seq(n, n + 4):
        x[(i - n) % 4] = y[i] + y[(i - n) / 4]


@proc
def divided(n: size, x: f32[n], y: f32[16]):
    assert n % 4 == 0
    for io in seq(0, (n + 3) / 4):
        for ii in seq(0, 4):
            if 4 * io + ii < n:
                x[4 * io + ii] = 1.0
    for k in seq(0, 16):
        y[4 * (k / 4) + k % 4] = 2.0
    for k in seq(0, n % 4):
        x[k] = 3.0


@proc
def empty_after(n: size, x: f32[n]):
    for i in seq(0, n):
        for j in seq(3, 3):
            x[i] = 1.0
    x[0] = 2.0


@proc
def pre_empty(n: size, x: f32[n]):
    assert n <= 3
    for i in seq(3, n):
        x[0] = 1.0
    x[0] += 2.0


@config
class SCfg:
    k: index


@proc
def cfg_branch(n: size, x: f32[n]):
    SCfg.k = 4
    if SCfg.k == 4:
        x[0] = 1.0
    else:
        x[0] = 2.0


@proc
def dead(n: size, x: f32[n], y: f32[n]):
    assert n >= 2
    for i in seq(0, n):
        if i < n:
            y[i] = x[i]
        if i > n:
            y[i] = 0.0
        else:
            y[i] += 1.0
        if i < 1:
            y[i] = 2.0
    for j in seq(n, 2):
        y[0] = 3.0


@proc
def arith(n: size, x: f32[n], y: f32[n], d: f64[n], k: i32[n]):
    for i in seq(0, n):
        y[i] = x[i] + y[i] * 2.0
        d[i] = d[i] + (d[i] + 1.0)
        k[i] = k[i] * (k[i] * 3)
        y[i] = x[i] + (y[i] + x[i])
        d[i] = d[i] + (1.0 + 2.0)


@proc
def guarded(n: size, x: f32[n]):
    for i in seq(0, n):
        x[i] = 1.0
        x[i] += 2.0


@proc
def rewrites(n: size, x: f32[n + 1], y: f32[n]):
    for i in seq(0, n):
        if i + 1 <= n:
            y[i] = x[i + 1 - 1] * 2.0
    for j in seq(0, n + 1 - 1):
        y[j] += x[j]


# --------------------------------------------------------------------------- simplify


def test_simplify_normalizes_indices_and_folds_exact_constants():
    p = simplify(tiled)
    assert body(p) == lines("""
        for io in seq(0, 4):
            for ii in seq(0, 4):
                y[4 * io + ii] = x[0] + 0.5
                y[4 * io + ii] += 1.0 / 3.0 * x[1]
        for i in seq(0, n):
            x[i] = x[i]
        """)
    same_results(tiled, p)


def test_simplify_real_division_is_true_division():
    # Exo folded 1.0 / 2.0 to 0 (floor division); it is 0.5.
    p = simplify(halves)
    text = body(p)
    assert "x[0] = 0.5" in text
    assert "x[1] = 1.0 / 3.0" in text  # inexact: not folded
    assert "d[0] = d[0] + 1.0 / 3.0" in text  # computed in f32 then widened: not folded
    assert "d[1] = d[1] + 1.5" in text
    assert "x[2] = -2.0" in text
    assert "x[3] = 3.5" in text
    same_results(halves, p, exact=True)
    out = {"x": np.zeros(4, np.float32), "d": np.zeros(4, np.float64)}
    p.interpret(**out)
    assert out["x"][0] == 0.5 and out["x"][3] == 3.5


def test_simplify_keeps_literal_arithmetic_whose_context_changes_precision():
    # ``a[i] + (7.0 / 2.0)`` adds in float (i32 + f32); folding to an i32 literal would not
    p = simplify(int_ctx)
    assert "7.0 / 2.0" in body(p)
    same_results(int_ctx, p, exact=True)


def test_simplify_decides_branches_from_loop_ranges_and_preconditions():
    p = simplify(branches)
    assert body(p) == lines("""
        for i in seq(0, 8):
            y[i] = 1.0
            y[i] += 5.0
            if i < 4:
                x[i] = 6.0
        """)
    same_results(branches, p, exact=True)


def test_simplify_folds_division_with_symbolic_bounds():
    p = simplify(symbolic_div)
    assert body(p) == lines("""
        for i in seq(n, n + 4):
            x[i - n] = y[i] + y[0]
        """)
    same_results(symbolic_div, p, exact=True)


def test_simplify_after_loop_division():
    p = simplify(divided)
    assert body(p) == lines("""
        for io in seq(0, n / 4):
            for ii in seq(0, 4):
                x[4 * io + ii] = 1.0
        for k in seq(0, 16):
            y[k] = 2.0
        """)
    same_results(divided, p, exact=True)


def test_simplify_removes_loops_that_become_empty():
    p = simplify(empty_after)
    assert body(p) == "x[0] = 2.0"
    same_results(empty_after, p, exact=True)


def test_simplify_uses_preconditions_for_empty_loops():
    p = simplify(pre_empty)
    assert body(p) == "x[0] += 2.0"
    same_results(pre_empty, p, exact=True)


def test_simplify_knows_config_values():
    p = simplify(cfg_branch)
    assert body(p) == lines("""
        SCfg.k = 4
        x[0] = 1.0
        """)
    same_results(cfg_branch, p, exact=True)


def test_simplify_is_idempotent_and_stable():
    once = simplify(tiled)
    twice = simplify(once)
    assert str(once) == str(twice)
    assert str(simplify(tiled)) == str(once)


def test_simplify_forwards_statements():
    loop = branches.body()[0]
    kept = loop.body()[2].orelse()[0]  # y[i] += 5.0
    removed = loop.body()[1]  # if i >= 8
    p = simplify(branches)
    assert str(p.forward(kept)._node()) == str(p.body()[0].body()[1]._node())
    assert p.forward(loop) == p.body()[0]
    with pytest.raises(InvalidCursorError):
        p.forward(removed)
    idx = tiled.body()[0].body()[0].body()[0].idx()[0]
    q = simplify(tiled)
    assert expr_to_str(q.forward(idx)._node()) == "4 * io + ii"


# --------------------------------------------------------------------------- eliminate_dead_code


def test_eliminate_dead_code_keeps_the_branch_that_runs():
    loop = dead.body()[0]
    p = eliminate_dead_code(dead, loop.body()[0])
    assert body(p).splitlines()[1] == "    y[i] = x[i]"
    same_results(dead, p, exact=True)
    p = eliminate_dead_code(p, p.forward(loop.body()[1]))
    assert body(p).splitlines()[2] == "    y[i] += 1.0"
    same_results(dead, p, exact=True)


def test_eliminate_dead_code_removes_an_empty_loop():
    p = eliminate_dead_code(dead, dead.body()[1])
    assert len(p.body()) == 1
    same_results(dead, p, exact=True)
    q = eliminate_dead_code(dead, "j")
    assert str(q) == str(p)


def test_eliminate_dead_code_refuses_undecided():
    refused(eliminate_dead_code, dead, dead.body()[0].body()[2], words=("cannot prove", r"if i < 1"))
    refused(eliminate_dead_code, dead, dead.body()[0], words=("cannot prove", "runs zero times"))
    refused(eliminate_dead_code, dead, dead.body()[0].body()[0].body()[0], words=("expected a loop or an if",))


# --------------------------------------------------------------------------- commute / reassociate


def test_commute_expr_is_exact():
    rhs = arith.body()[0].body()[0].rhs()
    p = commute_expr(arith, [rhs, rhs.rhs()])
    assert body(p).splitlines()[1] == "    y[i] = 2.0 * y[i] + x[i]"
    same_results(arith, p, exact=True)
    q = commute_expr(arith, "d[i] + _")
    # the pattern matches the outer sum and the inner one: both commute
    assert "d[i] = 1.0 + d[i] + d[i]" in body(q) and "d[i] = 1.0 + 2.0 + d[i]" in body(q)
    same_results(arith, q, exact=True)
    # cursors inside follow the operands
    assert expr_to_str(p.forward(rhs.lhs())._node()) == "x[i]"
    assert p.forward(rhs.lhs())._path[-1] == ("rhs", None)


def test_commute_expr_refuses():
    loop = arith.body()[0]
    refused(commute_expr, arith, [loop.hi()], words=("'\\+' or '\\*'",))
    refused(commute_expr, rewrites, [rewrites.body()[0].body()[0].cond().lhs()], words=("numeric",))


def test_left_reassociate_expr():
    loop = arith.body()[0]
    p = left_reassociate_expr(arith, loop.body()[1].rhs())
    assert "d[i] = d[i] + d[i] + 1.0" in body(p)
    same_results(arith, p)
    q = left_reassociate_expr(arith, loop.body()[2].rhs())
    assert "k[i] = k[i] * k[i] * 3" in body(q)
    same_results(arith, q, exact=True)  # integers: exact
    r = left_reassociate_expr(arith, loop.body()[3].rhs())
    assert "y[i] = x[i] + y[i] + x[i]" in body(r)
    same_results(arith, r)


def test_left_reassociate_expr_refuses():
    loop = arith.body()[0]
    refused(left_reassociate_expr, arith, loop.body()[0].rhs(), words=("rhs", "same binary operation"))
    # 1.0 + 2.0 is computed in f32, the outer + in f64: reassociating changes a precision
    refused(left_reassociate_expr, arith, loop.body()[4].rhs(), words=("f32", "f64", "precision"))


# --------------------------------------------------------------------------- rewrite_expr


def test_rewrite_expr_control():
    loop = rewrites.body()[0]
    p = rewrite_expr(rewrites, loop.body()[0].cond(), "True")
    same_results(rewrites, p, exact=True)
    p = rewrite_expr(rewrites, rewrites.body()[1].hi(), "n")
    assert "for j in seq(0, n):" in body(p)
    same_results(rewrites, p, exact=True)
    idx = loop.body()[0].body()[0].rhs().lhs().idx()[0]
    p = rewrite_expr(rewrites, idx, "i")
    assert "y[i] = x[i] * 2.0" in body(p)


def test_rewrite_expr_data_same_computation():
    rhs = rewrites.body()[0].body()[0].body()[0].rhs()
    p = rewrite_expr(rewrites, rhs, "x[i] * 2.0")
    assert "y[i] = x[i] * 2.0" in body(p)
    same_results(rewrites, p, exact=True)


def test_rewrite_expr_refuses_unequal():
    loop = rewrites.body()[0]
    refused(rewrite_expr, rewrites, loop.body()[0].cond(), "i < n - 1", words=("cannot prove", "i < n - 1"))
    rhs = loop.body()[0].body()[0].rhs()
    refused(rewrite_expr, rewrites, rhs, "2.0 * x[i]", words=("cannot prove", "same computation"))
    refused(rewrite_expr, rewrites, rhs, "x[i + 1] * 2.0", words=("cannot prove",))
    refused(rewrite_expr, rewrites, rewrites.body()[1].hi(), "n + 1 - 2", words=("cannot prove",))


# --------------------------------------------------------------------------- add_unsafe_guard


def test_add_unsafe_guard_is_documented_unchecked():
    assert "UNCHECKED" in add_unsafe_guard.__doc__
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "primitives.md").read_text()
    line = next(x for x in page.splitlines() if x.startswith("- `add_unsafe_guard("))
    assert "UNCHECKED" in line


def test_add_unsafe_guard_wraps_the_block():
    loop = guarded.body()[0]
    first = loop.body()[0]
    p = add_unsafe_guard(guarded, loop.body(), "i < n")
    assert body(p) == lines("""
        for i in seq(0, n):
            if i < n:
                x[i] = 1.0
                x[i] += 2.0
        """)
    same_results(guarded, p, exact=True)
    assert str(p.forward(first)._node()) == str(first._node())
    # not checked: a false guard is accepted (the paranoid check is what catches it)
    import os

    if os.environ.get("EXO_CHECK") != "paranoid":
        q = add_unsafe_guard(guarded, first, "i < 1")
        assert "if i < 1:" in body(q)
    else:
        with pytest.raises(SchedulingError, match="paranoid"):
            add_unsafe_guard(guarded, first, "i < 1")


def test_add_unsafe_guard_needs_a_condition():
    with pytest.raises(Exception, match="bool|condition"):
        add_unsafe_guard(guarded, guarded.body()[0], "n + 1")


def test_forwarding_through_dead_code_and_reassociation():
    loop = dead.body()[0]
    kept = loop.body()[1].orelse()[0]  # y[i] += 1.0
    p = eliminate_dead_code(dead, loop.body()[1])
    assert p.forward(kept) == p.body()[0].body()[1]
    assert p.forward(loop.body()[2]) == p.body()[0].body()[2]
    rhs = arith.body()[0].body()[1].rhs()  # d[i] + (d[i] + 1.0)
    q = left_reassociate_expr(arith, rhs)
    assert expr_to_str(q.forward(rhs.rhs().rhs())._node()) == "1.0"
    assert q.forward(rhs.rhs().rhs())._path[-1] == ("rhs", None)
    assert q.forward(rhs.rhs().lhs())._path[-2:] == (("lhs", None), ("rhs", None))
    with pytest.raises(InvalidCursorError):
        q.forward(rhs.rhs())
