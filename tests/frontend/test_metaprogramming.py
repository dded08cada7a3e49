"""Metaprogramming as in Exo's docs/Metaprogramming.md: with python / with exo, {…}, ~{…}."""

from __future__ import annotations

import pytest

from exo_core import DRAM, DRAM_STATIC, proc
from exo_core.errors import ParseError
from exo_core.frontend import ExoSymbol
from exo_core.ir import I32, INT, Assign, BinOp, Const, For, Interval, Pass, R, Read, Reduce, WindowStmt

from .helpers import expect_error, marked_line, parse

F = __file__


def test_false_branch_splices_nothing():
    def foo(a: i32):
        with python:
            if False:
                with exo:
                    a += 1

    assert parse(foo).body == (Pass(),)


def test_loop_splices_ten_statements():
    def foo(a: i32):
        with python:
            for i in range(10):
                with exo:
                    a += 1

    p = parse(foo)
    a = p.args[0].name
    assert p.body == tuple(Reduce(a, I32, (), Const(1, R)) for _ in range(10))


def test_unquote_numbers():
    def foo(a: i32):
        with python:
            for i in range(4):
                with exo:
                    a += {i % 2}

    assert [s.rhs.val for s in parse(foo).body] == [0, 1, 0, 1]


def test_quote_expressions_and_implicit_quote():
    def foo(a: i32, b: i32):
        with python:
            exprs = [a, ~{b * 2}]
            for expr in exprs:
                with exo:
                    a += {expr}

    def bar(a: i32, b: i32):
        with python:
            exprs = [a, ~{b * 2}]
            for expr in exprs:
                with exo:
                    a += expr

    for f in (foo, bar):
        p = parse(f)
        a, b = (x.name for x in p.args)
        assert p.body[0] == Reduce(a, I32, (), Read(a, (), I32))
        assert p.body[1] == Reduce(a, I32, (), BinOp("*", Read(b, (), I32), Const(2, R), I32))


def test_exo_variables_are_opaque_symbols_in_python():
    seen = []

    def foo(a: i32):
        with python:
            seen.append(a)

    parse(foo)
    assert isinstance(seen[0], ExoSymbol)


def test_statement_capture_and_splice():
    def foo(a: i32, b: i32):
        with python:
            with exo as stmt:
                a += b
            {stmt}
            {stmt}

    p = parse(foo)
    assert len(p.body) == 2 and p.body[0] == p.body[1]


def test_spliced_twice_binders_are_fresh():
    def foo(n: size, x: f32[n]):
        with python:
            with exo as s:
                for i in seq(0, n):
                    x[i] = 0.0
            {s}
            {s}

    p = parse(foo)
    l1, l2 = p.body
    assert isinstance(l1, For) and isinstance(l2, For)
    assert l1.iter is not l2.iter
    assert l2.body[0].idx[0].name is l2.iter


def test_statement_unquote_in_exo_code():
    def foo(a: i32, b: i32):
        with python:
            with exo as s:
                a += b
            with exo:
                {s}
                a = b

    p = parse(foo)
    assert isinstance(p.body[0], Reduce) and isinstance(p.body[1], Assign)


def test_unquote_types_and_memories():
    T = "i32"
    mem = DRAM_STATIC
    mems = [DRAM, DRAM_STATIC]

    def foo(a: {T} @ {mem}, b: {T}[5] @ mems[1], c: T):
        t: {T}[4] @ mems[0]
        a += b[0]

    p = parse(foo)
    a, b, c = p.args
    assert a.type is I32 and a.mem is DRAM_STATIC
    assert b.type.base is I32 and b.type.hi == (Const(5, INT),) and b.mem is DRAM_STATIC
    assert c.type is I32
    assert p.body[0].type.base is I32 and p.body[0].mem is DRAM


def test_implicit_unquote_of_python_numbers():
    N = 8
    K = 2

    def foo(x: f32[N]):
        for i in seq(0, N / K):
            x[K * i] = 0.0

    p = parse(foo)
    assert p.body[0].hi == BinOp("/", Const(8, INT), Const(2, INT), INT)
    assert p.body[0].body[0].idx[0].lhs == Const(2, INT)


def test_unquote_indices_slices_and_tuples():
    def foo(x: f32[8, 8], y: f32[8, 8]):
        with python:
            sl = slice(2, 6)
            ij = (1, 2)
            with exo:
                w = x[{sl}, 0]
                y[ij] = x[{ij}]
                v = y[sl, :]

    p = parse(foo)
    w, a, v = p.body
    assert isinstance(w, WindowStmt) and w.rhs.idx[0] == Interval(Const(2, INT), Const(6, INT))
    assert a.idx == (Const(1, INT), Const(2, INT)) and a.rhs.idx == a.idx
    assert v.rhs.type.hi[0] == Const(4, INT)


