"""Windows: struct parameters, strides, window statements, promotion, constness."""

from __future__ import annotations

import numpy as np
from ir.irb import ProcBuilder

from exo_core.ir import F32, I32

from .cbuild import Lib


def axpy(unit_stride=True):
    b = ProcBuilder("axpy")
    m = b.size("m")
    alpha = b.scalar("alpha")
    x, y = b.window("x", F32, [m]), b.window("y", F32, [m])
    if unit_stride:
        b.assume(x.stride(0).eq(1))
    with b.loop("j", 0, m) as j:
        b.reduce(y[j], alpha.read() * x[j])
    return b.build()


def test_known_stride_becomes_constant(tmp_path):
    lib = Lib([axpy()], tmp_path)
    assert "// assert stride(x, 0) == 1" in lib.c
    assert "y.data[j * y.strides[0]] += *alpha * x.data[j];" in lib.c
    assert "struct exo_win_1f32c x, struct exo_win_1f32 y" in lib.c
    assert "#ifndef EXO_WIN_1F32C" in lib.h and "const float * const data;" in lib.h
    x = np.arange(5, dtype=np.float32)
    base = np.zeros(15, np.float32)
    lib.axpy(5, np.array([2], np.float32), x, base[::3])
    np.testing.assert_array_equal(base[::3], 2 * x)
    assert (base[1::3] == 0).all()


def test_2d_window_on_strided_view(tmp_path):
    b = ProcBuilder("scale2d")
    n, m = b.size("n"), b.size("m")
    w = b.window("w", I32, [n, m])
    with b.loop("i", 0, n) as i:
        with b.loop("j", 0, m) as j:
            b.assign(w[i, j], w[i, j] * 3 + 1)
    lib = Lib([b.build()], tmp_path)
    assert "w.data[i * w.strides[0] + j * w.strides[1]]" in lib.c
    a = np.arange(60, dtype=np.int32).reshape(6, 10)
    want = a.copy()
    want[::2, 1::3] = want[::2, 1::3] * 3 + 1
    lib.scale2d(3, 3, a[::2, 1::3])
    np.testing.assert_array_equal(a, want)


def gemv_rows(callee):
    """C[i, :] += A[i, k] * B[k, :] through a window statement and the callee."""
    b = ProcBuilder("gemv_rows")
    n, m, p = b.size("n"), b.size("m"), b.size("p")
    A, B, C = b.tensor("A", F32, [n, p]), b.tensor("B", F32, [p, m]), b.tensor("C", F32, [n, m])
    with b.loop("i", 0, n) as i:
        row = b.bind_window("row", C[i, :])
        with b.loop("k", 0, p) as k:
            a = b.alloc("a", F32)
            b.assign(a.read(), A[i, k])
            b.call(callee, m, a, B[k, 0:m], row)
    return b.build()


def test_window_statement_and_calls(tmp_path):
    callee = axpy()
    lib = Lib([gemv_rows(callee)], tmp_path)
    assert "struct exo_win_1f32 row = (struct exo_win_1f32){ &C[i * m], { 1 } };" in lib.c
    assert "axpy(ctxt, m, &a, (struct exo_win_1f32c){ &B[k * m], { 1 } }, row);" in lib.c
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 5)).astype(np.float32)
    B = rng.standard_normal((5, 6)).astype(np.float32)
    C = rng.standard_normal((4, 6)).astype(np.float32)
    want = C + A @ B
    lib.gemv_rows(4, 6, 5, A, B, C)
    np.testing.assert_allclose(C, want, rtol=1e-5, atol=1e-5)


