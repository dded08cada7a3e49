"""Bounds and precondition checking on hand-built procs."""

from __future__ import annotations

import pytest
from ir.irb import *

from exo_core.analysis.boundscheck import check_proc
from exo_core.analysis.solver import SOLVER
from exo_core.config import Config
from exo_core.errors import BoundsCheckError, TypeCheckError


def rejects(p, pattern, line=None, cls=BoundsCheckError):
    with pytest.raises(cls, match=pattern) as info:
        check_proc(p)
    if line is not None:
        assert str(info.value).startswith(f"t.py:{line}:0: "), str(info.value)
    return str(info.value)


@pytest.fixture
def nx():
    n = Var("n", SIZE)
    return n, Var("x", ten(F32, n)), Var("i", INDEX)


# ---------------------------------------------------------------------- accepted programs


def test_accepts_simple_loops(nx):
    n, x, i = nx
    y = Var("y", ten(F32, n))
    at(3)
    body = [loop(i, 0, n, [assign(y[i], x[i] * 2.0)]), loop(i, 1, n, [reduce(y[i], x[i - 1])])]
    check_proc(proc("ok", [n, x, y], body))


def test_accepts_tiled_and_guarded(nx):
    n, x, i = nx
    io, ii = Var("io", INDEX), Var("ii", INDEX)
    tile = loop(io, 0, n / 4, [loop(ii, 0, 4, [assign(x[4 * io + ii], 0.0)])])
    tail = loop(ii, 0, n % 4, [assign(x[n / 4 * 4 + ii], 0.0)])
    guarded = loop(io, 0, (n + 3) / 4, [loop(ii, 0, 4, [
        if_((4 * io + ii).lt(n), [assign(x[4 * io + ii], 1.0)])])])
    check_proc(proc("tiled", [n, x], [tile, tail, guarded]))


def test_accepts_windows_and_preconditions():
    n, m = Var("n", SIZE), Var("m", SIZE)
    A = Var("A", ten(F32, n, 16))
    i, j = Var("i", INDEX), Var("j", INDEX)
    row = Var("row", None)
    body = [loop(i, 0, n, [window(row, A[i, 0:16]),
                           loop(j, 0, m, [assign(row[j], 0.0)])])]
    check_proc(proc("win", [n, m, A], body, preds=[m.le(16)]))


def test_loop_with_hi_below_lo_is_fine(nx):
    n, x, i = nx
    check_proc(proc("empty", [n, x], [loop(i, n, 0, [assign(x[i], 0.0)])]))


def test_division_and_modulo_indices(nx):
    n, x, i = nx
    half = Var("h", ten(F32, (n + 1) / 2))
    four = Var("f", ten(F32, 4))
    check_proc(proc("divmod", [n, x, half, four],
                    [loop(i, 0, n, [assign(half[i / 2], x[i]), assign(four[i % 4], x[i])])]))


# ---------------------------------------------------------------------- access rejections


def test_rejects_write_past_the_end(nx):
    n, x, i = nx
    at(4)
    s = assign(x[i + 1], 0.0)
    at(3)
    msg = rejects(proc("f", [n, x], [loop(i, 0, n, [s])]), r"x\[i \+ 1\] may be out of bounds", 4)
    assert "index 0 can reach" in msg and "extent is" in msg and "when" in msg


def test_rejects_negative_index(nx):
    n, x, i = nx
    at(5)
    s = assign(x[i - 1], 0.0)
    msg = rejects(proc("f", [n, x], [loop(i, 0, n, [s])]), r"x\[i - 1\] may be out of bounds", 5)
    assert "index 0 can be -1" in msg


def test_rejects_read_out_of_bounds(nx):
    n, x, i = nx
    y = Var("y", ten(F32, n))
    at(6)
    s = assign(y[i], x[i + 2])
    rejects(proc("f", [n, x, y], [loop(i, 0, n - 1, [s])]), r"x\[i \+ 2\] may be out of bounds", 6)


def test_rejects_second_dimension():
    n = Var("n", SIZE)
    A = Var("A", ten(F32, n, 8))
    i, j = Var("i", INDEX), Var("j", INDEX)
    at(7)
    s = assign(A[i, j], 0.0)
    msg = rejects(proc("f", [n, A], [loop(i, 0, n, [loop(j, 0, 9, [s])])]), r"A\[i, j\]", 7)
    assert "index 1 can reach 8, extent is 8" in msg