def test_python_block_sees_loop_iterator_and_nested_blocks():
    def foo(n: size, x: f32[n, 4]):
        for i in seq(0, n):
            with python:
                for k in range(4):
                    with exo:
                        x[i, k] = {float(k)}
                        with python:
                            if k == 3:
                                with exo:
                                    x[i, 0] += x[i, {k}]

    p = parse(foo)
    body = p.body[0].body
    assert len(body) == 5
    assert [s.rhs.val for s in body[:4]] == [0.0, 1.0, 2.0, 3.0]
    assert body[4].rhs.idx[1] == Const(3, INT)
    assert body[0].idx[0].name is p.body[0].iter


def test_helpers_and_comprehensions_inside_python_blocks():
    def foo(x: f32[8]):
        with python:
            quoted = [~{x[k]} for k in range(2)]

            def emit(k, e):
                with exo:
                    x[{k + 4}] = e

            for k, e in enumerate(quoted):
                emit(k, e)

    p = parse(foo)
    x = p.args[0].name
    assert p.body[0] == Assign(x, p.body[0].type, (Const(4, INT),), Read(x, (Const(0, INT),), p.body[0].type))
    assert p.body[1].rhs.idx == (Const(1, INT),)


def test_python_values_shadow_outer_exo_names_inside_quotes():
    def foo(a: i32):
        with python:
            for a_val in [1, 2]:
                with exo:
                    a += a_val

    p = parse(foo)
    assert [s.rhs.val for s in p.body] == [1, 2]


def test_unquoted_procedures_and_quote_of_calls():
    @proc
    def inc(a: i32):
        a += 1

    callees = [inc, inc]

    def foo(a: i32):
        with python:
            for c in callees:
                with exo:
                    c(a)

    p = parse(foo)
    assert len(p.body) == 2 and all(s.proc is inc._ir for s in p.body)


def test_nonlocal_is_rejected():
    def foo(a: i32):
        with python:
            def g():
                nonlocal a  # E:nonlocal

    with expect_error(ParseError, "nonlocal", F):
        parse(foo)


def test_return_outside_function_is_rejected():
    def foo(a: i32):
        with python:
            return  # E:mreturn

    with expect_error(ParseError, "mreturn", F):
        parse(foo)


def test_statements_cannot_run_inside_expression_unquote():
    def foo(a: i32):
        with python:
            def bar():
                with exo:  # E:inexpr
                    a += 1
                return 2

            with exo:
                a += {bar()}

    with expect_error(ParseError, "inexpr", F):
        parse(foo)


def test_python_exception_is_reported_at_its_line():
    def foo(a: i32):
        with python:
            x = 1
            y = x / 0  # E:zerodiv

    with expect_error(ParseError, "zerodiv", F, contains="ZeroDivisionError"):
        parse(foo)


def test_bad_unquote_values():
    def foo(a: i32):
        a += {"text"}  # E:strunq

    with expect_error(ParseError, "strunq", F, contains="str"):
        parse(foo)

    def bar(a: i32):
        with python:
            {3}  # E:stmtunq

    with expect_error(ParseError, "stmtunq", F):
        parse(bar)


def test_with_exo_outside_python_is_rejected():
    def foo(a: i32):
        with exo:  # E:bareexo
            a += 1

    with expect_error(ParseError, "bareexo", F):
        parse(foo)


def test_quote_outside_python_is_rejected():
    def foo(a: i32):
        a += ~{a}  # E:barequote

    with expect_error(ParseError, "barequote", F):
        parse(foo)


def test_errors_inside_quotes_point_at_the_quoted_line():
    def foo(a: i32):
        with python:
            for i in range(2):
                with exo:
                    a += undefined_name  # E:inquote

    with expect_error(ParseError, "inquote", F, contains="undefined_name"):
        parse(foo)


def test_spliced_srcinfo_is_the_quoted_source():
    def foo(a: i32):
        with python:
            for i in range(2):
                with exo:
                    a += 1  # L:spliced

    p = parse(foo)
    assert all(s.srcinfo.line == marked_line(F, "spliced") for s in p.body)


def test_nested_def_in_python_block_allowed():
    def foo(a: i32):
        with python:
            def twice(k):
                return 2 * k

            with exo:
                a += {twice(3)}

    assert parse(foo).body[0].rhs == Const(6, R)


@pytest.mark.parametrize("n", [1, 3])
def test_parametrized_unrolling(n):
    def foo(x: f32[8]):
        with python:
            for k in range(n):
                with exo:
                    x[k] = 0.0

    assert len(parse(foo).body) == n
