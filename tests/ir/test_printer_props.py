"""Property: the printed text of any expression tree parses (with Python's ``ast``, which
the frontend uses) back to the same tree — so parentheses are never missing."""

from __future__ import annotations

import ast

from hypothesis import given, settings
from hypothesis import strategies as st

from exo_core.ir import BOOL, F32, INDEX, BinOp, Const, R, Read, Sym, USub
from exo_core.ir.printer import expr_to_str

_SYMS = [Sym(n) for n in ("a", "b", "c")]
_ARITH = ["+", "-", "*", "/", "%"]
_CMP = ["<", ">", "<=", ">=", "=="]


def _leaf(data: bool):
    syms = st.sampled_from(_SYMS).map(lambda s: Read(s, (), F32 if data else INDEX))
    if data:
        consts = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.integers(-50, 50)).map(lambda v: Const(v, R))
    else:
        consts = st.integers(-50, 50).map(lambda v: Const(v, INDEX))
    return st.one_of(syms, consts)


def _arith(data: bool):
    def extend(children):
        neg = children.filter(lambda e: not isinstance(e, Const)).map(lambda e: USub(e, e.type))
        bins = st.tuples(st.sampled_from(_ARITH), children, children).map(
            lambda t: BinOp(t[0], t[1], t[2], F32 if data else INDEX))
        return st.one_of(neg, bins)

    return st.recursive(_leaf(data), extend, max_leaves=12)


def _bools():
    cmp = st.tuples(st.sampled_from(_CMP), _arith(False), _arith(False)).map(
        lambda t: BinOp(t[0], t[1], t[2], BOOL))
    leaf = st.one_of(cmp, st.sampled_from([Const(True, BOOL), Const(False, BOOL)]))

    def extend(children):
        logic = st.tuples(st.sampled_from(["and", "or", "=="]), children, children).map(
            lambda t: BinOp(t[0], t[1], t[2], BOOL))
        return logic

    return st.recursive(leaf, extend, max_leaves=6)


def _shape(e):
    """The tree as nested tuples (what must survive printing)."""
    if isinstance(e, Read):
        return e.name.name
    if isinstance(e, Const):
        return e.val
    if isinstance(e, USub):
        return ("neg", _shape(e.arg))
    return (e.op, _shape(e.lhs), _shape(e.rhs))


_PY_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Mod: "%",
           ast.Lt: "<", ast.Gt: ">", ast.LtE: "<=", ast.GtE: ">=", ast.Eq: "=="}


def _from_ast(n):
    """The frontend's reading: left-folded and/or, chained comparisons become ``and``,
    ``-literal`` is a negative literal."""
    if isinstance(n, ast.Name):
        return n.id
    if isinstance(n, ast.Constant):
        return n.value
    if isinstance(n, ast.UnaryOp):
        if isinstance(n.operand, ast.Constant) and not isinstance(n.operand.value, bool):
            return -n.operand.value
        return ("neg", _from_ast(n.operand))
    if isinstance(n, ast.BinOp):
        return (_PY_OPS[type(n.op)], _from_ast(n.left), _from_ast(n.right))
    if isinstance(n, ast.BoolOp):
        op = "and" if isinstance(n.op, ast.And) else "or"
        acc = _from_ast(n.values[0])
        for v in n.values[1:]:
            acc = (op, acc, _from_ast(v))
        return acc
    if isinstance(n, ast.Compare):
        vals = [_from_ast(n.left)] + [_from_ast(c) for c in n.comparators]
        acc = None
        for op, lhs, rhs in zip(n.ops, vals, vals[1:]):
            c = (_PY_OPS[type(op)], lhs, rhs)
            acc = c if acc is None else ("and", acc, c)
        return acc
    raise AssertionError(ast.dump(n))


def _same(a, b) -> bool:
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@settings(max_examples=300, deadline=None)
@given(st.one_of(_arith(True), _arith(False), _bools()))
def test_printed_expressions_parse_back_to_the_same_tree(e):
    text = expr_to_str(e)
    back = _from_ast(ast.parse(text, mode="eval").body)
    assert _same(back, _shape(e)), text
