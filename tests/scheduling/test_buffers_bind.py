"""bind_expr: accepted bindings agree with the original (interpreter and compiled C);
occurrences whose values may differ (a write in between, Exo #237) are refused."""

from __future__ import annotations

from exo_core import config, proc
from exo_core.scheduling import bind_expr

from .checks import body, lines, refused, same_results


@config
class BindCfg:
    s: f32


@proc
def axpb(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        y[i] = 32.0 * x[i] + 4.0


@proc
def twice(n: size, x: f32[n], y: f32[n], z: f32[n]):
    for i in seq(0, n):
        y[i] = x[i] * x[i] + 1.0
        z[i] = x[i] * x[i] - 1.0


@proc
def write_between(x: f32[4], y: f32[4]):
    y[0] = x[0] * 2.0
    x[0] = 5.0
    y[1] = x[0] * 2.0


@proc
def write_elsewhere(x: f32[4], y: f32[4]):
    y[0] = x[0] * 2.0
    x[1] = 5.0
    y[1] = x[0] * 2.0


@proc
def write_in_loop(n: size, x: f32[4], y: f32[n]):
    y[0] = x[0] * 2.0
    for i in seq(0, n):
        y[i] = x[0] * 2.0
        x[0] = y[i]


@proc
def write_in_loop_other(n: size, x: f32[n + 1], y: f32[n]):
    y[0] = x[0] * 2.0
    for i in seq(0, n):
        y[i] = x[0] * 2.0
        x[i + 1] = y[i]


@proc
def self_update(n: size, x: f32[n]):
    for i in seq(0, n):
        x[i] = x[i] * 2.0 + x[i] * 2.0


@proc
def branches(n: size, c: bool, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        if c:
            y[i] = x[i] * 3.0
        else:
            y[i] = x[i] * 3.0 + 1.0


@proc
def guarded(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n + 1):
        if i < n:
            y[i] = x[i] * 3.0
        if i < n:
            y[i] += x[i] * 3.0


@proc
def inner_var(n: size, x: f32[n, 4], y: f32[n]):
    for i in seq(0, n):
        y[i] = x[i, 0] * 2.0
        for j in seq(0, 4):
            y[i] += x[i, j] * 2.0


@proc
def with_config(x: f32[2], y: f32[2]):
    BindCfg.s = 2.0
    y[0] = x[0] * BindCfg.s
    BindCfg.s = 3.0
    y[1] = x[0] * BindCfg.s


@proc
def ints(n: size, x: i32[n], y: i32[n]):
    for i in seq(0, n):
        y[i] = x[i] * 3 + x[i] * 3


@proc
def int_div_guarded(c: bool, x: i32[1], d: i32[1], y: i32[2]):
    if c:
        y[0] = x[0] / d[0]
    if c:
        y[1] = x[0] / d[0]


# --------------------------------------------------------------------------- accepted


def test_bind_one():
    p = bind_expr(axpb, "32.0 * x[i]", "b")
    assert body(p) == lines("""
        for i in seq(0, n):
            b: f32 @ DRAM
            b = 32.0 * x[i]
            y[i] = b + 4.0
    """)
    same_results(axpb, p)


def test_bind_cursor_and_forwarding():
    c = axpb.find("32.0 * x[i]")
    p = bind_expr(axpb, c, "b")
    assert str(p.forward(c)._node().name.name) == "b"
    assert p.forward(axpb.find("y[i] = _")).name() == "y"


def test_bind_every_occurrence_in_two_statements():
    p = bind_expr(twice, "x[i] * x[i]", "sq")
    assert body(p) == lines("""
        for i in seq(0, n):
            sq: f32 @ DRAM
            sq = x[i] * x[i]
            y[i] = sq + 1.0
            z[i] = sq - 1.0
    """)
    same_results(twice, p)


def test_bind_across_unrelated_write():
    p = bind_expr(write_elsewhere, "x[0] * 2.0", "b")
    assert body(p).splitlines()[:2] == ["b: f32 @ DRAM", "b = x[0] * 2.0"]
    same_results(write_elsewhere, p)


def test_bind_across_loop_writing_elsewhere():
    p = bind_expr(write_in_loop_other, "x[0] * 2.0", "b")
    same_results(write_in_loop_other, p)


def test_bind_in_statement_that_writes_what_it_reads():
    # both occurrences are evaluated before x[i] is written
    p = bind_expr(self_update, "x[i] * 2.0", "b")
    assert "x[i] = b + b" in body(p)
    same_results(self_update, p)


def test_bind_in_both_branches():
    p = bind_expr(branches, "x[i] * 3.0", "t")
    assert body(p).splitlines()[1:3] == ["    t: f32 @ DRAM", "    t = x[i] * 3.0"]
    same_results(branches, p)


def test_bind_inner_loop_occurrence_alone():
    p = bind_expr(inner_var, [inner_var.find("x[i, j] * 2.0")], "t")
    same_results(inner_var, p)


def test_bind_integer_expression():
    p = bind_expr(ints, "x[i] * 3", "t")
    assert "t: i32 @ DRAM" in body(p)
    same_results(ints, p)


# --------------------------------------------------------------------------- refused


def test_refuse_repeated_expression_separated_by_a_write():
    # Exo #237: binding both would read x[0] before it is overwritten
    refused(bind_expr, write_between, "x[0] * 2.0", "b",
            words=["x\\[0\\] = 5.0' \\(test_buffers_bind", "may write what 'x\\[0\\]' reads", "not all have the value"])


def test_refuse_write_in_a_later_iteration():
    refused(bind_expr, write_in_loop, "x[0] * 2.0", "b", words=["x\\[0\\] = y\\[i\\]", "may write"])


def test_refuse_config_written_between():
    refused(bind_expr, with_config, "x[0] * BindCfg.s", "b", words=["BindCfg.s", "may write"])


def test_refuse_different_expressions():
    refused(bind_expr, twice, [twice.find("x[i] * x[i]"), twice.find("x[i] * x[i] + 1.0")], "b",
            words="not all the same")


def test_refuse_pattern_matching_different_expressions():
    refused(bind_expr, inner_var, "x[i, _] * 2.0", "b", words="not all the same")


def test_refuse_out_of_bounds_at_insertion_point():
    refused(bind_expr, guarded, "x[i] * 3.0", "b", words=["out of bounds"])


def test_refuse_index_expression():
    refused(bind_expr, axpb, axpb.find("y[i] = _").idx()[0], "b", words="only data expressions")


def test_refuse_hoisting_integer_division():
    # binding before the ifs would divide by d[0] even when c is false
    refused(bind_expr, int_div_guarded, "x[0] / d[0]", "q", words=["divides integers"])


def test_refuse_bad_name():
    refused(bind_expr, axpb, "32.0 * x[i]", "not a name", words="valid identifier")


@proc
def narrow_sum(n: size, a: i8[n, 8], b: i32[n]):
    for i in seq(0, n):
        for j in seq(0, 8):
            b[i] += a[i, j] * 3


def test_bind_refuses_narrow_integer_arithmetic():
    # a[i, j] * 3 is computed in 32-bit int (up to 381): an i8 temporary would wrap it
    refused(bind_expr, narrow_sum, "a[i, j] * 3", "t", words=("32-bit int", "truncate"))
    # a plain read of an i8 element loses nothing
    p = bind_expr(narrow_sum, "a[i, j]", "t")
    same_results(narrow_sum, p)
