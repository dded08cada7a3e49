"""lift_alloc, sink_alloc, autolift_alloc, reuse_buffer, delete_buffer, inline_window:
accepted rewrites agree with the original (interpreter and compiled C); moving an
allocation across a loop whose iterations communicate through it is refused."""

from __future__ import annotations

from exo_core import config, proc
from exo_core.scheduling import (
    autolift_alloc,
    delete_buffer,
    inline_window,
    lift_alloc,
    reuse_buffer,
    sink_alloc,
)

from .checks import body, lines, refused, same_results


@config
class WinCfg:
    off: index


@proc
def per_row(n: size, x: f32[n, 4], y: f32[n, 4]):
    for i in seq(0, n):
        t: f32[4]
        for j in seq(0, 4):
            t[j] = x[i, j] * 2.0
        for j in seq(0, 4):
            y[i, j] = t[j] + 1.0


@proc
def per_row16(n: size, x: f32[n, 4], y: f32[n, 4]):
    assert n <= 16
    for i in seq(0, n):
        t: f32[4]
        for j in seq(0, 4):
            t[j] = x[i, j] * 2.0
        for j in seq(0, 4):
            y[i, j] = t[j] + 1.0


@proc
def nested(n: size, m: size, x: f32[n, m], y: f32[n, m]):
    for i in seq(0, n):
        if n > 1:
            for j in seq(0, m):
                t: f32
                t = x[i, j] * 2.0
                y[i, j] = t + t


