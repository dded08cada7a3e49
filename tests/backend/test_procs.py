"""The backend on @proc kernels: compiled with gcc -Werror, run against numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from exo_core import DRAM, DRAM_STACK, DRAM_STATIC, Memory, config, instr, proc
from exo_core.backend import compile_procs_to_strings
from exo_core.errors import ConfigError, MemGenError
from exo_core.extern import relu, select, sqrt

from .cbuild import Lib


def _line_of(marker: str) -> int:
    """The line of this file carrying ``# <marker>``, for checking error locations."""
    for n, text in enumerate(Path(__file__).read_text().splitlines(), start=1):
        if text.rstrip().endswith(f"# {marker}"):
            return n
    raise AssertionError(marker)


# --------------------------------------------------------------------------- kernels


@proc
def matmul(n: size, m: size, k: size, A: f32[n, k] @ DRAM, B: f32[k, m] @ DRAM, C: f32[n, m] @ DRAM):
    for i in seq(0, n):
        for j in seq(0, m):
            C[i, j] = 0.0
            for r in seq(0, k):
                C[i, j] += A[i, r] * B[r, j]


@proc
def conv1d(n: size, k: size, x: f64[n + k - 1], w: f64[k], y: f64[n]):
    for i in seq(0, n):
        y[i] = 0.0
        for r in seq(0, k):
            y[i] += w[r] * x[i + r]


@proc
def axpy(m: size, alpha: f32, x: [f32][m], y: [f32][m]):
    assert stride(x, 0) == 1
    for j in seq(0, m):
        y[j] += alpha * x[j]


@proc
def gemm_rows(n: size, m: size, p: size, A: f32[n, p], B: f32[p, m], C: f32[n, m]):
    for i in seq(0, n):
        row = C[i, :]
        for k in seq(0, p):
            a: f32 @ DRAM
            a = A[i, k]
            axpy(m, a, B[k, 0:m], row)


@proc
def scale_cols(n: size, m: size, w: [i32][n, m]):
    for i in seq(0, n):
        for j in seq(0, m):
            w[i, j] = w[i, j] * 3 + 1


@proc
def floors(off: index, src: i32[16], q: i32[8], r: i32[8]):
    assert off >= -16 and off <= 40
    for i in seq(0, 8):
        q[i] = src[(i + off) / 4 + 4]
        r[i] = src[(i + off) % 4]


@proc
def plain_div(n: size, x: f32[n], y: f32[n, 3]):
    for i in seq(0, n):
        x[i / 2] = y[i % 3, (i + n) % 3]


@proc
def every_type(a8: i8[4], u8: ui8[4], u16: ui16[4], a32: i32[4], h: f16[4], f: f32[4], d: f64[4], r: R[4]):
    for i in seq(0, 4):
        a8[i] = a8[i] * 2 + 100
        u8[i] = u8[i] * 3 + 250
        u16[i] = u16[i] * 7
        a32[i] = a32[i] / 3
        h[i] = h[i] * 0.5 + 1.0
        f[i] = f[i] * 0.25
        d[i] = d[i] * 0.1
        r[i] = r[i] + f[i]


@proc
def conversions(f: f32[4], d: f64[4], a8: i8[4]):
    d[0] = f[0] * 3.0
    a8[0] = f[1] * 2.0
    f[2] = d[1]
    d[2] = 0.1
    d[3] = sqrt(d[1])
    f[3] = select(f[0], f[1], 1.0, 2.0) + relu(f[0])


@proc
def buffers(n: size, x: f32[n, 8], y: f32[n, 8]):
    for i in seq(0, n):
        s: f32[8] @ DRAM_STATIC
        t: f32[8] @ DRAM_STACK
        u: f32[8] @ DRAM
        for j in seq(0, 8):
            s[j] = x[i, j] * 2.0
        for j in seq(0, 8):
            t[7 - j] = s[j]
        for j in seq(0, 8):
            u[j] = t[j]
        for j in seq(0, 8):
            y[i, j] = u[j]
        y[i, 0] += 1.0