def test_dense_promoted_to_window_and_window_of_window(tmp_path):
    callee = axpy(unit_stride=False)
    b = ProcBuilder("promote")
    n = b.size("n")
    x, y = b.tensor("x", F32, [n]), b.tensor("y", F32, [2, n])
    s = b.scalar("s")
    b.call(callee, n, s, x, y[1, :])  # x is dense: promoted to a whole window
    outer = b.bind_window("outer", y[0, :])
    inner = b.bind_window("inner", outer[1:n])
    b.call(callee, n - 1, s, x[0:n - 1], inner)
    lib = Lib([b.build()], tmp_path)
    assert "(struct exo_win_1f32c){ &x[0], { 1 } }" in lib.c
    assert "struct exo_win_1f32 inner = (struct exo_win_1f32){ &outer.data[1], { 1 } };" in lib.c
    x = np.arange(1, 5, dtype=np.float32)
    y = np.zeros((2, 4), np.float32)
    lib.promote(4, x, y, np.array([10], np.float32))
    np.testing.assert_array_equal(y, [[0, 10, 20, 30], [10, 20, 30, 40]])


def copy_proc():
    b = ProcBuilder("copy4")
    src, dst = b.window("src", F32, [4]), b.window("dst", F32, [4])
    with b.loop("i", 0, 4) as i:
        b.assign(dst[i], src[i])
    return b.build()


def test_two_windows_of_one_buffer(tmp_path):
    """Disjoint windows of one buffer may go to two window parameters: they are structs,
    never `restrict` pointers."""
    cp = copy_proc()
    b = ProcBuilder("shift")
    X = b.tensor("X", F32, [8])
    b.call(cp, X[0:4], X[4:8])
    lib = Lib([b.build()], tmp_path)
    assert "restrict" not in lib.c.split("void copy4(")[1].split(")")[0]
    assert "void shift(void *ctxt, float* restrict X)" in lib.c
    X = np.arange(8, dtype=np.float32)
    lib.shift(X)
    np.testing.assert_array_equal(X, [0, 1, 2, 3, 0, 1, 2, 3])


def test_same_buffer_twice_drops_restrict(tmp_path):
    """If some caller passes one buffer to two dense parameters, `restrict` would be a lie."""
    b = ProcBuilder("add_into")
    a, c = b.tensor("a", F32, [4]), b.tensor("c", F32, [4])
    with b.loop("i", 0, 4) as i:
        b.reduce(c[i], a[i])
    add_into = b.build()
    b = ProcBuilder("double_it")
    x = b.tensor("x", F32, [4])
    b.call(add_into, x, x)
    lib = Lib([b.build()], tmp_path)
    assert "static void add_into(void *ctxt, const float* a, float* c)" in lib.c
    x = np.arange(4, dtype=np.float32)
    lib.double_it(x)
    np.testing.assert_array_equal(x, [0, 2, 4, 6])


def test_writable_window_to_readonly_param(tmp_path):
    cp = copy_proc()
    b = ProcBuilder("roundtrip")
    X = b.tensor("X", F32, [8])
    w = b.bind_window("w", X[0:4])
    b.assign(w[0], 5.0)
    b.call(cp, w, X[4:8])
    lib = Lib([b.build()], tmp_path)
    assert "(struct exo_win_1f32c){ w.data, { w.strides[0] } }" in lib.c
    X = np.zeros(8, np.float32)
    lib.roundtrip(X)
    np.testing.assert_array_equal(X, [5, 0, 0, 0, 5, 0, 0, 0])


def test_stride_expressions(tmp_path):
    b = ProcBuilder("strides")
    n = b.size("n")
    x = b.window("x", F32, [n, 4])
    d = b.tensor("d", F32, [n, 4])
    out = b.tensor("out", I32, [3])
    with b.if_(x.stride(1).eq(1)):
        b.assign(out[0], 1.0)
    with b.else_():
        b.assign(out[0], 2.0)
    with b.if_(d.stride(0).eq(4)):
        b.assign(out[1], 1.0)
    with b.if_(x.stride(0).eq(8)):
        b.assign(out[2], 1.0)
    lib = Lib([b.build()], tmp_path)
    assert "if (x.strides[1] == 1)" in lib.c and "if (4 == 4)" in lib.c
    out = np.zeros(3, np.int32)
    arr = np.zeros((3, 8), np.float32)
    lib.strides(3, arr[:, :4], np.zeros((3, 4), np.float32), out)
    np.testing.assert_array_equal(out, [1, 1, 1])
    lib.strides(3, arr[:, ::2], np.zeros((3, 4), np.float32), out)
    np.testing.assert_array_equal(out, [2, 1, 1])
