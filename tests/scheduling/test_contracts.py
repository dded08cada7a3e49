"""Procedure.partial_eval and Procedure.add_assertion (Exo's contract-changing methods),
checked: values must fit their parameters and the preconditions, an assertion must be
satisfiable, and the results are bounds-checked procedures of their own."""

from __future__ import annotations

import numpy as np
import pytest

from exo_core import proc
from exo_core.errors import ParseFragmentError, SchedulingError
from exo_core.scheduling import call_eqv

from .checks import refused


@proc
def scale(n: size, m: size, x: f32[n, m], flip: bool):
    assert m % 4 == 0
    for i in seq(0, n):
        for j in seq(0, m):
            if flip:
                x[i, j] = -x[i, j]
            else:
                x[i, j] = x[i, j] * 2.0


def _run(p, **kw):
    x = kw.pop("x")
    out = x.copy()
    p.interpret(x=out, **kw)
    return out


def test_partial_eval_by_name_and_position():
    x = np.arange(24, dtype=np.float32).reshape(3, 8)
    by_name = scale.partial_eval(m=8, flip=False)
    assert [a.name() for a in by_name.args()] == ["n", "x"]
    assert "f32[n, 8]" in str(by_name) and "assert" not in str(by_name)
    np.testing.assert_array_equal(_run(by_name, n=3, x=x), _run(scale, n=3, m=8, x=x, flip=False))
    leading = scale.partial_eval(3, 8)
    assert [a.name() for a in leading.args()] == ["x", "flip"]
    np.testing.assert_array_equal(_run(leading, x=x, flip=True), -x)
    # a new procedure of its own: it compiles and runs
    y = x.copy()
    leading.jit()(x=y, flip=False)
    np.testing.assert_array_equal(y, 2 * x)


def test_partial_eval_refusals():
    with pytest.raises(SchedulingError, match=r"test_contracts.py:\d+: partial_eval of scale: the "
                                              r"precondition m % 4 == 0 does not hold for m = 6"):
        scale.partial_eval(m=6)
    with pytest.raises(SchedulingError, match="'n' is a size and must be positive; got 0"):
        scale.partial_eval(0)
    with pytest.raises(SchedulingError, match="'x' is a buffer or data parameter"):
        scale.partial_eval(2, 4, None)
    with pytest.raises(SchedulingError, match="no parameter 'k'"):
        scale.partial_eval(k=2)
    with pytest.raises(SchedulingError, match="'n' is given twice"):
        scale.partial_eval(2, n=2)
    with pytest.raises(SchedulingError, match="'flip' is a bool parameter; got 1"):
        scale.partial_eval(flip=1)
    with pytest.raises(SchedulingError, match=r"'m' is a size parameter; got 2.5"):
        scale.partial_eval(m=2.5)


@proc
def caller_one(x: f32[1, 8]):
    scale(1, 8, x, False)


@proc
def caller_three(x: f32[3, 8]):
    scale(3, 8, x, False)


def test_add_assertion_and_call_eqv():
    strict = scale.add_assertion("n >= 2")
    assert "assert n >= 2" in str(strict)
    # equivalent where both may be called: call_eqv accepts it where the assertion holds...
    swapped = call_eqv(caller_three, "scale(_)", strict)
    assert swapped.INTERNAL_proc().body[0].proc is strict.INTERNAL_proc()
    # ...and refuses it where it may not
    refused(call_eqv, caller_one, "scale(_)", strict, words="precondition n >= 2 of scale may not hold")


def test_add_assertion_refusals():
    with pytest.raises(SchedulingError, match=r"test_contracts.py:\d+: add_assertion to scale: "
                                              r"precondition n < 0 can never hold"):
        scale.add_assertion("n < 0")
    with pytest.raises(ParseFragmentError):
        scale.add_assertion("n + 1")
    with pytest.raises(ParseFragmentError):
        scale.add_assertion("k > 1")


def test_unsafe_assert_eq_is_refused():
    with pytest.raises(SchedulingError, match=r"test_contracts.py:\d+: unsafe_assert_eq\(scale, caller_one\): exo-core does not "
                                              r"accept declared equivalences"):
        scale.unsafe_assert_eq(caller_one)
