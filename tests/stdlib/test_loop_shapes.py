"""Library operations reshaping single loops: divide_loop_recursive, binary_specialize,
round_loop, cut_loop_and_unroll, bound_loop_by_if, undo_divide_and_guard_loop,
unroll_loops, dce, cleanup, and the rc wrappers they use."""

from __future__ import annotations

import pytest
from scheduling.checks import body

from exo_core.errors import SchedulingError
from exo_core.stdlib.scheduling import (
    binary_specialize,
    bound_loop_by_if,
    cleanup,
    cut_loop_,
    cut_loop_and_unroll,
    dce,
    divide_loop,
    divide_loop_,
    divide_loop_recursive,
    fission_,
    round_loop,
    specialize_,
    stage_mem_,
    undo_divide_and_guard_loop,
    unroll_loops,
)

from .kernels import blur, dot, maybe_empty, tail_loop, three_stmts, tiny_loops
from .util import check_refused, same_results, show

# --------------------------------------------------------------------------- divide_loop_recursive


def test_divide_loop_recursive():
    p, (outers, inners, tail) = divide_loop_recursive(tail_loop, tail_loop.find_loop("i"), 4, rc=True)
    show("divide_loop_recursive", p)
    assert [c.name() for c in outers] == ["io", "iio"]
    assert [c.hi().value() for c in inners] == [4, 2]
    assert tail.name() == "iii" and tail.hi().op() == "%" and tail.hi().rhs().value() == 2
    same_results(tail_loop, p, trials=8)


def test_divide_loop_recursive_cut_and_guard():
    p = divide_loop_recursive(tail_loop, tail_loop.find_loop("i"), 4, tail="cut_and_guard")
    show("divide_loop_recursive cut_and_guard", p)
    assert body(p).count("if ") == 2
    same_results(tail_loop, p, trials=8)


def test_divide_loop_recursive_refused():
    with pytest.raises(SchedulingError) as info:
        divide_loop_recursive(maybe_empty, maybe_empty.find_loop("i"), 4)
    check_refused(info, op="divide_loop_recursive", prim="divide_loop", words="non-negative")
    with pytest.raises(SchedulingError) as info:
        divide_loop_recursive(tail_loop, tail_loop.find_loop("i"), 4, tail="guard")
    check_refused(info, op="divide_loop_recursive", prim=None, words="tail strategy")


# --------------------------------------------------------------------------- binary_specialize


def test_binary_specialize_the_tail_trip_count():
    p = divide_loop(tail_loop, "i", 4, ["io", "ii"], tail="cut")
    tail = p.find_loop("io").next()
    q, (stmts,) = binary_specialize(p, tail, tail.hi(), [0, 1, 2, 3], rc=True)
    show("binary_specialize", q)
    text = body(q)
    assert "if n % 4 < 2:" in text and "if n % 4 < 1:" in text and "if n % 4 < 3:" in text
    # each case sees its trip count as a literal
    assert sorted(s.hi().value() for s in stmts) == [1, 2, 3]
    same_results(tail_loop, q, trials=10)


def test_binary_specialize_refuses_values_that_do_not_cover():
    with pytest.raises(SchedulingError) as info:
        binary_specialize(tail_loop, tail_loop.find_loop("i"), "n % 4", [0, 1, 3])
    check_refused(info, op="binary_specialize", prim="eliminate_dead_code", words="always true or always false")
    with pytest.raises(SchedulingError) as info:
        binary_specialize(tail_loop, tail_loop.find_loop("i"), "n % 4", [0])
    check_refused(info, op="binary_specialize", prim=None, words="fewer than two values")


# --------------------------------------------------------------------------- round_loop


@pytest.mark.parametrize("up", [True, False])
def test_round_loop(up):
    p = round_loop(tail_loop, tail_loop.find_loop("i"), 4, up=up)
    show(f"round_loop up={up}", p)
    first = body(p).splitlines()[0]
    assert first == ("for i in seq(0, (n + 3) / 4 * 4):" if up else "for i in seq(0, n / 4 * 4):")
    same_results(tail_loop, p, trials=8)


def test_round_loop_refused():
    with pytest.raises(SchedulingError) as info:
        round_loop(maybe_empty, maybe_empty.find_loop("i"), 4, up=False)
    check_refused(info, op="round_loop", prim="divide_loop")


# --------------------------------------------------------------------------- cut_loop_and_unroll


