"""A corpus of kernels covering every construct of the language.

Each entry of CORPUS is (procedure, sizes): ``sizes`` gives the control arguments used
when the kernel is run on random data. The corpus tests parse, print, round-trip,
interpret, compile and run every kernel and compare compiled C with the interpreter.
"""

from __future__ import annotations

from exo_core import DRAM, DRAM_STACK, DRAM_STATIC, config, instr, proc
from exo_core.extern import expf, fmaxf, relu, select, sigmoid, sin, sqrt


@proc
def matmul(n: size, m: size, p: size, A: f32[n, p] @ DRAM, B: f32[p, m] @ DRAM, C: f32[n, m] @ DRAM):
    for i in seq(0, n):
        for j in seq(0, m):
            for k in seq(0, p):
                C[i, j] += A[i, k] * B[k, j]


@proc
def matmul_R(n: size, A: R[n, n], B: R[n, n], C: R[n, n]):
    for i in seq(0, n):
        for j in seq(0, n):
            C[i, j] = 0.0
            for k in seq(0, n):
                C[i, j] += A[i, k] * B[k, j]


@proc
def conv1d(n: size, k: size, x: f32[n + k - 1], w: f32[k], y: f32[n]):
    for i in seq(0, n):
        y[i] = 0.0
        for r in seq(0, k):
            y[i] += w[r] * x[i + r]


@proc
def conv2d(h: size, w: size, img: f32[h + 2, w + 2], ker: f32[3, 3], out: f32[h, w]):
    for y in seq(0, h):
        for x in seq(0, w):
            out[y, x] = 0.0
            for dy in seq(0, 3):
                for dx in seq(0, 3):
                    out[y, x] += ker[dy, dx] * img[y + dy, x + dx]


@proc
def blur2d(h: size, w: size, inp: f32[h + 2, w + 2], out: f32[h, w]):
    tmp: f32[h + 2, w] @ DRAM
    for y in seq(0, h + 2):
        for x in seq(0, w):
            tmp[y, x] = (inp[y, x] + inp[y, x + 1] + inp[y, x + 2]) / 3.0
    for y in seq(0, h):
        for x in seq(0, w):
            out[y, x] = (tmp[y, x] + tmp[y + 1, x] + tmp[y + 2, x]) / 3.0


@proc
def copy_row(m: size, src: [f32][m], dst: [f32][m]):
    for j in seq(0, m):
        dst[j] = src[j]


@proc
def transpose(n: size, m: size, A: f32[n, m], B: f32[m, n]):
    for i in seq(0, n):
        copy_row(m, A[i, :], B[:, i])


@proc
def row_sums(n: size, m: size, A: f32[n, m], s: f32[n]):
    for i in seq(0, n):
        s[i] = 0.0
        for j in seq(0, m):
            s[i] += A[i, j]


@proc
def dot(n: size, x: f64[n], y: f64[n], out: f64):
    out = 0.0
    for i in seq(0, n):
        out += x[i] * y[i]


@proc
def row_max(n: size, m: size, A: f32[n, m], mx: f32[n]):
    for i in seq(0, n):
        mx[i] = A[i, 0]
        for j in seq(1, m):
            mx[i] = fmaxf(mx[i], A[i, j])


@proc
def activations(n: size, x: f32[n], r: f32[n], c: f32[n], s: f32[n], e: f32[n]):
    for i in seq(0, n):
        r[i] = relu(x[i])
        c[i] = select(x[i], 0.5, 0.5, x[i])
        s[i] = sigmoid(x[i])
        e[i] = expf(x[i] * 0.5) + sin(x[i])


@proc
def norms(n: size, m: size, A: f64[n, m], out: f64[n]):
    for i in seq(0, n):
        acc: f64 @ DRAM
        acc = 0.0
        for j in seq(0, m):
            acc += A[i, j] * A[i, j]
        out[i] = sqrt(acc)


@config
class ScaleCfg:
    scale: f32
    len: index
    on: bool


@proc
def set_scale(s: f32, n: size):
    ScaleCfg.scale = s
    ScaleCfg.len = n
    ScaleCfg.on = True


@proc
def scale_by_config(n: size, s: f32, x: f32[n], y: f32[n]):
    set_scale(s, n)
    if ScaleCfg.on:
        for i in seq(0, n):
            y[i] = x[i] * ScaleCfg.scale


@proc
def inner_add(m: size, a: [f32][m], b: [f32][m]):
    for j in seq(0, m):
        b[j] += a[j]


@proc
def middle_add(n: size, m: size, a: [f32][n, m], b: [f32][n, m]):
    for i in seq(0, n):
        inner_add(m, a[i, :], b[i, :])


@proc
def nested_calls(n: size, m: size, A: f32[n, m], B: f32[n, m]):
    assert n >= 2
    middle_add(n - 1, m, A[1:n, :], B[0:n - 1, :])
    inner_add(m, A[0, :], B[n - 1, :])


@proc
def unrolled_4(n: size, x: f32[n, 4], y: f32[n]):
    for i in seq(0, n):
        y[i] = 0.0
        with python:
            for k in range(4):
                with exo:
                    y[i] += x[i, {k}] * {float(k + 1)}


def make_scale(T: str, factor: float):
    @proc
    def scale_generic(n: size, x: {T}[n]):
        for i in seq(0, n):
            x[i] = x[i] * {factor}

    return scale_generic


scale_f64 = make_scale("f64", 2.5)

TILE = 4


@proc
def tiled_copy(n: size, x: f32[n, TILE], y: f32[n, TILE]):
    for i in seq(0, n):
        for j in seq(0, TILE):
            y[i, j] = x[i, j]


