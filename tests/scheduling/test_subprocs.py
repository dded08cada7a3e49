"""inline, extract_subproc, make_instr, insert_noop_call: accepted rewrites agree with
the original (interpreter and compiled C on random inputs), refused ones say why."""

from __future__ import annotations

import pytest
from fake_accel import HEADER, FakeCfg, FakeScratch, fence, ld, scale_store  # noqa: F401

from exo_core import config, instr, proc
from exo_core.errors import SchedulingError
from exo_core.scheduling import (
    divide_loop,
    extract_subproc,
    inline,
    insert_noop_call,
    make_instr,
    rename,
)

from .checks import body, refused
from .test_configs_util import agree


@config
class SubCfg:
    n: index
    gain: f32


# --------------------------------------------------------------------------- callees


@proc
def axpy(n: size, a: f32, x: [f32][n], y: [f32][n]):
    for i in seq(0, n):
        y[i] += a * x[i]


@proc
def rows_axpy(m: size, a: f32, X: f32[m, 8], Y: f32[m, 8]):
    for j in seq(0, m):
        axpy(8, a, X[j, 0:8], Y[j, 0:8])


@proc
def scale_tmp(n: size, x: [f32][n]):
    assert n >= 2
    t: f32[n]
    for i in seq(0, n):
        t[i] = x[i] * 2.0
    for i in seq(0, n - 1):
        x[i] = t[i] + t[i + 1]


@proc
def twice(n: size, x: f32[n + 1]):
    assert n >= 2
    scale_tmp(n, x[0:n])
    scale_tmp(n + 1, x)


@proc
def incr(s: f32):
    s = s + 1.0


@proc
def incr_elems(n: size, x: f32[n, 2], c: f32):
    for i in seq(0, n):
        incr(c)
        x[i, 1] = c


def _element_argument(p):
    """``incr(c)`` -> ``incr(x[i, 1])``: an element passed to a scalar parameter (the
    language's surface syntax cannot say it, rewrites like ``replace`` can)."""
    from exo_core.ir import Read
    from exo_core.ir.paths import replace_at
    from exo_core.procedure import Procedure

    path = p.find("incr(_)")._path
    call = p.find("incr(_)")._node()
    loop = p._ir.body[0]
    x = p._ir.args[1]
    elem = Read(x.name, (Read(loop.iter, (), _index()), _const(1)), x.type.base)
    return Procedure(replace_at(p._ir, path, call.update(args=(elem,))))


def _index():
    from exo_core.ir import INDEX

    return INDEX


def _const(v):
    from exo_core.ir import INT, Const

    return Const(v, INT)


@proc
def use_gain(s: f32, y: f32[2]):
    y[0] = y[0] * s


@proc
def pass_gain(y: f32[2]):
    SubCfg.gain = 3.0
    use_gain(SubCfg.gain, y)


@proc
def write_param(s: f32, y: f32[2]):
    s = 2.0
    y[0] = s


@proc
def pass_gain_written(y: f32[2]):
    SubCfg.gain = 3.0
    write_param(SubCfg.gain, y)


@proc
def set_n_then_use(k: index, x: f32[8]):
    assert k >= 0
    assert k < 8
    SubCfg.n = 0
    x[k] = 1.0


@proc
def pass_n(x: f32[8]):
    SubCfg.n = 3
    set_n_then_use(SubCfg.n, x)


# --------------------------------------------------------------------------- inline


def test_inline_window_arguments_become_window_statements():
    p = inline(rows_axpy, "axpy(_)")
    assert body(p) == (
        "for j in seq(0, m):\n"
        "    x = X[j, 0:8]\n"
        "    y = Y[j, 0:8]\n"
        "    for i in seq(0, 8):\n"
        "        y[i] += a * x[i]"
    )
    agree(rows_axpy, p)


def test_inline_control_expressions_and_allocations_renamed():
    p = inline(twice, twice.find("scale_tmp(_) #1"))
    p = inline(p, "scale_tmp")
    text = body(p)
    assert "scale_tmp" not in text and "f32[n + 1] @ DRAM" in text
    assert len({a.name for a in p._ir.body if type(a).__name__ == "Alloc"}) == 2
    agree(twice, p)


def test_inline_by_procedure_and_by_cursor():
    p1 = inline(rows_axpy, axpy)
    p2 = inline(rows_axpy, rows_axpy.find("axpy(_)"))
    assert str(p1) == str(p2)


