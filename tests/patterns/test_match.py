"""match_pattern: every pattern form, the paths it returns, ``#n``, ``within`` and errors."""

from __future__ import annotations

import pytest

from exo_core.errors import ParseFragmentError
from exo_core.extern import relu
from exo_core.patterns import Match, match_pattern, parse_pattern

from .procs import kernel, shadow, zero

B = "body"
LOOP_I = ((B, 2),)
LOOP_J = ((B, 2), (B, 0))
T_ASSIGN = ((B, 2), (B, 0), (B, 0))
Y_ASSIGN = ((B, 2), (B, 1))
IF_I = ((B, 2), (B, 2))


def stmts(pattern, p=kernel, **kw):
    ms = match_pattern(p, pattern, **kw)
    assert all(m.kind == "stmt" for m in ms), ms
    return [m.at for m in ms]


def exprs(pattern, p=kernel, **kw):
    ms = match_pattern(p, pattern, **kw)
    assert all(m.kind == "expr" for m in ms), ms
    return [m.at for m in ms]


# --------------------------------------------------------------------------- statements


def test_loops():
    assert stmts("for i in _: _") == [LOOP_I]
    assert stmts("for j in _: _") == [LOOP_J]
    assert stmts("for _ in _: _") == [LOOP_I, LOOP_J]  # pre-order: outer first
    assert stmts("for j in seq(0, 8): _") == [LOOP_J]
    assert stmts("for i in seq(0, n): _") == [LOOP_I]
    assert stmts("for j in seq(0, 4): _") == []
    assert stmts("for i in par(0, n): _") == [LOOP_I]  # the loop mode is not part of a pattern


def test_loop_body_pattern_matches_a_prefix_of_the_body():
    assert stmts("for i in _:\n    for j in _: _") == [LOOP_I]
    assert stmts("for i in _:\n    y[_] = _") == []  # the body starts with the j loop
    assert stmts("for i in _:\n    for j in _: _\n    y[_] = _") == [LOOP_I]


def test_assign_and_reduce():
    assert stmts("t[_] = _") == [T_ASSIGN]
    assert stmts("y[_] += _") == [IF_I + ((B, 0),)]
    assert stmts("y[_] = _") == [Y_ASSIGN, ((B, 6),), ((B, 7), (B, 0))]
    assert stmts("y[i] = t[0] + t[1]") == [Y_ASSIGN]
    assert stmts("y[i] = t[0] + t[2]") == []
    assert stmts("y[_] = select(_, _, _, _)") == [((B, 6),)]


def test_index_lists_compare_up_to_the_shorter_list():
    # As in Exo: ``y = _`` is "any assignment to y", ``x[_]`` any access of x.
    assert stmts("y = _") == stmts("y[_] = _")
    assert exprs("x[_, _]") == exprs("x[_]")[:2] == exprs("x[_, _, _]")  # [2] is the window x[1, 0:8]
    assert exprs("x[i]") == exprs("x[i, j]")


def test_assign_pattern_matches_window_statements():
    assert stmts("w = x[_]") == [((B, 3),)]
    assert stmts("w = _") == [((B, 3),)]
    assert stmts("w = y[_]") == []
    assert stmts("w += _") == []


def test_alloc_call_config_pass_if():
    assert stmts("t : _") == [((B, 0),)]
    assert stmts("t : f32[8]") == [((B, 0),)]
    assert stmts("t : f32[4]") == []
    assert stmts("t : f32[_] @ DRAM") == [((B, 0),)]
    assert stmts("zero(_)") == [((B, 4),), ((B, 5),)]
    assert stmts("zero(8, 9)") == [((B, 4),), ((B, 5),)]  # call arguments are ignored
    assert stmts("Cfg.scale = _") == [((B, 1),)]
    assert stmts("Cfg.scale = relu(_)") == [((B, 1),)]
    assert stmts("Cfg.n = _") == []
    assert stmts("pass") == [IF_I + (("orelse", 0),)]
    assert stmts("if _: _") == [IF_I, ((B, 7),)]
    assert stmts("if i < 3: _") == [IF_I]
    assert stmts("if _: _\nelse: pass") == [IF_I]
    assert stmts("if _: _\nelse: _") == [IF_I]  # the other if has no else branch
    assert stmts("if stride(x, 0) == 8: _") == [((B, 7),)]


