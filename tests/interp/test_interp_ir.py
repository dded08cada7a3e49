"""The interpreter on hand-built LoopIR (independent of the frontend)."""

from __future__ import annotations

import numpy as np
import pytest
from ir.irb import (
    INDEX,
    SIZE,
    Var,
    alloc,
    assign,
    call,
    cfg,
    data,
    extern,
    if_,
    loop,
    proc,
    reduce,
    ten,
    window,
    write_cfg,
)

from exo_core.config import Config
from exo_core.errors import InterpreterError
from exo_core.extern import fmaxf, relu, select, sigmoid, sin
from exo_core.interp import ConfigState, interpret
from exo_core.interp.procs import compile_proc
from exo_core.ir import F16, F32, F64, I8, I32, UI8, UI16, R
from exo_core.procedure import Procedure


def _matmul():
    n, m, p = Var("n", SIZE), Var("m", SIZE), Var("p", SIZE)
    A, B, C = Var("A", ten(F32, n, p)), Var("B", ten(F32, p, m)), Var("C", ten(F32, n, m))
    i, j, k = Var("i", INDEX), Var("j", INDEX), Var("k", INDEX)
    return proc("matmul", [n, m, p, A, B, C], [loop(i, 0, n, [loop(j, 0, m, [
        assign(C[i, j], data(0.0)),
        loop(k, 0, p, [reduce(C[i, j], A[i, k] * B[k, j])]),
    ])])])


def test_matmul_matches_float32_accumulation():
    pd = _matmul()
    rng = np.random.default_rng(1)
    a = rng.standard_normal((32, 32)).astype(np.float32)
    b = rng.standard_normal((32, 32)).astype(np.float32)
    c = np.full((32, 32), 7, np.float32)
    interpret(pd, n=32, m=32, p=32, A=a, B=b, C=c)  # warm the compile cache
    interpret(Procedure(pd), n=32, m=32, p=32, A=a, B=b, C=c)
    want = np.zeros((32, 32), np.float32)
    for k in range(32):  # the same order of f32 additions as the loop nest
        want += a[:, k:k + 1] * b[k:k + 1, :]
    np.testing.assert_array_equal(c, want)
    assert compile_proc(pd) is compile_proc(pd)


def _unary(name, src_t, dst_t, rhs):
    """``name(n, x: src[n], y: dst[n])``: ``y[i] = rhs(x[i])``."""
    n, i = Var("n", SIZE), Var("i", INDEX)
    x, y = Var("x", ten(src_t, n)), Var("y", ten(dst_t, n))
    return proc(name, [n, x, y], [loop(i, 0, n, [assign(y[i], rhs(x[i]))])])


def _run_unary(pd, xs, src, dst):
    x = np.array(xs, dtype=src)
    y = np.zeros(len(xs), dtype=dst)
    interpret(pd, n=len(xs), x=x, y=y)
    return y


def test_integer_math_happens_in_32_bits_and_stores_wrap():
    pd = _unary("i8", I8, I8, lambda v: v * 100 / 50)
    y = _run_unary(pd, [100, -100, 3, 127], np.int8, np.int8)
    assert y.tolist() == [-56, 56, 6, -2]  # 200 -> -56; an i8 intermediate would be wrong
    pd = _unary("u8", UI8, UI8, lambda v: v + 100)
    assert _run_unary(pd, [200, 10], np.uint8, np.uint8).tolist() == [44, 110]
    pd = _unary("u16", UI16, UI16, lambda v: v * v)
    assert _run_unary(pd, [300, 2], np.uint16, np.uint16).tolist() == [90000 % 65536, 4]
    pd = _unary("i32", I32, I32, lambda v: v * 65536)
    got = _run_unary(pd, [65536, -3, 40000], np.int32, np.int32).tolist()
    assert got == [0, -196608, np.int32(np.int64(40000 * 65536).astype(np.int32))]


def test_integer_division_truncates_toward_zero():
    pd = _unary("div", I32, I32, lambda v: v / 4)
    assert _run_unary(pd, [-7, 7, -8, 0], np.int32, np.int32).tolist() == [-1, 1, -2, 0]
    pd = _unary("div0", I32, I32, lambda v: data(1) / (v - v))
    with pytest.raises(InterpreterError, match="division by zero"):
        _run_unary(pd, [1], np.int32, np.int32)


