"""Library operations that stage values: auto_stage_mem, stage_compute, unfold_reduce, cse,
dealias, inline_copies, unroll_buffers, bind_and_set_expr, parallelize_and_lift_alloc,
parallelize_reduction, parallelize_all_reductions."""

from __future__ import annotations

import pytest
from scheduling.checks import body

from exo_core import DRAM
from exo_core.errors import SchedulingError
from exo_core.stdlib.scheduling import (
    auto_stage_mem,
    bind_and_set_expr,
    cse,
    dealias,
    dealiasing_pass,
    fma_rule,
    inline_copies,
    parallelize_all_reductions,
    parallelize_and_lift_alloc,
    parallelize_reduction,
    simplify,
    stage_compute,
    unfold_reduce,
    unroll_buffers,
    unroll_loops,
)

from .kernels import (
    aliased_reads,
    axpy,
    blur,
    dot,
    gemv,
    inner_stencil,
    mat_sum,
    matmul,
    small_buf,
    square_diff,
    three_stmts,
    two_loops,
    with_alloc,
)
from .util import check_refused, needs, same_results, show
from .vec_instrs import VEC4

# --------------------------------------------------------------------------- auto_stage_mem


def test_auto_stage_mem_computes_the_window():
    p = auto_stage_mem(blur, blur.find_loop("i"), "x", "xs")
    show("auto_stage_mem", p)
    assert "xs: f32[n + 2] @ DRAM" in str(p)
    assert "y[i] = xs[i] + xs[i + 1] + xs[i + 2]" in body(p)
    same_results(blur, p)


def test_auto_stage_mem_tightens_to_the_accessed_part():
    p = simplify(auto_stage_mem(inner_stencil, inner_stencil.find_loop("i"), "x", "xs"))
    show("auto_stage_mem tightened", p)
    assert "for i0 in seq(0, n + 2):" in body(p)  # (simplify leaves the extent as n + 3 - 1)
    assert "xs[i0] = x[i0 + 1]" in body(p) and "y[i] = xs[i] + xs[i + 2]" in body(p)
    same_results(inner_stencil, p)


def test_auto_stage_mem_point_window_accumulates():
    p = auto_stage_mem(gemv, gemv.find_loop("j"), "y", "acc", accum=True)
    show("auto_stage_mem accum", p)
    assert "acc: f32 @ DRAM\n    acc = 0.0" in body(p) and "y[i] += acc" in body(p)
    same_results(gemv, p)


def test_auto_stage_mem_tightens_a_2d_window():
    p, (alloc, load, block, store) = auto_stage_mem(matmul, matmul.find_loop("j"), "B", rc=True)
    show("auto_stage_mem B", p)
    assert alloc.name() == "var0" and load and not store and len(block) == 1
    assert len(alloc.shape()) == 2
    same_results(matmul, p)


def test_auto_stage_mem_refused():
    with pytest.raises(SchedulingError) as info:
        auto_stage_mem(blur, blur.find_loop("i"), "y", "ys", accum=True)
    check_refused(info, op="auto_stage_mem", prim="stage_mem", words="may only be reduced into")
    with pytest.raises(SchedulingError) as info:
        auto_stage_mem(blur, blur.find_loop("i"), "z")
    check_refused(info, op="auto_stage_mem", prim=None, words="no declaration of 'z'")


# --------------------------------------------------------------------------- stage_compute


def test_unfold_reduce():
    p = unfold_reduce(axpy, axpy.find("y[_] += _"))
    show("unfold_reduce", p)
    assert body(p) == "for i in seq(0, n):\n    y[i] = y[i] + a * x[i]"
    same_results(axpy, p)


def test_stage_compute_in_dram_binds_operands():
    p = stage_compute(three_stmts, three_stmts.find_loop("i"))
    show("stage_compute", p)
    assert "var0 = 1.0" in body(p) and "var1 = 2.0" in body(p)
    same_results(three_stmts, p)


def test_stage_compute_with_a_rule_keeps_the_fma():
    p = stage_compute(axpy, axpy.find_loop("i"), "f32", DRAM, [fma_rule])
    assert str(p) == str(axpy)  # operands already in DRAM: nothing to stage


@needs("set_memory")
def test_stage_compute_into_registers():
    p = stage_compute(axpy, axpy.find_loop("i"), "f32", VEC4)
    show("stage_compute VEC4", p)
    assert body(p).count("@ VEC4") == 5
    same_results(axpy, p)


@needs("set_memory")
def test_stage_compute_refused_names_the_primitive():
    with pytest.raises(SchedulingError) as info:
        stage_compute(axpy, axpy.find_loop("i"), "f32", int)
    check_refused(info, op="stage_compute", prim="set_memory", words="expected a Memory subclass")


# --------------------------------------------------------------------------- cse, dealias


