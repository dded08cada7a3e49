"""Interpreter errors point at the user's line (marked ``# E:<name>`` below).

Procs with out-of-bounds accesses are built with ``parse_procedure`` directly: ``@proc``
would reject them at definition time (the bounds checker), which is the point of it.
"""

from __future__ import annotations

import numpy as np
import pytest

from exo_core import config, proc
from exo_core.errors import InterpreterError
from exo_core.frontend import parse_procedure
from exo_core.interp import interpret
from exo_core.procedure import Procedure


def unchecked(func) -> Procedure:
    return Procedure(parse_procedure(func, caller_locals={}))


def line_of(marker: str) -> int:
    with open(__file__) as f:
        lines = [i + 1 for i, text in enumerate(f) if text.rstrip().endswith(f"# E:{marker}")]
    assert len(lines) == 1, marker
    return lines[0]


def expect(marker: str, p, **args) -> str:
    """Run ``p``; it must fail at the marked line. Returns the message after the location."""
    with pytest.raises(InterpreterError) as info:
        interpret(p, **args)
    msg = str(info.value)
    head, _, rest = msg.partition(": ")
    file, line, _col = head.rsplit(":", 2)
    assert file == __file__ and int(line) == line_of(marker), msg
    return rest


def f32(*shape):
    return np.zeros(shape, np.float32)


@unchecked
def read_past_end(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        y[i] = x[i + 1]  # E:read


@unchecked
def write_before_start(n: size, x: f32[n]):
    for i in seq(0, n):
        x[i - 1] = 0.0  # E:write


@unchecked
def reduce_2d(n: size, x: f32[n, 4]):
    for i in seq(0, n):
        x[i, i + 2] += 1.0  # E:reduce


def test_out_of_bounds_accesses():
    assert expect("read", read_past_end, n=3, x=f32(3), y=f32(3)) == (
        "out-of-bounds read x[i + 1]: index (3) is outside the extents (3) of x")
    assert expect("write", write_before_start, n=3, x=f32(3)) == (
        "out-of-bounds write x[i - 1]: index (-1) is outside the extents (3) of x")
    assert expect("reduce", reduce_2d, n=3, x=f32(3, 4)) == (
        "out-of-bounds reduce x[i, i + 2]: index (2, 4) is outside the extents (3, 4) of x")


@unchecked
def bad_window(n: size, x: f32[n, 8]):
    for i in seq(0, n):
        w = x[i, i + 4:i + 9]  # E:window
        w[0] = 1.0


def test_out_of_bounds_window():
    assert expect("window", bad_window, n=2, x=f32(2, 8)).startswith(
        "out-of-bounds window x[i, i + 4:i + 9]: interval 4:9 is outside extent 8 of dimension 1")


@unchecked
def callee_overruns(m: size, v: [f32][m]):
    for j in seq(0, m + 1):
        v[j] = 2.0  # E:callee


@unchecked
def caller(n: size, x: f32[n, 4]):
    for i in seq(0, n):
        callee_overruns(4, x[i, :])


def test_errors_inside_a_callee_point_at_the_callee():
    assert "out-of-bounds write v[j]" in expect("callee", caller, n=2, x=f32(2, 4))


@proc
def needs_multiple_of_4(n: size, x: [f32][n]):
    assert n % 4 == 0  # E:pre
    assert stride(x, 0) == 1  # E:stride
    x[0] = 1.0


@unchecked
def calls_with_6(x: f32[6]):
    needs_multiple_of_4(6, x)  # E:callsite


def test_failed_preconditions():
    assert expect("pre", needs_multiple_of_4, n=6, x=f32(6)) == "precondition n % 4 == 0 failed (n = 6)"
    assert expect("stride", needs_multiple_of_4, n=4, x=f32(8)[::2]) == (
        "precondition stride(x, 0) == 1 failed (stride(x, 0) = 2)")
    msg = expect("callsite", calls_with_6, x=f32(6))
    assert msg.startswith("precondition n % 4 == 0 of needs_multiple_of_4 (declared at ")
    assert msg.endswith(f":{line_of('pre')}:11) failed (n = 6)")


@proc
def simple(n: size, x: f32[n]):  # E:def
    x[0] = 1.0


def test_bad_arguments_point_at_the_def():
    assert expect("def", simple, n=2) == "simple: missing argument 'x'"
    assert expect("def", simple, n=2, x=f32(3)) == "simple: argument 'x' must have shape (2,), got (3,)"
    assert expect("def", simple, n=2, x=np.zeros(2, np.float64)) == (
        "simple: argument 'x' must have dtype float32, got float64")
    assert expect("def", simple, n=2, x=f32(2), y=1) == (
        "simple: unexpected argument 'y' (the parameters are n, x)")


@config
class ECfg:
    scale: f32


@proc
def reads_config(x: f32[2]):
    x[0] = ECfg.scale  # E:config


def test_config_read_before_write():
    assert expect("config", reads_config, x=f32(2)).startswith(
        "config field ECfg.scale is read before any write")


@proc
def int_div(a: i32[2], b: i32[2]):
    a[0] = a[1] / b[1]  # E:div


@proc
def nan_to_int(x: f32[1], y: i8[1]):
    y[0] = x[0]  # E:nan


def test_undefined_c_behaviour_is_an_error():
    assert expect("div", int_div, a=np.ones(2, np.int32), b=np.zeros(2, np.int32)) == "integer division by zero"
    msg = expect("nan", nan_to_int, x=np.full(1, np.nan, np.float32), y=np.zeros(1, np.int8))
    assert msg == "cannot convert nan to an integer (C leaves this undefined)"