def test_branch_conditions_and_their_negation(nx):
    n, x, i = nx
    ok = if_(i.lt(n - 1), [assign(x[i + 1], 0.0)])
    check_proc(proc("g", [n, x], [loop(i, 0, n, [ok])]))
    at(8)
    bad = assign(x[i + 1], 0.0)
    at(7)
    p = proc("g", [n, x], [loop(i, 0, n, [if_(i.lt(n - 1), [pass_()], [bad])])])
    rejects(p, r"x\[i \+ 1\] may be out of bounds", 8)


def test_rejects_floor_division_rounding(nx):
    n, x, i = nx
    half = Var("h", ten(F32, n / 2))
    at(9)
    s = assign(half[i / 2], x[i])
    msg = rejects(proc("f", [n, x, half], [loop(i, 0, n, [s])]), r"h\[i / 2\]", 9)
    assert "extent is" in msg


def test_rejects_modulo_index():
    n = Var("n", SIZE)
    three = Var("t", ten(F32, 3))
    i = Var("i", INDEX)
    at(10)
    rejects(proc("f", [n, three], [loop(i, 0, n, [assign(three[i % 4], 0.0)])]), r"t\[i % 4\]", 10)


# ---------------------------------------------------------------------- preconditions


def test_rejects_unsatisfiable_precondition(nx):
    n, x, i = nx
    at(2)
    pred = n.lt(1)
    msg = rejects(proc("f", [n, x], [pass_()], preds=[pred]), r"precondition n < 1 can never hold", 2)
    assert "size arguments are positive" in msg


def test_rejects_contradicting_preconditions(nx):
    n, x, i = nx
    at(2)
    a = n.gt(4)
    at(3)
    b = n.lt(3)
    msg = rejects(proc("f", [n, x], [pass_()], preds=[a, b]), r"precondition n < 3 can never hold", 3)
    assert "together with the preconditions before it" in msg


def test_preconditions_are_assumed(nx):
    n, x, i = nx
    check_proc(proc("f", [n, x], [assign(x[7], 0.0)], preds=[n.ge(8)]))
    at(4)
    s = assign(x[8], 0.0)
    rejects(proc("f", [n, x], [s], preds=[n.ge(8)]), r"x\[8\] may be out of bounds", 4)


# ---------------------------------------------------------------------- allocations


def test_rejects_non_positive_allocation(nx):
    n, x, i = nx
    t = Var("t", ten(F32, n - 4))
    at(5)
    a = alloc(t)
    msg = rejects(proc("f", [n, x], [a]), r"allocation t: f32\[n - 4\] may have a non-positive extent", 5)
    assert "dimension 0 (n - 4) can be" in msg
    check_proc(proc("f", [n, x], [alloc(t)], preds=[n.gt(4)]))


def test_rejects_access_past_allocation(nx):
    n, x, i = nx
    t = Var("t", ten(F32, 4))
    at(6)
    s = assign(t[i], x[i])
    rejects(proc("f", [n, x], [alloc(t), loop(i, 0, n, [s])]), r"t\[i\] may be out of bounds", 6)


# ---------------------------------------------------------------------- windows


def test_rejects_window_past_the_end(nx):
    n, x, i = nx
    w = Var("w", None)
    at(7)
    ws = window(w, x[i:i + 4])
    msg = rejects(proc("f", [n, x], [loop(i, 0, n, [ws])]), r"window x\[i:i \+ 4\] may be out of bounds", 7)
    assert "dimension 0 can end at" in msg


def test_rejects_window_with_lo_above_hi(nx):
    n, x, i = nx
    w = Var("w", None)
    at(8)
    ws = window(w, x[4:2])
    rejects(proc("f", [n, x], [ws], preds=[n.ge(8)]), r"window x\[4:2\] may have lo > hi in dimension 0", 8)


def test_rejects_window_negative_start(nx):
    n, x, i = nx
    w = Var("w", None)
    at(9)
    ws = window(w, x[i - 1:i + 1])
    rejects(proc("f", [n, x], [loop(i, 0, n - 1, [ws])]), r"dimension 0 can start at -1", 9)


