"""reorder_loops, lift_scope and parallelize_loop: accepted rewrites agree with the original
(interpreter and compiled C), refused ones say why, cursors follow their code."""

from __future__ import annotations

import pytest

from exo_core import DRAM, DRAM_STATIC, CodegenError, config, proc
from exo_core.errors import InvalidCursorError
from exo_core.scheduling import fuse, lift_scope, parallelize_loop, reorder_loops

from .checks import body_text, check_equiv, refused


@config
class LSCfg:
    k: index
    on: bool


# --------------------------------------------------------------------------- kernels


@proc
def scale2d(n: size, m: size, A: f32[n, m], B: f32[n, m]):
    for i in seq(0, n):
        for j in seq(0, m):
            B[i, j] = A[i, j] * 2.0


@proc
def matmul(n: size, m: size, p: size, A: f32[n, p], B: f32[p, m], C: f32[n, m]):
    for i in seq(0, n):
        for j in seq(0, m):
            for k in seq(0, p):
                C[i, j] += A[i, k] * B[k, j]


@proc
def triangular(n: size, A: f32[n, n]):
    for i in seq(0, n):
        for j in seq(0, i):
            A[i, j] = A[j, i] + 1.0


@proc
def wavefront(n: size, A: f32[n + 1, n + 1]):
    for i in seq(0, n):
        for j in seq(0, n):
            A[i + 1, j] = A[i, j + 1] + 1.0


@proc
def two_in_body(n: size, A: f32[n, n], x: f32[n]):
    for i in seq(0, n):
        x[i] = 0.0
        for j in seq(0, n):
            A[i, j] = 1.0


@proc
def if_in_loop(n: size, m: size, x: f32[n]):
    for i in seq(0, n):
        if m > 4:
            x[i] = 1.0
        else:
            x[i] = x[i] * 3.0


@proc
def if_on_iter(n: size, x: f32[n]):
    for i in seq(0, n):
        if i > 2:
            x[i] = 1.0


@proc
def if_on_cfg_written_in_loop(n: size, x: f32[n]):
    LSCfg.k = 5
    for i in seq(0, n):
        if LSCfg.k < 2:
            x[i] = 1.0
        else:
            LSCfg.k = 0


@proc
def if_on_cfg_written_in_if(n: size, x: f32[n]):
    LSCfg.k = 0
    for i in seq(0, n):
        if LSCfg.k < 2:
            x[i] = 1.0
            LSCfg.k = 3


@proc
def loop_in_if(n: size, m: size, x: f32[n]):
    if m > 4:
        for i in seq(0, n):
            x[i] = x[i] + 1.0


@proc
def loop_in_if_else(n: size, m: size, x: f32[n]):
    if m > 4:
        for i in seq(0, n):
            x[i] = 1.0
    else:
        x[0] = 2.0


@proc
def loop_in_if_changes_cond(n: size, x: f32[n]):
    LSCfg.on = True
    if LSCfg.on:
        for i in seq(0, n):
            x[i] = x[i] + 1.0
            LSCfg.on = False


@proc
def if_in_if(n: size, m: size, x: f32[n]):
    if n > 4:
        if m > 3:
            x[0] = 1.0
    else:
        x[0] = 2.0


@proc
def if_else_in_if(n: size, m: size, x: f32[n]):
    if n > 4:
        if m > 3:
            x[0] = 1.0
        else:
            x[0] = 3.0
    else:
        x[0] = 2.0


@proc
def if_in_else(n: size, m: size, x: f32[n]):
    if n > 4:
        x[0] = 1.0
    else:
        if m > 3:
            x[0] = 2.0


