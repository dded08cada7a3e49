"""Interpreter errors on hand-built LoopIR: every message starts with the node's location."""

from __future__ import annotations

import numpy as np
import pytest
from ir.irb import (
    BOOL,
    DEFAULT_SRC,
    INDEX,
    SIZE,
    STRIDE,
    Var,
    alloc,
    assign,
    call,
    data,
    loop,
    proc,
    reduce,
    ten,
    window,
)

from exo_core.errors import InterpreterError
from exo_core.interp import interpret
from exo_core.ir import F32, I8

LOC = f"{DEFAULT_SRC}: "


def _err(pd, **args) -> str:
    with pytest.raises(InterpreterError) as info:
        interpret(pd, **args)
    msg = str(info.value)
    assert msg.startswith(LOC), msg
    return msg[len(LOC):]


def _shift(off):
    """``y[i] = x[i + off]`` for i in 0..n."""
    n, i = Var("n", SIZE), Var("i", INDEX)
    x, y = Var("x", ten(F32, n)), Var("y", ten(F32, n))
    return proc("shift", [n, x, y], [loop(i, 0, n, [assign(y[i], x[i + off])])])


def _xy(n=4):
    return dict(n=n, x=np.zeros(n, np.float32), y=np.zeros(n, np.float32))


def test_out_of_bounds_reads_on_both_sides():
    assert _err(_shift(1), **_xy()) == (
        "out-of-bounds read x[i + 1]: index (4) is outside the extents (4) of x")
    # a negative index must not wrap around as it would in numpy
    assert "index (-1)" in _err(_shift(-1), **_xy())


def test_out_of_bounds_writes_and_reduces():
    n, i = Var("n", SIZE), Var("i", INDEX)
    x = Var("x", ten(F32, n, 2))
    pd = proc("w", [n, x], [loop(i, 0, n, [assign(x[i, i], data(1.0))])])
    assert _err(pd, n=3, x=np.zeros((3, 2), np.float32)) == (
        "out-of-bounds write x[i, i]: index (2, 2) is outside the extents (3, 2) of x")
    pd = proc("r", [n, x], [loop(i, 0, n, [reduce(x[i - 1, 0], data(1.0))])])
    assert "out-of-bounds reduce x[i - 1, 0]: index (-1, 0)" in _err(pd, n=3, x=np.zeros((3, 2), np.float32))


def test_out_of_bounds_windows():
    n = Var("n", SIZE)
    x = Var("x", ten(F32, n, 4))
    w = Var("w", None)
    pd = proc("win", [n, x], [window(w, x[n, 0:4])])
    assert _err(pd, n=2, x=np.zeros((2, 4), np.float32)) == (
        "out-of-bounds window x[n, 0:4]: point 2 is outside extent 2 of dimension 0 of x")
    pd = proc("win2", [n, x], [window(w, x[0, 2:5])])
    assert "interval 2:5 is outside extent 4 of dimension 1" in _err(pd, n=2, x=np.zeros((2, 4), np.float32))


def test_out_of_bounds_in_a_callee_reports_the_callee_line():
    m, j = Var("m", SIZE), Var("j", INDEX)
    v = Var("v", ten(F32, m, window=True))
    callee = proc("bad", [m, v], [loop(j, 0, m, [assign(v[j + 1], data(0.0))])])
    n = Var("n", SIZE)
    x = Var("x", ten(F32, n))
    pd = proc("caller", [n, x], [call(callee, n, x[0:n])])
    assert "out-of-bounds write v[j + 1]" in _err(pd, n=2, x=np.zeros(2, np.float32))


def test_failed_precondition_lists_the_values():
    n, m = Var("n", SIZE), Var("m", SIZE)
    x = Var("x", ten(F32, n, window=True))
    pd = proc("pre", [n, m, x], [], preds=[(n % 4).eq(0), (n + m).lt(10), x.stride(0).eq(1)])
    assert _err(pd, n=6, m=1, x=np.zeros(6, np.float32)) == "precondition n % 4 == 0 failed (n = 6)"
    assert _err(pd, n=8, m=3, x=np.zeros(8, np.float32)) == "precondition n + m < 10 failed (n = 8, m = 3)"
    assert _err(pd, n=4, m=1, x=np.zeros(8, np.float32)[::2]) == (
        "precondition stride(x, 0) == 1 failed (stride(x, 0) = 2)")


