"""Printing then parsing gives back the same proc, for procs covering every construct."""

from __future__ import annotations

import dataclasses

import pytest

from exo_core import DRAM, DRAM_STACK, config, instr, proc
from exo_core.extern import relu, select
from exo_core.ir import For, Node, Sym, map_bottom_up
from exo_core.ir.printer import proc_to_str
from exo_core.procedure import Procedure

from .roundtrip import assert_round_trip, round_trip


@config
class RCfg:
    k: index
    alpha: f32
    flag: bool
    st: stride


@proc
def nested_ifs(n: size, x: f32[n], b: bool):
    for i in seq(0, n):
        if i < 2:
            x[i] = 1.0
        elif i == 3:
            x[i] = 2.0
        elif b:
            pass
        else:
            x[i] = -x[i]
        if (i < 1 or i > 4) and b:
            x[i] += 0.5


@proc
def arith(n: size, x: f64[n + 1], y: f64[n]):
    assert n >= 2 and n % 2 == 0
    for i in par(0, n):
        y[i] = x[i] - (x[i + 1] - 2.0)
        y[i] = x[i] / (x[i + 1] * 3.0) - -1.5
        y[i] = -(x[i] + y[i]) * 1e-07
        y[i] = x[(i + 1) / 2 * 2 - i % 2 + 1 - 1] + 2
        y[i] += 0.1 + 1e20 + 3


@proc
def windows(n: size, m: size, A: [i8][n, m], B: i8[n, m] @ DRAM_STACK):
    assert stride(A, 1) == 1 and n <= 16 and m <= 16 and n >= 2
    row = A[0, :]
    col = A[:, m - 1]
    blk = A[1:n, 0:m]
    sub = blk[0:n - 1, 0]
    B[0, 0] = row[0] + col[0] + sub[0]


@proc
def configs(n: size, x: [f32][n]):
    RCfg.k = n - 1
    RCfg.alpha = x[0] * 2.0
    RCfg.flag = RCfg.k < 4
    RCfg.st = stride(x, 0)
    if RCfg.flag and RCfg.st == 1:
        x[RCfg.k] = RCfg.alpha


@proc
def externs(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        y[i] = relu(x[i]) + select(x[i], 0.0, -x[i], x[i] * x[i])


@instr('{dst_data} = _mm_add("{src}", \'\\n\');\n// {{braces}}\t', c_global="#include <x.h>\n")
def weird_instr(dst: [f32][4] @ DRAM, src: [f32][4] @ DRAM):
    assert stride(dst, 0) == 1
    for i in seq(0, 4):
        dst[i] += src[i]


@proc
def calls(n: size, a: f32[n, 4], b: f32[n, 4], s: f32, ui: ui16[2], flag: bool, k: index, st: stride):
    assert n > 1 and k >= 0 and k < n
    for i in seq(0, n):
        weird_instr(a[i, :], b[k, 0:4])
    t: f32 @ DRAM
    t = s
    u: ui16[2]
    u[0] = ui[1]
    ui[0] = u[0]


PROCS = [nested_ifs, arith, windows, configs, externs, weird_instr, calls]


@pytest.mark.parametrize("p", PROCS, ids=lambda p: p.name())
def test_round_trip(p):
    assert_round_trip(p)


def test_round_trip_of_the_interpreter_kernels():
    try:
        from ..interp import test_interp_kernels as kernels
    except ImportError:
        from interp import test_interp_kernels as kernels
    procs = [v for v in vars(kernels).values() if isinstance(v, Procedure)]
    assert len(procs) >= 20
    for p in procs:
        assert_round_trip(p)


def test_elif_prints_as_a_nested_if():
    text = str(nested_ifs)
    assert "elif" not in text and "        else:\n            if i == 3:" in text


# --------------------------------------------------------------------------- renaming


def _rename(pd, old: str, new: str):
    """``pd`` with the binder called ``old`` replaced by a fresh Sym called ``new``
    (what scheduling can produce: two visible binders with one name)."""
    (sym,) = {s for s in _binders(pd) if s.name == old}
    fresh = Sym(new)

    def fix(node):
        changes = {f.name: fresh for f in dataclasses.fields(node)
                   if f.name != "srcinfo" and getattr(node, f.name) is sym}
        return node.update(**changes) if changes else node

    return pd.update(body=map_bottom_up(pd.body, fix))


def _binders(pd):
    from exo_core.ir import walk

    for n in walk(pd.body):
        if isinstance(n, For):
            yield n.iter
        elif isinstance(n, Node) and hasattr(n, "name") and isinstance(n.name, Sym):
            yield n.name


@proc
def two_loops(n: size, x: f32[n, n]):
    for i in seq(0, n):
        for j in seq(0, n):
            x[i, j] = x[j, i] + 1.0


@proc
def two_allocs(n: size, x: f32[n]):
    t: f32
    u: f32
    t = x[0]
    u = t * 2.0
    x[0] = u + t


@proc
def uses_relu(n: size, x: f32[n]):
    buf: f32
    buf = relu(x[0])
    x[0] = buf


def test_shadowing_loop_iterator_is_renamed():
    pd = _rename(two_loops._ir, "j", "i")
    text = proc_to_str(pd)
    assert "for i_1 in seq(0, n):" in text and "x[i, i_1] = x[i_1, i] + 1.0" in text
    assert_round_trip(pd)


def test_clashing_allocations_are_renamed():
    pd = _rename(two_allocs._ir, "u", "t")
    text = proc_to_str(pd)
    assert "t_1: f32 @ DRAM" in text and "x[0] = t_1 + t" in text
    assert_round_trip(pd)


def test_a_binder_named_like_an_extern_is_renamed():
    pd = _rename(uses_relu._ir, "buf", "relu")
    text = proc_to_str(pd)
    assert "relu_1 = relu(x[0])" in text
    assert_round_trip(pd)


def test_round_trip_keeps_callee_identity():
    again = round_trip(calls)
    callee = next(s for s in again.body[0].body if hasattr(s, "proc")).proc
    assert callee is weird_instr._ir
