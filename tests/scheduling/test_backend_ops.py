"""set_memory, set_precision, set_window: accepted rewrites agree with the original
(interpreter and compiled C), refused ones say why; the backend refuses plain C reads
and writes of memories that only instrs may touch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fake_accel import FakeCfg, FakeScratch, ld, scale_store  # noqa: F401

from exo_core import proc
from exo_core.errors import MemGenError
from exo_core.extern import Extern, _EErr
from exo_core.memory import DRAM_STACK, DRAM_STATIC
from exo_core.scheduling import inline, set_memory, set_precision, set_window

from .checks import body, refused
from .test_configs_util import agree


@proc
def two_pass(n: size, x: f32[n], y: f32[n]):
    t: f32[n]
    for i in seq(0, n):
        t[i] = x[i]
    for i in seq(0, n):
        y[i] = t[i] * 2.0


@proc
def fixed(x: f32[8], y: f32[8], s: f32):
    t: f32[8]
    for i in seq(0, 8):
        t[i] = x[i] + s
    for i in seq(0, 8):
        y[i] = t[i] * t[i]


@proc
def mixed(x: f32[8], y: f32[8]):
    t: f32[8]
    for i in seq(0, 8):
        t[i] = x[i]
    for i in seq(0, 8):
        y[i] = t[i] * x[i]


@proc
def windowed(x: f32[8], y: f32[8]):
    t: f32[8]
    w = t[2:6]
    for i in seq(0, 8):
        t[i] = x[i]
    for i in seq(0, 4):
        w[i] = w[i] + 1.0
    for i in seq(0, 8):
        y[i] = t[i]


# --------------------------------------------------------------------------- set_memory


def test_set_memory_alloc_and_arg():
    p = set_memory(fixed, "t", DRAM_STACK)
    assert "t: f32[8] @ DRAM_STACK" in body(p)
    assert "float t[8];" in p.c_code_str()
    agree(fixed, p)
    p = set_memory(p, "t", DRAM_STATIC)
    assert "static float t[8];" in p.c_code_str()
    agree(fixed, p)
    p = set_memory(fixed, "x", DRAM_STACK)
    assert "x: f32[8] @ DRAM_STACK" in str(p)
    agree(fixed, p)


@proc
def per_row_par(n: size, x: f32[n, 8], y: f32[n, 8]):
    for i in par(0, n):
        t: f32[8]
        for j in seq(0, 8):
            t[j] = x[i, j]
        for j in seq(0, 8):
            y[i, j] = t[7 - j]


def test_set_memory_refusals():
    refused(set_memory, fixed, "t", int, words=["Memory subclass"])
    refused(set_memory, two_pass, "n", DRAM_STACK, words=["control value"])
    # a static array inside a parallel loop would be one buffer for every thread
    refused(set_memory, per_row_par, "t", DRAM_STATIC,
            words=["buffer t is allocated inside the parallel loop over i", "DRAM_STATIC is one buffer for every thread"])
    agree(per_row_par, set_memory(per_row_par, "t", DRAM_STACK))  # on the stack: one per thread


def test_backend_refuses_plain_c_access_to_unreadable_memory():
    p = set_memory(fixed, "t", FakeScratch)  # accepted: the interpreter does not care
    agree(fixed, p, jit=False)
    with pytest.raises(MemGenError, match=r"test_backend_ops.py:\d+:\d+: cannot write to memory FakeScratch"):
        p.c_code_str()
    p = set_memory(fixed, "x", FakeScratch)
    line = Path(__file__).read_text().splitlines().index("        t[i] = x[i] + s") + 1  # in `fixed`
    with pytest.raises(MemGenError, match=rf"test_backend_ops.py:{line}:\d+: cannot read buffer 'x' in memory "
                                          r"FakeScratch outside an instr"):
        p.c_code_str()


def test_set_memory_then_instrs_compile():
    @proc
    def staged(A: f32[8], B: f32[8]):
        buf: f32[8]
        FakeCfg.stride = 1
        FakeCfg.scale = 2.0
        ld(8, A[0:8], buf[0:8])
        scale_store(8, buf[0:8], B[0:8])

    # buf is in DRAM, where ld's destination may not be: the backend says so
    with pytest.raises(MemGenError, match="FakeScratch"):
        staged.c_code_str()
    p = set_memory(staged, "buf", FakeScratch)
    agree(staged, p)
    # inlining the instrs would make the scratchpad accesses plain C: refused when compiling
    q = inline(p, "ld(_)")
    with pytest.raises(MemGenError, match="cannot (write to|read buffer)"):
        q.c_code_str()


# --------------------------------------------------------------------------- set_precision


def test_set_precision_alloc_widening():
    p = set_precision(fixed, "t", "f64")
    assert "t: f64[8] @ DRAM" in body(p)
    c = p.c_code_str()
    assert "double *t" in c or "double t" in c
    agree(fixed, p)


def test_set_precision_argument():
    p = set_precision(two_pass, "x", "f64")
    assert "x: f64[n] @ DRAM" in str(p)
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 5)
    y1, y2 = np.zeros(5, np.float32), np.zeros(5, np.float32)
    two_pass.interpret(n=5, x=x.astype(np.float32), y=y1)
    p.jit()(5, x, y2)
    np.testing.assert_allclose(y1, y2, rtol=1e-6)


def test_set_precision_windows_follow():
    p = set_precision(windowed, "t", "f64")
    assert "w[i] = w[i] + 1.0" in body(p)
    w = [n for n in p._ir.body if type(n).__name__ == "WindowStmt"][0]
    assert w.rhs.type.base.name == "f64"
    agree(windowed, p)


def test_set_precision_narrowing_to_integers():
    p = set_precision(two_pass, "t", "i32")
    x = np.array([1.7, -2.2, 3.9], np.float32)
    y = np.zeros(3, np.float32)
    p.interpret(n=3, x=x, y=y)
    np.testing.assert_array_equal(y, [2.0, -4.0, 6.0])
    yc = np.zeros(3, np.float32)
    p.jit()(3, x, yc)
    np.testing.assert_array_equal(yc, y)


def test_set_precision_mixed_precisions_refused():
    refused(set_precision, mixed, "t", "f64",
            words=["'y\\[i\\] = t\\[i\\] \\* x\\[i\\]'", "mix", "f64", "f32"])
    # each step must be well typed on its own: the other order is refused too
    refused(set_precision, mixed, "x", "f64", words=["mix"])
    # R literals take the precision of the other operand
    p = set_precision(fixed, "t", "f16")
    assert "t: f16[8] @ DRAM" in body(p)


def test_set_precision_extern_and_call_refusals():
    class Halve(Extern):
        def __init__(self):
            super().__init__("halve")

        def typecheck(self, args):
            if args[0].type.name != "f32":
                raise _EErr("only f32")
            return args[0].type

        def compile(self, args, prim_type):
            return f"({args[0]} * 0.5f)"

    halve = Halve()

    @proc
    def uses_halve(x: f32[4]):
        t: f32[4]
        for i in seq(0, 4):
            t[i] = x[i]
        for i in seq(0, 4):
            x[i] = halve(t[i])

    refused(set_precision, uses_halve, "t", "f64", words=["halve", "only f32"])

    @proc
    def callee(v: [f32][4]):
        v[0] = 1.0

    @proc
    def passes(x: f32[8]):
        t: f32[8]
        callee(t[0:4])
        x[0] = t[0]

    refused(set_precision, passes, "t", "f64", words=["callee", "precision f32, not f64"])


def test_set_precision_argument_errors():
    refused(set_precision, two_pass, "t", "f128", words=["precision"])
    refused(set_precision, two_pass, "n", "f32", words=["control value"])


# --------------------------------------------------------------------------- set_window


@proc
def strided_load(n: size, A: f32[n, 8], B: f32[n, 8]):
    buf: f32[8] @ FakeScratch
    FakeCfg.scale = 1.0
    for i in seq(0, n):
        FakeCfg.stride = 1
        ld(8, A[i, 0:8], buf[0:8])
        scale_store(8, buf[0:8], B[i, 0:8])


def test_set_window_on_argument():
    p = set_window(two_pass, "x")
    assert "x: [f32][n] @ DRAM" in str(p)
    agree(two_pass, p)
    fn = p.jit()
    base = np.arange(10, dtype=np.float32)
    y = np.zeros(5, np.float32)
    fn(5, base[::2], y)
    np.testing.assert_array_equal(y, base[::2] * 2)
    q = set_window(p, "x", False)
    assert "x: f32[n] @ DRAM" in str(q)
    agree(two_pass, q)


def test_set_window_refusals():
    refused(set_window, two_pass, "t", words=["tensor arguments only"])
    refused(set_window, fixed, "s", words=["not a tensor"])
    # ld requires stride(src, 0) == FakeCfg.stride == 1: unknown once A is a window
    refused(set_window, strided_load, "A", words=["window", "stride"])

    @proc
    def dense_callee(v: f32[8]):
        v[0] = 1.0

    @proc
    def passes_dense(x: f32[8]):
        dense_callee(x)

    refused(set_window, passes_dense, "x", words=["dense parameter 'v' of dense_callee"])