def test_bad_arguments():
    pd = _shift(0)
    assert _err(pd, n=4, x=np.zeros(4, np.float32)) == "shift: missing argument 'y'"
    assert _err(pd, **_xy(), z=1) == "shift: unexpected argument 'z' (the parameters are n, x, y)"
    args = _xy()
    args["x"] = np.zeros(4)
    assert _err(pd, **args) == "shift: argument 'x' must have dtype float32, got float64"
    args = _xy()
    args["y"] = np.zeros(5, np.float32)
    assert _err(pd, **args) == "shift: argument 'y' must have shape (4,), got (5,)"
    args = _xy()
    args["y"] = np.zeros((4, 1), np.float32)
    assert "must have 1 dimension(s)" in _err(pd, **args)
    args = _xy()
    args["x"] = np.zeros(8, np.float32)[::2]
    assert "needs a C-contiguous array" in _err(pd, **args)
    args = _xy()
    args["x"] = [0.0] * 4
    assert "must be a numpy array, got list" in _err(pd, **args)
    args = _xy()
    args["n"] = 0
    args["x"] = args["y"] = np.zeros(0, np.float32)
    assert _err(pd, **args) == "shift: size argument 'n' must be positive, got 0"
    args = _xy()
    args["n"] = 4.0
    assert "must be an int" in _err(pd, **args)
    args = _xy()
    args["n"] = True
    assert "must be an int" in _err(pd, **args)
    args = _xy()
    args["y"] = np.zeros(4, np.float32)
    args["y"].flags.writeable = False
    assert "read-only" in _err(pd, **args)
    with pytest.raises(InterpreterError, match="expects a procedure"):
        interpret("shift")


def test_scalar_arguments():
    s, t = Var("s", F32), Var("t", I8)
    b, k, st = Var("b", BOOL), Var("k", INDEX), Var("st", STRIDE)
    pd = proc("scal", [s, t, b, k, st], [assign(s, t.read() * 2.0)])
    out = np.zeros((), np.float32)
    interpret(pd, s=out, t=3, b=True, k=-2, st=4)  # a number is fine for t: never written
    assert out[()] == 6.0
    one = np.zeros(1, np.float32)
    interpret(pd, s=one, t=np.array([4], np.int8), b=False, k=0, st=1)
    assert one[0] == 8.0
    assert "is written by the procedure; pass a 0-d numpy array" in _err(pd, s=1.0, t=3, b=True, k=0, st=1)
    assert "(i8) is out of range: 300" in _err(pd, s=out, t=300, b=True, k=0, st=1)
    assert "(i8) must be an integer" in _err(pd, s=out, t=1.5, b=True, k=0, st=1)
    assert "must be a bool" in _err(pd, s=out, t=1, b=1, k=0, st=1)
    assert "must be a 0-d or 1-element array" in _err(pd, s=np.zeros(2, np.float32), t=1, b=True, k=0, st=1)
    assert "must have dtype float32" in _err(pd, s=np.zeros((), np.float64), t=1, b=True, k=0, st=1)


def test_a_parameter_named_ctxt_is_an_argument():
    ctxt = Var("ctxt", SIZE)
    x = Var("x", ten(F32, ctxt))
    pd = proc("c", [ctxt, x], [assign(x[0], data(1.0))])
    xs = np.zeros(3, np.float32)
    interpret(pd, ctxt=3, x=xs)
    assert xs[0] == 1.0


def test_negative_allocation_extent():
    n = Var("n", INDEX)
    t = Var("t", ten(F32, n))
    pd = proc("neg", [n], [alloc(t)])
    assert _err(pd, n=-1) == "allocation of t with negative extent (-1,)"


def test_unbound_names_are_reported_at_compile_time():
    x = Var("x", ten(I8, 4))
    ghost = Var("ghost", INDEX)
    pd = proc("ghost", [x], [assign(x[ghost], data(1))])
    assert _err(pd, x=np.zeros(4, np.int8)) == "'ghost' is used but not bound in ghost"


def test_errors_carry_srcinfo():
    with pytest.raises(InterpreterError) as info:
        interpret(_shift(1), **_xy())
    assert info.value.srcinfo == DEFAULT_SRC
