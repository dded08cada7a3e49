"""Expression and statement fragments: scope at an anchor, typing, holes, errors."""

from __future__ import annotations

import pytest

from exo_core.cursors import ExoType
from exo_core.errors import ParseFragmentError
from exo_core.fragments import FormattedExprStr, parse_expr_fragment, parse_stmt_fragment, parse_type
from exo_core.ir import (
    BOOL,
    F32,
    F64,
    INDEX,
    INT,
    SIZE,
    STRIDE,
    Alloc,
    Assign,
    BinOp,
    Const,
    For,
    R,
    Read,
    ReadConfig,
    WindowStmt,
)
from exo_core.patterns import find, find_alloc_or_arg

from .procs import Other, kernel, shadow

B = "body"
K = kernel._ir
S = shadow._ir
T_ASSIGN = ((B, 2), (B, 0), (B, 0))


def frag(text, anchor, p=kernel, **kw):
    return parse_expr_fragment(p, text, anchor, **kw)


# --------------------------------------------------------------------------- scope


def test_names_resolve_to_the_binders_visible_at_the_anchor():
    loop_i, loop_j = K.body[2], K.body[2].body[0]
    e = frag("x[i, j]", T_ASSIGN)
    assert e.name is K.args[1].name and e.idx[0].name is loop_i.iter and e.idx[1].name is loop_j.iter
    assert frag("t[0]", T_ASSIGN).name is K.body[0].name
    assert frag("n", None).name is K.args[0].name


def test_innermost_binding_wins():
    outer_i, inner_i = S.body[1].iter, S.body[1].body[2].iter
    assert frag("i", ((B, 1), (B, 1)), shadow).name is outer_i
    assert frag("i", ((B, 1), (B, 2), (B, 0)), shadow).name is inner_i
    # the iterator of a loop is not in scope in front of the loop itself
    assert frag("i", ((B, 1), (B, 2)), shadow).name is outer_i


def test_later_binding_of_a_name_wins():
    first_u, second_u = S.body[2].name, S.body[4].name
    assert first_u is not second_u
    assert frag("u[0]", ((B, 3),), shadow).name is first_u
    assert frag("u[1]", ((B, 5),), shadow).name is second_u
    assert frag("u[0]", ((B, 4),), shadow).name is first_u
    assert frag("u[0]", ((B, 4),), shadow, after=True).name is second_u


def test_before_and_after_an_allocation():
    with pytest.raises(ParseFragmentError, match="name 't' is not defined at that point"):
        frag("t[0]", ((B, 0),))
    assert frag("t[0]", ((B, 0),), after=True).name is K.body[0].name
    assert frag("t[0]", kernel.body()[0].after()).name is K.body[0].name
    with pytest.raises(ParseFragmentError, match="name 't' is not defined"):
        frag("t[0]", kernel.body()[0].before())


def test_window_names_are_in_scope_after_their_statement():
    e = frag("w[2]", ((B, 4),))
    assert e.name is K.body[3].name and e.type is F32


def test_anchor_forms():
    # an expression path anchors at its statement; a block before its first / after its last statement
    rhs = T_ASSIGN + (("rhs", None), ("lhs", None))
    assert frag("j", rhs).name is K.body[2].body[0].iter
    assert frag("j", (((B, 2), (B, 0)), B, 0, 1)).name is K.body[2].body[0].iter
    assert frag("w[0]", ((), B, 0, 4), after=True).name is K.body[3].name
    assert frag("i", find(kernel, "y[_] = _")).name is K.body[2].iter
    assert frag("n", find_alloc_or_arg(kernel, "y")).name is K.args[0].name
    assert frag("i", kernel.body()[2].body()[1]).name is K.body[2].iter
    with pytest.raises(TypeError, match="anchor"):
        frag("i", ((B, 2), (B, 0), B, 0, 1))


