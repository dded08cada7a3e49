"""C identifiers: source names, renamed on clashes with scopes, keywords and library names."""

from __future__ import annotations

import numpy as np
import pytest
from ir.irb import ProcBuilder

from exo_core.backend import compile_procs_to_strings
from exo_core.errors import CodegenError
from exo_core.ir import F32

from .cbuild import Lib


def test_keywords_and_library_names_are_renamed(tmp_path):
    b = ProcBuilder("kw")
    n = b.size("int")
    ctxt = b.tensor("ctxt", F32, [n])
    free = b.alloc("free", F32, [n])
    with b.loop("double", 0, n) as d:
        b.assign(free[d], ctxt[d] + 1.0)
    with b.loop("for", 0, n) as f:
        b.assign(ctxt[f], free[f] * 2.0)
    lib = Lib([b.build()], tmp_path)
    assert "int_fast32_t int_1, float* restrict ctxt_1)" in lib.c
    assert "float *free_1 = (float*) malloc((int_1) * sizeof(*free_1));" in lib.c
    assert "for (int_fast32_t double_1 = 0; double_1 < int_1; double_1++)" in lib.c
    assert "free(free_1);" in lib.c
    assert "int_1 : size" in lib.h  # the comment shows the C names of the parameters
    x = np.arange(3, dtype=np.float32)
    lib.kw(3, x)
    np.testing.assert_array_equal(x, [2, 4, 6])


def test_shadowing_binders_are_renamed(tmp_path):
    b = ProcBuilder("shadow")
    n = b.size("n")
    x = b.tensor("x", F32, [n, n])
    y = b.tensor("y", F32, [n])
    with b.loop("i", 0, n) as i:
        with b.loop("i", 0, n) as i2:  # a different binder with the same name
            b.assign(x[i, i2], 1.0)
            tmp = b.alloc("x", F32)  # shadows the parameter
            b.assign(tmp.read(), x[i, i2] + 2.0)
            b.assign(x[i, i2], tmp.read())
    with b.loop("i", 0, n) as i:  # a sibling scope may reuse `i`
        b.assign(y[i], x[i, 0])
    a1 = b.alloc("a", F32)
    a2 = b.alloc("a", F32)  # same name, same block
    b.assign(a1.read(), 1.0)
    b.assign(a2.read(), 2.0)
    b.assign(y[0], a1.read() + a2.read())
    lib = Lib([b.build()], tmp_path)
    assert "for (int_fast32_t i_1 = 0; i_1 < n; i_1++)" in lib.c
    assert "float x_1;" in lib.c and "x_1 = x[i * n + i_1] + 2.0f;" in lib.c
    assert lib.c.count("for (int_fast32_t i = 0; i < n; i++)") == 2
    assert "float a;" in lib.c and "float a_1;" in lib.c and "y[0] = a + a_1;" in lib.c
    x = np.zeros((3, 3), np.float32)
    y = np.zeros(3, np.float32)
    lib.shadow(3, x, y)
    assert (x == 3).all()
    np.testing.assert_array_equal(y, [3, 3, 3])


def test_locals_do_not_shadow_called_procs(tmp_path):
    b = ProcBuilder("helper")
    x = b.tensor("x", F32, [1])
    b.assign(x[0], 1.0)
    helper = b.build()
    b = ProcBuilder("outer")
    helper_buf = b.alloc("helper", F32, [1])
    x = b.tensor("x", F32, [1])
    b.call(helper, helper_buf)
    b.assign(x[0], helper_buf[0])
    lib = Lib([b.build()], tmp_path)
    assert "helper(ctxt, helper_1);" in lib.c
    x = np.zeros(1, np.float32)
    lib.outer(x)
    assert x[0] == 1


@pytest.mark.parametrize("name", ["int", "while", "__x", "_Upper"])
def test_reserved_proc_names_are_rejected(name):
    b = ProcBuilder(name)
    b.pass_()
    with pytest.raises(CodegenError, match="reserved"):
        compile_procs_to_strings([b.build()], "x.h")