@config
class Knobs:
    scale: f32
    count: index
    on: bool


@config(readwrite=False)
class HwMode:
    mode: index


@proc
def set_knobs(s: f32, n: index):
    Knobs.scale = s
    Knobs.count = n
    Knobs.on = True


@proc
def use_knobs(x: f32[8]):
    if Knobs.on:
        for i in seq(0, Knobs.count):
            if i < 8:
                x[i] = x[i] * Knobs.scale


@instr("vadd_hw({n}, &{dst_data}, {dst}.strides[0], {src}, *{s});",
       c_global="#define vadd_hw(n, d, ds, s, k) \\\n"
                "    for (int_fast32_t q_ = 0; q_ < (n); q_++) (d)[q_ * (ds)] = (s).data[q_] + (k)")
def vadd(n: size, dst: [f32][n] @ DRAM, src: [f32][n] @ DRAM, s: f32 @ DRAM):
    assert stride(src, 0) == 1
    for k in seq(0, n):
        dst[k] = src[k] + s


@proc
def use_vadd(A: f32[4, 4], B: f32[4, 4]):
    for i in seq(0, 4):
        c: f32 @ DRAM
        c = 10.0
        vadd(4, A[:, i], B[i, :], c)


@instr("set_mode_hw({m});", c_global="#define set_mode_hw(m) ((void) (m))")
def set_mode(m: index):
    HwMode.mode = m


@proc
def uses_hw_mode(x: f32[1]):
    set_mode(2)
    x[0] = 1.0


@proc
def clashes(int: size, double: f32[int], free: f32[int]):
    for i in seq(0, int):
        ctxt: f32 @ DRAM
        ctxt = double[i]
        for i in seq(0, 1):
            free[i] += ctxt


# --------------------------------------------------------------------------- tests


def test_matmul(tmp_path):
    lib = Lib([matmul], tmp_path)
    rng = np.random.default_rng(0)
    A = rng.standard_normal((5, 7)).astype(np.float32)
    B = rng.standard_normal((7, 3)).astype(np.float32)
    C = np.zeros((5, 3), np.float32)
    lib.matmul(5, 3, 7, A, B, C)
    np.testing.assert_allclose(C, A @ B, rtol=1e-5, atol=1e-5)
    assert "const float* EXO_RESTRICT A, const float* EXO_RESTRICT B, float* EXO_RESTRICT C" in lib.h


def test_conv1d(tmp_path):
    lib = Lib([conv1d], tmp_path)
    rng = np.random.default_rng(1)
    x, w, y = rng.standard_normal(12), rng.standard_normal(4), np.zeros(9)
    lib.conv1d(9, 4, x, w, y)
    np.testing.assert_allclose(y, np.convolve(x, w[::-1], mode="valid"))


def test_windows_and_known_strides(tmp_path):
    lib = Lib([gemm_rows], tmp_path)
    assert "y.data[j * y.strides[0]] += *alpha * x.data[j];" in lib.c
    assert "struct exo_win_1f32 row = (struct exo_win_1f32){ &C[i * m], { 1 } };" in lib.c
    rng = np.random.default_rng(2)
    A = rng.standard_normal((4, 5)).astype(np.float32)
    B = rng.standard_normal((5, 6)).astype(np.float32)
    C = rng.standard_normal((4, 6)).astype(np.float32)
    want = C + A @ B
    lib.gemm_rows(4, 6, 5, A, B, C)
    np.testing.assert_allclose(C, want, rtol=1e-5, atol=1e-5)


def test_window_param_on_strided_view(tmp_path):
    lib = Lib([scale_cols], tmp_path)
    a = np.arange(60, dtype=np.int32).reshape(6, 10)
    want = a.copy()
    want[::2, 1::3] = want[::2, 1::3] * 3 + 1
    lib.scale_cols(3, 3, a[::2, 1::3])
    np.testing.assert_array_equal(a, want)


