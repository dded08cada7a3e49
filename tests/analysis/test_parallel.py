"""Race detection for par loops (hand-built procs)."""

from __future__ import annotations

import pytest
from ir.irb import *

from exo_core.analysis.parallel import check_parallel_loops
from exo_core.config import Config
from exo_core.errors import CodegenError
from exo_core.memory import DRAM_STATIC, DRAM_STATIC_HUGE


def races(p, pattern=r"may race", line=None):
    with pytest.raises(CodegenError, match=pattern) as info:
        check_parallel_loops(p)
    if line is not None:
        assert str(info.value).startswith(f"t.py:{line}:0: "), str(info.value)
    return str(info.value)


@pytest.fixture
def v():
    n = Var("n", SIZE)
    return n, Var("x", ten(F32, n)), Var("A", ten(F32, n, 16)), Var("i", INDEX), Var("j", INDEX)


def test_independent_iterations(v):
    n, x, A, i, j = v
    y = Var("y", ten(F32, n))
    body = [par(i, 0, n, [assign(y[i], x[i] * 2.0),
                          loop(j, 0, 16, [reduce(A[i, j], A[i, 15 - j])])])]
    check_parallel_loops(proc("ok", [n, x, y, A], body))


def test_blocked_indices(v):
    n, x, A, i, j = v
    body = [par(i, 0, n / 4, [loop(j, 0, 4, [assign(x[4 * i + j], 0.0)])])]
    check_parallel_loops(proc("ok", [n, x], body))


def test_write_read_neighbour_races(v):
    n, x, A, i, j = v
    s = assign(x[i], x[i + 1])
    at(30)
    p = proc("f", [n, x], [par(i, 0, n - 1, [s])])
    msg = races(p, r"parallel loop over i may race", 30)
    assert "x[i + 1] (read" in msg and "x[i] (write" in msg and "iterations i = " in msg


def test_reduction_into_shared_scalar_races(v):
    n, x, A, i, j = v
    s = Var("s", F32)
    st = reduce(s, x[i])
    at(31)
    races(proc("f", [n, x, s], [par(i, 0, n, [st])]), r"s \(reduce", 31)


def test_reduction_into_same_element_races(v):
    n, x, A, i, j = v
    st = reduce(x[0], A[i, 0])
    at(32)
    races(proc("f", [n, x, A], [par(i, 0, n, [st])]), r"x\[0\] \(reduce", 32)


def test_single_iteration_cannot_race(v):
    n, x, A, i, j = v
    s = Var("s", F32)
    check_parallel_loops(proc("f", [n, x, s], [par(i, 0, 1, [reduce(s, x[i])])]))
    check_parallel_loops(proc("f", [n, x, s], [par(i, 3, n, [reduce(s, x[i])])], preds=[n.le(4)]))


def test_nested_par_loop_is_checked(v):
    n, x, A, i, j = v
    at(33)
    inner = par(j, 0, 15, [assign(A[i, j], A[i, j + 1])])
    p = proc("f", [n, A], [loop(i, 0, n, [inner])])
    races(p, r"parallel loop over j may race", 33)


def test_outer_par_sees_inner_loops(v):
    n, x, A, i, j = v
    inner = loop(j, 0, 16, [assign(A[j, 0], 0.0)])
    at(34)
    races(proc("f", [n, A], [par(i, 0, n, [inner])], preds=[n.ge(16)]), r"A\[j, 0\]", 34)


def test_private_allocations(v):
    n, x, A, i, j = v
    t = Var("t", ten(F32, 16))
    body = [alloc(t), loop(j, 0, 16, [assign(t[j], A[i, j])]),
            loop(j, 0, 16, [assign(A[i, j], t[15 - j])])]
    check_parallel_loops(proc("f", [n, A], [par(i, 0, n, body)]))


def test_shared_allocation_races(v):
    n, x, A, i, j = v
    t = Var("t", ten(F32, 16))
    body = [loop(j, 0, 16, [assign(t[j], A[i, j])])]
    at(35)
    races(proc("f", [n, A], [alloc(t), par(i, 0, n, body)]), r"t\[j\]", 35)


