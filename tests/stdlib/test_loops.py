"""Library operations on loop nests: lift_if, hoist_stmt, hoist_from_loop, jam_stmt,
unroll_and_jam, tile_loops, interleave_loop, fission_into_singles. Each accepted schedule
agrees with the original (interpreter and compiled C on random inputs); each refusal names
the test's line, the operation and the primitive that failed."""

from __future__ import annotations

import pytest
from scheduling.checks import body

from exo_core.errors import SchedulingError
from exo_core.stdlib.scheduling import (
    divide_loop,
    fission_into_singles,
    hoist_from_loop,
    hoist_stmt,
    interleave_loop,
    jam_stmt,
    lift_if,
    reorder_stmt_backwards,
    reorder_stmt_forward,
    tile_loops,
    unroll_and_jam,
    unroll_and_jam_parent,
)

from .kernels import (
    axpy,
    branchy,
    carry,
    count_then_loop,
    dot,
    gemv,
    guarded_after,
    hoist_blocked,
    invariant,
    matmul,
    maybe_empty,
    scale_rows,
    skewed,
    tail_loop,
    three_stmts,
    with_alloc,
    zero_then_loop,
)
from .util import check_refused, same_results, show

# --------------------------------------------------------------------------- lift_if


def test_lift_if_moves_the_if_out_of_the_loop():
    p = lift_if(branchy, branchy.find("if _: _"))
    show("lift_if", p)
    assert body(p).startswith("if k > 4:\n    for i in seq(0, n):")
    same_results(branchy, p)


def test_lift_if_refused_names_lift_scope():
    with pytest.raises(SchedulingError) as info:
        lift_if(guarded_after, guarded_after.find("if _: _"))
    check_refused(info, op="lift_if", prim="lift_scope", words=["1 of 1 lifts remain", "not the only statement"])


def test_lift_if_wants_an_if():
    with pytest.raises(SchedulingError) as info:
        lift_if(branchy, branchy.find_loop("i"))
    check_refused(info, op="lift_if", prim=None, words="expected an if")


# --------------------------------------------------------------------------- hoist_stmt


def test_hoist_stmt_moves_an_invariant_statement_out():
    p = hoist_stmt(invariant, invariant.find("b[_] = _"))
    show("hoist_stmt", p)
    assert body(p).startswith("b[0] = a * 2.0\nfor i in seq(0, n):")
    same_results(invariant, p)


def test_hoist_stmt_rc_and_hoist_from_loop():
    p, (allocs, stmt, loop) = hoist_stmt(invariant, invariant.find("b[_] = _"), rc=True)
    assert allocs == [] and stmt.name() == "b" and loop.name() == "i"
    q, (hoisted, loop2) = hoist_from_loop(invariant, invariant.find_loop("i"), rc=True)
    assert str(q) == str(p) and len(hoisted) == 1 and loop2.name() == "i"
    same_results(invariant, q)


def test_hoist_stmt_of_an_allocation_lifts_it():
    p, (allocs, stmt, loop) = hoist_stmt(scale_rows, scale_rows.find("t : _"), rc=True)
    show("hoist_stmt allocation", p)
    assert body(p).startswith("t: f32 @ DRAM\nfor i in seq(0, m):")
    assert allocs == [stmt] and stmt.name() == "t" and loop.name() == "i"
    same_results(scale_rows, p)


def test_hoist_stmt_refusals():
    with pytest.raises(SchedulingError) as info:
        hoist_stmt(hoist_blocked, hoist_blocked.find("b[_] = _"))
    check_refused(info, op="hoist_stmt", prim="reorder_stmts", words="do not commute")
    with pytest.raises(SchedulingError) as info:
        hoist_stmt(scale_rows, scale_rows.find("t = _"))
    check_refused(info, op="hoist_stmt", prim=None, words="depends on the loop iterator 'i'")
    with pytest.raises(SchedulingError) as info:
        hoist_stmt(zero_then_loop, zero_then_loop.find("flag[_] = _"))
    check_refused(info, op="hoist_stmt", prim=None, words="not directly inside a loop")


