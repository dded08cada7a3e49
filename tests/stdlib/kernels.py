"""@proc kernels the stdlib tests schedule."""

from __future__ import annotations

from exo_core import proc


@proc
def dot(n: size, x: f32[n], y: f32[n], r: f32):
    for i in seq(0, n):
        r += x[i] * y[i]


@proc
def axpy(n: size, a: f32, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        y[i] += a * x[i]


@proc
def gemv(m: size, n: size, A: f32[m, n], x: f32[n], y: f32[m]):
    for i in seq(0, m):
        for j in seq(0, n):
            y[i] += A[i, j] * x[j]


@proc
def matmul(m: size, n: size, k: size, A: f32[m, k], B: f32[k, n], C: f32[m, n]):
    for i in seq(0, m):
        for j in seq(0, n):
            for kk in seq(0, k):
                C[i, j] += A[i, kk] * B[kk, j]


@proc
def mat_sum(m: size, n: size, A: f32[m, n], r: f32):
    for i in seq(0, m):
        for j in seq(0, n):
            r += A[i, j]


@proc
def scale_rows(m: size, n: size, s: f32[m], A: f32[m, n]):
    for i in seq(0, m):
        t: f32
        t = s[i] * 2.0
        for j in seq(0, n):
            A[i, j] = A[i, j] * t


@proc
def invariant(n: size, a: f32, b: f32[1], x: f32[n]):
    for i in seq(0, n):
        x[i] = x[i] + a
        b[0] = a * 2.0


@proc
def zero_then_loop(n: size, x: f32[n], flag: f32[1]):
    flag[0] = 0.0
    for i in seq(0, n):
        x[i] = x[i] * 2.0


@proc
def three_stmts(n: size, x: f32[n], y: f32[n], z: f32[n]):
    for i in seq(0, n):
        x[i] = x[i] + 1.0
        y[i] = x[i] * 2.0
        z[i] = y[i] + x[i]


@proc
def with_alloc(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        t: f32
        t = x[i] * x[i]
        y[i] = t + 1.0


@proc
def branchy(n: size, k: size, x: f32[n]):
    for i in seq(0, n):
        if k > 4:
            x[i] = 1.0
        else:
            x[i] = 2.0


@proc
def blur(n: size, x: f32[n + 2], y: f32[n]):
    for i in seq(0, n):
        y[i] = x[i] + x[i + 1] + x[i + 2]


@proc
def inner_stencil(n: size, x: f32[n + 4], y: f32[n]):
    for i in seq(0, n):
        y[i] = x[i + 1] + x[i + 3]


@proc
def square_diff(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        y[i] = x[i] * x[i] - y[i]


@proc
def small_buf(x: f32[4], y: f32[4]):
    t: f32[2, 4]
    for i in seq(0, 4):
        t[0, i] = x[i] * 2.0
        t[1, i] = x[i] + 1.0
    for i in seq(0, 4):
        y[i] = t[0, i] + t[1, i]


@proc
def tiny_loops(x: f32[8]):
    for i in seq(0, 1):
        x[i] = 1.0
    for j in seq(2, 4):
        x[j] = x[j] + 2.0
    for k in seq(4, 8):
        x[k] = 3.0


@proc
def tail_loop(n: size, x: f32[n]):
    for i in seq(0, n):
        x[i] = x[i] * 3.0 + 1.0


# --------------------------------------------------------------------------- refused cases


@proc
def hoist_blocked(n: size, a: f32, b: f32[1], x: f32[n]):
    for i in seq(0, n):
        x[i] = b[0]
        b[0] = a * 2.0


@proc
def count_then_loop(n: size, x: f32[n], c: f32[1]):
    c[0] += 1.0
    for i in seq(0, n):
        x[i] = x[i] * 2.0


@proc
def skewed(n: size, m: size, A: f32[n + 1, m + 1]):
    for i in seq(0, n):
        for j in seq(0, m):
            A[i + 1, j] = A[i, j + 1] * 0.5


@proc
def prefix(n: size, x: f32[n + 1]):
    for i in seq(0, n):
        x[i + 1] = x[i] * 0.5 + 1.0


@proc
def carry(n: size, x: f32[n], y: f32[n], t: f32[1]):
    for i in seq(0, n):
        t[0] = x[i] * 2.0
        y[i] = t[0] + 1.0


@proc
def aliased_reads(n: size, x: f32[n], y: f32[n], z: f32[n]):
    for i in seq(0, n):
        y[i] = x[0] * 2.0
        x[i] = 1.0
        z[i] = x[0] + 1.0


@proc
def guarded_after(n: size, k: size, x: f32[n]):
    for i in seq(0, n):
        x[i] = 0.0
        if k > 4:
            x[i] = 1.0


@proc
def two_loops(n: size, x: f32[n], y: f32[n], r: f32):
    for i in seq(0, n):
        r += x[i]
        y[i] = x[i]


@proc
def maybe_empty(n: size, x: f32[n]):
    for i in seq(0, n - 3):
        x[i] = 1.0


@proc
def axpy4(n: size, a: f32, x: f32[n], y: f32[n]):
    assert n % 4 == 0
    for i in seq(0, n):
        y[i] += a * x[i]