def test_rejects_access_outside_window_extent():
    n = Var("n", SIZE)
    A = Var("A", ten(F32, n, 16))
    w = Var("w", None)
    j = Var("j", INDEX)
    ws = window(w, A[0, 4:8])
    check_proc(proc("f", [n, A], [ws, loop(j, 0, 4, [assign(w[j], 0.0)])]))
    ws = window(w, A[0, 4:8])
    at(10)
    s = assign(w[j], 0.0)
    rejects(proc("f", [n, A], [ws, loop(j, 0, 5, [s])]), r"w\[j\] may be out of bounds.*extent is 4", 10)


def test_rejects_window_point_out_of_bounds(nx):
    n, x, i = nx
    A = Var("A", ten(F32, n, 4))
    w = Var("w", None)
    at(11)
    ws = window(w, A[n, 0:4])
    rejects(proc("f", [n, A], [ws]), r"window A\[n, 0:4\] may be out of bounds: point 0", 11)


# ---------------------------------------------------------------------- calls


def _callee(max_m=None, unit_stride=False, dense=False):
    m = Var("m", SIZE)
    y = Var("y", ten(F32, m, window=not dense))
    j = Var("j", INDEX)
    preds = []
    if max_m is not None:
        preds.append(m.le(max_m))
    if unit_stride:
        preds.append(y.stride(0).eq(1))
    at(50)
    return proc("vec", [m, y], [loop(j, 0, m, [assign(y[j], 1.0)])], preds=preds)


def test_call_checks_shapes(nx):
    n, x, i = nx
    f = _callee()
    check_proc(proc("c", [n, x], [call(f, n, x)]))
    check_proc(proc("c", [n, x], [loop(i, 0, n / 4, [call(f, 4, x[4 * i:4 * i + 4])])]))
    at(12)
    c = call(f, 4, x)
    msg = rejects(proc("c", [n, x], [c]), r"argument x for parameter 'y' of vec has shape \[n\] but vec expects \[4\]", 12)
    assert "dimension 0" in msg


def test_call_checks_size_arguments_positive(nx):
    n, x, i = nx
    f = _callee()
    at(13)
    c = call(f, n - 1, x[0:n - 1])
    rejects(proc("c", [n, x], [c]), r"argument n - 1 for size parameter 'm' of vec may not be positive", 13)


def test_call_checks_callee_preconditions(nx):
    n, x, i = nx
    f = _callee(max_m=8)
    check_proc(proc("c", [n, x], [call(f, 8, x[0:8])], preds=[n.ge(8)]))
    at(14)
    c = call(f, 16, x[0:16])
    rejects(proc("c", [n, x], [c], preds=[n.ge(16)]), r"precondition m <= 8 of vec may not hold at this call", 14)


def test_call_stride_preconditions():
    n = Var("n", SIZE)
    A = Var("A", ten(F32, n, 16))
    i = Var("i", INDEX)
    f = _callee(unit_stride=True)
    # a row of a dense matrix has unit stride; a column has stride 16
    check_proc(proc("c", [n, A], [loop(i, 0, n, [call(f, 16, A[i, 0:16])])]))
    at(15)
    c = call(f, 4, A[0:4, 3])
    msg = rejects(proc("c", [n, A], [c], preds=[n.ge(4)]), r"precondition stride\(y, 0\) == 1 of vec", 15)
    assert msg.startswith("t.py:15:0")


def test_stride_of_window_parameter_is_opaque():
    n = Var("n", SIZE)
    W = Var("W", ten(F32, n, window=True))
    f = _callee(unit_stride=True)
    at(16)
    c = call(f, n, W)
    rejects(proc("c", [n, W], [c]), r"precondition stride\(y, 0\) == 1 of vec", 16)
    check_proc(proc("c", [n, W], [call(f, n, W)], preds=[W.stride(0).eq(1)]))


def test_symbolic_dense_strides():
    n, m = Var("n", SIZE), Var("m", SIZE)
    A = Var("A", ten(F32, n, m))
    mm = Var("mm", SIZE)
    y = Var("y", ten(F32, 2, mm, window=True))
    g = proc("g", [mm, y], [pass_()], preds=[y.stride(0).eq(mm), y.stride(1).eq(1)])
    check_proc(proc("c", [n, m, A], [call(g, m, A[0:2, 0:m])], preds=[n.ge(2)]))