@proc
def independent(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        y[i] = x[i] * x[i]


@proc
def carried(n: size, x: f32[n + 1]):
    for i in seq(0, n):
        x[i + 1] = x[i] + 1.0


@proc
def summed(n: size, x: f32[n], s: f32):
    for i in seq(0, n):
        s += x[i]


@proc
def nested_race(n: size, m: size, x: f32[n], s: f32[m]):
    for j in seq(0, m):
        for i in seq(0, n):
            s[j] += x[i]


@proc
def nested_race_par(n: size, m: size, x: f32[n], s: f32[m]):
    for j in seq(0, m):
        for i in par(0, n):
            s[j] += x[i]


# --------------------------------------------------------------------------- reorder_loops


def test_reorder_loops_by_name_pair():
    p = reorder_loops(scale2d, "i j")
    assert body_text(p) == (
        "for j in seq(0, m):\n"
        "    for i in seq(0, n):\n"
        "        B[i, j] = A[i, j] * 2.0"
    )
    check_equiv(scale2d, p)


def test_reorder_loops_by_cursor_and_reductions_commute():
    p = reorder_loops(matmul, matmul.body()[0].body()[0])
    p = reorder_loops(p, "i k")
    assert body_text(p) == (
        "for k in seq(0, p):\n"
        "    for i in seq(0, n):\n"
        "        for j in seq(0, m):\n"
        "            C[i, j] += A[i, k] * B[k, j]"
    )
    check_equiv(matmul, p)


def test_reorder_loops_refuses_triangular_bounds():  # Exo bug #314
    refused(reorder_loops, triangular, "i j", words=("depend on i", "triangular", "seq\\(0, i\\)"))


def test_reorder_loops_refuses_reversed_dependence():
    refused(reorder_loops, wavefront, "i j", words=("cannot reorder", "A\\["))


def test_reorder_loops_refuses_non_nested():
    refused(reorder_loops, two_in_body, "i", words="not exactly one loop")
    refused(reorder_loops, two_in_body, two_in_body.body()[0].body()[0], words="expected a loop")


def test_reorder_loops_forwards_both_loops_and_the_body():
    outer = scale2d.body()[0]
    inner = outer.body()[0]
    stmt = inner.body()[0]
    p = reorder_loops(scale2d, outer)
    assert p.forward(outer).name() == "i" and p.forward(outer)._path == ((("body", 0), ("body", 0)))
    assert p.forward(inner).name() == "j" and p.forward(inner)._path == (("body", 0),)
    assert p.forward(stmt)._node() is stmt._node()
    assert str(p.forward(inner.hi())._node().name) == "m"
    # the loops swap back through old cursors
    q = reorder_loops(p, inner)
    assert body_text(q) == body_text(scale2d)


# --------------------------------------------------------------------------- lift_scope


def test_lift_scope_loop_in_loop_is_reorder():
    p = lift_scope(scale2d, scale2d.body()[0].body()[0])
    assert body_text(p) == body_text(reorder_loops(scale2d, "i j"))
    refused(lift_scope, triangular, triangular.body()[0].body()[0], words="triangular")
    refused(lift_scope, wavefront, wavefront.body()[0].body()[0], words="cannot reorder")


def test_lift_scope_if_out_of_loop():
    p = lift_scope(if_in_loop, if_in_loop.find("if _: _"))
    assert body_text(p) == (
        "if m > 4:\n"
        "    for i in seq(0, n):\n"
        "        x[i] = 1.0\n"
        "else:\n"
        "    for i in seq(0, n):\n"
        "        x[i] = x[i] * 3.0"
    )
    check_equiv(if_in_loop, p)


def test_lift_scope_refuses_condition_on_iterator():
    refused(lift_scope, if_on_iter, if_on_iter.body()[0].body()[0], words=("depends on i", "if i > 2"))


def test_lift_scope_refuses_condition_written_by_loop_body():
    # Exo only checked that the iterator does not appear in the condition
    refused(lift_scope, if_on_cfg_written_in_loop, if_on_cfg_written_in_loop.body()[1].body()[0],
            words=("writes LSCfg.k", "condition"))
    refused(lift_scope, if_on_cfg_written_in_if, if_on_cfg_written_in_if.body()[1].body()[0],
            words="writes LSCfg.k")


def test_lift_scope_loop_out_of_if():
    p = lift_scope(loop_in_if, loop_in_if.body()[0].body()[0])
    assert body_text(p) == (
        "for i in seq(0, n):\n"
        "    if m > 4:\n"
        "        x[i] = x[i] + 1.0"
    )
    check_equiv(loop_in_if, p)


def test_lift_scope_loop_out_of_if_refusals():
    refused(lift_scope, loop_in_if_else, loop_in_if_else.body()[0].body()[0], words="has an else branch")
    refused(lift_scope, loop_in_if_changes_cond, loop_in_if_changes_cond.body()[1].body()[0],
            words=("writes LSCfg.on", "condition would change"))


def test_lift_scope_if_out_of_if_keeps_the_else():
    # Exo dropped the outer else when the inner if had none (runs nothing for n <= 4, m <= 3)
    p = lift_scope(if_in_if, if_in_if.body()[0].body()[0])
    assert body_text(p) == (
        "if m > 3:\n"
        "    if n > 4:\n"
        "        x[0] = 1.0\n"
        "    else:\n"
        "        x[0] = 2.0\n"
        "else:\n"
        "    if n > 4:\n"
        "        pass\n"
        "    else:\n"
        "        x[0] = 2.0"
    )
    check_equiv(if_in_if, p, trials=12)


def test_lift_scope_if_out_of_if_with_both_elses():
    p = lift_scope(if_else_in_if, if_else_in_if.body()[0].body()[0])
    assert body_text(p) == (
        "if m > 3:\n"
        "    if n > 4:\n"
        "        x[0] = 1.0\n"
        "    else:\n"
        "        x[0] = 2.0\n"
        "else:\n"
        "    if n > 4:\n"
        "        x[0] = 3.0\n"
        "    else:\n"
        "        x[0] = 2.0"
    )
    check_equiv(if_else_in_if, p, trials=12)


def test_lift_scope_if_out_of_else():
    # Exo dropped the outer body when the inner if had no else (runs nothing for n > 4, m <= 3)
    p = lift_scope(if_in_else, if_in_else.body()[0].orelse()[0])
    assert body_text(p) == (
        "if m > 3:\n"
        "    if n > 4:\n"
        "        x[0] = 1.0\n"
        "    else:\n"
        "        x[0] = 2.0\n"
        "else:\n"
        "    if n > 4:\n"
        "        x[0] = 1.0"
    )
    check_equiv(if_in_else, p, trials=12)


def test_lift_scope_refusals():
    refused(lift_scope, scale2d, scale2d.body()[0], words="top level")
    refused(lift_scope, two_in_body, two_in_body.body()[0].body()[1], words="not the only statement")
    refused(lift_scope, independent, independent.body()[0].body()[0], words="expected a loop or an if")


def test_lift_scope_forwarding():
    loop = if_in_loop.body()[0]
    branch = loop.body()[0]
    then_stmt, else_stmt = branch.body()[0], branch.orelse()[0]
    p = lift_scope(if_in_loop, branch)
    assert p.forward(branch)._path == (("body", 0),)
    assert p.forward(loop)._path == (("body", 0), ("body", 0))
    assert p.forward(then_stmt)._path == (("body", 0), ("body", 0), ("body", 0))
    assert p.forward(else_stmt)._path == (("body", 0), ("orelse", 0), ("body", 0))
    assert p.forward(branch.cond())._node() is branch.cond()._node()
    # the old loop cursor still names a loop that can be scheduled
    q = lift_scope(loop_in_if, loop_in_if.body()[0].body()[0])
    assert q.forward(loop_in_if.body()[0])._path == (("body", 0), ("body", 0))


# --------------------------------------------------------------------------- parallelize_loop


def test_parallelize_independent_loop():
    p = parallelize_loop(independent, "i")
    assert body_text(p) == "for i in par(0, n):\n    y[i] = x[i] * x[i]"
    assert "#pragma omp parallel for" in p.c_code_str()
    check_equiv(independent, p)
    assert p.forward(independent.body()[0].body()[0])._path == (("body", 0), ("body", 0))


def test_parallelize_inner_independent_loop():
    p = parallelize_loop(scale2d, "j")
    assert "for j in par(0, m):" in str(p)
    check_equiv(scale2d, p)


def test_parallelize_refuses_carried_dependence():
    refused(parallelize_loop, carried, "i", words=("not independent", "x\\["))


def test_parallelize_refuses_reduction():
    refused(parallelize_loop, summed, "i", words=("not independent", "s"))


def test_parallelize_refuses_nested_race():
    refused(parallelize_loop, nested_race, "i", words=("not independent", "s\\[j\\]"))
    # the outer loop is fine: different j touch different s[j]
    p = parallelize_loop(nested_race, "j")
    check_equiv(nested_race, p)


def test_backend_refuses_nested_race():
    # Exo's backend check only looked at top-level par loops
    with pytest.raises(CodegenError, match="race"):
        nested_race_par.c_code_str()


@proc
def through_static_row(x: [f32][8], y: [f32][8]):
    t: f32[8] @ DRAM_STATIC
    for j in seq(0, 8):
        t[j] = x[j]
    for j in seq(0, 8):
        y[j] = t[7 - j]


@proc
def static_in_body(n: size, x: f32[n, 8], y: f32[n, 8]):
    for i in seq(0, n):
        t: f32[8] @ DRAM_STATIC
        for j in seq(0, 8):
            t[j] = x[i, j]
        for j in seq(0, 8):
            y[i, j] = t[7 - j]


@proc
def static_in_callee(n: size, x: f32[n, 8], y: f32[n, 8]):
    for i in seq(0, n):
        through_static_row(x[i, :], y[i, :])


@proc
def par_then_static(n: size, x: f32[n, 8], y: f32[n, 8]):
    for i in par(0, n):
        x[i, 0] = 1.0
    for i in par(0, n):
        t: f32[8] @ DRAM_STATIC
        for j in seq(0, 8):
            t[j] = x[i, j]
        for j in seq(0, 8):
            y[i, j] = t[7 - j]


def test_parallelize_refuses_static_buffers():
    """Each iteration has its own ``t`` in the language; a static C array is one for all
    threads, so the parallel loop would race on it (directly or inside a callee)."""
    refused(parallelize_loop, static_in_body, "i", words=("uses buffer t in DRAM_STATIC:", "every thread"))
    refused(parallelize_loop, static_in_callee, "i",
            words=(r"uses buffer t in DRAM_STATIC \(in through_static_row\)",))
    # fusing par loops is the same check (the backend would refuse the second one as well)
    loops = par_then_static.find_loop("i", many=True)
    refused(fuse, par_then_static, loops[0], loops[1], words=("would be par", "uses buffer t in DRAM_STATIC"))


def test_parallelize_keeps_invalid_cursor_errors():
    p = parallelize_loop(independent, "i")
    with pytest.raises(InvalidCursorError):
        scale2d.forward(p.body()[0])


def test_dram_is_the_default_memory():
    # the kernels above print their memories; keep the import used
    assert "@ DRAM" in str(scale2d) and DRAM is not None


@proc
def inner_par_reduce(n: size, m: size, s: f32[n + m]):
    for i in seq(0, n):
        for j in par(0, m):
            s[i + j] += 1.0


@proc
def inner_par_independent(n: size, m: size, A: f32[n, m]):
    for i in seq(0, n):
        for j in par(0, m):
            A[i, j] = 2.0


def test_reorder_refuses_par_loop_that_would_race_outside():
    # for each i the j iterations are independent, but across i they all touch s[i + j]
    refused(reorder_loops, inner_par_reduce, "i j", words=("par", "not independent"))
    p = reorder_loops(inner_par_independent, "i j")
    assert body_text(p).startswith("for j in par(0, m):\n    for i in seq(0, n):")
    check_equiv(inner_par_independent, p)


@proc
def if_in_if_alloc(n: size, m: size, x: f32[n]):
    if n > 4:
        if m > 3:
            x[0] = 1.0
    else:
        t: f32 @ DRAM
        t = x[0] * 2.0
        for k in seq(0, n):
            x[k] = t


def test_lift_scope_duplicated_branch_gets_fresh_binders():
    p = lift_scope(if_in_if_alloc, if_in_if_alloc.body()[0].body()[0])
    assert str(p).count("t: f32 @ DRAM") == 2
    check_equiv(if_in_if_alloc, p, trials=12)


@proc
def add_n(n: size, x: f32[n], k: index):
    assert k < n and k >= 0
    x[k] += 1.0


@proc
def if_around_call(n: size, m: size, x: f32[n]):
    for i in seq(0, n):
        if m > 2:
            add_n(n, x, i)


def test_lift_scope_if_around_call_passing_sizes():
    # passing n to a call does not write n
    p = lift_scope(if_around_call, if_around_call.body()[0].body()[0])
    assert body_text(p).startswith("if m > 2:\n    for i in seq(0, n):\n        add_n(n, x, i)")
    check_equiv(if_around_call, p)
