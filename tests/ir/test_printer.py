"""The printer on hand-built LoopIR: layout, parentheses, literals, renaming, scope_of."""

from __future__ import annotations

import ast
import textwrap

import pytest

from exo_core.config import Config
from exo_core.extern import relu, select
from exo_core.ir import F32, F64, I8, Const, R, Sym
from exo_core.ir.printer import expr_to_str, proc_to_str, scope_of, stmt_to_str, type_to_str
from exo_core.memory import DRAM, DRAM_STACK
from exo_core.procedure import Procedure

from .irb import (
    BOOL,
    INDEX,
    SIZE,
    Var,
    alloc,
    assign,
    call,
    cfg,
    data,
    extern,
    if_,
    loop,
    pass_,
    proc,
    reduce,
    ten,
    window,
    write_cfg,
)


def _check(text: str, expected: str):
    assert text == textwrap.dedent(expected).strip("\n")
    ast.parse(text)  # always valid Python syntax


def test_matmul_layout():
    n, m, p = Var("n", SIZE), Var("m", SIZE), Var("p", SIZE)
    A, B, C = Var("A", ten(F32, n, p)), Var("B", ten(F32, p, m)), Var("C", ten(F32, n, m))
    i, j, k = Var("i", INDEX), Var("j", INDEX), Var("k", INDEX)
    body = [loop(i, 0, n, [loop(j, 0, m, [
        assign(C[i, j], data(0.0)),
        loop(k, 0, p, [reduce(C[i, j], A[i, k] * B[k, j])]),
    ])])]
    pd = proc("matmul", [n, m, p, A, B, C], body, preds=[(n % 4).eq(0), m.le(64)])
    _check(proc_to_str(pd), """
        @proc
        def matmul(n: size, m: size, p: size, A: f32[n, p] @ DRAM, B: f32[p, m] @ DRAM, C: f32[n, m] @ DRAM):
            assert n % 4 == 0
            assert m <= 64
            for i in seq(0, n):
                for j in seq(0, m):
                    C[i, j] = 0.0
                    for k in seq(0, p):
                        C[i, j] += A[i, k] * B[k, j]
    """)
    assert str(Procedure(pd)) == proc_to_str(pd)


def test_every_statement_kind():
    Cfg = Config("Cfg", [("scale", F32), ("n", INDEX), ("on", BOOL)])
    n = Var("n", SIZE)
    x = Var("x", ten(F32, n, 16, window=True), DRAM)
    s = Var("s", F32)
    b = Var("b", BOOL)
    i = Var("i", INDEX)
    t = Var("t", ten(F32, 4), DRAM_STACK)
    w = Var("w", None)
    callee_x = Var("y", ten(F32, 4, window=True))
    callee = proc("copy4", [callee_x], [pass_()])
    body = [
        alloc(t),
        window(w, x[0, 0:4]),
        call(callee, w),
        call(callee, x[1, 4:8]),
        write_cfg(Cfg, "scale", s.read() * 2.0),
        loop(i, 0, n, [
            if_(b.read().and_(cfg(Cfg, "on")), [assign(x[i, 0], extern(relu, x[i, 1]))],
                [if_(i.eq(cfg(Cfg, "n")), [assign(s, cfg(Cfg, "scale"))], [pass_()])]),
        ], mode="par"),
        assign(t[0], extern(select, x[0, 0], data(0.5), s, data(-1.0))),
    ]
    pd = proc("kinds", [n, x, s, b], body, preds=[x.stride(1).eq(1)])
    _check(proc_to_str(pd), """
        @proc
        def kinds(n: size, x: [f32][n, 16] @ DRAM, s: f32 @ DRAM, b: bool):
            assert stride(x, 1) == 1
            t: f32[4] @ DRAM_STACK
            w = x[0, 0:4]
            copy4(w)
            copy4(x[1, 4:8])
            Cfg.scale = s * 2.0
            for i in par(0, n):
                if b and Cfg.on:
                    x[i, 0] = relu(x[i, 1])
                else:
                    if i == Cfg.n:
                        s = Cfg.scale
                    else:
                        pass
            t[0] = select(x[0, 0], 0.5, s, -1.0)
    """)
    scope = scope_of(pd)
    assert scope["DRAM"] is DRAM and scope["DRAM_STACK"] is DRAM_STACK and scope["Cfg"] is Cfg
    assert scope["relu"] is relu and scope["select"] is select
    assert isinstance(scope["copy4"], Procedure) and scope["copy4"]._ir is callee