def test_inline_scalar_arguments():
    p = inline(incr_elems, "incr(_)")
    assert body(p) == "for i in seq(0, n):\n    c = c + 1.0\n    x[i, 1] = c"
    agree(incr_elems, p)
    q = _element_argument(incr_elems)
    assert "incr(x[i, 1])" in body(q)
    p = inline(q, "incr(_)")
    assert body(p) == "for i in seq(0, n):\n    x[i, 1] = x[i, 1] + 1.0\n    x[i, 1] = c"
    agree(q, p)


def test_inline_config_field_read_by_value():
    p = inline(pass_gain, "use_gain(_)")
    assert body(p) == "SubCfg.gain = 3.0\ny[0] = y[0] * SubCfg.gain"
    agree(pass_gain, p, same_cfg=[(SubCfg, "gain")])


def test_inline_refusals():
    refused(inline, pass_gain_written, "write_param(_)", words=["SubCfg.gain", "passed by value"])
    refused(inline, pass_n, "set_n_then_use(_)", words=["reads SubCfg.n", "writes"])
    with pytest.raises(SchedulingError, match="expected a call"):
        inline(scale_tmp, scale_tmp.find_loop("i"))


def test_inline_instr_gives_its_semantics():
    @proc
    def load_store(n: size, A: f32[n, 8], B: f32[n, 8]):
        buf: f32[8] @ FakeScratch
        for i in seq(0, n):
            FakeCfg.stride = 1
            FakeCfg.scale = 2.0
            ld(8, A[i, 0:8], buf[0:8])
            scale_store(8, buf[0:8], B[i, 0:8])

    p = inline(load_store, "ld(_)")
    assert "ld" not in body(p) and "src = A[i, 0:8]" in body(p)
    agree(load_store, p, jit=False, cfg={FakeCfg: {"stride": 1, "scale": 1.0}})


def test_inline_forwards_later_cursors():
    later = twice.find("scale_tmp(_) #1")
    p = inline(twice, "scale_tmp(_) #0")
    assert p.forward(later)._node() is p._ir.body[-1]


# --------------------------------------------------------------------------- extract_subproc


@proc
def tiled(n: size, m: size, A: f32[n, m], B: f32[n, m]):
    assert n >= 2
    for i in seq(0, n):
        for j in seq(0, m):
            B[i, j] = A[i, j] * 2.0
        B[i, 0] += 1.0


def test_extract_subproc_parameters_in_definition_order():
    p, sub = extract_subproc(tiled, tiled.find_loop("j"), "row_op")
    assert str(sub).startswith(
        "@proc\ndef row_op(n: size, m: size, A: f32[n, m] @ DRAM, B: f32[n, m] @ DRAM, i: index):\n"
        "    assert n >= 2\n    assert 0 <= i\n    assert i < n\n")
    assert body(p) == "for i in seq(0, n):\n    row_op(n, m, A, B, i)\n    B[i, 0] += 1.0"
    agree(tiled, p)
    agree(sub, sub)  # the new procedure compiles and runs on its own


def test_extract_subproc_without_asserts_needs_the_facts():
    refused(extract_subproc, tiled, tiled.find_loop("j"), "row_op", include_asserts=False,
            words=["bounds check", "include_asserts=True"])
    # a block that is in bounds without the facts
    p, sub = extract_subproc(scale_tmp, scale_tmp.find_loop("i"), "double_it", include_asserts=False)
    assert "assert" not in str(sub)
    agree(scale_tmp, p)


def test_extract_subproc_with_window_statement_and_allocation():
    p0 = inline(rows_axpy, "axpy(_)")
    p, sub = extract_subproc(p0, p0.find_loop("j").body(), "row")
    assert str(sub).startswith("@proc\ndef row(m: size, a: f32 @ DRAM, X: f32[m, 8] @ DRAM, ")
    agree(rows_axpy, p)
    p, sub = extract_subproc(scale_tmp, scale_tmp.body(), "all_of_it")
    assert "t: f32[n] @ DRAM" in str(sub) and body(p) == "all_of_it(n, x)"
    agree(scale_tmp, p)


def test_extract_subproc_refusals():
    refused(extract_subproc, scale_tmp, scale_tmp.find("t : _").expand(0, 1), "first_half",
            words=["t is bound in the block and used after it"])
    refused(extract_subproc, tiled, tiled.find_loop("j"), "tiled", words=["already used"])
    refused(extract_subproc, tiled, tiled.find_loop("j"), "not a name", words=["identifier"])

    @proc
    def both(x: f32[8]):
        w = x[0:4]
        for i in seq(0, 4):
            w[i] = x[i + 4]

    refused(extract_subproc, both, both.find_loop("i"), "aliased", words=["alias"])