def test_float_to_int_truncates_and_int_to_float_rounds():
    pd = _unary("f2i", F32, I8, lambda v: v)
    assert _run_unary(pd, [-2.7, 2.7, 300.0], np.float32, np.int8).tolist() == [-2, 2, 44]
    with pytest.raises(InterpreterError, match="nan"):
        _run_unary(pd, [np.nan], np.float32, np.int8)
    pd = _unary("i2f", I32, F32, lambda v: v)
    assert _run_unary(pd, [16777217], np.int32, np.float32).tolist() == [16777216.0]


def test_float_precisions_follow_the_operation_type():
    pd = _unary("f32", F32, F32, lambda v: v * 0.1 + 1e-8)
    x = np.array([3.0, 1.0 / 3.0], np.float32)
    y = _run_unary(pd, x, np.float32, np.float32)
    np.testing.assert_array_equal(y, x * np.float32(0.1) + np.float32(1e-8))
    pd = _unary("f64", F64, F64, lambda v: v * 0.1)
    y = _run_unary(pd, [3.0], np.float64, np.float64)
    assert y[0] == 3.0 * 0.1
    # f32 arithmetic, then converted to f64 on store
    pd = _unary("f32to64", F32, F64, lambda v: v * 0.1)
    assert _run_unary(pd, [3.0], np.float32, np.float64)[0] == np.float64(np.float32(3) * np.float32(0.1))
    pd = _unary("f16", F16, F16, lambda v: v * 0.1 + v)
    x = np.array([3.0, 1000.0], np.float16)
    want = x * np.float16(np.float32(0.1)) + x
    np.testing.assert_array_equal(_run_unary(pd, x, np.float16, np.float16), want)


def test_an_R_literal_alone_is_f32_then_converted():
    n, i = Var("n", SIZE), Var("i", INDEX)
    y = Var("y", ten(F64, n))
    pd = proc("lit", [n, y], [loop(i, 0, n, [assign(y[i], data(0.1))])])
    out = np.zeros(2)
    interpret(pd, n=2, y=out)
    assert out[0] == float(np.float32(0.1))


def test_R_buffers_are_float32():
    pd = _unary("r", R, R, lambda v: v / 3.0)
    y = _run_unary(pd, [1.0], np.float32, np.float32)
    assert y[0] == np.float32(1) / np.float32(3)