def test_names_match_by_spelling_and_underscore_matches_any_name():
    assert stmts("_[_] += _") == [IF_I + ((B, 0),)]
    assert stmts("_ : _") == [((B, 0),)]
    assert len(stmts("for _ in _: _", shadow)) == 3


def test_free_standing_pattern_names_do_not_need_to_exist():
    assert stmts("nothing_here = _") == []
    assert exprs("nothing_here + 1") == []


# --------------------------------------------------------------------------- blocks


def test_block_patterns():
    assert match_pattern(kernel, "y[_] = _\nif _: _") == [Match("block", (LOOP_I, B, 1, 3)), Match("block", ((), B, 6, 8))]
    assert match_pattern(kernel, "y[_] = _\nif i < 3: _") == [Match("block", (LOOP_I, B, 1, 3))]
    assert match_pattern(kernel, "zero(_); zero(_)") == [Match("block", ((), B, 4, 6))]
    # a trailing hole takes the rest of the block (at least one statement)
    assert match_pattern(kernel, "zero(_) ; _") == [Match("block", ((), B, 4, 8)), Match("block", ((), B, 5, 8))]
    assert match_pattern(kernel, "if stride(x, 0) == 8: _\n_") == []


def test_hole_between_statements_skips_as_few_statements_as_needed():
    ms = match_pattern(kernel, "t : _ ; _ ; w = _")
    assert ms == [Match("block", ((), B, 0, 4))]
    ms = match_pattern(kernel, "zero(_) ; _ ; y[_] = _")
    assert ms == [Match("block", ((), B, 4, 7)), Match("block", ((), B, 5, 7))]


def test_a_block_pattern_matching_one_statement_is_a_statement():
    # the leading hole may match nothing: the match is then the single statement
    assert Match("stmt", ((B, 6),)) in match_pattern(kernel, "_ ; y[0] = _")


def test_match_equals_plain_tuples():
    assert match_pattern(kernel, "t : _") == [("stmt", ((B, 0),))]


# --------------------------------------------------------------------------- expressions


def test_reads_and_windows():
    x_reads = exprs("x[_]")
    assert x_reads == [
        ((B, 1), ("rhs", None), ("args", 0)),
        T_ASSIGN + (("rhs", None), ("lhs", None)),
        ((B, 3), ("rhs", None)),  # the window x[1, 0:8]
    ]
    assert exprs("x[_, 0:8]".replace("0:8", "_")) == x_reads[:2]  # two indices: no window
    assert exprs("t[_]") == [
        Y_ASSIGN + (("rhs", None), ("lhs", None)),
        Y_ASSIGN + (("rhs", None), ("rhs", None)),
        ((B, 5), ("args", 1)),
    ]
    assert exprs("t[1]") == [Y_ASSIGN + (("rhs", None), ("rhs", None))]
    assert exprs("w") == [((B, 4), ("args", 1))]


def test_expressions_inside_windows_and_conditions():
    assert exprs("8") == [
        LOOP_J + (("hi", None),),
        ((B, 3), ("rhs", None), ("idx", 1), ("hi", None)),
        ((B, 4), ("args", 0)),
        ((B, 5), ("args", 0)),
        ((B, 5), ("args", 1), ("idx", 0), ("hi", None)),
        ((B, 7), ("cond", None), ("rhs", None)),
    ]
    assert exprs("1") == [
        Y_ASSIGN + (("rhs", None), ("rhs", None), ("idx", 0)),
        ((B, 3), ("rhs", None), ("idx", 0), ("pt", None)),
        ((B, 6), ("rhs", None), ("args", 1), ("idx", 0)),
        ((B, 6), ("rhs", None), ("args", 3)),  # the data literal 1.0: literals compare by value
        ((B, 7), (B, 0), ("idx", 0)),
    ]


def test_binops_literals_and_holes():
    assert exprs("_ * 2.0") == [T_ASSIGN + (("rhs", None),)]
    assert exprs("x[_] * _") == [T_ASSIGN + (("rhs", None),)]
    assert exprs("_ * 3.0") == []
    assert exprs("t[0] + t[1]") == [Y_ASSIGN + (("rhs", None),)]
    assert exprs("t[1] + t[0]") == []
    assert exprs("-3.0") == [IF_I + ((B, 0), ("rhs", None))]
    assert exprs("-3") == exprs("-3.0")  # literals compare by value
    assert exprs("i < 3") == [IF_I + (("cond", None),)]
    assert exprs("i < 3 and i < 3") == []