# --------------------------------------------------------------------------- jam_stmt


def test_jam_stmt_moves_a_statement_into_the_next_loop():
    p, (loop, stmt) = jam_stmt(zero_then_loop, zero_then_loop.find("flag[_] = _"), rc=True)
    show("jam_stmt", p)
    assert body(p) == "for i in seq(0, n):\n    x[i] = x[i] * 2.0\n    flag[0] = 0.0"
    assert loop.name() == "i" and stmt.name() == "flag"
    same_results(zero_then_loop, p)


def test_jam_stmt_refuses_a_non_idempotent_statement():
    with pytest.raises(SchedulingError) as info:
        jam_stmt(count_then_loop, count_then_loop.find("c[_] += _"))
    check_refused(info, op="jam_stmt", prim="add_loop", words="would add twice")


def test_reorder_stmt_forward_and_backwards():
    p = reorder_stmt_forward(invariant, invariant.find("x[_] = _"))
    assert body(p).splitlines()[1] == "    b[0] = a * 2.0"
    q = reorder_stmt_backwards(p, p.find("x[_] = _"))
    assert str(q) == str(invariant)
    same_results(invariant, p)
    s = three_stmts.find("y[_] = _")
    with pytest.raises(SchedulingError) as info:
        reorder_stmt_forward(three_stmts, s)
    check_refused(info, op="reorder_stmt_forward", prim="reorder_stmts")
    with pytest.raises(SchedulingError) as info:
        reorder_stmt_backwards(three_stmts, s)
    check_refused(info, op="reorder_stmt_backwards", prim="reorder_stmts")


# --------------------------------------------------------------------------- unroll_and_jam


def test_unroll_and_jam_gemv():
    p = unroll_and_jam(gemv, gemv.find_loop("i"), 2)
    show("unroll_and_jam", p)
    assert "y[2 * io] += A[2 * io, j] * x[j]\n        y[2 * io + 1] +=" in body(p)
    same_results(gemv, p)


def test_unroll_and_jam_without_unrolling_and_parent_form():
    p = unroll_and_jam(gemv, gemv.find_loop("i"), 2, (False, False, False))
    assert "for j in seq(0, n):\n        for ii in seq(0, 2):" in body(p)
    q = unroll_and_jam_parent(gemv, gemv.find_loop("j"), 2, (False, False, False))
    assert str(q) == str(p)
    same_results(gemv, p)


def test_unroll_and_jam_with_statements_around_the_inner_loop():
    p = unroll_and_jam(scale_rows, scale_rows.find_loop("i"), 2)
    show("unroll_and_jam with allocation", p)
    assert "t: f32[2]" in str(p)
    same_results(scale_rows, p)


def test_unroll_and_jam_refused_by_reorder_loops():
    with pytest.raises(SchedulingError) as info:
        unroll_and_jam(skewed, skewed.find_loop("i"), 2)
    check_refused(info, op="unroll_and_jam", prim="reorder_loops", words="cannot reorder")
    with pytest.raises(SchedulingError) as info:
        unroll_and_jam(axpy, axpy.find_loop("i"), 2)
    check_refused(info, op="unroll_and_jam", prim=None, words="no loop in the body")


# --------------------------------------------------------------------------- tile_loops


def test_tile_loops_matmul():
    i, j = matmul.find_loop("i"), matmul.find_loop("j")
    p, inners = tile_loops(matmul, [(i, 4), (j, 8)])
    show("tile_loops", p)
    assert body(p).startswith(
        "for io in seq(0, m / 4):\n    for jo in seq(0, n / 8):\n        for ii in seq(0, 4):\n"
        "            for ji in seq(0, 8):")
    assert [c.name() for c in inners] == ["ii", "ji"]
    same_results(matmul, p)


def test_tile_loops_perfect():
    i, j = gemv.find_loop("i"), gemv.find_loop("j")
    with pytest.raises(SchedulingError) as info:
        tile_loops(gemv, [(i, 2), (j, 2)], perfect=True)
    check_refused(info, op="tile_loops", prim="divide_loop", words="divisible by 2")