def test_index_division_and_modulo_are_floor():
    n, i = Var("n", SIZE), Var("i", INDEX)
    x, y, z = Var("x", ten(F32, 8)), Var("y", ten(F32, 8)), Var("z", ten(F32, 8))
    pd = proc("floor", [x, y, z], [loop(i, 0, 8, [
        assign(y[i], x[(i - 4) % 8]),
        assign(z[i], x[(i - 6) / 4 + 2]),
    ])])
    xs = np.arange(8, dtype=np.float32)
    ys, zs = np.zeros(8, np.float32), np.zeros(8, np.float32)
    interpret(pd, x=xs, y=ys, z=zs)
    assert ys.tolist() == [float((k - 4) % 8) for k in range(8)]
    assert zs.tolist() == [float((k - 6) // 4 + 2) for k in range(8)]
    del n


def test_windows_views_strides_and_windows_of_windows():
    n, i, j = Var("n", SIZE), Var("i", INDEX), Var("j", INDEX)
    src = Var("src", ten(F32, n, 8, window=True))
    dst = Var("dst", ten(F32, n, 4))
    st = Var("st", ten(I32, 2))
    w1, w2 = Var("w1", None), Var("w2", None)
    pd = proc("win", [n, src, dst, st], [
        window(w1, src[0:n, 2:8]),   # n x 6
        window(w2, w1[0:n, 1:5]),    # n x 4, starting at column 3
        assign(st[0], data(0)),
        loop(i, 0, n, [loop(j, 0, 4, [assign(dst[i, j], w2[i, j])])]),
    ])
    big = np.arange(6 * 16, dtype=np.float32).reshape(6, 16)
    view = big[::2, ::2]  # a strided view: 3 x 8, strides (32, 2) elements
    out = np.zeros((3, 4), np.float32)
    interpret(pd, n=3, src=view, dst=out, st=np.zeros(2, np.int32))
    np.testing.assert_array_equal(out, view[:, 3:7])


def test_stride_expressions():
    n = Var("n", SIZE)
    a = Var("a", ten(F32, n, 5))
    w = Var("w", ten(F32, n, 5, window=True))
    s = Var("s", ten(F32, 2))  # s[0]: a's row stride, s[1]: w's row stride (as data via ifs)
    pd = proc("strides", [n, a, w, s], [
        if_(a.stride(0).eq(5).and_(a.stride(1).eq(1)), [assign(s[0], data(1.0))]),
        if_(w.stride(0).eq(20).and_(w.stride(1).eq(2)), [assign(s[1], data(1.0))]),
    ])
    out = np.zeros(2, np.float32)
    base = np.zeros((4, 10), np.float32)
    interpret(pd, n=2, a=np.zeros((2, 5), np.float32), w=base[::2, ::2][:2], s=out)
    assert out.tolist() == [1.0, 1.0]


def _callee_scale():
    """``scale(m, alpha: f32, x: [f32][m], out: f32)``: x *= alpha; out = x[0]."""
    m, j = Var("m", SIZE), Var("j", INDEX)
    alpha, x, out = Var("alpha", F32), Var("x", ten(F32, m, window=True)), Var("out", F32)
    return proc("scale", [m, alpha, x, out], [
        loop(j, 0, m, [assign(x[j], x[j] * alpha)]),
        assign(out, x[0]),
    ], preds=[m.le(8)])


def test_calls_pass_windows_and_scalars_by_reference():
    callee = _callee_scale()
    n, i = Var("n", SIZE), Var("i", INDEX)
    A, firsts = Var("A", ten(F32, n, 4)), Var("firsts", ten(F32, n))
    t = Var("t", F32)
    pd = proc("rows", [n, A, firsts], [loop(i, 0, n, [
        alloc(t),
        assign(t, data(2.0)),
        call(callee, 4, t, A[i, 0:4], firsts[i]),  # firsts[i]: a 0-d view, written
    ])])
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    f = np.zeros(3, np.float32)
    interpret(pd, n=3, A=a, firsts=f)
    np.testing.assert_array_equal(a, np.arange(12, dtype=np.float32).reshape(3, 4) * 2)
    np.testing.assert_array_equal(f, a[:, 0])


def test_callee_preconditions_are_checked_at_the_call():
    callee = _callee_scale()
    n = Var("n", SIZE)
    A, o = Var("A", ten(F32, n)), Var("o", F32)
    pd = proc("big", [n, A, o], [call(callee, n, data(1.0), A, o)])
    with pytest.raises(InterpreterError, match=r"precondition m <= 8 of scale .*failed \(m = 9\)"):
        interpret(pd, n=9, A=np.zeros(9, np.float32), o=np.zeros((), np.float32))
    interpret(pd, n=8, A=np.zeros(8, np.float32), o=np.zeros((), np.float32))


def test_instr_runs_its_body_not_its_template():
    x, y = Var("x", ten(F32, 4, window=True)), Var("y", ten(F32, 4, window=True))
    i = Var("i", INDEX)
    ins = proc("vadd", [x, y], [loop(i, 0, 4, [reduce(y[i], x[i])])],
               preds=[x.stride(0).eq(1)], instr="this is not C {x} {y}")
    a, b = Var("a", ten(F32, 8)), Var("b", ten(F32, 8))
    pd = proc("use", [a, b], [call(ins, a[0:4], b[4:8])])
    av, bv = np.arange(8, dtype=np.float32), np.ones(8, np.float32)
    interpret(pd, a=av, b=bv)
    assert bv.tolist() == [1, 1, 1, 1, 1, 2, 3, 4]


def test_externs():
    for f, want in [(relu, lambda v: np.maximum(v, 0)), (sin, np.sin),
                    (sigmoid, lambda v: 1 / (1 + np.exp(-v.astype(np.float64))))]:
        pd = _unary(f.name(), F32, F32, lambda v, f=f: extern(f, v))
        x = np.array([-1.5, 0.0, 2.0], np.float32)
        np.testing.assert_allclose(_run_unary(pd, x, np.float32, np.float32), want(x), rtol=1e-6)
    pd = _unary("sel", F32, F32, lambda v: extern(select, v, data(0.0), data(-1.0), v * 2.0))
    assert _run_unary(pd, [-3, 3], np.float32, np.float32).tolist() == [-1.0, 6.0]
    pd = _unary("fmax", F64, F64, lambda v: extern(fmaxf, v, data(0.5)))
    assert _run_unary(pd, [0.25, 2.0], np.float64, np.float64).tolist() == [0.5, 2.0]
    pd = _unary("relu8", I8, I8, lambda v: extern(relu, v))
    assert _run_unary(pd, [-5, 5], np.int8, np.int8).tolist() == [0, 5]


def test_config_state_reads_writes_and_api():
    Cfg = Config("Cfg", [("scale", F32), ("n", INDEX)])
    n, i = Var("n", SIZE), Var("i", INDEX)
    x = Var("x", ten(F32, n))
    pd = proc("cfg", [n, x], [
        write_cfg(Cfg, "scale", cfg(Cfg, "scale") * 2.0),
        loop(i, 0, cfg(Cfg, "n"), [assign(x[i], cfg(Cfg, "scale"))]),
        write_cfg(Cfg, "n", n - 1),
    ])
    st = ConfigState({Cfg: {"scale": 1.5, "n": 2}})
    xs = np.zeros(4, np.float32)
    interpret(pd, st, n=4, x=xs)
    assert xs.tolist() == [3, 3, 0, 0]
    assert st[Cfg] == {"scale": 3.0, "n": 3} and st.get(Cfg, "n") == 3
    assert isinstance(st.get(Cfg, "scale"), np.float32)
    interpret(pd, ctxt=st, n=4, x=xs)  # the keyword form, same state object
    assert xs.tolist() == [6, 6, 6, 0]
    with pytest.raises(InterpreterError, match=r"Cfg.scale is read before any write"):
        interpret(pd, n=4, x=xs)
    with pytest.raises(InterpreterError, match="no field"):
        ConfigState({Cfg: {"nope": 1}})


def test_uninitialised_storage_is_visible():
    n, i = Var("n", SIZE), Var("i", INDEX)
    y, yi = Var("y", ten(F32, n)), Var("yi", ten(I32, n))
    t, ti = Var("t", ten(F32, n)), Var("ti", ten(I32, n))
    pd = proc("uninit", [n, y, yi], [alloc(t), alloc(ti), loop(i, 0, n, [
        assign(y[i], t[i] + 1.0), assign(yi[i], ti[i]),
    ])])
    ys, yis = np.zeros(2, np.float32), np.zeros(2, np.int32)
    interpret(pd, n=2, y=ys, yi=yis)
    assert np.isnan(ys).all()
    assert yis.tolist() == [np.frombuffer(b"\xa5" * 4, np.int32)[0]] * 2


def test_par_loops_run():
    n, i = Var("n", SIZE), Var("i", INDEX)
    x = Var("x", ten(F32, n))
    pd = proc("par", [n, x], [loop(i, 0, n, [assign(x[i], data(1.0))], mode="par")])
    xs = np.zeros(5, np.float32)
    interpret(pd, n=5, x=xs)
    assert xs.tolist() == [1.0] * 5


def test_allocations_are_fresh_on_every_iteration():
    n, i = Var("n", SIZE), Var("i", INDEX)
    x = Var("x", ten(F32, n))
    t = Var("t", ten(F32, 1))
    pd = proc("fresh", [n, x], [loop(i, 0, n, [
        alloc(t),
        if_(i.eq(0), [assign(t[0], data(5.0))]),
        assign(x[i], t[0]),
    ])])
    xs = np.zeros(2, np.float32)
    interpret(pd, n=2, x=xs)
    assert xs[0] == 5.0 and np.isnan(xs[1])
