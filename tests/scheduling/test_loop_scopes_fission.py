"""fission and autofission: accepted splits agree with the original (interpreter and compiled
C), refused ones say why, cursors follow the statements into the two copies."""

from __future__ import annotations

import pytest

from exo_core import config, proc
from exo_core.errors import InvalidCursorError
from exo_core.scheduling import autofission, fission

from .checks import body_text, check_equiv, refused


@config
class FisCfg:
    on: bool
    k: index


@proc
def two_stage(n: size, x: f32[n], y: f32[n], z: f32[n]):
    for i in seq(0, n):
        y[i] = x[i] * 2.0
        z[i] = y[i] + 1.0


@proc
def forward_read(n: size, x: f32[n + 1], y: f32[n]):
    for i in seq(0, n):
        x[i] = 1.0
        y[i] = x[i + 1]


@proc
def backward_read(n: size, x: f32[n + 1], y: f32[n]):
    for i in seq(0, n):
        y[i] = x[i + 1]
        x[i] = 1.0


@proc
def alloc_before_gap(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        t: f32 @ DRAM
        t = x[i] * 2.0
        y[i] = t


@proc
def nested(n: size, m: size, A: f32[n, m], B: f32[n, m], C: f32[n, m]):
    for i in seq(0, n):
        for j in seq(0, m):
            B[i, j] = A[i, j] + 1.0
            C[i, j] = A[i, j] * 2.0


@proc
def in_if(n: size, x: f32[n], y: f32[n]):
    if n > 3:
        x[0] = 1.0
        y[0] = x[0] + 1.0
    else:
        y[0] = 5.0


@proc
def in_else(n: size, x: f32[n], y: f32[n]):
    if n > 3:
        y[0] = 5.0
    else:
        x[0] = 1.0
        y[0] = x[0] + 1.0


@proc
def if_changes_cond(n: size, x: f32[n], y: f32[n]):
    FisCfg.on = True
    if FisCfg.on:
        x[0] = 1.0
        FisCfg.on = False
        y[0] = 2.0


@proc
def if_cond_on_k(n: size, x: f32[n], y: f32[n]):
    FisCfg.k = 0
    if FisCfg.k < 1:
        FisCfg.k = 4
        y[0] = 2.0


@proc
def if_in_loop(n: size, m: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        if m > 2:
            x[i] = 1.0
            y[i] = 2.0


@proc
def loop_invariant_part(n: size, c: f32[1], x: f32[n], y: f32[n]):
    for i in seq(0, n):
        c[0] = 3.0
        y[i] = x[i] * 2.0


@proc
def maybe_empty(n: size, c: f32[1], x: f32[n], y: f32[n]):
    for i in seq(0, n - 1):
        c[0] = 3.0
        y[i] = x[i] * 2.0


@proc
def not_idempotent(n: size, c: f32[1], x: f32[n], y: f32[n]):
    for i in seq(0, n):
        c[0] = c[0] * 2.0
        y[i] = x[i] * 2.0


# --------------------------------------------------------------------------- fission: loops


def test_fission_loop():
    p = fission(two_stage, two_stage.body()[0].body()[0].after())
    assert body_text(p) == (
        "for i in seq(0, n):\n"
        "    y[i] = x[i] * 2.0\n"
        "for i in seq(0, n):\n"
        "    z[i] = y[i] + 1.0"
    )
    check_equiv(two_stage, p)
    # the two loops have distinct iterators
    a, b = p.body()
    assert a._node().iter is not b._node().iter


def test_fission_gap_given_before_the_second_statement():
    p = fission(two_stage, two_stage.body()[0].body()[1].before())
    assert body_text(p) == body_text(fission(two_stage, two_stage.body()[0].body()[0].after()))


def test_fission_keeps_forward_anti_dependence():
    # iteration i reads x[i + 1] before iteration i + 1 writes it: both orders agree
    p = fission(backward_read, backward_read.body()[0].body()[0].after())
    check_equiv(backward_read, p)


def test_fission_refuses_reordered_dependence():
    refused(fission, forward_read, forward_read.body()[0].body()[0].after(),
            words=("x\\[i \\+ 1\\]", "splitting the loop over i"))


def test_fission_refuses_allocation_used_after_gap():
    refused(fission, alloc_before_gap, alloc_before_gap.body()[0].body()[1].after(),
            words=("t is used after", "allocation"))


def test_fission_refuses_edges_and_top_level():
    refused(fission, two_stage, two_stage.body()[0].body()[0].before(), words="start of the body")
    refused(fission, two_stage, two_stage.body()[0].body()[1].after(), words="end of the body")
    refused(fission, in_if, in_if.body()[0].after(), words="top level")
    refused(fission, two_stage, two_stage.body()[0].body()[0], words="expected a gap")


def test_fission_n_lifts():
    p = fission(nested, nested.find("C[_] = _").before(), n_lifts=2)
    assert body_text(p) == (
        "for i in seq(0, n):\n"
        "    for j in seq(0, m):\n"
        "        B[i, j] = A[i, j] + 1.0\n"
        "for i in seq(0, n):\n"
        "    for j in seq(0, m):\n"
        "        C[i, j] = A[i, j] * 2.0"
    )
    check_equiv(nested, p)
    refused(fission, nested, nested.find("C[_] = _").before(), n_lifts=3, words="n_lifts=3")
    refused(fission, nested, nested.find("C[_] = _").before(), n_lifts=0, words="n_lifts")


def test_fission_unsafe_disable_checks(monkeypatch):
    # without the check the split goes through (and changes the result: the flag is unsafe)
    monkeypatch.setenv("EXO_CHECK", "")
    p = fission(forward_read, forward_read.body()[0].body()[0].after(), unsafe_disable_checks=True)
    assert len(p.body()) == 2
    # the scoping check stays on
    refused(fission, alloc_before_gap, alloc_before_gap.body()[0].body()[1].after(),
            unsafe_disable_checks=True, words="used after")
    refused(fission, two_stage, two_stage.body()[0].body()[0].after(), unsafe_disable_checks=1,
            words="True or False")


def test_fission_forwarding():
    loop = two_stage.body()[0]
    s1, s2 = loop.body()
    gap = s1.after()
    p = fission(two_stage, gap)
    assert p.forward(loop)._path == (("body", 0),)
    assert p.forward(s1)._path == (("body", 0), ("body", 0))
    assert p.forward(s2)._path == (("body", 1), ("body", 0))
    assert p.forward(s2.rhs())._path == (("body", 1), ("body", 0), ("rhs", None))
    assert p.forward(gap).anchor()._path == (("body", 0), ("body", 0))
    # statements after the split loop shift
    q = fission(nested, nested.find("C[_] = _").before(), n_lifts=2)
    c = nested.find("C[_] = _")
    assert q.forward(c)._path == (("body", 1), ("body", 0), ("body", 0))
    assert q.forward(nested.body()[0])._path == (("body", 0),)


# --------------------------------------------------------------------------- fission: ifs


def test_fission_if_body():
    p = fission(in_if, in_if.body()[0].body()[0].after())
    assert body_text(p) == (
        "if n > 3:\n"
        "    x[0] = 1.0\n"
        "if n > 3:\n"
        "    y[0] = x[0] + 1.0\n"
        "else:\n"
        "    y[0] = 5.0"
    )
    check_equiv(in_if, p, trials=10)
    # the original if (with its else) is the second one
    assert p.forward(in_if.body()[0])._path == (("body", 1),)


def test_fission_if_orelse():
    p = fission(in_else, in_else.body()[0].orelse()[0].after())
    assert body_text(p) == (
        "if n > 3:\n"
        "    y[0] = 5.0\n"
        "else:\n"
        "    x[0] = 1.0\n"
        "if n > 3:\n"
        "    pass\n"
        "else:\n"
        "    y[0] = x[0] + 1.0"
    )
    check_equiv(in_else, p, trials=10)


def test_fission_refuses_if_whose_condition_the_first_half_changes():
    # Exo did no check for if parents: the second if would test FisCfg.on == False
    refused(fission, if_changes_cond, if_changes_cond.body()[1].body()[1].after(),
            words=("FisCfg.on", "condition"))
    refused(fission, if_cond_on_k, if_cond_on_k.body()[1].body()[0].after(), words="FisCfg.k")
    # before the write the split is fine
    p = fission(if_changes_cond, if_changes_cond.body()[1].body()[0].after())
    check_equiv(if_changes_cond, p)


def test_fission_through_loop_and_if():
    p = fission(if_in_loop, if_in_loop.find("y[_] = _").before(), n_lifts=2)
    assert body_text(p) == (
        "for i in seq(0, n):\n"
        "    if m > 2:\n"
        "        x[i] = 1.0\n"
        "for i in seq(0, n):\n"
        "    if m > 2:\n"
        "        y[i] = 2.0"
    )
    check_equiv(if_in_loop, p)


# --------------------------------------------------------------------------- autofission


def test_autofission_removes_loop_around_invariant_part():
    p = autofission(loop_invariant_part, loop_invariant_part.body()[0].body()[0].after())
    assert body_text(p) == (
        "c[0] = 3.0\n"
        "for i in seq(0, n):\n"
        "    y[i] = x[i] * 2.0"
    )
    check_equiv(loop_invariant_part, p)
    # forwarding: the statement left its loop, the loop cursor follows the remaining loop
    s = loop_invariant_part.body()[0].body()[0]
    assert p.forward(s)._path == (("body", 0),)
    with pytest.raises(InvalidCursorError):
        p.forward(loop_invariant_part.body()[0])


def test_autofission_keeps_loop_that_may_not_run():
    # Exo removed the loop: for n == 1 the original never writes c
    p = autofission(maybe_empty, maybe_empty.body()[0].body()[0].after())
    assert body_text(p) == (
        "for i in seq(0, n - 1):\n"
        "    c[0] = 3.0\n"
        "for i in seq(0, n - 1):\n"
        "    y[i] = x[i] * 2.0"
    )
    check_equiv(maybe_empty, p, trials=8)


def test_autofission_keeps_loop_around_non_idempotent_part():
    # Exo's idempotence test only looked for reductions
    p = autofission(not_idempotent, not_idempotent.body()[0].body()[0].after())
    assert len(p.body()) == 2 and all(type(s._node()).__name__ == "For" for s in p.body())
    check_equiv(not_idempotent, p)


def test_autofission_checks_dependences():
    # Exo's autofission checked nothing but allocations
    refused(autofission, forward_read, forward_read.body()[0].body()[0].after(), words="splitting")
    refused(autofission, alloc_before_gap, alloc_before_gap.body()[0].body()[1].after(), words="used after")


def test_autofission_n_lifts():
    p = autofission(nested, nested.find("C[_] = _").before(), n_lifts=2)
    assert body_text(p) == body_text(fission(nested, nested.find("C[_] = _").before(), n_lifts=2))
    check_equiv(nested, p)