def test_names_bound_elsewhere_are_reported_as_such():
    with pytest.raises(ParseFragmentError) as exc:
        frag("j + 1", ((B, 2), (B, 1)))
    assert str(exc.value) == "fragment 'j + 1': name 'j' is not defined at that point (it is bound elsewhere in the procedure)"
    with pytest.raises(ParseFragmentError, match="fragment 'k': name 'k' is not defined at that point$"):
        frag("k", T_ASSIGN)


# --------------------------------------------------------------------------- typing


@pytest.mark.parametrize(
    "text, typ",
    [
        ("i + 1", INDEX), ("n - 1", SIZE), ("n * 2", SIZE), ("4", INT), ("i / 2", INDEX), ("i < n", BOOL),
        ("i < n and j == 0", BOOL), ("x[i, j] * 2.0", F32), ("t[0] + 1", F32), ("2.5", R), ("-t[j]", F32),
        ("stride(x, 0)", STRIDE), ("Cfg.n + i", INDEX), ("Cfg.scale * x[i, 0]", F32), ("relu(t[0])", F32),
        ("select(t[0], 1.0, x[i, j], 0.0)", F32), ("True", BOOL),
    ],
)
def test_types(text, typ):
    assert frag(text, T_ASSIGN).type == typ


def test_literals_take_the_kind_of_their_position():
    e = frag("t[0] + 1", T_ASSIGN)
    assert e.rhs == Const(1, R)
    e = frag("i + 1", T_ASSIGN)
    assert e.rhs == Const(1, INT)
    assert frag("1", T_ASSIGN, expected="data") == Const(1, R)


def test_expected_kinds():
    assert frag("i + 1", T_ASSIGN, expected="index").type is INDEX
    assert frag("n", T_ASSIGN, expected="size").type is SIZE
    assert frag("n", T_ASSIGN, expected=SIZE).type is SIZE
    assert frag("x[i, j]", T_ASSIGN, expected=F64).type is F32  # any precision is data
    assert frag("x", T_ASSIGN, expected="buffer").type.shape() == K.args[1].type.hi
    with pytest.raises(ParseFragmentError, match="expected an index expression, got 'x\\[i, j\\]' of type f32"):
        frag("x[i, j]", T_ASSIGN, expected="index")
    with pytest.raises(ParseFragmentError, match="expected a bool expression"):
        frag("i + 1", T_ASSIGN, expected="bool")
    with pytest.raises(ParseFragmentError, match="expected a size expression"):
        frag("i", T_ASSIGN, expected="size")
    with pytest.raises(ValueError, match="expected must be"):
        frag("i", T_ASSIGN, expected="vector")


def test_ill_typed_fragments():
    with pytest.raises(ParseFragmentError, match="fragment 'i \\+ x\\[i, j\\]': cannot mix control value"):
        frag("i + x[i, j]", T_ASSIGN)
    with pytest.raises(ParseFragmentError, match="index '\\*'|must stay affine"):
        frag("i * j", T_ASSIGN)
    with pytest.raises(ParseFragmentError, match="buffer 'x'"):
        frag("x", T_ASSIGN)
    with pytest.raises(ParseFragmentError, match="invalid syntax"):
        frag("i +", T_ASSIGN)
    with pytest.raises(ParseFragmentError, match="unsupported operator"):
        frag("i ** 2", T_ASSIGN)


def test_result_carries_the_anchor_location():
    e = frag("i + 1", T_ASSIGN)
    assert e.srcinfo == K.body[2].body[0].body[0].srcinfo
    assert frag(3, T_ASSIGN).srcinfo == e.srcinfo


# --------------------------------------------------------------------------- other inputs


def test_python_values():
    assert frag(3, T_ASSIGN) == Const(3, INT)
    assert frag(2.0, T_ASSIGN) == Const(2.0, R)
    b = frag(True, T_ASSIGN)
    assert b == Const(True, BOOL) and b.type is BOOL
    e = K.body[2].body[1].rhs
    assert frag(e, T_ASSIGN) is e
    assert frag(e, T_ASSIGN, expected="data") is e
    assert frag(kernel.body()[2].body()[1].rhs(), T_ASSIGN) is e
    with pytest.raises(ParseFragmentError, match="expected an index expression, got 't\\[0\\] \\+ t\\[1\\]'"):
        frag(e, T_ASSIGN, expected="index")
    with pytest.raises(ParseFragmentError, match="expected a bool expression, got '3'"):
        frag(3, T_ASSIGN, expected="bool")
    with pytest.raises(TypeError):
        frag(["i"], T_ASSIGN)