def test_tile_loops_refusals():
    with pytest.raises(SchedulingError) as info:
        tile_loops(maybe_empty, [(maybe_empty.find_loop("i"), 4)])
    check_refused(info, op="tile_loops", prim="divide_loop", words="non-negative number of times")
    with pytest.raises(SchedulingError) as info:
        tile_loops(skewed, [(skewed.find_loop("i"), 2), (skewed.find_loop("j"), 2)])
    check_refused(info, op="tile_loops", prim="fission")


# --------------------------------------------------------------------------- interleave_loop


def test_interleave_loop_cut():
    p = interleave_loop(three_stmts, three_stmts.find_loop("i"), 2)
    show("interleave_loop", p)
    assert "x[2 * io] = x[2 * io] + 1.0\n    x[2 * io + 1] = x[2 * io + 1] + 1.0\n    y[2 * io]" in body(p)
    same_results(three_stmts, p)


def test_interleave_loop_with_parallel_reductions():
    p = interleave_loop(dot, dot.find_loop("i"), 2, par_reduce=True)
    show("interleave_loop par_reduce", p)
    assert "var0[0] += x[2 * io] * y[2 * io]\n    var0[1] += x[2 * io + 1] * y[2 * io + 1]" in body(p)
    same_results(dot, p)


def test_interleave_loop_without_factor():
    p = divide_loop(tail_loop, "i", 4, ["io", "ii"], perfect=False, tail="cut")
    q = interleave_loop(p, p.find_loop("ii"))
    show("interleave_loop factor=None", q)
    assert "for ii" not in body(q).split("\n")[1] and "x[4 * io + 3]" in body(q)
    same_results(tail_loop, q)


@pytest.mark.parametrize("tail", ["cut_and_guard", "recursive", "specialize"])
def test_interleave_loop_tails(tail):
    p = interleave_loop(tail_loop, tail_loop.find_loop("i"), 4, tail=tail)
    show(f"interleave_loop tail={tail}", p)
    same_results(tail_loop, p, trials=8)
    if tail == "specialize":  # every tail iteration is unrolled under its own case
        assert "if n % 4 < 2:" in str(p) and "for ii" not in str(p)


def test_interleave_loop_refusals():
    with pytest.raises(SchedulingError) as info:
        interleave_loop(carry, carry.find_loop("i"), 2)
    check_refused(info, op="interleave_loop", prim="fission", words="would reorder them")
    with pytest.raises(SchedulingError) as info:
        interleave_loop(carry, carry.find_loop("i"), 2, tail="sideways")
    check_refused(info, op="interleave_loop", prim=None, words="unknown tail strategy")
    assert interleave_loop(carry, carry.find_loop("i"), 1) is carry


# --------------------------------------------------------------------------- fission_into_singles


def test_fission_into_singles_lifts_allocations():
    p = fission_into_singles(with_alloc, with_alloc.find_loop("i"))
    show("fission_into_singles", p)
    assert body(p) == ("t: f32[n] @ DRAM\nfor i in seq(0, n):\n    t[i] = x[i] * x[i]\n"
                       "for i in seq(0, n):\n    y[i] = t[i] + 1.0")
    same_results(with_alloc, p)


def test_fission_into_singles_nested():
    p = fission_into_singles(scale_rows, scale_rows.find_loop("i"))
    show("fission_into_singles nested", p)
    assert body(p).count("for i in seq(0, m):") == 2
    same_results(scale_rows, p)


def test_fission_into_singles_refused():
    with pytest.raises(SchedulingError) as info:
        fission_into_singles(carry, carry.find_loop("i"))
    check_refused(info, op="fission_into_singles", prim="fission", words="would reorder them")
    with pytest.raises(SchedulingError) as info:
        fission_into_singles(carry, carry.find("y[_] = _"))
    check_refused(info, op="fission_into_singles", prim=None, words="expected a loop or an if")