def _e(build):
    a, b, c = Var("a", F32), Var("b", F32), Var("c", F32)
    return expr_to_str(build(a, b, c).e)


@pytest.mark.parametrize("build, text", [
    (lambda a, b, c: a - (b - c), "a - (b - c)"),
    (lambda a, b, c: (a - b) - c, "a - b - c"),
    (lambda a, b, c: a / (b * c), "a / (b * c)"),
    (lambda a, b, c: a * b / c, "a * b / c"),
    (lambda a, b, c: a + (b + c), "a + (b + c)"),
    (lambda a, b, c: (a + b) * c, "(a + b) * c"),
    (lambda a, b, c: a + b * c, "a + b * c"),
    (lambda a, b, c: -(a + b), "-(a + b)"),
    (lambda a, b, c: -(a * b), "-(a * b)"),
    (lambda a, b, c: -a * b, "-a * b"),
    (lambda a, b, c: -a.__neg__(), "-(-a)"),
    (lambda a, b, c: a * data(-2.0), "a * -2.0"),
    (lambda a, b, c: a - data(-2.0), "a - -2.0"),
])
def test_parentheses(build, text):
    assert _e(build) == text
    ast.parse(text)


def test_parentheses_of_control_and_bool():
    n, m, i = Var("n", SIZE), Var("m", SIZE), Var("i", INDEX)
    b = Var("b", BOOL)
    assert expr_to_str(((i + 1) % 4).e) == "(i + 1) % 4"
    assert expr_to_str((i / 4 * 4).e) == "i / 4 * 4"
    assert expr_to_str((4 * (i / 4)).e) == "4 * (i / 4)"
    assert expr_to_str(n.lt(m).and_(i.ge(0)).e) == "n < m and i >= 0"
    assert expr_to_str(n.lt(m).eq(b).e) == "(n < m) == b"
    assert expr_to_str(b.eq(n.lt(m)).e) == "b == (n < m)"
    # and/or fold to the left, like the frontend reads ``a and b and c``
    assert expr_to_str(b.and_(b).and_(b).e) == "b and b and b"
    assert expr_to_str(b.and_(b.and_(b)).e) == "b and (b and b)"
    assert expr_to_str(b.or_(b).and_(b).e) == "(b or b) and b"
    assert expr_to_str(b.or_(b.and_(b)).e) == "b or b and b"
    assert expr_to_str(b.and_(b.or_(b)).e) == "b and (b or b)"


@pytest.mark.parametrize("val, text", [
    (1.0, "1.0"), (0.5, "0.5"), (1e-07, "1e-07"), (2, "2"), (0.1, "0.1"), (1e20, "1e+20"),
    (3.4028234663852886e38, "3.4028234663852886e+38"), (-1.5, "-1.5"),
])
def test_literals_parse_back_to_the_same_value(val, text):
    got = expr_to_str(Const(val, R))
    assert got == text
    back = ast.literal_eval(got)
    assert back == val and type(back) is type(val)


def test_bool_and_int_literals():
    assert expr_to_str(Const(True, BOOL)) == "True"
    assert expr_to_str(Const(3, INDEX)) == "3"


def test_types():
    n = Var("n", SIZE)
    assert type_to_str(F64) == "f64"
    assert type_to_str(SIZE) == "size"
    assert type_to_str(ten(I8, n, 16)) == "i8[n, 16]"
    assert type_to_str(ten(F32, n + 1, 4, window=True)) == "[f32][n + 1, 4]"


def test_instr_decorator_escapes_strings():
    x = Var("x", ten(F32, 8, window=True))
    tmpl = '{x_data} = _mm256_loadu_ps(&{x_data}); // "quoted" \\ back\n next'
    pd = proc("load", [x], [pass_()], preds=[x.stride(0).eq(1)], instr=tmpl,
              c_global="#include <immintrin.h>\n")
    text = proc_to_str(pd)
    first = text.splitlines()[0]
    assert first.startswith("@instr(")
    call_node = ast.parse(text).body[0].decorator_list[0]
    assert ast.literal_eval(call_node.args[0]) == tmpl
    assert call_node.keywords[0].arg == "c_global"
    assert ast.literal_eval(call_node.keywords[0].value) == "#include <immintrin.h>\n"
    # no c_global keyword when empty
    pd2 = proc("load2", [x], [pass_()], instr="{x_data};")
    assert proc_to_str(pd2).splitlines()[0] == '@instr("{x_data};")'


