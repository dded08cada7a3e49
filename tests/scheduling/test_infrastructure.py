"""The machinery every primitive goes through: errors, history, forwarding, paranoid checks."""

from __future__ import annotations

import numpy as np
import pytest

import exo_core
from exo_core import proc
from exo_core.errors import InvalidCursorError, SchedulingError
from exo_core.ir import Const
from exo_core.ir.paths import replace_at
from exo_core.rewrite import forward as fw
from exo_core.scheduling import delete_pass, insert_pass, rename, reorder_stmts
from exo_core.scheduling.primitive import primitive
from exo_core.testing import outputs_agree, random_args, run_interpreter


@proc
def two_writes(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        x[i] = 1.0
    for i in seq(0, n):
        y[i] = 2.0


@proc
def dependent(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        x[i] = 1.0
    for i in seq(0, n):
        y[i] = x[i]


def _same_results(a, b, trials=3):
    rng = np.random.default_rng(0)
    for _ in range(trials):
        args = random_args(a, rng)
        want, err1 = run_interpreter(a, args)
        got, err2 = run_interpreter(b, args)
        assert err1 is None and err2 is None
        assert outputs_agree(want, got) is None


def test_rename_keeps_the_original():
    p = rename(two_writes, "renamed")
    assert p.name() == "renamed" and two_writes.name() == "two_writes"
    assert str(p).splitlines()[1].startswith("def renamed(")


def test_rename_refuses_bad_identifier():
    with pytest.raises(SchedulingError, match="valid identifier"):
        rename(two_writes, "not a name")


def test_reorder_independent_statements():
    first, second = two_writes.body()
    p = reorder_stmts(two_writes, first.expand(0, 1))
    assert "y[i] = 2.0" in str(p.body()[0].body()[0].__class__) or str(p).index("y[i]") < str(p).index("x[i]")
    _same_results(two_writes, p)
    # cursors follow the statements they pointed to
    assert p.forward(first) == p.body()[1]
    assert p.forward(second) == p.body()[0]


def test_reorder_refuses_dependent_statements():
    first, _ = dependent.body()
    with pytest.raises(SchedulingError) as info:
        reorder_stmts(dependent, first.expand(0, 1))
    msg = str(info.value)
    assert msg.startswith(__file__) and "reorder_stmts" in msg
    assert "x" in msg


def test_insert_and_delete_pass_round_trip():
    loop = two_writes.body()[1]
    p = insert_pass(two_writes, loop.before())
    assert len(p.body()) == 3 and type(p.body()[1]).__name__ == "PassCursor"
    assert p.forward(loop) == p.body()[2]
    q = delete_pass(p)
    assert q.is_eq(two_writes)
    with pytest.raises(InvalidCursorError):
        q.forward(p.body()[1])


def test_history_and_trace():
    p = rename(two_writes, "a")
    p = insert_pass(p, p.body()[0].after())
    names = [name for name, _ in p.history()]
    assert names == ["rename", "insert_pass"]
    assert "rename(two_writes, 'a')" in p.trace()


def test_forward_refuses_unrelated_cursor():
    with pytest.raises(InvalidCursorError):
        two_writes.forward(dependent.body()[0])


def test_diff_shows_the_change():
    p = rename(two_writes, "b")
    d = exo_core.diff(two_writes, p)
    assert "-def two_writes(" in d and "+def b(" in d


@primitive
def _wrong_rewrite(proc):
    """A deliberately wrong rewrite: changes the literal 1.0 into 3.0."""
    path = (("body", 0), ("body", 0), ("rhs", None))
    return replace_at(proc._ir, path, Const(3.0, proc._ir.body[0].body[0].rhs.type)), fw.identity


def test_paranoid_check_catches_a_wrong_rewrite(monkeypatch):
    monkeypatch.setenv("EXO_CHECK", "paranoid")
    with pytest.raises(SchedulingError, match="paranoid check: the rewrite changed the result"):
        _wrong_rewrite(two_writes)


def test_paranoid_check_is_off_by_default(monkeypatch):
    monkeypatch.delenv("EXO_CHECK", raising=False)
    p = _wrong_rewrite(two_writes)
    assert "x[i] = 3.0" in str(p)


def test_first_argument_must_be_a_procedure():
    with pytest.raises(SchedulingError, match="first argument must be a procedure"):
        rename("two_writes", "x")
