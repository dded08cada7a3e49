"""The find* helpers: first/all matches, shorthands, kinds, failures, cursors."""

from __future__ import annotations

import pytest

from exo_core.cursors import AllocCursor, ArgCursor, BlockCursor, ForCursor, ReadCursor
from exo_core.errors import SchedulingError
from exo_core.patterns import (
    Match,
    as_block,
    find,
    find_alloc,
    find_alloc_or_arg,
    find_block,
    find_call,
    find_expr,
    find_loop,
    find_stmt,
    loop_shorthand,
    match_to_cursor,
)

from .procs import kernel, shadow, zero

B = "body"


def test_find_first_and_many():
    assert find(kernel, "for _ in _: _") == Match("stmt", ((B, 2),))
    assert find(kernel, "for _ in _: _", many=True) == [Match("stmt", ((B, 2),)), Match("stmt", ((B, 2), (B, 0)))]
    assert find(kernel, "for _ in _: _ #1", many=True) == [Match("stmt", ((B, 2), (B, 0)))]


def test_failure_message():
    with pytest.raises(SchedulingError, match=r"^find: failed to find matches for pattern 'z = _'$"):
        find(kernel, "z = _")
    with pytest.raises(SchedulingError, match="failed to find matches for pattern 'x\\[_\\] #9'"):
        find(kernel, "x[_] #9")


def test_find_loop_shorthands():
    assert find_loop(kernel, "i") == Match("stmt", ((B, 2),))
    assert find_loop(kernel, "j") == Match("stmt", ((B, 2), (B, 0)))
    assert find_loop(kernel, "i j") == Match("stmt", ((B, 2),))
    assert find_loop(shadow, "i", many=True) == [Match("stmt", ((B, 0),)), Match("stmt", ((B, 1),)),
                                                  Match("stmt", ((B, 1), (B, 2)))]
    assert find_loop(shadow, "i #2") == Match("stmt", ((B, 1), (B, 2)))
    assert find_loop(shadow, "i  #1") == find_loop(shadow, "i#1") == Match("stmt", ((B, 1),))
    assert find_loop(kernel, "for j in seq(0, 8): _") == Match("stmt", ((B, 2), (B, 0)))
    with pytest.raises(SchedulingError, match="failed to find matches for pattern 'j i'"):
        find_loop(kernel, "j i")
    with pytest.raises(SchedulingError, match="failed to find matches for pattern 'k'"):
        find_loop(kernel, "k")
    with pytest.raises(SchedulingError, match="not a loop"):
        find_loop(kernel, "t[_] = _")


def test_loop_shorthand_text():
    assert loop_shorthand("i") == "for i in _: _"
    assert loop_shorthand("i #3") == "for i in _: _ #3"
    assert loop_shorthand("io ii #1") == "for io in _:\n    for ii in _: _ #1"
    assert loop_shorthand("x = _") == "x = _"


def test_find_alloc_or_arg():
    assert find_alloc_or_arg(kernel, "x") == Match("arg", 1)
    assert find_alloc_or_arg(kernel, "x", many=True) == [Match("arg", 1)]
    assert find_alloc_or_arg(shadow, "u", many=True) == [Match("stmt", ((B, 2),)), Match("stmt", ((B, 4),))]
    assert find_alloc_or_arg(kernel, "t") == Match("stmt", ((B, 0),))
    assert find_alloc_or_arg(shadow, "u") == Match("stmt", ((B, 2),))
    assert find_alloc_or_arg(shadow, "u #1") == Match("stmt", ((B, 4),))
    assert find_alloc_or_arg(shadow, "t : _") == Match("stmt", ((B, 1), (B, 0)))
    assert find_alloc(shadow, "u", many=True) == [Match("stmt", ((B, 2),)), Match("stmt", ((B, 4),))]
    with pytest.raises(SchedulingError, match="failed to find matches for pattern 'q'"):
        find_alloc_or_arg(kernel, "q")


def test_find_call():
    assert find_call(kernel, "zero") == Match("stmt", ((B, 4),))
    assert find_call(kernel, "zero #1") == Match("stmt", ((B, 5),))
    assert find_call(kernel, zero) == Match("stmt", ((B, 4),))
    assert find_call(kernel, zero._ir, many=True) == [Match("stmt", ((B, 4),)), Match("stmt", ((B, 5),))]
    assert find_call(kernel, "zero(_) #1") == Match("stmt", ((B, 5),))
    with pytest.raises(SchedulingError, match="failed to find matches for pattern 'relu'"):
        find_call(kernel, "relu")  # an extern is not a call statement


def test_find_expr_and_stmt_check_the_kind():
    assert find_expr(kernel, "relu(_)") == Match("expr", ((B, 1), ("rhs", None)))
    assert find_stmt(kernel, "zero(_)") == Match("stmt", ((B, 4),))
    with pytest.raises(SchedulingError, match="matches an expression, not a statement"):
        find_stmt(kernel, "x[_]")
    with pytest.raises(SchedulingError, match="matches a statement, not an expression"):
        find_expr(kernel, "t : _")
    with pytest.raises(SchedulingError, match="matches a block of statements, not a statement"):
        find_stmt(kernel, "zero(_) ; zero(_)")


def test_find_block():
    assert find_block(kernel, "t : _") == Match("block", ((), B, 0, 1))
    assert find_block(kernel, "zero(_) ; zero(_)") == Match("block", ((), B, 4, 6))
    assert as_block(Match("stmt", ((B, 2), (B, 1)))) == Match("block", (((B, 2),), B, 1, 2))


def test_matches_become_cursors():
    assert isinstance(match_to_cursor(kernel, find_loop(kernel, "i")), ForCursor)
    assert isinstance(match_to_cursor(kernel, find_alloc_or_arg(kernel, "t")), AllocCursor)
    arg = match_to_cursor(kernel, find_alloc_or_arg(kernel, "y"))
    assert isinstance(arg, ArgCursor) and arg.name() == "y"
    read = match_to_cursor(kernel, find(kernel, "x[_] #1"))
    assert isinstance(read, ReadCursor) and read.name() == "x"
    block = match_to_cursor(kernel, find(kernel, "zero(_) ; zero(_)"))
    assert isinstance(block, BlockCursor) and len(block) == 2 and block == kernel.body()[4:6]


def test_helpers_accept_procdefs_and_procedures_alike():
    assert find(kernel._ir, "w = _") == find(kernel, "w = _")


def test_kind_checks_of_the_shorthand_helpers():
    with pytest.raises(SchedulingError, match="not an allocation"):
        find_alloc(kernel, "t[_] = _")
    with pytest.raises(SchedulingError, match="not a call"):
        find_call(kernel, "t : _")
    with pytest.raises(TypeError, match="expected a procedure or a pattern string"):
        find_call(kernel, 3)