def test_extract_subproc_is_a_new_provenance_root():
    from exo_core.scheduling import call_eqv

    p, sub = extract_subproc(tiled, tiled.find_loop("j"), "row_op")
    sub2 = divide_loop(sub, "j", 2, ["jo", "ji"], tail="cut")
    p2 = call_eqv(p, "row_op(_)", sub2)
    agree(tiled, p2)
    refused(call_eqv, p, "row_op(_)", rename(tiled, "row_op"), words=["not known to be equivalent"])


# --------------------------------------------------------------------------- make_instr


@proc
def add_rows_semantics(n: size, a: [f32][n] @ FakeScratch, b: [f32][n] @ FakeScratch,
                       dst: [f32][n] @ FakeScratch):
    assert n <= 16
    assert stride(a, 0) == 1
    assert stride(b, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, n):
        dst[i] = a[i] + b[i]


def test_make_instr_template_is_used_and_trusted():
    add_i = make_instr(add_rows_semantics, "fake_add({n}, &{a_data}, &{b_data}, &{dst_data});",
                       f'#include "{HEADER}"\n')
    assert add_i.is_instr() and add_i.instr().startswith("fake_add(")

    @proc
    def sum_rows(A: f32[2, 8], B: f32[8]):
        r0: f32[8] @ FakeScratch
        r1: f32[8] @ FakeScratch
        r2: f32[8] @ FakeScratch
        FakeCfg.stride = 1
        FakeCfg.scale = 1.0
        ld(8, A[0, 0:8], r0[0:8])
        ld(8, A[1, 0:8], r1[0:8])
        add_i(8, r0[0:8], r1[0:8], r2[0:8])
        scale_store(8, r2[0:8], B[0:8])

    c = sum_rows.c_code_str()
    assert "fake_add((8), &r0[0], &r1[0], &r2[0]);" in c
    agree(sum_rows, sum_rows, c_before=True)


def test_make_instr_refusals():
    refused(make_instr, add_rows_semantics, "fake_add({n}, {nope});", words=["KeyError", "nope"])
    refused(make_instr, add_rows_semantics, 3, words=["c_instr"])
    refused(make_instr, add_rows_semantics, "x;", c_global=None, words=["c_global"])


# --------------------------------------------------------------------------- insert_noop_call


@instr("fake_fence(); /* {n} */", f'#include "{HEADER}"\n')
def hint(n: size, x: [f32][n]):
    assert n <= 4
    pass


@proc
def plain(x: f32[8]):
    for i in seq(0, 8):
        x[i] = x[i] + 1.0


def test_insert_noop_call():
    p = insert_noop_call(plain, plain.find_loop("i").before(), fence, [])
    assert body(p).startswith("fence()\nfor i")
    c = p.c_code_str()
    assert "fake_fence();" in c
    agree(plain, p)
    p = insert_noop_call(plain, plain.find_loop("i").after(), hint, [4, "x[4:8]"])
    assert body(p).endswith("hint(4, x[4:8])")
    agree(plain, p)


def test_insert_noop_call_refusals():
    refused(insert_noop_call, plain, plain.find_loop("i").before(), ld, ["8", "x[0:8]", "x[0:8]"],
            words=["not a no-op"])
    refused(insert_noop_call, plain, plain.find_loop("i").before(), hint, ["8", "x[0:8]"],
            words=["n <= 4"])
    refused(insert_noop_call, plain, plain.find_loop("i").before(), hint, ["4"], words=["takes 2"])
    refused(insert_noop_call, plain, plain.find_loop("i").before(), hint, ["4", "4"],
            words=["argument 'x' of hint has type \\[f32\\]\\[n\\]; got '4'"])


@proc
def branches(n: size, x: f32[n], flag: bool):
    for i in seq(0, n):
        if i < 4:
            x[i] = 1.0
        else:
            x[i] = x[i - 4] + 1.0


def test_extract_subproc_branch_facts_become_preconditions():
    p, sub = extract_subproc(branches, branches.find("x[i] = x[i - 4] + 1.0"), "tail_op")
    text = str(sub)
    assert "    assert i >= 4\n" in text and "    assert i < n\n" in text
    agree(branches, p)
    p, sub = extract_subproc(branches, branches.find("x[i] = 1.0"), "head_op")
    assert "    assert i < 4\n" in str(sub)
    agree(branches, p)


def test_inline_pattern_not_found():
    refused(inline, rows_axpy, "nothing_here(_)", words=["failed to find"])


def test_inline_round_trip_with_extract():
    p, sub = extract_subproc(tiled, tiled.find_loop("j"), "row_op")
    q = inline(p, "row_op(_)")
    assert body(q) == body(tiled)
    agree(tiled, q)
