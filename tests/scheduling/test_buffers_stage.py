"""stage_mem: accepted stagings agree with the original (interpreter and compiled C); a
window larger than the buffer is staged with guarded loads and stores (Exo #507);
accesses partly inside the window, and accum=True on a block that reads, are refused."""

from __future__ import annotations

import pytest

from exo_core import config, proc
from exo_core.errors import ParseFragmentError
from exo_core.scheduling import divide_loop, stage_mem

from .checks import body, lines, refused, same_results


@config
class StageCfg:
    j: index


@proc
def dbl4(x: f32[4], y: f32[4]):
    for i in seq(0, 4):
        y[i] = x[i] * 2.0


@proc
def dbl4_unused(x: f32[4], y: f32[4], z: f32[4]):
    for i in seq(0, 4):
        y[i] = x[i] * 2.0


@proc
def double_n(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        y[i] = x[i] * 2.0


@proc
def gemm(n: size, m: size, A: f32[n, 16], B: f32[16, m], C: f32[n, m]):
    for i in seq(0, n):
        for j in seq(0, m):
            for k in seq(0, 16):
                C[i, j] += A[i, k] * B[k, j]


@proc
def stencil(n: size, j: index, x: f32[n, n], y: f32[n, n]):
    assert n >= 2
    assert j >= 1
    assert j < n
    for i in seq(0, n - 1):
        y[i, j] = 2.0 * x[i + 1, j - 1]


@proc
def scal(x: f32, y: f32[4]):
    for i in seq(0, 4):
        y[i] += x


@proc
def copy(n: size, src: [f32][n], dst: [f32][n]):
    for i in seq(0, n):
        dst[i] = src[i]


@proc
def copy_dense(src: f32[8], dst: f32[8]):
    for i in seq(0, 8):
        dst[i] = src[i]


@proc
def calls(x: f32[8], y: f32[8]):
    copy(4, x[0:4], y[2:6])
    copy(2, x[4:6], y[0:2])


@proc
def calls_dense(x: f32[8], y: f32[8]):
    copy_dense(x, y)


@proc
def point_update(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        x[i] = y[i] * 3.0
        x[i] = x[i] + 1.0


@proc
def point_read_first(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        x[i] = x[i] * 3.0
        x[i] = x[i] + 1.0


@proc
def both_sides(n: size, x: f32[n], y: f32[n]):
    assert n >= 8
    for i in seq(0, 4):
        x[i + 4] = x[i] + y[i]


@proc
def aliased(x: f32[8], y: f32[8]):
    xw = x[0:8]
    for i in seq(0, 4):
        y[i] = x[i] + xw[i]


@proc
def cfg_window(x: f32[8], y: f32[8]):
    StageCfg.j = 0
    y[0] = x[StageCfg.j]
    StageCfg.j = 1
    y[1] = x[StageCfg.j]


@proc
def mixed(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        y[i] = x[i]
        y[i] += x[i]


@proc
def win_arg(n: size, x: [f32][n, 4], y: f32[n, 4]):
    for i in seq(0, n):
        for j in seq(0, 4):
            y[i, j] = x[i, j] + 1.0


@proc
def par_rows(n: size, x: f32[n, 4], y: f32[n, 4]):
    for i in par(0, n):
        for j in seq(0, 4):
            y[i, j] = x[i, j] * x[i, j]


# --------------------------------------------------------------------------- accepted


def test_stage_read_only_window():
    p = stage_mem(dbl4, "for i in _: _", "x[0:4]", "xt")
    assert body(p) == lines("""
        xt: f32[4] @ DRAM
        for i0 in seq(0, 4):
            xt[i0] = x[i0]
        for i in seq(0, 4):
            y[i] = xt[i] * 2.0
    """)
    same_results(dbl4, p)


def test_stage_written_window():
    p = stage_mem(double_n, "for i in _: _", "y[0:n]", "yt")
    assert body(p) == lines("""
        yt: f32[n] @ DRAM
        for i0 in seq(0, n):
            yt[i0] = y[i0]
        for i in seq(0, n):
            yt[i] = x[i] * 2.0
        for i0 in seq(0, n):
            y[i0] = yt[i0]
    """)
    same_results(double_n, p)


def test_stage_window_larger_than_buffer_is_guarded():
    # Exo #507: staging y[0:6] of an f32[4] wrote out of bounds
    p = stage_mem(dbl4, "for i in _: _", "y[0:6]", "yt")
    assert body(p) == lines("""
        yt: f32[6] @ DRAM
        for i0 in seq(0, 6):
            if i0 < 4:
                yt[i0] = y[i0]
        for i in seq(0, 4):
            yt[i] = x[i] * 2.0
        for i0 in seq(0, 6):
            if i0 < 4:
                y[i0] = yt[i0]
    """)
    same_results(dbl4, p)


def test_stage_window_starting_before_the_buffer():
    p = stage_mem(dbl4, "for i in _: _", "x[-2:4]", "xt")
    assert "if -2 + i0 >= 0:" in body(p)
    same_results(dbl4, p)


def test_stage_doc_example():
    p = stage_mem(stencil, "for i in _: _", "x[0:n, j - 1:j + 1]", "xtmp")
    assert "y[i, j] = 2.0 * xtmp[i + 1, 0]" in body(p)
    same_results(stencil, p)


def test_stage_accum():
    p = stage_mem(gemm, "for k in _: _", "C[i, j]", "c", accum=True)
    assert body(p) == lines("""
        for i in seq(0, n):
            for j in seq(0, m):
                c: f32 @ DRAM
                c = 0.0
                for k in seq(0, 16):
                    c += A[i, k] * B[k, j]
                C[i, j] += c
    """)
    same_results(gemm, p)


def test_stage_row_and_tile():
    p = stage_mem(gemm, "for j in _: _", "C[i, 0:m]", "crow")
    same_results(gemm, p)
    q = divide_loop(gemm, "k", 4, ["ko", "ki"], perfect=True)
    q = stage_mem(q, "for ki in _: _", "A[i, 4 * ko:4 * ko + 4]", "a4")
    assert "C[i, j] += a4[4 * ko + ki - 4 * ko] * B[4 * ko + ki, j]" in body(q)
    same_results(gemm, q)


def test_stage_scalar():
    p = stage_mem(scal, "for i in _: _", "x", "xs")
    assert body(p).splitlines()[:2] == ["xs: f32 @ DRAM", "xs = x"]
    same_results(scal, p)


def test_stage_windows_passed_to_calls():
    p = stage_mem(calls, calls.body(), "y[0:8]", "yt")
    assert "copy(4, x[0:4], yt[2:6])" in body(p)
    same_results(calls, p)
    q = stage_mem(calls, "copy(_)", "y[2:6]", "yt")
    assert body(q).splitlines()[3] == "copy(4, x[0:4], yt[0:4])"
    assert "copy(2, x[4:6], y[0:2])" in body(q)
    same_results(calls, q)


def test_stage_whole_buffer_passed_to_dense_parameter():
    p = stage_mem(calls_dense, calls_dense.body(), "x", "xt")
    assert "copy_dense(xt, y)" in body(p)
    same_results(calls_dense, p)


def test_stage_point_skips_load_when_first_assigned():
    p = stage_mem(point_update, "x[i] = y[i] * 3.0; x[i] = _", "x[i]", "xi")
    assert body(p) == lines("""
        for i in seq(0, n):
            xi: f32 @ DRAM
            xi = y[i] * 3.0
            xi = xi + 1.0
            x[i] = xi
    """)
    same_results(point_update, p)


def test_stage_point_loads_when_read_first():
    p = stage_mem(point_read_first, "x[i] = x[i] * 3.0; x[i] = _", "x[i]", "xi")
    assert body(p).splitlines()[2] == "    xi = x[i]"
    same_results(point_read_first, p)


def test_stage_outside_accesses_stay():
    p = stage_mem(both_sides, "for i in _: _", "x[4:8]", "hi")
    assert "hi[i + 4 - 4] = x[i] + y[i]" in body(p)
    same_results(both_sides, p)


def test_stage_window_argument():
    p = stage_mem(win_arg, "for j in _: _", "x[i, 0:4]", "xr")
    assert "xr[i0] = x[i, i0]" in body(p)
    same_results(win_arg, p)


def test_stage_inside_parallel_loop():
    p = stage_mem(par_rows, "for j in _: _", "y[i, 0:4]", "yr")
    assert body(p).splitlines()[:2] == ["for i in par(0, n):", "    yr: f32[4] @ DRAM"]
    same_results(par_rows, p)


def test_stage_forwarding():
    c = dbl4.find("y[i] = _")
    p = stage_mem(dbl4, "for i in _: _", "x[0:4]", "xt")
    assert p.forward(c)._path == (("body", 2), ("body", 0))


# --------------------------------------------------------------------------- refused


def test_refuse_partly_inside():
    refused(stage_mem, dbl4, "for i in _: _", "y[0:2]", "yt",
            words=["y\\[i\\] = x\\[i\\] \\* 2.0", "partly inside and partly outside", "i = 2"])


def test_refuse_accum_with_reads():
    refused(stage_mem, gemm, "for k in _: _", "B[0:16, j]", "b", accum=True,
            words=["accum=True", "B\\[k, j\\]", "reads B", "only be reduced"])
    refused(stage_mem, mixed, "for i in _: _", "y[0:n]", "yt", accum=True, words="assigns y")


def test_refuse_access_through_alias():
    refused(stage_mem, aliased, "for i in _: _", "x[0:4]", "xt", words=["through xw"])


def test_refuse_block_changes_window_config():
    refused(stage_mem, cfg_window, cfg_window.body()[1:], "x[StageCfg.j:StageCfg.j + 4]", "xt",
            words=["StageCfg.j", "the block writes"])


def test_refuse_unused_buffer():
    refused(stage_mem, dbl4_unused, "for i in _: _", "z", "zt", words="does not access z")


def test_refuse_bad_window_string():
    with pytest.raises(ParseFragmentError, match="'z' is not defined"):
        stage_mem(dbl4, "for i in _: _", "z[0:4]", "xt")
    refused(stage_mem, dbl4, "for i in _: _", "x[0:4]", "1xt", words="valid identifier")
