"""Calls: instr template expansion, callee closure, cycles and name clashes."""

from __future__ import annotations

import numpy as np
import pytest
from ir.irb import ProcBuilder

from exo_core.backend import compile_procs_to_strings
from exo_core.errors import CodegenError
from exo_core.ir import F32, I32, Call

from .cbuild import Lib

GLOBAL = "#define EXO_TEST_VEC 1\n"


def vadd_instr():
    """dst[k] = a[k] + s for k < n, as a C template over window structs."""
    b = ProcBuilder("vadd")
    n = b.size("n")
    dst, a = b.window("dst", F32, [n]), b.window("a", F32, [n])
    s = b.scalar("s")
    b.assume(a.stride(0).eq(1))
    with b.loop("k", 0, n) as k:
        b.assign(dst[k], a[k] + s.read())
    return b.build(
        instr="for (int_fast32_t k_ = 0; k_ < {n}; k_++) {{\n"
              "    {dst}.data[k_ * {dst}.strides[0]] = {a}.data[k_] + *{s};\n}}",
        c_global=GLOBAL,
    )


def store2_instr():
    """Copies two elements starting at the window's origin through raw pointers."""
    b = ProcBuilder("store2")
    dst, src = b.window("dst", I32, [2]), b.tensor("src", I32, [2])
    b.assume(dst.stride(0).eq(1))
    with b.loop("k", 0, 2) as k:
        b.assign(dst[k], src[k])
    return b.build(instr="memcpy(&{dst_data}, {src}, 2 * sizeof(*{src_int})); /* {dst_int} */",
                   c_global="#include <string.h>\n")


def test_instr_templates_expand_at_each_call(tmp_path):
    vadd, store2 = vadd_instr(), store2_instr()
    b = ProcBuilder("use_instrs")
    m = b.size("m")
    X, Y = b.tensor("X", F32, [m]), b.tensor("Y", F32, [2, m])
    s = b.scalar("s")
    Z = b.tensor("Z", I32, [4, 4])
    t = b.alloc("t", I32, [2])
    loc = b.alloc("loc", F32)
    b.assign(loc.read(), 10.0)
    b.call(vadd, m, Y[0, :], X, s)  # dense X promoted to a window; s is already a pointer
    b.call(vadd, m - 1, Y[1, 1:m], X[0:m - 1], loc)  # a local scalar is passed by address
    b.assign(t[0], 7.0)
    b.assign(t[1], 8.0)
    with b.loop("i", 0, 4) as i:
        b.call(store2, Z[i, 1:3], t)
    lib = Lib([b.build()], tmp_path)
    assert "*(s);" in lib.c and "*(&loc);" in lib.c
    assert "k_ < (m - 1)" in lib.c
    assert "((struct exo_win_1f32){ &Y[m + 1], { 1 } }).data" in lib.c
    assert "memcpy(&Z[i * 4 + 1], (t), 2 * sizeof(*t)); /* Z */" in lib.c
    assert lib.c.count("#define EXO_TEST_VEC 1") == 1 and lib.c.count("#include <string.h>") == 1
    assert "void vadd" not in lib.c and "void store2" not in lib.c
    X = np.arange(4, dtype=np.float32)
    Y = np.zeros((2, 4), np.float32)
    Z = np.zeros((4, 4), np.int32)
    lib.use_instrs(4, X, Y, np.array([100], np.float32), Z)
    np.testing.assert_array_equal(Y, [[100, 101, 102, 103], [0, 10, 11, 12]])
    np.testing.assert_array_equal(Z, [[0, 7, 8, 0]] * 4)


def test_instr_control_and_dense_args():
    b = ProcBuilder("hw_op")
    n = b.size("n")
    flag = b.bool("flag")
    x = b.tensor("x", F32, [n])
    with b.loop("k", 0, n) as k:
        b.assign(x[k], 0.0)
    ins = b.build(instr="hw_op({n}, {flag}, {x}, {x_data}, {x_int}, {n_data});")
    b = ProcBuilder("caller")
    n = b.size("n")
    x = b.tensor("x", F32, [n])
    b.call(ins, n, True, x)
    c, _ = compile_procs_to_strings([b.build()], "x.h")
    assert "hw_op((n), (true), (x), (x), x, (n));" in c


def test_bad_template_is_a_codegen_error():
    b = ProcBuilder("broken")
    x = b.tensor("x", F32, [1])
    b.assign(x[0], 0.0)
    ins = b.build(instr="broken({y}) { }")
    b = ProcBuilder("caller")
    x = b.tensor("x", F32, [1])
    b.call(ins, x)
    with pytest.raises(CodegenError, match="instr broken.*KeyError"):
        compile_procs_to_strings([b.build()], "x.h")


def _leaf(name, value):
    b = ProcBuilder(name)
    x = b.tensor("x", F32, [1])
    b.assign(x[0], value)
    return b.build()


def test_two_procs_with_one_name():
    a, b2 = _leaf("same", 1.0), _leaf("same", 2.0)
    b = ProcBuilder("top")
    x = b.tensor("x", F32, [1])
    b.call(a, x)
    b.call(b2, x)
    with pytest.raises(CodegenError, match=r"two different procs are named 'same'.*test_calls.py:\d+.*test_calls.py:\d+"):
        compile_procs_to_strings([b.build()], "x.h")


def test_call_cycle():
    a = _leaf("ping", 1.0)
    b = ProcBuilder("pong")
    x = b.tensor("x", F32, [1])
    b.call(a, x)
    pong = b.build()
    # Close the cycle by hand: ping calls pong (ProcDefs are frozen; tests only).
    object.__setattr__(a, "body", (Call(pong, (pong.body[0].args[0].update(name=a.args[0].name),)),))
    with pytest.raises(CodegenError, match="call cycle: ping -> pong -> ping|call cycle: pong -> ping -> pong"):
        compile_procs_to_strings([pong], "x.h")


def test_same_callee_many_times_emitted_once(tmp_path):
    leaf = _leaf("leaf", 3.0)
    mids = []
    for name in ("mid1", "mid2"):
        b = ProcBuilder(name)
        x = b.tensor("x", F32, [1])
        b.call(leaf, x)
        b.call(leaf, x)
        mids.append(b.build())
    b = ProcBuilder("top")
    x = b.tensor("x", F32, [1])
    for m in mids:
        b.call(m, x)
    lib = Lib([b.build()], tmp_path)
    assert lib.c.count("static void leaf(void *ctxt, float* restrict x) {") == 1
    assert lib.c.count("static void mid1(void *ctxt, float* restrict x);") == 1
    x = np.zeros(1, np.float32)
    lib.top(x)
    assert x[0] == 3


def test_public_callee_is_not_static(tmp_path):
    leaf = _leaf("leaf", 3.0)
    b = ProcBuilder("top")
    x = b.tensor("x", F32, [1])
    b.call(leaf, x)
    lib = Lib([b.build(), leaf], tmp_path)
    assert "LIB_API void leaf(" in lib.h and "static void leaf" not in lib.c
