"""The inspection helpers (Exo's exo.stdlib.inspection): traversals, navigation,
predicates, declarations, fresh names, expr_to_string."""

from __future__ import annotations

import pytest

from exo_core.cursors import ForCursor, InvalidCursor, ReadCursor, StmtCursor
from exo_core.errors import SchedulingError
from exo_core.stdlib.inspection import (
    CursorNavigationError,
    are_exprs_equal,
    expr_to_string,
    get_bounding_block,
    get_children,
    get_declaration,
    get_depth,
    get_distance,
    get_enclosing_if,
    get_enclosing_loop,
    get_enclosing_loop_by_name,
    get_enclosing_stmt,
    get_index_in_body,
    get_inner_loop,
    get_lca,
    get_my_stmt,
    get_nth_inner_loop,
    get_observed_stmts,
    get_parent,
    get_parents,
    get_rest_of_block,
    get_symbols,
    get_top_level_stmt,
    get_unique_names,
    is_access,
    is_add,
    is_assign,
    is_copy,
    is_end_of_body,
    is_if,
    is_literal,
    is_loop,
    is_loop_bounds_const,
    is_mul,
    is_read,
    is_reduce,
    is_single_stmt_loop,
    is_start_of_body,
    is_stmt,
    is_write,
    lrn,
    lrn_stmts,
    match_parent,
    nlr,
    nlr_stmts,
    rln,
)
from exo_core.stdlib.scheduling import divide_loop

from .kernels import axpy, branchy, matmul, scale_rows, three_stmts, tiny_loops


def test_traversals():
    names = [s.name() for s in nlr_stmts(matmul) if isinstance(s, ForCursor)]
    assert names == ["i", "j", "kk"]
    post = [s for s in lrn_stmts(matmul)]
    assert isinstance(post[0], StmtCursor) and post[-1].name() == "i"
    reads = [c.name() for c in lrn(axpy, axpy.find_loop("i")) if isinstance(c, ReadCursor)]
    assert reads == ["n", "i", "a", "i", "x"]  # hi, then y[i], then a * x[i]
    assert [type(c).__name__ for c in nlr(axpy, axpy.find("a * x[_]"))] == ["BinaryOpCursor", "ReadCursor",
                                                                         "ReadCursor", "ReadCursor"]
    assert list(rln(axpy, axpy.find("a * x[_]")))[-1] == axpy.find("a * x[_]")
    kids = list(get_children(axpy, axpy.find_loop("i")))
    assert len(kids) == 3 and isinstance(kids[2], StmtCursor)
    assert set(get_symbols(axpy)) >= {"n", "a", "x", "y", "i"}


def test_navigation():
    s = matmul.find("C[_] += _")
    assert get_enclosing_loop(matmul, s).name() == "kk"
    assert get_enclosing_loop(matmul, s, 3).name() == "i"
    assert get_enclosing_loop_by_name(matmul, s, "j").name() == "j"
    with pytest.raises(CursorNavigationError):
        get_enclosing_loop_by_name(matmul, s, "q")
    with pytest.raises(SchedulingError, match="no enclosing loop"):
        get_enclosing_loop(matmul, matmul.find_loop("i"))
    assert get_enclosing_if(branchy, branchy.find("x[_] = 1.0")).cond().op() == ">"
    e = matmul.find("A[_]")
    assert get_my_stmt(matmul, e) == s and get_enclosing_stmt(matmul, e) == s
    assert get_top_level_stmt(matmul, s).name() == "i"
    assert [p.name() for p in get_parents(matmul, s)] == ["kk", "j", "i"]
    assert [p.name() for p in get_parents(matmul, s, matmul.find_loop("j"))] == ["kk", "j"]
    assert get_depth(matmul, s) - get_depth(matmul, matmul.find_loop("i")) == 3
    assert get_lca(matmul, s, matmul.find_loop("j")).name() == "j"
    assert get_distance(matmul, s, matmul.find_loop("i")) == 3
    assert get_inner_loop(matmul, matmul.find_loop("i")).name() == "j"
    with pytest.raises(SchedulingError):
        get_nth_inner_loop(matmul, matmul.find_loop("i"), 1)
    assert get_parent(matmul, matmul.find_loop("i")) is matmul
    a, b = match_parent(s, matmul.find_loop("j"))
    assert a.name() == "j" and b.name() == "j"


def test_blocks_and_positions():
    y = three_stmts.find("y[_] = _")
    assert get_index_in_body(three_stmts, y) == 1 and get_index_in_body(three_stmts, y, from_top=False) == -2
    rest = get_rest_of_block(y)
    assert len(rest) == 1 and rest[0].name() == "z"
    assert len(get_rest_of_block(y, inclusive=True)) == 2
    assert not get_rest_of_block(three_stmts.find("z[_] = _"))
    block = get_bounding_block(three_stmts, [three_stmts.find("x[_] = _"), three_stmts.find("y[_] + _")])
    assert len(block) == 3
    assert is_start_of_body(three_stmts, three_stmts.find("x[_] = _")) and is_end_of_body(
        three_stmts, three_stmts.find("z[_] = _"))
    observed = [type(s).__name__ for s in get_observed_stmts(scale_rows.find("A[_] = _"))]
    assert observed == ["ForCursor", "AssignCursor", "AllocCursor", "ForCursor"]


def test_declarations_and_names():
    s = scale_rows.find("A[_] = _")
    assert get_declaration(scale_rows, s, "t").name() == "t"
    assert get_declaration(scale_rows, s, "A").name() == "A"
    with pytest.raises(SchedulingError, match="no declaration of 'q'"):
        get_declaration(scale_rows, s, "q")
    names = get_unique_names(axpy)
    assert next(names) == "var0" and next(names) == "var1"
    p = divide_loop(axpy, "i", 4, ["var0", "ii"], tail="guard")
    assert next(get_unique_names(p)) == "var1"


def test_predicates():
    loop = tiny_loops.find_loop("j")
    assert is_loop(tiny_loops, loop) and is_loop_bounds_const(tiny_loops, loop) and is_single_stmt_loop(
        tiny_loops, loop)
    assert not is_loop_bounds_const(axpy, axpy.find_loop("i"))
    aloop = axpy.find_loop("i")
    assert is_stmt(axpy, aloop) and not is_if(axpy, aloop)
    red = axpy.find("y[_] += _")
    assert is_reduce(axpy, red) and is_write(axpy, red) and is_access(axpy, red) and not is_assign(axpy, red)
    assert is_mul(axpy, red.rhs()) and not is_add(axpy, red.rhs())
    assert is_read(axpy, red.rhs().rhs(), "x") and not is_read(axpy, red.rhs().rhs(), "y")
    assert is_literal(tiny_loops, loop.hi(), 4) and not is_literal(tiny_loops, loop.hi(), 3)
    assert not is_copy(axpy, red)
    assert not is_copy(three_stmts, three_stmts.find("y[_] = _"))


def test_expr_to_string_and_equality():
    e = axpy.find("a * x[_]")
    assert expr_to_string(e) == "((a) * (x[(i)]))"
    assert expr_to_string(e, {"a": "2.0"}) == "((2.0) * (x[(i)]))"
    assert expr_to_string(axpy.find("y[_] += _").idx()) == "[(i)]"
    assert are_exprs_equal(matmul, matmul.find("A[_]").idx()[1], matmul.find("B[_]").idx()[0])
    assert not are_exprs_equal(matmul, matmul.find("A[_]"), matmul.find("B[_]"))
    with pytest.raises(SchedulingError):
        expr_to_string(axpy.find_loop("i"))
    assert isinstance(InvalidCursor(), InvalidCursor)