def test_renames_shadowing_binders():
    n = Var("n", SIZE)
    x = Var("x", ten(F32, n))
    i1, i2 = Var("i", INDEX), Var("i", INDEX)
    t1, t2 = Var("t", F32), Var("t", F32)
    body = [
        loop(i1, 0, n, [
            alloc(t1),
            assign(t1, x[i1]),
            alloc(t2),  # same name, same block: renamed
            assign(t2, t1.read() + 1.0),
            loop(i2, 0, n, [assign(x[i2], t2.read() + x[i1])]),  # shadows the outer i: renamed
        ]),
    ]
    text = proc_to_str(proc("shadow", [n, x], body))
    _check(text, """
        @proc
        def shadow(n: size, x: f32[n] @ DRAM):
            for i in seq(0, n):
                t: f32 @ DRAM
                t = x[i]
                t_1: f32 @ DRAM
                t_1 = t + 1.0
                for i_1 in seq(0, n):
                    x[i_1] = t_1 + x[i]
    """)


def test_sibling_blocks_reuse_names():
    n = Var("n", SIZE)
    x = Var("x", ten(F32, n))
    i1, i2 = Var("i", INDEX), Var("i", INDEX)
    body = [loop(i1, 0, n, [assign(x[i1], data(1.0))]), loop(i2, 0, n, [reduce(x[i2], data(1.0))])]
    text = proc_to_str(proc("sib", [n, x], body))
    assert "i_1" not in text


def test_renames_clash_with_a_rename_and_with_global_names():
    n = Var("n", SIZE)
    x = Var("x", ten(F32, n))
    t1, t2, t3 = Var("t", F32), Var("t_1", F32), Var("t", F32)
    relu_buf = Var("relu", F32)
    body = [alloc(t1), alloc(t2), alloc(t3), alloc(relu_buf),
            assign(t3, extern(relu, x[0])), assign(relu_buf, t1.read() + t2.read())]
    text = proc_to_str(proc("clash", [n, x], body))
    lines = [ln.strip() for ln in text.splitlines()[2:]]
    assert lines == [
        "t: f32 @ DRAM", "t_1: f32 @ DRAM", "t_2: f32 @ DRAM", "relu_1: f32 @ DRAM",
        "t_2 = relu(x[0])", "relu_1 = t + t_1",
    ]


def test_arguments_with_the_same_name_are_renamed():
    a1, a2 = Var("n", SIZE), Var("n", SIZE)
    x = Var("x", ten(F32, a1, a2))
    assert "def two(n: size, n_1: size, x: f32[n, n_1] @ DRAM):" in proc_to_str(proc("two", [a1, a2, x], [pass_()]))


def test_window_statement_reading_a_shadowed_name():
    # ``x = x[0:4]`` with a new Sym: the rhs is the old x, the lhs the new one
    x = Var("x", ten(F32, 8))
    w = Var("x", None)
    w_body = [window(w, x[0:4]), assign(w[0], data(1.0))]
    text = proc_to_str(proc("win", [x], w_body))
    assert "x_1 = x[0:4]" in text and "x_1[0] = 1.0" in text


def test_stmt_to_str_indents():
    x = Var("x", ten(F64, 4))
    i = Var("i", INDEX)
    s = loop(i, 0, 4, [if_(i.lt(2), [assign(x[i], data(2))])])
    assert stmt_to_str(s, indent=1) == (
        "    for i in seq(0, 4):\n        if i < 2:\n            x[i] = 2"
    )


def test_empty_body_prints_pass():
    assert proc_to_str(proc("nothing", [], [])) == "@proc\ndef nothing():\n    pass"


def test_sym_name_is_used_not_id():
    s = Sym("weird")
    assert repr(s) != "weird" and str(s) == "weird"
