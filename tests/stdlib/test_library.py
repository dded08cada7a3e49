"""The library's machinery: errors of library operations (call site, operation, primitive),
the higher-order operations (repeat, attempt, apply, predicate, make_pass, lift_rc,
repeate, sched_seq), and the Exo-compatible module layout."""

from __future__ import annotations

import pytest
from scheduling.checks import body

import exo_core.stdlib.scheduling as L
from exo_core import DRAM
from exo_core.errors import InvalidCursorError, SchedulingError
from exo_core.stdlib._op import library_op
from exo_core.stdlib.scheduling import (
    apply,
    attempt,
    divide_loop,
    lift_rc,
    make_pass,
    predicate,
    reorder_stmt_forward,
    repeat,
    repeate,
    sched_seq,
    simplify,
    tile_loops,
    unroll_loop,
)

from .kernels import axpy, gemv, invariant, matmul, maybe_empty, tail_loop, tiny_loops
from .util import check_refused, same_results

# --------------------------------------------------------------------------- errors


def test_error_names_call_site_operation_and_primitive():
    with pytest.raises(SchedulingError) as info:
        tile_loops(maybe_empty, [(maybe_empty.find_loop("i"), 4)])
    msg = check_refused(info, op="tile_loops", prim="divide_loop")
    assert msg.count(__file__) == 1  # the call site once, at the front


def test_nested_library_operations_all_appear_in_order():
    from .kernels import skewed

    with pytest.raises(SchedulingError) as info:
        L.unroll_and_jam(skewed, skewed.find_loop("i"), 2)
    msg = check_refused(info, op="unroll_and_jam", prim="reorder_loops")
    assert ": unroll_and_jam: interleave_outer_loop_with_inner_loop: reorder_loops: " in msg


def test_a_user_library_operation():
    @library_op
    def my_tile(proc, loop):
        proc = divide_loop(proc, loop, 4, ["io", "ii"], tail="cut")
        return simplify(proc)

    p = my_tile(tail_loop, tail_loop.find_loop("i"))
    same_results(tail_loop, p)
    with pytest.raises(SchedulingError) as info:
        my_tile(maybe_empty, maybe_empty.find_loop("i"))
    # outside exo_core the primitive's own call site (inside my_tile) is kept after the name
    msg = check_refused(info, op="my_tile", prim=None)
    assert f": my_tile: {__file__}:" in msg and ": divide_loop: cannot prove" in msg


def test_error_types_are_kept_and_first_argument_checked():
    from exo_core.stdlib.loop_shapes import unroll_loops

    with pytest.raises(SchedulingError) as info:
        unroll_loops("not a proc")
    check_refused(info, op="unroll_loops", prim=None, words="first argument must be a procedure")

    @library_op
    def stale(proc, c):
        return proc.forward(c)

    with pytest.raises(InvalidCursorError) as info:
        stale(axpy, gemv.find_loop("i"))
    assert ": stale: " in str(info.value)


def test_transparent_wrappers_pass_primitive_errors_unchanged():
    with pytest.raises(SchedulingError) as info:
        L.divide_loop_(maybe_empty, maybe_empty.find_loop("i"), 4, tail="cut")
    msg = str(info.value)
    assert msg.startswith(f"{__file__}:") and ": divide_loop: " in msg and "divide_loop_" not in msg
    with pytest.raises(SchedulingError) as info:
        L.divide_loop_(axpy, axpy.find("y[_] += _"), 4)
    assert ": divide_loop_: argument 'loop_cursor': expected a loop" in str(info.value)


def test_history_records_the_primitives():
    p = L.round_loop(tail_loop, "i", 4)
    assert [name for name, _ in p.history()] == ["divide_loop", "mult_loops"]


# --------------------------------------------------------------------------- higher-order operations


def test_repeat_until_failure_and_n_times():
    p = repeat(divide_loop)(matmul, "for kk in _: _", 2, ["ko", "ki"], tail="cut")
    # the loop over kk is gone; the new ones are named ko/ki and are not matched again
    assert "for ko" in str(p) and "for kk" not in str(p)
    q = repeat(unroll_loop, n_times=2)(tiny_loops, "for _ in _: _")
    assert body(q).count("for ") == 1
    with pytest.raises(SchedulingError):
        repeat(unroll_loop, n_times=4)(tiny_loops, "for _ in _: _")
    with pytest.raises(TypeError):
        repeat(unroll_loop, n_times=0)
    assert repeat(simplify)(tail_loop) is not None  # stops when nothing changes
    assert repeat(divide_loop).__name__ == "repeat_divide_loop"


def test_repeat_verbose(capsys):
    repeat(unroll_loop, verbose=True)(tiny_loops, "for _ in _: _")
    assert "repeat ended with error" in capsys.readouterr().out


def test_attempt_apply_predicate():
    p, ok = attempt(unroll_loop)(axpy, "i", rs=True)
    assert p is axpy and not ok
    p, ok = attempt(unroll_loop)(tiny_loops, "j", rs=True)
    assert ok and body(p).count("for ") == 2
    loops = [tiny_loops.find_loop(n) for n in ("i", "j", "k")]
    q = apply(unroll_loop)(tiny_loops, loops)
    assert "for" not in str(q)
    small = predicate(unroll_loop, lambda proc, c: proc.forward(c).hi().value() <= 4)
    r = apply(small)(tiny_loops, loops)
    assert body(r).count("for ") == 1
    same_results(tiny_loops, r)


def test_make_pass_lift_rc_repeate_sched_seq():
    is_loop_stmt = lambda proc, s: type(s).__name__ == "ForCursor"  # noqa: E731
    p = make_pass(predicate(unroll_loop, is_loop_stmt))(tiny_loops)
    assert "for" not in str(p)
    q, outer = lift_rc(L.divide_loop_, "outer_loop")(tail_loop, "i", 4)
    assert outer.name() == "io"
    s = invariant.find("x[_] = _")
    r = repeate(reorder_stmt_forward)(invariant, s)
    assert body(r).splitlines()[-1] == "    x[i] = x[i] + a"
    t = sched_seq(tail_loop, [(divide_loop, "i", 4, ["io", "ii"]), simplify])
    assert "for io" in str(t)
    with pytest.raises(TypeError):
        sched_seq(tail_loop, [3])


# --------------------------------------------------------------------------- module layout


def test_module_exports_primitives_and_library():
    import exo_core.scheduling as S
    import exo_core.stdlib.stdlib as exo_stdlib

    for name in S.__all__:
        assert hasattr(L, name), name
    for name in ("repeat", "sched_seq", "replace_all", "lift_if", "hoist_stmt", "jam_stmt", "unroll_and_jam",
                 "tile_loops", "vectorize", "auto_stage_mem", "stage_compute", "interleave_loop", "cleanup",
                 "fission_into_singles", "unroll_loops", "unroll_buffers", "cse", "dealias",
                 "divide_loop_recursive", "binary_specialize", "round_loop", "cut_loop_and_unroll",
                 "parallelize_reduction", "get_enclosing_loop", "is_loop", "get_rest_of_block",
                 "FormattedExprStr", "DRAM"):
        assert name in L.__all__ and hasattr(exo_stdlib, name), name
    assert L.DRAM is DRAM


def test_exo_import_paths(monkeypatch):
    from exo_core import compat

    compat.install()
    from exo.stdlib.inspection import get_enclosing_loop
    from exo.stdlib.scheduling import lift_if, repeat
    from exo.stdlib.stdlib import vectorize

    assert vectorize is L.vectorize and lift_if is L.lift_if and repeat is L.repeat
    assert get_enclosing_loop is L.get_enclosing_loop