def test_cse_binds_repeated_reads_and_stages_written_locations():
    p = cse(square_diff, square_diff.find_loop("i").body(), "f32")
    show("cse", p)
    assert "var0 = x[i]" in body(p) and "var0 * var0" in body(p)
    same_results(square_diff, p)


def test_cse_refused_by_bind_expr():
    with pytest.raises(SchedulingError) as info:
        cse(aliased_reads, aliased_reads.find_loop("i").body(), "f32")
    check_refused(info, op="cse", prim="bind_expr", words="may write")


def test_dealias():
    p = dealias(square_diff, square_diff.find("y[_] = _"))
    show("dealias", p)
    assert "var0 = x[i]" in body(p) and "var1 = var0 * x[i] - y[i]" in body(p) and "y[i] = var1" in body(p)
    same_results(square_diff, p)
    q = dealiasing_pass(square_diff)
    assert str(q) == str(p)
    with pytest.raises(SchedulingError) as info:
        dealias(square_diff, square_diff.find_loop("i"))
    check_refused(info, op="dealias", prim=None, words="expected an assignment")


def test_inline_copies():
    p = bind_and_set_expr(axpy, axpy.find("x[_]"), "f32", DRAM, "xv")
    show("bind_and_set_expr", p)
    assert "xv = x[i]" in body(p)
    q = inline_copies(p)
    assert body(q) == "for i in seq(0, n):\n    xv: f32 @ DRAM\n    y[i] += a * x[i]"
    same_results(axpy, q)


# --------------------------------------------------------------------------- buffers


def test_unroll_buffers():
    p = unroll_buffers(unroll_loops(small_buf))
    show("unroll_buffers", p)
    assert "t_0_0: f32 @ DRAM" in str(p) and "t[" not in str(p)
    same_results(small_buf, p)


def test_unroll_buffers_refused():
    with pytest.raises(SchedulingError) as info:
        unroll_buffers(small_buf)
    check_refused(info, op="unroll_buffers", prim="unroll_buffer", words="not an integer constant")


def test_parallelize_and_lift_alloc():
    p = parallelize_and_lift_alloc(with_alloc, with_alloc.find("t : _"))
    show("parallelize_and_lift_alloc", p)
    assert body(p).startswith("t: f32[n] @ DRAM\nfor i in seq(0, n):\n    t[i] = x[i] * x[i]")
    same_results(with_alloc, p)
    with pytest.raises(SchedulingError) as info:
        parallelize_and_lift_alloc(with_alloc, with_alloc.find("t : _"), n_lifts=2)
    check_refused(info, op="parallelize_and_lift_alloc", prim="lift_alloc")


# --------------------------------------------------------------------------- reductions


def test_parallelize_reduction_with_factor():
    p = parallelize_reduction(dot, dot.find("r += _"), 4, unroll=True)
    show("parallelize_reduction", p)
    assert body(p).startswith("var0: f32[4] @ DRAM\nvar0[0] = 0.0\nvar0[1] = 0.0")
    assert "var0[i % 4] += x[i] * y[i]" in body(p) and body(p).endswith("r += var0[3]")
    same_results(dot, p, trials=8)


def test_parallelize_reduction_over_an_outer_loop():
    p = parallelize_reduction(mat_sum, mat_sum.find("r += _"), nth_loop=2)
    show("parallelize_reduction nth_loop=2", p)
    assert body(p).startswith("var0: f32[n] @ DRAM\nfor j in seq(0, n):\n    var0[j] = 0.0\nfor i in seq(0, m):")
    same_results(mat_sum, p)


def test_parallelize_reduction_of_an_inner_loop_with_factor():
    p = parallelize_reduction(gemv, gemv.find("y[_] += _"), 2)
    show("parallelize_reduction gemv", p)
    assert "var0[j % 2] += A[i, j] * x[j]" in body(p)
    same_results(gemv, p, trials=6)


def test_parallelize_reduction_refused():
    with pytest.raises(SchedulingError) as info:
        parallelize_reduction(two_loops, two_loops.find("r += _"))
    check_refused(info, op="parallelize_reduction", prim="reorder_loops", words="not exactly one loop")
    with pytest.raises(SchedulingError) as info:
        parallelize_reduction(axpy, axpy.find("y[_] += _"), 4)
    check_refused(info, op="parallelize_reduction", prim=None, words="not a reduction over loop 'i'")


def test_parallelize_all_reductions():
    p = parallelize_all_reductions(two_loops, two_loops.find_loop("i"), factor=2, unroll=True)
    show("parallelize_all_reductions", p)
    assert "var0[i % 2] += x[i]" in body(p)
    same_results(two_loops, p, trials=6)
    assert str(parallelize_all_reductions(axpy, "i", factor=4)) == str(axpy)
