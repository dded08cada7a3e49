"""`par` loops, and code that must stay warning-free (unused parameters and locals)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from ir.irb import ProcBuilder

from exo_core.backend import compile_procs_to_strings
from exo_core.errors import CodegenError
from exo_core.ir import F32

from .cbuild import Lib, compile_check


def scale_par():
    b = ProcBuilder("scale_par")
    n = b.size("n")
    x = b.tensor("x", F32, [n, 4])
    with b.loop("i", 0, n, par=True) as i:
        t = b.alloc("t", F32, [4])
        with b.loop("j", 0, 4) as j:
            b.assign(t[j], x[i, j] * 2.0)
        with b.loop("j", 0, 4) as j:
            b.assign(x[i, j], t[j] + 1.0)
    return b.build()


@pytest.mark.parametrize("openmp", [False, True])
def test_par_loop_pragma(tmp_path, openmp):
    lib = Lib([scale_par()], tmp_path, extra=["-fopenmp"] if openmp else [])
    assert "#ifdef _OPENMP\n#pragma omp parallel for\n#endif\n    for (int_fast32_t i = 0; i < n; i++) {" in lib.c
    x = np.arange(64, dtype=np.float32).reshape(16, 4)
    want = x * 2 + 1
    lib.scale_par(16, x)
    np.testing.assert_array_equal(x, want)


@pytest.mark.skipif(importlib.util.find_spec("exo_core.analysis.parallel") is None,
                    reason="the race checker is not there yet")
def test_racy_par_loop_is_rejected():
    b = ProcBuilder("racy")
    n = b.size("n")
    x = b.tensor("x", F32, [n])
    with b.loop("i", 0, n, par=True):
        b.reduce(x[0], 1.0)
    with pytest.raises(CodegenError):
        compile_procs_to_strings([b.build()], "x.h")


def test_unused_parameters_and_locals_compile_cleanly(tmp_path):
    b = ProcBuilder("unused_things")
    n, m = b.size("n"), b.size("m")
    flag = b.bool("flag")
    b.index("k")
    x = b.tensor("x", F32, [n, m])  # n and m appear only in the shape
    w = b.window("w", F32, [4])
    s = b.scalar("s")
    b.assume(w.stride(0).eq(1))
    t = b.alloc("t", F32)
    b.assign(t.read(), 1.0)  # written, never read
    b.bind_window("v", x[0, 0:2])  # never used
    with b.if_(flag):
        b.assign(x[0, 0], 2.0)
    del s
    for opt in ("-O0", "-O3"):
        c, _ = compile_check([b.build()], tmp_path, extra=[opt])
    for name in ("ctxt", "n", "k", "w", "s"):
        assert f"(void) {name};" in c, name
    assert "(void) flag;" not in c and "(void) x;" not in c
    assert "(void) t;" in c and "(void) v;" in c
    assert "// assert stride(w, 0) == 1" in c


def test_assume_preconditions(tmp_path):
    b = ProcBuilder("assumes")
    n = b.size("n")
    k = b.index("k")
    x = b.tensor("x", F32, [n])
    b.assume((n >= 4).and_(k < n))
    b.assume((k >= 0).or_(k.eq(-1)))
    with b.loop("i", 0, 4) as i:
        b.assign(x[i], 0.0)
    c, _ = compile_check([b.build()], tmp_path)
    assert "EXO_ASSUME(n >= 4 && k < n);" in c
    assert "EXO_ASSUME(k >= 0 || k == -1);" in c
