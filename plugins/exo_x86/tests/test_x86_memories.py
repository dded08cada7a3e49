"""The AVX2 and AVX512 memories: the C they generate, and MemGenError (with the allocation's
file:line) for buffers they cannot hold or accesses outside instrs."""

from __future__ import annotations

import re

import numpy as np
import pytest
from exo_core import MemGenError, compile_procs_to_strings, proc
from x86_testutil import check, needs_avx2, rand

from exo_x86 import *

HERE = re.escape(__file__.rsplit("/", 1)[-1])


@pytest.mark.parametrize("mem, ctype, shape, expected", [
    (AVX2, "float", ["8"], "__m256 r;"),
    (AVX2, "float", ["2", "3", "8"], "__m256 r[2][3];"),
    (AVX2, "double", ["4"], "__m256d r;"),
    (AVX2, "int8_t", ["32"], "__m256i r;"),
    (AVX2, "uint8_t", ["5", "32"], "__m256i r[5];"),
    (AVX2, "uint16_t", ["16"], "__m256i r;"),
    (AVX2, "int32_t", ["8"], "__m256i r;"),
    (AVX2, "float", ["n", "8"], "__m256 r[n];"),
    (AVX512, "float", ["16"], "__m512 r;"),
    (AVX512, "double", ["4", "8"], "__m512d r[4];"),
    (AVX512, "int8_t", ["64"], "__m512i r;"),
    (AVX512, "uint8_t", ["64"], "__m512i r;"),
    (AVX512, "uint16_t", ["32"], "__m512i r;"),
    (AVX512, "int32_t", ["16"], "__m512i r;"),
])
def test_alloc(mem, ctype, shape, expected):
    assert mem.alloc("r", ctype, shape, None) == expected
    assert mem.free("r", ctype, shape, None) == ""
    assert mem.can_read() is False


def test_lanes():
    assert [lanes(AVX2, p) for p in ("f32", "f64", "i8", "ui8", "ui16", "i32")] == [8, 4, 32, 32, 16, 8]
    assert [lanes(AVX512, p) for p in ("f32", "f64", "i8", "ui8", "ui16", "i32")] == [16, 8, 64, 64, 32, 16]


@pytest.mark.parametrize("mem, ctype, shape, message", [
    (AVX2, "float", [], "not a scalar: declare f32\\[8\\] @ AVX2"),
    (AVX2, "float", ["16"], "must be the literal 8 .*got 16"),
    (AVX2, "double", ["8"], "must be the literal 4 .*got 8"),
    (AVX2, "uint16_t", ["8"], "must be the literal 16"),
    (AVX2, "float", ["n"], "must be the literal 8 .*got n"),
    (AVX2, "_Float16", ["16"], "cannot hold f16 elements"),
    (AVX512, "float", ["8"], "must be the literal 16 .*__m512"),
    (AVX512, "int8_t", ["32"], "must be the literal 64"),
    (AVX512, "_Float16", ["32"], "AVX512 registers cannot hold f16"),
])
def test_alloc_refused(mem, ctype, shape, message):
    with pytest.raises(MemGenError, match=message):
        mem.alloc("r", ctype, shape, None)


# --------------------------------------------------------------------------- through the compiler


@proc
def bad_scalar(y: f32[8]):
    r: f32 @ AVX2
    y[0] = 0.0


@proc
def bad_width(y: f32[16]):
    r: f32[16] @ AVX2
    y[0] = 0.0


@proc
def bad_f16(y: f16[16]):
    r: f16[16] @ AVX2
    y[0] = 0.0


@proc
def bad_avx512_double(y: f64[16]):
    r: f64[16] @ AVX512
    y[0] = 0.0


@pytest.mark.parametrize("p, message", [
    (bad_scalar, "not a scalar"),
    (bad_width, "literal 8"),
    (bad_f16, "cannot hold f16"),
    (bad_avx512_double, "literal 8"),
])
def test_memgen_error_names_the_allocation(p, message):
    line = p.INTERNAL_proc().body[0].srcinfo.line
    with pytest.raises(MemGenError, match=f"{HERE}:{line}:\\d+: .*{message}"):
        compile_procs_to_strings([p], "bad.h")


@proc
def bad_read(x: f32[8], y: f32[8]):
    r: f32[8] @ AVX2
    mm256_loadu_ps(r, x)
    y[0] = r[0]


@proc
def bad_write(y: f32[8]):
    r: f32[8] @ AVX2
    r[3] = 1.0
    mm256_storeu_ps(y, r)


@pytest.mark.parametrize("p", [bad_read, bad_write])
def test_lanes_only_through_instrs(p):
    with pytest.raises(MemGenError, match=f"{HERE}:\\d+:\\d+: .*AVX2"):
        compile_procs_to_strings([p], "bad.h")


@proc
def store_reg(y: [f32][8], r: [f32][8] @ AVX2):
    assert stride(y, 0) == 1
    assert stride(r, 0) == 1
    mm256_storeu_ps(y, r)


@proc
def passes_register(x: f32[8], y: f32[8]):
    r: f32[8] @ AVX2
    mm256_loadu_ps(r, x)
    store_reg(y, r)


@proc
def window_statement(x: f32[8], y: f32[8]):
    r: f32[2, 8] @ AVX2
    w = r[1, :]
    mm256_loadu_ps(w, x)
    mm256_storeu_ps(y, w)


@pytest.mark.parametrize("p", [passes_register, window_statement])
def test_register_windows_only_for_instrs(p):
    with pytest.raises(MemGenError, match=f"{HERE}:\\d+:\\d+: .*window of an AVX2 buffer.*only instrs can take"):
        compile_procs_to_strings([p], "bad.h")


# --------------------------------------------------------------------------- register arrays


@proc
def reg_array(n: size, x: f32[n, 8], y: f32[n, 8]):
    r: f32[n, 8] @ AVX2
    q: f32[n, 8] @ AVX2
    s: f32[n, 2, 8] @ AVX2
    for i in seq(0, n):
        mm256_loadu_ps(r[i, :], x[i, :])
        avx2_reg_copy_ps(q[i, :], r[i, :])
        mm256_setzero_ps(s[i, 0, :])
        mm256_add_ps(s[i, 1, :], r[i, :], q[i, :])
    for i in seq(0, n):
        mm256_storeu_ps(y[i, :], s[i, 1, :])


@needs_avx2
def test_register_array_with_symbolic_extent():
    c, _ = compile_procs_to_strings([reg_array], "r.h")
    assert "__m256 s[n][2];" in c
    assert "s[i][1] = _mm256_add_ps(r[i], q[i]);" in c
    rng = np.random.default_rng(0)
    x = rand(rng, (5, 8), np.float32)
    out = check(reg_array, "x86", n=5, x=x, y=np.zeros((5, 8), np.float32))
    np.testing.assert_array_equal(out["y"], x + x)