@pytest.mark.parametrize("mem", [DRAM_STATIC, DRAM_STATIC_HUGE])
def test_static_allocation_in_the_body_is_shared(v, mem):
    """A static array allocated inside the body is one array for every thread, not one per
    iteration: its writes race like those of a buffer allocated outside."""
    n, x, A, i, j = v
    t = Var("t", ten(F32, 16), mem)
    body = [alloc(t), loop(j, 0, 16, [assign(t[j], A[i, j])]),
            loop(j, 0, 16, [assign(A[i, j], t[15 - j])])]
    at(38)
    msg = races(proc("f", [n, A], [par(i, 0, n, body)]), r"t\[j\] \(write", 38)
    assert msg.endswith(f"; t is in {mem.name()}, one buffer for every iteration")
    only_read = [alloc(Var("u", ten(F32, 16), mem)), loop(j, 0, 16, [assign(A[i, j], 0.0)])]
    check_parallel_loops(proc("f", [n, A], [par(i, 0, n, only_read)]))


def test_calling_a_procedure_with_a_static_buffer_is_refused(v):
    n, x, A, i, j = v
    y, t, k = Var("y", ten(F32, 16, window=True)), Var("t", ten(F32, 16), DRAM_STATIC), Var("k", INDEX)
    helper = proc("helper", [y], [alloc(t), loop(k, 0, 16, [assign(t[k], y[k])]),
                                  loop(k, 0, 16, [assign(y[k], t[15 - k])])])
    at(39)
    c = call(helper, A[i, 0:16])
    races(proc("f", [n, A], [par(i, 0, n, [c])]),
          r"parallel loop body calls helper, whose buffer t in DRAM_STATIC is shared by every call", 39)
    outer = proc("outer", [y], [call(helper, y)])
    at(40)
    c = call(outer, A[i, 0:16])
    races(proc("f", [n, A], [par(i, 0, n, [c])]), r"calls outer, whose buffer t in DRAM_STATIC \(in helper\)", 40)


def test_window_statement_resolves_to_source(v):
    n, x, A, i, j = v
    w = Var("w", None)
    ok = [window(w, A[i, 0:16]), loop(j, 0, 16, [assign(w[j], 0.0)])]
    check_parallel_loops(proc("f", [n, A], [par(i, 0, n, ok)]))
    w = Var("w", None)
    bad = [window(w, A[0:2, i / 2]), loop(j, 0, 2, [assign(w[j], 0.0)])]
    at(36)
    races(proc("f", [n, A], [par(i, 0, 16, bad)], preds=[n.ge(2)]), r"w\[j\]", 36)


def test_calls_use_argument_windows(v):
    n, x, A, i, j = v
    m = Var("m", SIZE)
    y = Var("y", ten(F32, m, window=True))
    k = Var("k", INDEX)
    f = proc("fill", [m, y], [loop(k, 0, m, [assign(y[k], 0.0)])])
    check_parallel_loops(proc("c", [n, x], [par(i, 0, n / 4, [call(f, 4, x[4 * i:4 * i + 4])])]))
    c = call(f, 5, x[4 * i:4 * i + 5])
    at(37)
    msg = races(proc("c", [n, x], [par(i, 0, n / 4 - 1, [c])]), r"passed to fill", 37)
    assert "x[4 * i:4 * i + 5]" in msg


def test_config_writes_race(v):
    n, x, A, i, j = v
    C = Config("C", [("k", INDEX), ("f", F32)])
    body = [assign(x[i], cfg(C, "f")), write_cfg(C, "f", 2.0)]
    at(38)
    races(proc("f", [n, x], [par(i, 0, n, body)]), r"C.f", 38)


def test_body_may_not_change_the_bounds(v):
    n, x, A, i, j = v
    C = Config("C", [("k", INDEX)])
    body = [write_cfg(C, "k", 3)]
    at(39)
    races(proc("f", [n, x], [par(i, 0, cfg(C, "k"), body)]),
          r"parallel loop over i: its body writes C.k, which the loop bounds read", 39)


def test_callee_config_effects(v):
    n, x, A, i, j = v
    C = Config("C", [("k", INDEX)])
    g = proc("g", [], [write_cfg(C, "k", 1)])
    at(40)
    races(proc("f", [n, x], [par(i, 0, n, [call(g)])]), r"C.k \(in g\)", 40)


def test_outer_context_is_used(v):
    n, x, A, i, j = v
    # i ranges over a single row per outer iteration: no race between j iterations
    body = [loop(i, 0, n, [par(j, 0, 16, [assign(A[i, j], A[i, j] + 1.0)])])]
    check_parallel_loops(proc("f", [n, A], body))
    # guarded writes that cannot both happen
    body = [par(i, 0, n, [if_(i.eq(0), [assign(x[0], 1.0)])])]
    check_parallel_loops(proc("f", [n, x], body))