def test_callee_body_is_not_reanalysed(nx):
    n, x, i = nx
    f = _callee(max_m=8)
    check_proc(f)
    q = SOLVER.stats.queries
    check_proc(proc("c", [n, x], [call(f, 8, x[0:8])], preds=[n.ge(8)]))
    # positivity of m, the shape, the precondition, the window: no query about y[j]
    assert SOLVER.stats.queries - q <= 6


# ---------------------------------------------------------------------- configs


def test_config_values_are_tracked(nx):
    n, x, i = nx
    C = Config("C", [("k", INDEX)])
    four = Var("four", ten(F32, 4))
    check_proc(proc("c", [four], [write_cfg(C, "k", 3), assign(four[cfg(C, "k")], 0.0)]))
    at(17)
    s = assign(four[cfg(C, "k")], 0.0)
    rejects(proc("c", [four], [write_cfg(C, "k", 4), s]), r"four\[C.k\] may be out of bounds", 17)
    # unknown on entry
    rejects(proc("c", [four], [s]), r"four\[C.k\]", 17)


def test_config_havoc_after_loops_and_branches(nx):
    n, x, i = nx
    C = Config("C", [("k", INDEX)])
    four = Var("four", ten(F32, 4))
    at(18)
    s = assign(four[cfg(C, "k")], 0.0)
    body = [write_cfg(C, "k", 0), loop(i, 0, n, [write_cfg(C, "k", i)]), s]
    rejects(proc("c", [n, four], body), r"four\[C.k\]", 18)
    # after a branch, the value is the then-value or the else-value
    body = [write_cfg(C, "k", 0), if_(n.gt(2), [write_cfg(C, "k", 3)]), s]
    check_proc(proc("c", [n, four], body))
    body = [write_cfg(C, "k", 0), if_(n.gt(2), [write_cfg(C, "k", 4)]), s]
    msg = rejects(proc("c", [n, four], body), r"four\[C.k\]", 18)
    assert "n = " in msg
    body = [write_cfg(C, "k", 0), if_(n.gt(2), [pass_()]), s]
    check_proc(proc("c", [n, four], body))


# ---------------------------------------------------------------------- aliasing


def test_rejects_aliased_arguments(nx):
    n, x, i = nx
    a, b = Var("a", ten(F32, 4, window=True)), Var("b", ten(F32, 4, window=True))
    at(60)
    f = proc("two", [a, b], [pass_()])
    at(19)
    c = call(f, x[0:4], x[4:8])
    rejects(proc("c", [n, x], [c], preds=[n.ge(8)]),
            r"buffer x is passed to both 'a' and 'b' of two: arguments may not alias", 19, TypeCheckError)


def test_rejects_aliasing_through_window_statement(nx):
    n, x, i = nx
    a, b = Var("a", ten(F32, 4, window=True)), Var("b", ten(F32, 4, window=True))
    f = proc("two", [a, b], [pass_()])
    w = Var("w", None)
    ws = window(w, x[0:4])
    at(20)
    c = call(f, w, x[4:8])
    rejects(proc("c", [n, x], [ws, c], preds=[n.ge(8)]), r"buffer x is passed to both", 20, TypeCheckError)


def test_rejects_config_field_alias():
    C = Config("C", [("f", F32)])
    s = Var("s", F32)
    g = proc("g", [s], [assign(s, cfg(C, "f"))])
    at(21)
    c = call(g, cfg(C, "f"))
    rejects(proc("c", [], [c]), r"config field C.f is passed to 's' of g", 21, TypeCheckError)


# ---------------------------------------------------------------------- speed


def test_in_bounds_program_needs_no_z3():
    n = Var("n", SIZE)
    A, B, Cm = (Var(nm, ten(F32, n, 64)) for nm in "ABC")
    i, j, k = Var("i", INDEX), Var("j", INDEX), Var("k", INDEX)
    jo, ji = Var("jo", INDEX), Var("ji", INDEX)
    body = []
    for _ in range(30):
        body.append(loop(i, 0, n, [loop(jo, 0, 16, [loop(ji, 0, 4, [
            loop(k, 0, 64, [reduce(Cm[i, 4 * jo + ji], A[i, k] * B[i, 63 - k])])])])]))
    s = SOLVER.stats
    z = s.z3
    check_proc(proc("big", [n, A, B, Cm], body))
    assert s.z3 == z