def test_floor_division_on_negative_values(tmp_path):
    lib = Lib([floors], tmp_path)
    src = np.arange(16, dtype=np.int32)
    for off in (-9, -1, 0, 5):
        q, r = np.zeros(8, np.int32), np.zeros(8, np.int32)
        lib.floors(off, src, q, r)
        np.testing.assert_array_equal(q, [(i + off) // 4 + 4 for i in range(8)])
        np.testing.assert_array_equal(r, [(i + off) % 4 for i in range(8)])
    c, _ = compile_procs_to_strings([plain_div], "x.h")
    assert "x[i / 2] = y[i % 3 * 3 + (i + n) % 3];" in c and "exo_floor" not in c


def test_every_scalar_type(tmp_path):
    lib = Lib([every_type], tmp_path)
    a8 = np.array([1, 20, -60, 100], np.int8)
    u8 = np.array([0, 1, 2, 3], np.uint8)
    u16 = np.array([1, 10000, 20000, 3], np.uint16)
    a32 = np.array([7, -7, 9, -1], np.int32)
    h = np.array([1, 2, 3, 4], np.float16)
    f = np.array([1, 2, 3, 4], np.float32)
    d = np.array([1, 2, 3, 4], np.float64)
    r = np.array([1, 1, 1, 1], np.float32)
    want = [(a8.astype(int) * 2 + 100).astype(np.int8), (u8.astype(int) * 3 + 250).astype(np.uint8),
            (u16.astype(int) * 7).astype(np.uint16), np.array([2, -2, 3, 0], np.int32),
            h * np.float16(0.5) + np.float16(1), f * np.float32(0.25), d * 0.1, r + f * np.float32(0.25)]
    lib.every_type(a8, u8, u16, a32, h, f, d, r)
    for got, w in zip((a8, u8, u16, a32, h, f, d, r), want):
        np.testing.assert_array_equal(got, w)
    for ctype in ("int8_t", "uint8_t", "uint16_t", "int32_t", "_Float16", "float", "double"):
        assert f"{ctype}* restrict" in lib.c


def test_precision_conversions(tmp_path):
    lib = Lib([conversions], tmp_path)
    f = np.array([1.5, 2.25, 0, 0], np.float32)
    d = np.array([0, 2.0, 0, 0])
    a8 = np.zeros(4, np.int8)
    lib.conversions(f, d, a8)
    np.testing.assert_array_equal(d, [4.5, 2, np.float64(np.float32(0.1)), np.sqrt(2)])
    np.testing.assert_array_equal(f, [1.5, 2.25, 2, 1 + 1.5])
    assert a8[0] == 4
    assert "d[0] = (double) (f[0] * 3.0f);" in lib.c and "a8[0] = (int8_t) (f[1] * 2.0f);" in lib.c


def test_static_stack_and_heap_buffers(tmp_path):
    lib = Lib([buffers], tmp_path)
    assert "static float s[8];" in lib.c and "float t[8];" in lib.c
    body = lib.c.split("void buffers(")[1]
    lines = [ln.strip() for ln in body.splitlines()]
    # u's last use is the copy into y: freed right after that loop, before `y[i * 8] += 1.0f`
    i = lines.index("free(u);")
    assert lines[i - 2] == "y[i * 8 + j] = u[j];" and lines[i + 1] == "y[i * 8] += 1.0f;"
    x = np.arange(16, dtype=np.float32).reshape(2, 8)
    y = np.zeros((2, 8), np.float32)
    lib.buffers(2, x, y)
    want = (x * 2)[:, ::-1].copy()
    want[:, 0] += 1
    np.testing.assert_array_equal(y, want)


def test_configs(tmp_path):
    lib = Lib([set_knobs, use_knobs], tmp_path)
    assert "struct Knobs {\n        float scale;\n        int_fast32_t count;\n        bool on;\n    } Knobs;" in lib.h
    assert "for (int_fast32_t i = 0; i < ctxt->Knobs.count; i++) {" in lib.c
    assert "if (i < 8) {" in lib.c
    lib.set_knobs(np.array([3], np.float32), 5)
    x = np.ones(8, np.float32)
    lib.use_knobs(x)
    np.testing.assert_array_equal(x, [3] * 5 + [1] * 3)


def test_instr_template_expansion(tmp_path):
    lib = Lib([use_vadd], tmp_path)
    assert "vadd_hw((4), &A[i], ((struct exo_win_1f32){ &A[i], { 4 } })" in lib.c
    assert "((struct exo_win_1f32c){ &B[i * 4], { 1 } }), *(&c));" in lib.c
    assert lib.c.count("#define vadd_hw") == 1 and "void vadd" not in lib.c
    A = np.zeros((4, 4), np.float32)
    B = np.arange(16, dtype=np.float32).reshape(4, 4)
    lib.use_vadd(A, B)
    np.testing.assert_array_equal(A, B.T + 10)


def test_readwrite_false_config_only_through_instrs(tmp_path):
    lib = Lib([uses_hw_mode], tmp_path)
    assert "// config 'HwMode' not materialized (readwrite=False)" in lib.h
    assert "set_mode_hw((2));" in lib.c


def test_names_clashing_with_c(tmp_path):
    lib = Lib([clashes], tmp_path)
    assert "void clashes(void *ctxt, int_fast32_t int_1, const float* restrict double_1, float* restrict free_1)" in lib.c
    assert "float ctxt_1;" in lib.c and "for (int_fast32_t i_1 = 0; i_1 < 1; i_1++)" in lib.c
    d = np.arange(3, dtype=np.float32)
    f = np.zeros(3, np.float32)
    lib.clashes(3, d, f)
    np.testing.assert_array_equal(f, [3, 0, 0])


# --------------------------------------------------------------------------- errors


class REGS(Memory):
    """Registers: only instrs may touch them."""

    @classmethod
    def alloc(cls, new_name, prim_type, shape, srcinfo):
        return f"{prim_type} {new_name}[{shape[0]}];"

    @classmethod
    def can_read(cls):
        return False


@instr("regs_fill(&{dst_data});")
def regs_fill(dst: [f32][4] @ REGS):
    for k in seq(0, 4):
        dst[k] = 0.0


@proc
def reads_regs(x: f32[4]):
    r: f32[4] @ REGS
    regs_fill(r[0:4])
    for i in seq(0, 4):
        x[i] = r[i]  # reads_regs


@proc
def writes_regs(x: f32[4]):
    r: f32[4] @ REGS
    for i in seq(0, 4):
        r[i] = x[i]  # writes_regs


@proc
def fills_dram(x: f32[4]):
    regs_fill(x[0:4])  # fills_dram


@proc
def reads_hw_mode(x: f32[1]):
    if HwMode.mode == 1:  # reads_hw_mode
        x[0] = 1.0


def test_unreadable_memory():
    with pytest.raises(MemGenError, match=rf"test_procs.py:{_line_of('reads_regs')}:.*'r'.*REGS"):
        compile_procs_to_strings([reads_regs], "x.h")
    with pytest.raises(MemGenError, match=rf"test_procs.py:{_line_of('writes_regs')}:.*REGS"):
        compile_procs_to_strings([writes_regs], "x.h")


def test_buffer_in_wrong_memory_for_callee():
    with pytest.raises(MemGenError, match=rf"test_procs.py:{_line_of('fills_dram')}:.*REGS.*'x'.*DRAM"):
        compile_procs_to_strings([fills_dram], "x.h")


def test_readwrite_false_config_in_compiled_code():
    with pytest.raises(ConfigError, match=rf"test_procs.py:{_line_of('reads_hw_mode')}:.*HwMode"):
        compile_procs_to_strings([reads_hw_mode], "x.h")
