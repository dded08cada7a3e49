"""Whole kernels compiled with gcc -Werror and run against numpy; file layout."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest
from ir.irb import ProcBuilder, data

from exo_core import Procedure
from exo_core.backend import compile_procs, compile_procs_to_strings
from exo_core.ir import F32, F64

from .cbuild import Lib, compile_check


def matmul():
    b = ProcBuilder("matmul")
    n, m, k = b.size("n"), b.size("m"), b.size("k")
    A, B, C = b.tensor("A", F32, [n, k]), b.tensor("B", F32, [k, m]), b.tensor("C", F32, [n, m])
    with b.loop("i", 0, n) as i:
        with b.loop("j", 0, m) as j:
            b.assign(C[i, j], 0.0)
            with b.loop("r", 0, k) as r:
                b.reduce(C[i, j], A[i, r] * B[r, j])
    return b.build()


def conv1d():
    b = ProcBuilder("conv1d")
    n, k = b.size("n"), b.size("k")
    x, w, y = b.tensor("x", F64, [n + k - 1]), b.tensor("w", F64, [k]), b.tensor("y", F64, [n])
    with b.loop("i", 0, n) as i:
        b.assign(y[i], 0.0)
        with b.loop("r", 0, k) as r:
            b.reduce(y[i], w[r] * x[i + r])
    return b.build()


def test_matmul_runs(tmp_path):
    lib = Lib([matmul()], tmp_path)
    rng = np.random.default_rng(1)
    A = rng.standard_normal((5, 7)).astype(np.float32)
    B = rng.standard_normal((7, 3)).astype(np.float32)
    C = np.full((5, 3), 99, np.float32)
    lib.matmul(5, 3, 7, A, B, C)
    np.testing.assert_allclose(C, A @ B, rtol=1e-5, atol=1e-5)
    assert "C[i * m + j] += A[i * k + r] * B[r * m + j];" in lib.c


def test_conv1d_runs(tmp_path):
    lib = Lib([conv1d()], tmp_path)
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal(12), rng.standard_normal(4)
    y = np.zeros(9)
    lib.conv1d(9, 4, x, w, y)
    np.testing.assert_allclose(y, np.convolve(x, w[::-1], mode="valid"))
    assert "0.0;" in lib.c and "0.0f" not in lib.c  # f64 literal


def test_header_layout():
    c, h = compile_procs_to_strings([matmul()], "my-lib.h")
    assert h.startswith("#pragma once\n#ifndef MY_LIB_H\n#define MY_LIB_H\n")
    assert h.rstrip().endswith("#endif  // MY_LIB_H")
    assert 'extern "C" {' in h and "#include <stdint.h>" in h and "#include <stdbool.h>" in h
    assert "#ifndef MY_LIB_API" in h and '__attribute__((visibility("default")))' in h
    assert "__declspec(dllexport)" in h and "#    define EXO_ASSUME(expr)" in h
    proto = (
        "// matmul(\n//     n : size,\n//     m : size,\n//     k : size,\n//     A : f32[n, k] @DRAM,\n"
        "//     B : f32[k, m] @DRAM,\n//     C : f32[n, m] @DRAM\n// )\n"
        "MY_LIB_API void matmul(void *ctxt, int_fast32_t n, int_fast32_t m, int_fast32_t k, "
        "const float* EXO_RESTRICT A, const float* EXO_RESTRICT B, float* EXO_RESTRICT C);"
    )
    assert proto in h
    assert c.startswith('#include "my-lib.h"\n')
    assert "const float* restrict A, const float* restrict B, float* restrict C) {" in c
    assert "exo_floor" not in c  # helpers only when needed
    assert c.count("#include <stdlib.h>") == 1


def test_header_usable_from_cpp(tmp_path):
    compile_check([matmul()], tmp_path, "mm")
    (tmp_path / "use.cpp").write_text('#include "mm.h"\nint main() { return 0; }\n')
    r = subprocess.run(["g++", "-Wall", "-Wextra", "-Werror", "-c", "use.cpp"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_compile_procs_writes_files_and_accepts_procedures(tmp_path):
    p = Procedure(matmul())
    compile_procs([p], tmp_path / "out", "k.c", "k.h")
    c = (tmp_path / "out" / "k.c").read_text()
    h = (tmp_path / "out" / "k.h").read_text()
    assert c.startswith('#include "k.h"') and "void matmul(" in h
    assert (c, h) == compile_procs_to_strings([p], "k.h")


def test_two_public_procs_and_shared_callee(tmp_path):
    b = ProcBuilder("zero")
    n = b.size("n")
    x = b.tensor("x", F32, [n])
    with b.loop("i", 0, n) as i:
        b.assign(x[i], 0.0)
    zero = b.build()
    procs = []
    for name in ("f", "g"):
        b = ProcBuilder(name)
        n = b.size("n")
        x = b.tensor("x", F32, [n])
        b.call(zero, n, x)
        with b.loop("i", 0, n) as i:
            b.reduce(x[i], 1.0 if name == "f" else 2.0)
        procs.append(b.build())
    lib = Lib(procs, tmp_path)
    assert lib.c.count("static void zero(") == 2  # forward declaration + definition
    assert len(re.findall(r"^static void zero\(.*\) \{$", lib.c, re.M)) == 1
    assert "void zero" not in lib.h
    x = np.full(4, 7, np.float32)
    lib.g(4, x)
    assert (x == 2).all()


def test_empty_and_pass_bodies(tmp_path):
    b = ProcBuilder("nothing")
    b.size("n")
    b.pass_()
    c, _ = compile_check([b.build()], tmp_path)
    assert "; // NO-OP" in c and "(void) n;" in c and "(void) ctxt;" in c


def test_negated_literal_and_division(tmp_path):
    b = ProcBuilder("neg")
    x = b.tensor("x", F32, [3])
    b.assign(x[0], -data(2.5) / x[1])
    b.assign(x[2], x[0] - -x[1])
    lib = Lib([b.build()], tmp_path)
    x = np.array([0, 4, 1], np.float32)
    lib.neg(x)
    np.testing.assert_allclose(x, [-0.625, 4, 3.375])


@pytest.mark.parametrize("bad", [1, "x"])
def test_rejects_non_procs(bad):
    with pytest.raises(TypeError):
        compile_procs_to_strings([bad], "x.h")


def test_whole_corpus_as_one_library(tmp_path):
    """Every corpus kernel (and what it calls) in one .c/.h pair, warning-free at -O2."""
    from corpus.kernels import CORPUS as corpus

    procs = [p for p, _ in corpus.values()]
    c, h = compile_check(procs, tmp_path, "corpus", extra=["-O2", "-Wshadow"])
    for p in procs:
        assert f"void {p.name()}(" in h
    assert h.count("typedef struct corpus_Context {") == 1