@proc
def widen_mac(n: size, a: i8[n], b: i8[n], acc: i32[n]):
    for i in seq(0, n):
        acc[i] += a[i] * b[i]


@proc
def add_u8(n: size, a: ui8[n], b: ui8[n], c: ui8[n]):
    for i in seq(0, n):
        c[i] = a[i] + b[i]


@proc
def avg_u16(n: size, a: ui16[n], b: ui16[n], c: ui16[n]):
    for i in seq(0, n):
        c[i] = (a[i] + b[i]) / 2


@proc
def axpy_f64(n: size, alpha: f64, x: f64[n], y: f64[n]):
    for i in seq(0, n):
        y[i] += alpha * x[i]


@proc
def scale_f16(n: size, x: f16[n], y: f16[n]):
    for i in seq(0, n):
        y[i] = x[i] * 0.5 + 1.0


@proc
def lower_triangle(n: size, A: f32[n, n], B: f32[n, n]):
    for i in seq(0, n):
        for j in seq(0, n):
            if j <= i:
                B[i, j] = A[i, j]
            else:
                B[i, j] = 0.0


@proc
def floor_index(n: size, x: f32[4], y: f32[n], z: f32[n + 1]):
    for i in seq(0, n):
        y[i] = x[(i - 2) % 4]
        z[(i - 2) / 4 + 1] += 1.0


@proc
def static_buffers(n: size, x: f32[n, 8], y: f32[n, 8]):
    for i in seq(0, n):
        s: f32[8] @ DRAM_STATIC
        t: f32[8] @ DRAM_STACK
        for j in seq(0, 8):
            s[j] = x[i, j] * 2.0
        for j in seq(0, 8):
            t[7 - j] = s[j]
        for j in seq(0, 8):
            y[i, j] = t[j]


@proc
def window_stmt(n: size, m: size, A: f32[n, m], out: f32[n]):
    for i in seq(0, n):
        row = A[i, :]
        out[i] = 0.0
        for j in seq(0, m):
            out[i] += row[j]


@proc
def sum_into(n: size, x: [f32][n], out: [f32][1]):
    out[0] = 0.0
    for i in seq(0, n):
        out[0] += x[i]


@proc
def contiguous_sum(n: size, x: [f32][n], out: [f32][1]):
    assert stride(x, 0) == 1
    sum_into(n, x, out)


@proc
def column_sums(n: size, m: size, A: f32[n, m], s: f32[m]):
    for j in seq(0, m):
        sum_into(n, A[:, j], s[j:j + 1])


@proc
def contiguous_sums(n: size, m: size, A: f32[n, m], s: f32[n]):
    for i in seq(0, n):
        contiguous_sum(m, A[i, :], s[i:i + 1])


@proc
def par_scale(n: size, m: size, A: f32[n, m]):
    for i in par(0, n):
        for j in seq(0, m):
            A[i, j] = A[i, j] * 2.0


@proc
def cond_flag(n: size, neg: bool, x: f32[n]):
    for i in seq(0, n):
        if neg:
            x[i] = -x[i]
        else:
            x[i] = x[i] + 1.0


@instr("for (int_fast32_t k = 0; k < {n}; k++) {{ {dst}.data[k * {dst}.strides[0]] += {src}.data[k * {src}.strides[0]]; }}")
def vec_acc(n: size, dst: [f32][n] @ DRAM, src: [f32][n] @ DRAM):
    assert n <= 16
    for k in seq(0, n):
        dst[k] += src[k]


@proc
def use_instr(n: size, A: f32[n, 16], s: f32[16]):
    for i in seq(0, n):
        vec_acc(16, s[0:16], A[i, 0:16])


CORPUS = {
    "matmul": (matmul, dict(n=5, m=7, p=3)),
    "matmul_R": (matmul_R, dict(n=6)),
    "conv1d": (conv1d, dict(n=11, k=4)),
    "conv2d": (conv2d, dict(h=5, w=6)),
    "blur2d": (blur2d, dict(h=6, w=5)),
    "transpose": (transpose, dict(n=4, m=6)),
    "row_sums": (row_sums, dict(n=5, m=9)),
    "dot": (dot, dict(n=17)),
    "row_max": (row_max, dict(n=4, m=7)),
    "activations": (activations, dict(n=13)),
    "norms": (norms, dict(n=3, m=5)),
    "scale_by_config": (scale_by_config, dict(n=9)),
    "nested_calls": (nested_calls, dict(n=5, m=6)),
    "unrolled_4": (unrolled_4, dict(n=5)),
    "scale_f64": (scale_f64, dict(n=8)),
    "tiled_copy": (tiled_copy, dict(n=3)),
    "widen_mac": (widen_mac, dict(n=12)),
    "add_u8": (add_u8, dict(n=20)),
    "avg_u16": (avg_u16, dict(n=20)),
    "axpy_f64": (axpy_f64, dict(n=10)),
    "scale_f16": (scale_f16, dict(n=10)),
    "lower_triangle": (lower_triangle, dict(n=6)),
    "floor_index": (floor_index, dict(n=9)),
    "static_buffers": (static_buffers, dict(n=3)),
    "window_stmt": (window_stmt, dict(n=4, m=5)),
    "column_sums": (column_sums, dict(n=6, m=4)),
    "contiguous_sums": (contiguous_sums, dict(n=6, m=4)),
    "par_scale": (par_scale, dict(n=4, m=3)),
    "cond_flag": (cond_flag, dict(n=6, neg=True)),
    "use_instr": (use_instr, dict(n=3)),
}