def test_configs_resolve_through_the_procedure_or_the_callers_names():
    assert isinstance(frag("Cfg.n", T_ASSIGN), ReadConfig)
    with pytest.raises(ParseFragmentError, match="name 'Other' is not defined"):
        frag("Other.k", T_ASSIGN)
    e = frag("Other.k + 1", T_ASSIGN, call_site={"Other": Other})
    assert e.lhs.config is Other and e.type is INDEX


def test_formatted_expr_str_fills_holes_in_order():
    read_x = find(kernel, "x[_] #1")  # x[i, j] in the j loop
    from exo_core.patterns import match_to_cursor

    cur = match_to_cursor(kernel, read_x)
    e = frag(FormattedExprStr("_ * _ + 1.0", cur, K.body[2].body[1].rhs.lhs), T_ASSIGN)
    assert isinstance(e, BinOp) and e.type is F32
    assert e.lhs.lhs == cur._node() and e.lhs.rhs == K.body[2].body[1].rhs.lhs
    idx = frag(FormattedExprStr("_ + 1", cur._node().idx[1]), T_ASSIGN)
    assert idx.type is INDEX and idx.lhs.name is K.body[2].body[0].iter


def test_formatted_expr_str_errors():
    inner = K.body[2].body[0].body[0].rhs  # uses j
    with pytest.raises(ParseFragmentError, match="has 1 hole\\(s\\) '_' but 2 expression"):
        frag(FormattedExprStr("_ + 1.0", inner, inner), T_ASSIGN)
    with pytest.raises(ParseFragmentError, match="'j' is used outside of its scope"):
        frag(FormattedExprStr("_ + 1.0", inner), ((B, 2), (B, 1)))
    with pytest.raises(ParseFragmentError, match="contains a hole"):
        frag("_ + 1", T_ASSIGN)
    with pytest.raises(TypeError):
        FormattedExprStr("_", kernel.body()[0])
    with pytest.raises(TypeError):
        FormattedExprStr(3)


# --------------------------------------------------------------------------- statements and types


def test_statement_fragments():
    out = parse_stmt_fragment(kernel, "t[j] = 0.0\nz: f32\nz = t[j]", T_ASSIGN)
    assert [type(s) for s in out] == [Assign, Alloc, Assign]
    assert out[0].name is K.body[0].name and out[0].idx[0].name is K.body[2].body[0].iter
    assert out[2].name is out[1].name
    out = parse_stmt_fragment(kernel, "for k in seq(0, 8):\n    t[k] = x[i, k]\nv = t[0:4]", ((B, 2), (B, 1)))
    assert type(out[0]) is For and type(out[1]) is WindowStmt and out[1].rhs.name is K.body[0].name
    with pytest.raises(ParseFragmentError, match="cannot assign to loop iterator 'i'"):
        parse_stmt_fragment(kernel, "i = 1", T_ASSIGN)
    with pytest.raises(ParseFragmentError, match="name 'q' is not defined"):
        parse_stmt_fragment(kernel, "t[0] = q", T_ASSIGN)


def test_parse_type():
    assert parse_type("f32") is F32 and parse_type("R") is R and parse_type("f64") is F64
    assert parse_type(ExoType.F32) is F32 and parse_type(F64) is F64
    with pytest.raises(ParseFragmentError, match="expected a precision"):
        parse_type("float")
    with pytest.raises(ParseFragmentError, match="expected a precision"):
        parse_type("index")


def test_reads_from_hole_are_typed_fresh():
    e = frag(FormattedExprStr("_", K.body[2].body[1].rhs), ((B, 2), (B, 2)))
    assert isinstance(e, BinOp) and isinstance(e.lhs, Read) and e.type is F32
