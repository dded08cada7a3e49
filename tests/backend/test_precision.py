"""Every scalar type, literals, casts on assignment, externs per C type."""

from __future__ import annotations

import numpy as np
import pytest
from ir.irb import ProcBuilder, data, extern

from exo_core.extern import fmaxf, relu, select, sqrt
from exo_core.ir import F16, F32, F64, I8, I32, UI8, UI16, R

from .cbuild import Lib

TYPES = [F16, F32, F64, I8, UI8, UI16, I32, R]


def _np(t):
    return np.dtype(t.np_dtype)


@pytest.mark.parametrize("t", TYPES, ids=lambda t: t.name)
def test_every_scalar_type(t, tmp_path):
    b = ProcBuilder(f"k_{t.name}")
    n = b.size("n")
    a, bb, c = b.tensor("a", t, [n]), b.tensor("b", t, [n]), b.tensor("c", t, [n])
    s = b.scalar("s", t)
    with b.loop("i", 0, n) as i:
        b.assign(c[i], a[i] * bb[i] + 3)
        b.reduce(c[i], a[i])
        b.reduce(c[i], s.read())
    lib = Lib([b.build()], tmp_path)
    ctype = {"R": "float"}.get(t.name, t.ctype)
    assert f"const {ctype}* s" in lib.c
    dt = _np(t)
    rng = np.random.default_rng(3)
    hi = 6 if t.name == "f16" else 100
    a = rng.integers(0, hi, 8).astype(dt)
    bb = rng.integers(0, hi, 8).astype(dt)
    c = np.zeros(8, dt)
    lib.__getattr__(f"k_{t.name}")(8, a, bb, c, np.array([5], dt))
    if dt.kind in "iu":
        want = (a.astype(np.int64) * bb + 3).astype(dt)
        want = (want.astype(np.int64) + a).astype(dt)
        want = (want.astype(np.int64) + 5).astype(dt)
    else:
        want = a * bb + dt.type(3) + a + dt.type(5)
    np.testing.assert_array_equal(c, want)


def test_literals_and_casts(tmp_path):
    b = ProcBuilder("lits")
    f32, f64 = b.tensor("f32s", F32, [4]), b.tensor("f64s", F64, [4])
    i8, ui8, i32 = b.tensor("i8s", I8, [2]), b.tensor("ui8s", UI8, [2]), b.tensor("i32s", I32, [3])
    h = b.tensor("h", F16, [2])
    b.assign(f32[0], 1.5)
    b.assign(f64[0], 0.1)  # an R literal: computed in f32, then converted
    b.assign(f64[1], f64[0] * 0.1)  # an f64 operation: the literal is a double
    b.assign(f64[2], f32[0] * 3.0)  # f32 expression stored to f64: a cast
    b.assign(f64[3], extern(sqrt, f64[1]))
    b.assign(f32[1], f64[1])
    b.assign(f32[2], data(-2.0))
    b.assign(f32[3], extern(fmaxf, f32[2], -data(3.0)))
    b.assign(i8[0], -1.5)
    b.assign(i8[1], f32[0] * 3.0)  # 4.5 -> 4 (truncation)
    b.assign(ui8[0], 300)  # wraps to 44
    b.assign(ui8[1], ui8[0] * 6)  # computed in int: 264, stored wrapped: 8
    b.assign(i32[0], 2.7)
    b.assign(i32[1], data(-7) / i32[2])  # integer data division truncates
    b.assign(h[0], 1.5)
    b.assign(h[1], h[0] * 2.0)
    lib = Lib([b.build()], tmp_path)
    for text in ("f32s[0] = 1.5f;", "f64s[1] = f64s[0] * 0.1;", "(double) (f32s[0] * 3.0f)",
                 "((int8_t) -1)", "((uint8_t) 44)", "((int32_t) 2)", "((_Float16) 1.5f)",
                 "sqrt(f64s[1])", "f32s[1] = (float) f64s[1];", "(-2.0f)"):
        assert text in lib.c, text
    f32, f64 = np.zeros(4, np.float32), np.zeros(4, np.float64)
    i8, ui8, i32, h = np.zeros(2, np.int8), np.zeros(2, np.uint8), np.array([0, 0, 2], np.int32), np.zeros(2, np.float16)
    lib.lits(f32, f64, i8, ui8, i32, h)
    assert f64[0] == np.float64(np.float32(0.1))
    assert f64[1] == f64[0] * 0.1
    assert f64[2] == 4.5 and f64[3] == np.sqrt(f64[1])
    assert f32[1] == np.float32(f64[1]) and f32[2] == -2 and f32[3] == -2
    np.testing.assert_array_equal(i8, [-1, 4])
    np.testing.assert_array_equal(ui8, [44, 8])
    np.testing.assert_array_equal(i32, [2, -3, 2])
    np.testing.assert_array_equal(h, [1.5, 3.0])


def test_externs_globals_once_per_type(tmp_path):
    b = ProcBuilder("ext")
    x, y = b.tensor("x", F32, [2]), b.tensor("y", F64, [2])
    b.assign(x[0], extern(relu, x[0]))
    b.assign(x[1], extern(relu, x[1]))
    b.assign(y[0], extern(relu, y[0]))
    b.assign(y[1], extern(select, y[0], y[1], 1.0, 2.0))
    lib = Lib([b.build()], tmp_path)
    assert lib.c.count("static float _relu_float(") == 1
    assert lib.c.count("static double _relu_double(") == 1
    assert "_select_double(y[0], y[1], 1.0, 2.0)" in lib.c
    x, y = np.array([-1, 2], np.float32), np.array([-3, 5], np.float64)
    lib.ext(x, y)
    np.testing.assert_array_equal(x, [0, 2])
    np.testing.assert_array_equal(y, [0, 1])


def test_float_special_values(tmp_path):
    b = ProcBuilder("special")
    x = b.tensor("x", F32, [3])
    y = b.tensor("y", F64, [1])
    b.assign(x[0], float("inf"))
    b.assign(x[1], -data(float("inf")))
    b.assign(x[2], 1e-30)
    b.assign(y[0], y[0] * float("nan"))
    lib = Lib([b.build()], tmp_path)
    x, y = np.zeros(3, np.float32), np.zeros(1)
    lib.special(x, y)
    assert x[0] == np.inf and x[1] == -np.inf and x[2] == np.float32(1e-30)
    assert np.isnan(y[0])