def test_cut_loop_and_unroll_front_and_back():
    p, (rest,) = cut_loop_and_unroll(tiny_loops, tiny_loops.find_loop("k"), 2, rc=True)
    show("cut_loop_and_unroll front", p)
    assert "x[4] = 3.0\nx[5] = 3.0\nfor k in seq(0, 2):\n    x[k + 6] = 3.0" in body(p)
    assert rest.name() == "k" and rest.lo().value() == 0
    same_results(tiny_loops, p)
    q = cut_loop_and_unroll(blur, blur.find_loop("i"), 1, front=False)
    show("cut_loop_and_unroll back", q)
    assert body(q).endswith("y[n - 1] = x[n - 1] + x[n] + x[n + 1]")
    same_results(blur, q)


def test_cut_loop_and_unroll_refused():
    with pytest.raises(SchedulingError) as info:
        cut_loop_and_unroll(tiny_loops, tiny_loops.find_loop("j"), 3)
    check_refused(info, op="cut_loop_and_unroll", prim="cut_loop", words="cut_point <= hi")


# --------------------------------------------------------------------------- guards


def test_bound_loop_by_if_and_undo_divide():
    p = divide_loop(tail_loop, "i", 4, ["io", "ii"], tail="guard")
    q = undo_divide_and_guard_loop(p, p.find_loop("io"))
    show("undo_divide_and_guard_loop", q)
    assert body(q) == "for i in seq(0, 0 + n):\n    x[i] = x[i] * 3.0 + 1.0"
    same_results(tail_loop, q)
    with pytest.raises(SchedulingError) as info:
        bound_loop_by_if(tail_loop, tail_loop.find_loop("i"))
    check_refused(info, op="bound_loop_by_if", prim=None, words="expected a loop of the form")


# --------------------------------------------------------------------------- unroll_loops, dce, cleanup


def test_unroll_loops_all_and_with_threshold():
    p = unroll_loops(tiny_loops)
    show("unroll_loops", p)
    assert "for" not in str(p)
    same_results(tiny_loops, p)
    q = unroll_loops(tiny_loops, threshold=2)
    assert body(q).splitlines()[-2:] == ["for k in seq(4, 8):", "    x[k] = 3.0"]
    r = unroll_loops(tiny_loops, tiny_loops.find_loop("j"))
    assert body(r).count("for ") == 2
    same_results(tiny_loops, q)


def test_unroll_loops_bad_block():
    with pytest.raises(SchedulingError) as info:
        unroll_loops(tiny_loops, 3)
    check_refused(info, op="unroll_loops", prim=None, words="expected a cursor")


def test_dce_and_cleanup():
    p = round_loop(tail_loop, tail_loop.find_loop("i"), 4)
    q = cleanup(p)
    show("cleanup", q)
    assert body(q) == "for i in seq(0, 4 * ((n + 3) / 4)):\n    if i < n:\n        x[i] = x[i] * 3.0 + 1.0"
    same_results(tail_loop, q)
    assert str(dce(tail_loop)) == str(tail_loop)
    r = cleanup(tiny_loops)
    assert body(r).startswith("x[0] = 1.0\nfor j in seq(2, 4):")


# --------------------------------------------------------------------------- rc wrappers


def test_rc_wrappers_return_the_pieces():
    p, (outer, inner, tail) = divide_loop_(tail_loop, tail_loop.find_loop("i"), 4, tail="cut", rc=True)
    assert (outer.name(), inner.name(), tail.name()) == ("io", "ii", "ii")
    _, (o2, i2, t2) = divide_loop_(tail_loop, "i", 4, rc=True)
    assert not t2 and i2.hi().value() == 4
    _, (l1, l2) = cut_loop_(tail_loop, "i", 1, rc=True)
    assert l1.hi().value() == 1 and l2.lo().value() == 1
    q, (s1, s2) = fission_(three_stmts, three_stmts.find("y[_] = _").before(), rc=True)
    assert len(s1.body()) == 1 and len(s2.body()) == 2
    q, (s1, s2) = fission_(three_stmts, three_stmts.find("y[_] = _").after(), rc=True)
    assert len(s1.body()) == 2 and len(s2.body()) == 1
    q, (if_stmt,) = specialize_(tail_loop, tail_loop.find_loop("i"), "n > 4", rc=True)
    assert if_stmt.cond().op() == ">"
    q, (alloc, load, block, store) = stage_mem_(dot, dot.find_loop("i"), "r", "acc", accum=True, rc=True)
    assert alloc.name() == "acc" and load.name() == "acc" and len(block) == 1 and store.name() == "r"
    same_results(dot, q)
    q, (alloc, load, block, store) = stage_mem_(blur, blur.find_loop("i"), "x[0:n + 2]", "xs", rc=True)
    assert alloc.name() == "xs" and load.body()[0].name() == "xs" and not store