def test_bool_literal_does_not_match_integer_literal():
    assert exprs("True") == []


def test_extern_stride_and_config_expressions():
    assert exprs("relu(_)") == [((B, 1), ("rhs", None))]
    assert exprs("relu(x[_])") == [((B, 1), ("rhs", None))]
    assert exprs("relu(y[_])") == []
    assert exprs("select(_, _, _, _)") == [((B, 6), ("rhs", None))]
    assert exprs("stride(x, _)") == [((B, 7), ("cond", None), ("lhs", None))]
    assert exprs("stride(x, 0)") == exprs("stride(x, _)")
    assert exprs("stride(x, 1)") == []
    assert exprs("stride(_, 0) == 8") == [((B, 7), ("cond", None))]
    assert exprs("Cfg.scale") == [((B, 7), (B, 0), ("rhs", None))]
    assert exprs("Cfg.n") == []


def test_lone_call_is_a_statement_or_an_extern_by_the_callers_names():
    assert match_pattern(kernel, "zero(_)", call_site={"zero": zero})[0].kind == "stmt"
    assert match_pattern(kernel, "relu(_)", call_site={"relu": relu})[0].kind == "expr"
    assert match_pattern(kernel, "zero(_)", call_site={"relu": relu})[0].kind == "stmt"
    assert match_pattern(kernel, "relu(_)", call_site={"relu": zero}) == []


# --------------------------------------------------------------------------- #n and within


def test_nth_match():
    every = match_pattern(kernel, "x[_]")
    for n, m in enumerate(every):
        assert match_pattern(kernel, f"x[_] #{n}") == [m]
        assert match_pattern(kernel, f"x[_]#{n}") == [m]
    assert match_pattern(kernel, f"x[_] #{len(every)}") == []
    assert match_pattern(kernel, "for _ in _: _ #1") == [Match("stmt", LOOP_J)]


def test_within_statement_block_and_expression():
    assert stmts("for _ in _: _", within=LOOP_J) == [LOOP_J]
    assert exprs("x[_]", within=LOOP_I) == [T_ASSIGN + (("rhs", None), ("lhs", None))]
    assert exprs("t[_]", within=(LOOP_I, B, 1, 2)) == exprs("t[_]")[:2]
    assert stmts("zero(_)", within=((), B, 5, 8)) == [((B, 5),)]
    # a block pattern cannot run past the end of the region
    assert match_pattern(kernel, "zero(_) ; zero(_)", within=((), B, 4, 5)) == []
    rhs = Y_ASSIGN + (("rhs", None),)
    assert exprs("t[_]", within=rhs) == exprs("t[_]")[:2]
    assert exprs("t[0] + _", within=rhs) == [rhs]
    assert match_pattern(kernel, "t[_] = _", within=rhs) == []
    assert exprs("x[_]", within=Match("stmt", ((B, 3),))) == [((B, 3), ("rhs", None))]


def test_within_a_cursor():
    loop = kernel.body()[2]
    assert exprs("x[_]", within=loop) == [T_ASSIGN + (("rhs", None), ("lhs", None))]
    assert stmts("zero(_)", within=kernel.body()[4:6]) == [((B, 4),), ((B, 5),)]


# --------------------------------------------------------------------------- malformed patterns


@pytest.mark.parametrize(
    "pattern, reason",
    [
        ("_", "only of holes"),
        ("_ ; _", "only of holes"),
        ("x = = 1", "invalid syntax"),
        ("x[0:2]", "window slices"),
        ("for i in foo(): _", "seq(lo, hi)"),
        ("x #a", "'#<number>'"),
        ("x ** 2", "unsupported operator"),
        ("x != 2", "unsupported comparison"),
        ("not x", "unsupported unary"),
        ("{x} + 1", "unquotes"),
        ("x = _ ; x + 1", "is an expression"),
        ("while _: _", "not a statement pattern"),
        ("x *= 2", "only '+='"),
        ("'s'", "unsupported literal"),
        ("", "empty"),
    ],
)
def test_malformed_patterns(pattern, reason):
    with pytest.raises(ParseFragmentError, match="pattern") as exc:
        match_pattern(kernel, pattern)
    assert reason in str(exc.value)


def test_patterns_are_parsed_once():
    assert parse_pattern("x[_] + y[_] #2") is parse_pattern("x[_] + y[_] #2")
    assert parse_pattern("x[_] #2").match_no == 2
