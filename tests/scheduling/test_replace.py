"""replace / replace_all / replace_once: accepted replacements. The replaced procedures
agree with the originals in the interpreter (instr calls run their bodies) and, compiled
with -mavx2 -mfma, with numpy; index expressions unify by value, not spelling (Exo #496);
cursors follow the replaced code to the call."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from exo_core import config, instr, proc
from exo_core.errors import InvalidCursorError
from exo_core.scheduling import divide_loop, replace, replace_all, replace_once, simplify

from . import checks
from .checks import body, refused
from .test_replace_util import (
    AVX2,
    AVX_FLAGS,
    AVX_INSTRS,
    HAS_AVX2,
    agree,
    mm256_add_ps,
    mm256_broadcast_ss,
    mm256_broadcast_ss_scalar,
    mm256_fmadd_ps,
    mm256_loadu_ps,
    mm256_prefix_load_ps,
    mm256_prefix_store_ps,
    mm256_storeu_ps,
    needs_avx2,
    rand,
)

# the random inputs these tests were written against
same_results = functools.partial(checks.same_results, trials=5, seed=11)

# --------------------------------------------------------------------------- kernels


@proc
def rank_k(K: size, A: f32[6, K], B: f32[K, 16], C: f32[6, 16]):
    C_reg: f32[6, 2, 8] @ AVX2
    for i in seq(0, 6):
        for jo in seq(0, 2):
            for ji in seq(0, 8):
                C_reg[i, jo, ji] = C[i, 8 * jo + ji]
    for k in seq(0, K):
        b_vec: f32[2, 8] @ AVX2
        for jo in seq(0, 2):
            for ji in seq(0, 8):
                b_vec[jo, ji] = B[k, 8 * jo + ji]
        for i in seq(0, 6):
            a_vec: f32[8] @ AVX2
            for ji in seq(0, 8):
                a_vec[ji] = A[i, k]
            for jo in seq(0, 2):
                for ji in seq(0, 8):
                    C_reg[i, jo, ji] += a_vec[ji] * b_vec[jo, ji]
    for i in seq(0, 6):
        for jo in seq(0, 2):
            for ji in seq(0, 8):
                C[i, 8 * jo + ji] = C_reg[i, jo, ji]


def test_rank_k_kernel_replace_all():
    p = replace_all(rank_k, AVX_INSTRS)
    text = body(p)
    assert "seq(0, 8)" not in text, text
    assert "mm256_loadu_ps(C_reg[i, jo, 0:8], C[i, 8 * jo:8 * jo + 8])" in text
    assert "mm256_broadcast_ss(a_vec[0:8], A[i, k:k + 1])" in text
    assert "mm256_fmadd_ps(C_reg[i, jo, 0:8], a_vec[0:8], b_vec[jo, 0:8])" in text
    assert "mm256_storeu_ps(C[i, 8 * jo:8 * jo + 8], C_reg[i, jo, 0:8])" in text
    agree(rank_k, p)


@needs_avx2
def test_rank_k_kernel_compiled_avx2():
    p = replace_all(rank_k, AVX_INSTRS)
    f = p.jit(target="c", cflags=AVX_FLAGS)
    assert "_mm256_fmadd_ps" in f.c_source
    rng = np.random.default_rng(1)
    for K in (1, 7, 32):
        A, B, C = rand(rng, 6, K), rand(rng, K, 16), rand(rng, 6, 16)
        want = C + A @ B
        f(K, A, B, C)
        np.testing.assert_allclose(C, want, rtol=1e-5, atol=1e-5)


@proc
def axpy(n: size, a: f32[1], x: f32[n], y: f32[n]):
    assert n % 8 == 0
    for i in seq(0, n):
        y[i] += a[0] * x[i]


def scheduled_axpy():
    """axpy divided into vectors of 8, with registers staged by hand."""

    @proc
    def axpy_vec(n: size, a: f32[1], x: f32[n], y: f32[n]):
        assert n % 8 == 0
        av: f32[8] @ AVX2
        for ii in seq(0, 8):
            av[ii] = a[0]
        for io in seq(0, n / 8):
            xv: f32[8] @ AVX2
            yv: f32[8] @ AVX2
            for ii in seq(0, 8):
                xv[ii] = x[8 * io + ii]
            for ii in seq(0, 8):
                yv[ii] = y[ii + io * 8]
            for ii in seq(0, 8):
                yv[ii] += av[ii] * xv[ii]
            for ii in seq(0, 8):
                y[(io + 1) * 8 + ii - 8] = yv[ii]

    return axpy_vec


def test_axpy_replace_one_by_one_and_forwarding():
    p0 = scheduled_axpy()
    loops = p0.find_loop("ii", many=True)
    p = p0
    for c, ins in zip(loops, [mm256_broadcast_ss, mm256_loadu_ps, mm256_loadu_ps, mm256_fmadd_ps, mm256_storeu_ps]):
        p = replace(p, c, ins)
        call = p.forward(c)
        assert call.subproc().name() == ins.name()
    text = body(p)
    assert "mm256_loadu_ps(yv[0:8], y[8 * io:8 * io + 8])" in text
    assert "mm256_storeu_ps(y[8 * io:8 * io + 8], yv[0:8])" in text
    agree(p0, p, sizes={"n": 16})
    agree(axpy, p, sizes={"n": 24})


@needs_avx2
def test_axpy_compiled_avx2():
    p = replace_all(scheduled_axpy(), AVX_INSTRS)
    f = p.jit(target="c", cflags=AVX_FLAGS)
    rng = np.random.default_rng(2)
    for n in (8, 64):
        a, x, y = rand(rng, 1), rand(rng, n), rand(rng, n)
        want = y + a[0] * x
        f(n, a, x, y)
        np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------- index forms (#496)


@proc
def tail_copy(n: size, x: f32[n], y: f32[n]):
    for io in seq(0, n / 8):
        v: f32[8] @ AVX2
        for i in seq(0, 8):
            v[i] = x[8 * io + i + 1 - 1]
        for i in seq(0, 8):
            y[i + 8 * io] = v[i]
    if n % 8 > 0:
        w: f32[8] @ AVX2
        for i in seq(0, 8):
            if i + 8 * (n / 8) < n:
                w[i] = x[8 * (n / 8) + i]
        for i in seq(0, 8):
            if n - 8 * (n / 8) > i:
                y[i + 8 * (n / 8)] = w[i]


def test_masked_tail_unifies_whatever_the_spelling():
    p = replace_all(tail_copy, [mm256_loadu_ps, mm256_storeu_ps, mm256_prefix_load_ps, mm256_prefix_store_ps])
    text = body(p)
    assert "seq(0, 8)" not in text, text
    assert "mm256_loadu_ps(v[0:8], x[8 * io:8 * io + 8])" in text
    assert "mm256_prefix_load_ps(n - 8 * (n / 8), w[0:8], x[8 * (n / 8):n])" in text
    agree(tail_copy, p)


@needs_avx2
def test_masked_tail_compiled_avx2():
    p = replace_all(tail_copy, [mm256_loadu_ps, mm256_storeu_ps, mm256_prefix_load_ps, mm256_prefix_store_ps])
    f = p.jit(target="c", cflags=AVX_FLAGS)
    rng = np.random.default_rng(3)
    for n in (3, 8, 21):
        x, y = rand(rng, n), np.zeros(n, dtype=np.float32)
        f(n, x, y)
        np.testing.assert_array_equal(y, x)


@proc
def tail_a(n: size, k: index, x: f32[n], w: f32[8] @ AVX2):
    assert k >= 0 and k + 1 <= n and n <= k + 8
    for i in seq(0, 8):
        if i + k < n:
            w[i] = x[k + i]


@proc
def tail_b(n: size, k: index, x: f32[n], w: f32[8] @ AVX2):
    assert k >= 0 and k + 1 <= n and n <= k + 8
    for i in seq(0, 8):
        if n > k + i:
            w[i] = x[i + k]


@proc
def tail_c(n: size, k: index, x: f32[n], w: f32[8] @ AVX2):
    assert k >= 0 and k + 1 <= n and n <= k + 8
    for i in seq(0, 8):
        if i + k + 1 <= n:
            w[i] = x[k + i]


@proc
def tail_d(n: size, k: index, x: f32[n], w: f32[8] @ AVX2):
    assert k >= 0 and k + 1 <= n and n <= k + 8
    for i in seq(0, 8):
        if i < n - k:
            w[i] = x[k + 2 * i - i]


@proc
def tail_e(n: size, k: index, x: f32[n], w: f32[8] @ AVX2):
    assert k >= 0 and k + 1 <= n and n <= k + 8
    for i in seq(0, 8):
        if n - k - i >= 1:
            w[i] = x[k + i]


@pytest.mark.parametrize("p0", [tail_a, tail_b, tail_c, tail_d, tail_e], ids=lambda p: p.name())
def test_condition_forms(p0):
    """``i + k < n``, ``n > k + i``, ``i + k + 1 <= n``, ``i < n - k``... are one condition."""
    p = replace(p0, p0.find_loop("i"), mm256_prefix_load_ps)
    assert "mm256_prefix_load_ps(n - k, w[0:8], x[k:n])" in body(p), body(p)
    agree(p0, p)


# --------------------------------------------------------------------------- argument forms


@proc
def broadcasts(K: size, A: f32[4, K], out: f32[2, 8]):
    assert K >= 3
    r: f32[2, 8] @ AVX2
    a: f32
    a = A[1, K - 1]
    for i in seq(0, 8):
        r[0, i] = a
    for i in seq(0, 8):
        r[1, i] = A[3, 2]
    for j in seq(0, 2):
        for i in seq(0, 8):
            out[j, i] = r[j, i]


def broadcast_both(p):
    p = replace(p, p.find_loop("i"), mm256_broadcast_ss_scalar)
    return replace(p, p.find_loop("i"), mm256_broadcast_ss)


def test_scalar_and_window_of_one_broadcasts():
    p = broadcast_both(broadcasts)
    text = body(p)
    assert "mm256_broadcast_ss_scalar(r[0, 0:8], a)" in text
    assert "mm256_broadcast_ss(r[1, 0:8], A[3, 2:3])" in text
    agree(broadcasts, p)
    refused(replace, broadcasts, broadcasts.find_loop("i #1"), mm256_broadcast_ss_scalar,
            words=["'val' of mm256_broadcast_ss_scalar is a scalar: it can receive a scalar variable, not an "
                   "element of A"])


@needs_avx2
def test_scalar_broadcast_compiled_avx2():
    p = broadcast_both(broadcasts)
    p = replace(p, p.find_loop("i"), mm256_storeu_ps)
    f = p.jit(target="c", cflags=AVX_FLAGS)
    A, out = rand(np.random.default_rng(4), 4, 5), np.zeros((2, 8), dtype=np.float32)
    f(5, A, out)
    np.testing.assert_array_equal(out[0], np.full(8, A[1, 4]))
    np.testing.assert_array_equal(out[1], np.full(8, A[3, 2]))


@proc
def scale_rows(n: size, m: size, x: f32[n, m], y: f32[n, m], c: f32):
    for i in seq(0, n):
        for j in seq(0, m):
            y[i, j] = c * x[i, j]


@proc
def scale_vec(n: size, c: f32, src: [f32][n], dst: [f32][n]):
    for k in seq(0, n):
        dst[k] = c * src[k]


def test_proc_with_size_argument():
    """A plain proc as the callee: its size comes from the loop, windows from the accesses."""
    p = replace(scale_rows, scale_rows.find_loop("j"), scale_vec)
    assert "scale_vec(m, c, x[i, 0:m], y[i, 0:m])" in body(p)
    same_results(scale_rows, p)


def test_after_divide_loop():
    """The inner loop of a divided loop (guarded tail), replaced by a call."""

    @proc
    def copy8(src: [f32][8], dst: [f32][8]):
        for k in seq(0, 8):
            dst[k] = src[k]

    @proc
    def copy(n: size, x: f32[n], y: f32[n]):
        for i in seq(0, n):
            y[i] = x[i]

    p = divide_loop(copy, "i", 8, ["io", "ii"], tail="cut")
    p = simplify(p)
    p = replace(p, p.find_loop("ii"), copy8)
    assert "copy8(x[8 * io:8 * io + 8], y[8 * io:8 * io + 8])" in body(p)
    same_results(copy, p)


@proc
def sum2(x: [f32][8], y: [f32][8], z: [f32][8]):
    for i in seq(0, 8):
        z[i] = x[i]
    for i in seq(0, 8):
        z[i] += y[i]


@proc
def two_loops(a: f32[16], b: f32[16], c: f32[16]):
    for i in seq(0, 8):
        c[i + 8] = a[i + 8]
    for j in seq(0, 8):
        c[8 + j] += b[j + 8]
    c[0] = 1.0


def test_multi_statement_body_replaces_a_prefix_of_the_block():
    blk = two_loops.find_loop("i").expand(0, 2)
    assert len(blk) == 3
    last = two_loops.body()[2]
    p = replace(two_loops, blk, sum2)
    assert body(p).splitlines() == ["sum2(a[8:16], b[8:16], c[8:16])", "c[0] = 1.0"]
    assert p.forward(last) == p.body()[1]
    assert len(p.forward(blk)) == 2  # the call and the statement after it
    call = p.forward(blk[0:2])
    assert len(call) == 1 and call[0] == p.body()[0]
    same_results(two_loops, p)


def test_forwarding_into_replaced_code_is_invalid():
    inner = two_loops.find("c[i + 8] = _")
    p = replace(two_loops, two_loops.find_loop("i").expand(0, 1), sum2)
    with pytest.raises(InvalidCursorError):
        p.forward(inner)


@proc
def add3(x: f32[3, 8], y: f32[8]):
    r: f32[8] @ AVX2
    s: f32[8] @ AVX2
    t: f32[8] @ AVX2
    for i in seq(0, 8):
        r[i] = x[0, i]
    for i in seq(0, 8):
        s[i] = x[1, i]
    for i in seq(0, 8):
        t[i] = r[i] + s[i]
    for i in seq(0, 8):
        r[i] = t[i] + s[i]
    for i in seq(0, 8):
        y[i] = r[i]


def test_add_instr_and_replace_once():
    once = replace_once(add3, [mm256_add_ps])
    assert body(once).count("mm256_add_ps") == 1
    assert "mm256_add_ps(t[0:8], r[0:8], s[0:8])" in body(once)
    every = replace_all(add3, mm256_add_ps)
    assert body(every).count("mm256_add_ps") == 2
    agree(add3, every)
    both = replace_once(add3, [mm256_add_ps, mm256_loadu_ps])
    assert body(both).count("mm256_add_ps") == 1 and body(both).count("mm256_loadu_ps") == 1


def test_replace_all_without_matches_changes_nothing():
    p = replace_all(scale_rows, AVX_INSTRS)
    assert str(p) == str(scale_rows)


def test_extent_proven_equal_in_context():
    @proc
    def fixed(n: size, x: f32[n], y: f32[8]):
        assert n == 8
        r: f32[8] @ AVX2
        for i in seq(0, n):
            r[i] = x[i]
        for i in seq(0, 8):
            y[i] = r[i]

    p = replace(fixed, fixed.find_loop("i"), mm256_loadu_ps)
    assert "mm256_loadu_ps(r[0:8], x[0:8])" in body(p)
    agree(fixed, p)


def test_window_statement_argument():
    @proc
    def via_window(x: f32[4, 16], y: f32[8]):
        xw = x[2, 4:12]
        r: f32[8] @ AVX2
        for i in seq(0, 8):
            r[i] = xw[i]
        for i in seq(0, 8):
            y[i] = r[i]

    p = replace(via_window, via_window.find_loop("i"), mm256_loadu_ps)
    assert "mm256_loadu_ps(r[0:8], xw[0:8])" in body(p)
    agree(via_window, p)


@config
class LoadCfg:
    src_stride: stride


@instr("/* stride {src_stride} */")
def config_ld(src_stride: stride):
    LoadCfg.src_stride = src_stride


@proc
def set_stride(n: size, A: f32[n, 16], B: [f32][n, 16]):
    LoadCfg.src_stride = stride(A, 0)
    LoadCfg.src_stride = stride(B, 0)


def test_stride_argument_keeps_its_spelling():
    p = replace(set_stride, set_stride.body()[0], config_ld)
    p = replace(p, p.body()[1], config_ld)
    assert body(p).splitlines() == ["config_ld(stride(A, 0))", "config_ld(stride(B, 0))"]
    agree(set_stride, p)


def test_replaced_procs_print_and_parse_back():
    from ir.roundtrip import assert_round_trip

    tails = [mm256_loadu_ps, mm256_storeu_ps, mm256_prefix_load_ps, mm256_prefix_store_ps]
    for p in (replace_all(rank_k, AVX_INSTRS), replace_all(scheduled_axpy(), AVX_INSTRS),
              replace_all(tail_copy, tails), broadcast_both(broadcasts),
              replace(scale_rows, scale_rows.find_loop("j"), scale_vec),
              replace(set_stride, set_stride.body()[0], config_ld),
              replace(tail_d, tail_d.find_loop("i"), mm256_prefix_load_ps)):
        assert_round_trip(p)


@proc
def rank_k_reduce_6x16(K: size, A: f32[6, K] @ DRAM, B: f32[K, 16] @ DRAM, C: f32[6, 16] @ DRAM):
    for i in seq(0, 6):
        for j in seq(0, 16):
            for k in seq(0, K):
                C[i, j] += A[i, k] * B[k, j]


def test_exo_avx2_matmul_schedule():
    """Exo's examples/avx2_matmul schedule, its replace_all calls included (integration
    with the other primitives)."""
    import exo_core.scheduling as S
    from exo_core.stdlib.scheduling import repeat

    p = S.rename(rank_k_reduce_6x16, "rank_k_reduce_6x16_scheduled")
    p = S.reorder_loops(p, "j k")
    p = S.reorder_loops(p, "i k")
    p = S.divide_loop(p, "for j in _: _", 8, ["jo", "ji"], perfect=True)
    p = S.stage_mem(p, "for k in _:_", "C[0:6, 0:16]", "C_reg")
    p = S.simplify(p)
    p = S.divide_dim(p, "C_reg:_", 1, 8)
    p = repeat(S.divide_loop)(p, "for i1 in _: _", 8, ["i2", "i3"], perfect=True)
    p = S.simplify(p)
    p = S.set_memory(p, "C_reg:_", AVX2)
    p = replace_all(p, [mm256_loadu_ps, mm256_storeu_ps])
    for buf, expr in (("a_vec", "A[_]"), ("b_vec", "B[_]")):
        p = S.bind_expr(p, expr, buf)
        p = S.expand_dim(p, buf, 8, "ji")
        p = S.lift_alloc(p, buf)
        p = S.set_memory(p, buf, AVX2)
    p = S.fission(p, p.find("a_vec[_] = _").after())
    p = S.fission(p, p.find("b_vec[_] = _").after())
    p = replace_all(p, AVX_INSTRS)
    text = body(p)
    assert "seq(0, 8)" not in text, text
    assert "mm256_fmadd_ps(C_reg[i, jo, 0:8], a_vec[0:8], b_vec[0:8])" in text
    agree(rank_k_reduce_6x16, p)
    if HAS_AVX2:
        f = p.jit(target="c", cflags=AVX_FLAGS)
        rng = np.random.default_rng(9)
        A, B, C = rand(rng, 6, 11), rand(rng, 11, 16), rand(rng, 6, 16)
        want = C + A @ B
        f(11, A, B, C)
        np.testing.assert_allclose(C, want, rtol=1e-5, atol=1e-5)