@proc
def carried_lift(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        t: f32[1]
        if i == 0:
            t[0] = 0.0
        t[0] = t[0] + x[i]
        y[i] = t[0]


@proc
def extent_uses_iter(n: size, x: f32[n, n], y: f32[n, n]):
    for i in seq(0, n):
        t: f32[i + 1]
        for j in seq(0, i + 1):
            t[j] = x[i, j]
        for j in seq(0, i + 1):
            y[i, j] = t[j]


@proc
def par_row(n: size, x: f32[n, 4], y: f32[n, 4]):
    for i in par(0, n):
        t: f32[4]
        for j in seq(0, 4):
            t[j] = x[i, j] * 2.0
        for j in seq(0, 4):
            y[i, j] = t[j] + 1.0


@proc
def sinkable(n: size, x: f32[n, 4], y: f32[n, 4]):
    t: f32[4]
    for i in seq(0, n):
        for j in seq(0, 4):
            t[j] = x[i, j] * 2.0
        for j in seq(0, 4):
            y[i, j] = t[j] + 1.0


@proc
def carried_sink(n: size, x: f32[n], y: f32[n]):
    t: f32[1]
    for i in seq(0, n):
        if i > 0:
            y[i] = t[0]
        t[0] = x[i]


@proc
def partly_covered(n: size, x: f32[n, 4], y: f32[n, 4]):
    t: f32[4]
    for i in seq(0, n):
        for j in seq(0, 3):
            t[j] = x[i, j]
        for j in seq(0, 4):
            y[i, j] = t[j]


@proc
def used_after(n: size, x: f32[n], y: f32[n]):
    t: f32
    for i in seq(0, n):
        t = x[i]
        y[i] = t
    y[0] = t


@proc
def sink_if(c: bool, x: f32[2], y: f32[2]):
    t: f32
    if c:
        t = x[0]
        y[0] = t
    else:
        t = x[1]
        y[1] = t


@proc
def two_tmps(n: size, x: f32[n], y: f32[n]):
    a: f32[n]
    for i in seq(0, n):
        a[i] = x[i] * 2.0
    for i in seq(0, n):
        y[i] = a[i]
    b: f32[n]
    for i in seq(0, n):
        b[i] = x[i] + 1.0
    for i in seq(0, n):
        y[i] += b[i]


@proc
def both_live(n: size, x: f32[n], y: f32[n]):
    a: f32[n]
    for i in seq(0, n):
        a[i] = x[i] * 2.0
    b: f32[n]
    for i in seq(0, n):
        b[i] = x[i] + 1.0
    for i in seq(0, n):
        y[i] = a[i] + b[i]


@proc
def reuse_in_loop(n: size, x: f32[n], y: f32[n]):
    a: f32
    a = x[0]
    y[0] = a
    for i in seq(0, n):
        if i > 0:
            y[i] += y[i - 1]
        b: f32
        b = x[i] * 2.0
        y[i] += b


@proc
def reuse_in_loop_carried(n: size, x: f32[n], y: f32[n]):
    a: f32[2]
    a[0] = x[0]
    y[0] = a[0]
    for i in seq(0, n):
        b: f32[2]
        if i == 0:
            b[0] = 0.0
        b[0] = b[0] + x[i]
        y[i] = b[0]


@proc
def mismatched(n: size, x: f32[n], y: f32[n]):
    a: f32[n]
    for i in seq(0, n):
        a[i] = x[i]
    b: f32[4]
    b[0] = a[0]
    y[0] = b[0]


@proc
def unused(n: size, x: f32[n]):
    t: f32[n]
    u: f32
    u = 1.0
    for i in seq(0, n):
        x[i] = 2.0


@proc
def windowed(n: size, x: f32[n, 8], y: f32[n, 8]):
    for i in seq(0, n):
        xr = x[i, 2:6]
        yr = y[i, 0:4]
        for j in seq(0, 4):
            yr[j] = xr[j] * 2.0
        if stride(xr, 0) == 1:
            yr[0] += 1.0


@proc
def double4(src: [f32][4], dst: [f32][4]):
    for j in seq(0, 4):
        dst[j] = src[j] * 2.0


@proc
def window_to_call(n: size, x: f32[n, 8], y: f32[n, 8]):
    for i in seq(0, n):
        xr = x[i, 2:6]
        double4(xr[0:4], y[i, 0:4])
        double4(xr, y[i, 4:8])


@proc
def window_cfg(x: f32[8], y: f32[8]):
    WinCfg.off = 2
    xr = x[WinCfg.off:WinCfg.off + 4]
    WinCfg.off = 0
    for j in seq(0, 4):
        y[j] = xr[j]


# --------------------------------------------------------------------------- lift_alloc


def test_lift_alloc():
    p = lift_alloc(per_row, "t")
    assert body(p) == lines("""
        t: f32[4] @ DRAM
        for i in seq(0, n):
            for j in seq(0, 4):
                t[j] = x[i, j] * 2.0
            for j in seq(0, 4):
                y[i, j] = t[j] + 1.0
    """)
    same_results(per_row, p)


def test_lift_alloc_several_levels_and_forwarding():
    c = nested.find("t : _")
    p = lift_alloc(nested, c, n_lifts=3)
    assert body(p).splitlines()[0] == "t: f32 @ DRAM"
    assert p.forward(c)._path == (("body", 0),)
    assert p.forward(nested.find("y[_] = _")).name() == "y"
    same_results(nested, p)


def test_refuse_lift_across_loop_carried_use():
    # each iteration had fresh storage; once shared, iteration i would read i-1's sum
    refused(lift_alloc, carried_lift, "t",
            words=["cannot lift t out of 'for i in seq\\(0, n\\):'", "iteration i = 1 reads t\\[0\\]",
                   "iteration i = 0 wrote", "carries values between iterations"])


def test_refuse_lift_extent_uses_iterator():
    refused(lift_alloc, extent_uses_iter, "t", words="its extent uses i")


def test_refuse_lift_parallel_loop():
    refused(lift_alloc, par_row, "t", words="parallel loop")


def test_refuse_lift_too_far():
    refused(lift_alloc, per_row, "t", n_lifts=2, words="only inside 1 loop")


# --------------------------------------------------------------------------- sink_alloc


def test_sink_alloc_loop():
    p = sink_alloc(sinkable, "t")
    assert body(p).splitlines()[:2] == ["for i in seq(0, n):", "    t: f32[4] @ DRAM"]
    same_results(sinkable, p)


def test_sink_alloc_if_duplicates():
    p = sink_alloc(sink_if, "t")
    assert body(p) == lines("""
        if c:
            t: f32 @ DRAM
            t = x[0]
            y[0] = t
        else:
            t: f32 @ DRAM
            t = x[1]
            y[1] = t
    """)
    same_results(sink_if, p)


def test_sink_forwarding():
    c = sinkable.find("t : _")
    p = sink_alloc(sinkable, c)
    assert p.forward(c)._path == (("body", 0), ("body", 0))
    assert p.forward(sinkable.find("t[_] = _"))._path == (("body", 0), ("body", 1), ("body", 0))


def test_refuse_sink_across_loop_carried_use():
    refused(sink_alloc, carried_sink, "t",
            words=["cannot sink t into", "reads t\\[0\\]", "carries values between iterations"])


def test_refuse_sink_partly_covered():
    # t[3] is never written in an iteration: it keeps the value from before the loop
    refused(sink_alloc, partly_covered, "t", words="cannot sink t")


def test_refuse_sink_used_after():
    refused(sink_alloc, used_after, "t", words="used after")


def test_refuse_sink_not_before_scope():
    refused(sink_alloc, unused, "u", words="not a loop or an if")


# --------------------------------------------------------------------------- autolift_alloc


def test_autolift_keep_dims_row_and_col():
    p = autolift_alloc(per_row, "t", keep_dims=True)
    assert body(p).splitlines()[0] == "t: f32[n + 1, 4] @ DRAM"
    assert "t[i, j] = x[i, j] * 2.0" in body(p)
    same_results(per_row, p)
    q = autolift_alloc(per_row16, "t", keep_dims=True, mode="col", size=16)
    assert body(q).splitlines()[0] == "t: f32[4, 16] @ DRAM"
    assert "y[i, j] = t[j, i] + 1.0" in body(q)
    same_results(per_row16, q)


def test_autolift_plain_is_checked():
    p = autolift_alloc(per_row, "t")
    assert body(p).splitlines()[0] == "t: f32[4] @ DRAM"
    same_results(per_row, p)
    refused(autolift_alloc, carried_lift, "t", words="carries values between iterations")


def test_autolift_two_levels():
    p = autolift_alloc(nested, "t", n_lifts=3, keep_dims=True)
    assert body(p).splitlines()[0] == "t: f32[n + 1, m + 1] @ DRAM"
    assert "t[i, j] = x[i, j] * 2.0" in body(p)
    same_results(nested, p)


def test_refuse_autolift_size_too_small():
    refused(autolift_alloc, per_row, "t", keep_dims=True, size=2, words="out of bounds")


# --------------------------------------------------------------------------- reuse_buffer


def test_reuse_buffer():
    p = reuse_buffer(two_tmps, "a", "b")
    assert "b" not in body(p)
    assert body(p).splitlines()[-1] == "    y[i] += a[i]"
    same_results(two_tmps, p)


def test_reuse_buffer_into_loop():
    p = reuse_buffer(reuse_in_loop, "a", "b")
    same_results(reuse_in_loop, p)


def test_refuse_reuse_live():
    refused(reuse_buffer, both_live, "a", "b", words=["a is still live", "used after"])


def test_refuse_reuse_types():
    refused(reuse_buffer, mismatched, "a", "b", words="types differ")


def test_refuse_reuse_order():
    refused(reuse_buffer, two_tmps, "b", "a", words="not allocated after")


def test_refuse_reuse_would_carry_values():
    refused(reuse_buffer, reuse_in_loop_carried, "a", "b", words="carries values between iterations")


# --------------------------------------------------------------------------- delete_buffer


def test_delete_buffer():
    p = delete_buffer(unused, "t")
    assert body(p).splitlines()[0] == "u: f32 @ DRAM"
    same_results(unused, p)


def test_refuse_delete_used():
    refused(delete_buffer, unused, "u", words=["cannot delete u", "used", "u = 1.0"])


# --------------------------------------------------------------------------- inline_window


def test_inline_window():
    p = inline_window(windowed, "xr = _")
    assert "yr[j] = x[i, 2 + j] * 2.0" in body(p)
    assert "stride(x, 1) == 1" in body(p)
    same_results(windowed, p)
    q = inline_window(p, "yr = _")
    assert "y[i, j] = x[i, 2 + j] * 2.0" in body(q)
    same_results(windowed, q)


def test_inline_window_into_calls():
    p = inline_window(window_to_call, "xr = _")
    assert body(p) == lines("""
        for i in seq(0, n):
            double4(x[i, 2:6], y[i, 0:4])
            double4(x[i, 2:6], y[i, 4:8])
    """)
    same_results(window_to_call, p)


def test_refuse_inline_window_config_changed():
    refused(inline_window, window_cfg, "xr = _", words=["WinCfg.off", "written after"])
