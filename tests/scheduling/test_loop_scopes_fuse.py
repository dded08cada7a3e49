"""fuse and specialize: accepted rewrites agree with the original (interpreter and compiled C),
refused ones say why, cursors follow their code."""

from __future__ import annotations

import pytest

from exo_core import ParseFragmentError, config, proc
from exo_core.errors import InvalidCursorError, SchedulingError
from exo_core.ir import BOOL, BinOp
from exo_core.rewrite import loop_scopes as R
from exo_core.scheduling import fission, fuse, specialize

from .checks import body_text, check_equiv, refused


@config
class FuseCfg:
    on: bool
    k: index


@proc
def two_loops(n: size, x: f32[n], y: f32[n], z: f32[n]):
    for i in seq(0, n):
        y[i] = x[i] * 2.0
    for j in seq(0, n):
        z[j] = y[j] + 1.0


@proc
def shifted_lo(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        x[i] = 1.0
    for j in seq(1, n):
        y[j] = 2.0


@proc
def same_range_written_differently(n: size, x: f32[n + 2], y: f32[n + 2]):
    for i in seq(1, n + 1):
        x[i] = 1.0
    for j in seq(2 - 1, 1 + n):
        y[j] = 2.0


@proc
def reads_ahead(n: size, x: f32[n + 1], y: f32[n]):
    for i in seq(0, n):
        x[i] = 1.0
    for j in seq(0, n):
        y[j] = x[j + 1]


@proc
def reads_behind_par(n: size, x: f32[n + 1], y: f32[n + 1]):
    for i in par(0, n):
        x[i + 1] = 1.0
    for j in par(0, n):
        y[j] = x[j]


@proc
def independent_par(n: size, x: f32[n], y: f32[n]):
    for i in par(0, n):
        x[i] = 1.0
    for j in par(0, n):
        y[j] = 2.0


@proc
def mixed_modes(n: size, x: f32[n], y: f32[n]):
    for i in par(0, n):
        x[i] = 1.0
    for j in seq(0, n):
        y[j] = 2.0


@proc
def two_ifs(n: size, x: f32[n], y: f32[n]):
    if n > 3:
        x[0] = 1.0
    else:
        x[0] = 4.0
    if 3 < n:
        y[0] = x[0] + 2.0
    else:
        y[0] = 5.0


@proc
def different_ifs(n: size, x: f32[n]):
    if n > 3:
        x[0] = 1.0
    if n > 4:
        x[0] = 2.0


@proc
def if_changes_cond(n: size, x: f32[n]):
    FuseCfg.on = True
    if FuseCfg.on:
        x[0] = 1.0
        FuseCfg.on = False
    if FuseCfg.on:
        x[0] = 2.0


@proc
def loop_then_if(n: size, x: f32[n]):
    for i in seq(0, n):
        x[i] = 1.0
    if n > 2:
        x[0] = 2.0


@proc
def block_kernel(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        y[i] = x[i] * 2.0
    x[0] = 7.0


@proc
def alloc_in_block(n: size, x: f32[n], y: f32[n]):
    t: f32 @ DRAM
    t = x[0]
    y[0] = t


@proc
def cfg_cond(n: size, x: f32[n]):
    FuseCfg.k = 3
    for i in seq(0, n):
        x[i] = 1.0


# --------------------------------------------------------------------------- fuse: loops


def test_fuse_loops():
    p = fuse(two_loops, two_loops.body()[0], two_loops.body()[1])
    assert body_text(p) == (
        "for i in seq(0, n):\n"
        "    y[i] = x[i] * 2.0\n"
        "    z[i] = y[i] + 1.0"
    )
    check_equiv(two_loops, p)


def test_fuse_undoes_fission():
    @proc
    def one_loop(n: size, x: f32[n], y: f32[n], z: f32[n]):
        for i in seq(0, n):
            y[i] = x[i] * 2.0
            z[i] = y[i] + 1.0

    f = fission(one_loop, one_loop.body()[0].body()[0].after())
    p = fuse(f, f.body()[0], f.body()[1])
    assert body_text(p) == body_text(one_loop)
    # cursors of the original follow through both steps
    assert p.forward(one_loop.body()[0].body()[1])._path == (("body", 0), ("body", 1))


def test_fuse_loops_with_provably_equal_bounds():
    p = fuse(same_range_written_differently, "for i in _: _", "for j in _: _")
    assert body_text(p).startswith("for i in seq(1, n + 1):")
    check_equiv(same_range_written_differently, p)


def test_fuse_refuses_different_lower_bounds():
    # Exo compared only the upper bounds: the second body would run for j == 0
    refused(fuse, shifted_lo, "for i in _: _", "for j in _: _", words=("lower bounds", "may differ"))


def test_fuse_refuses_reordered_dependence():
    refused(fuse, reads_ahead, "for i in _: _", "for j in _: _", words=(r"x\[", "cannot fuse"))


def test_fuse_unsafe_disable_check(monkeypatch):
    monkeypatch.setenv("EXO_CHECK", "")
    p = fuse(reads_ahead, "for i in _: _", "for j in _: _", unsafe_disable_check=True)
    assert len(p.body()) == 1
    # the bounds are compared even then
    refused(fuse, shifted_lo, "for i in _: _", "for j in _: _", unsafe_disable_check=True, words="lower bounds")


def test_fuse_par_loops():
    p = fuse(independent_par, "for i in _: _", "for j in _: _")
    assert body_text(p).startswith("for i in par(0, n):")
    check_equiv(independent_par, p)


def test_fuse_refuses_racy_par_result():
    # valid as a sequential fusion, but iteration i + 1 reads x[i + 1] that iteration i writes
    refused(fuse, reads_behind_par, "for i in _: _", "for j in _: _", words=("par", "not independent"))
    refused(fuse, mixed_modes, "for i in _: _", "for j in _: _", words="different loop modes")


def test_fuse_forwarding():
    l1, l2 = two_loops.body()
    s2 = l2.body()[0]
    p = fuse(two_loops, l1, l2)
    assert p.forward(l1)._path == (("body", 0),)
    assert p.forward(s2)._path == (("body", 0), ("body", 1))
    with pytest.raises(InvalidCursorError):
        p.forward(l2)


def test_fuse_refusals():
    refused(fuse, two_loops, two_loops.body()[1], two_loops.body()[0], words="right after")
    refused(fuse, loop_then_if, loop_then_if.body()[0], loop_then_if.body()[1], words="two loops or two if")


# --------------------------------------------------------------------------- fuse: ifs


def test_fuse_ifs():
    p = fuse(two_ifs, two_ifs.body()[0], two_ifs.body()[1])
    assert body_text(p) == (
        "if n > 3:\n"
        "    x[0] = 1.0\n"
        "    y[0] = x[0] + 2.0\n"
        "else:\n"
        "    x[0] = 4.0\n"
        "    y[0] = 5.0"
    )
    check_equiv(two_ifs, p, trials=10)
    assert p.forward(two_ifs.body()[1].orelse()[0])._path == (("body", 0), ("orelse", 1))


def test_fuse_ifs_refusals():
    refused(fuse, different_ifs, different_ifs.body()[0], different_ifs.body()[1], words="conditions .* may differ")
    refused(fuse, if_changes_cond, if_changes_cond.body()[1], if_changes_cond.body()[2],
            words=("writes FuseCfg.on", "condition"))


# --------------------------------------------------------------------------- specialize


def test_specialize_block():
    p = specialize(block_kernel, block_kernel.body(), ["n > 6", "n == 3"])
    assert body_text(p) == (
        "if n > 6:\n"
        "    for i in seq(0, n):\n"
        "        y[i] = x[i] * 2.0\n"
        "    x[0] = 7.0\n"
        "else:\n"
        "    if n == 3:\n"
        "        for i in seq(0, n):\n"
        "            y[i] = x[i] * 2.0\n"
        "        x[0] = 7.0\n"
        "    else:\n"
        "        for i in seq(0, n):\n"
        "            y[i] = x[i] * 2.0\n"
        "        x[0] = 7.0"
    )
    check_equiv(block_kernel, p, trials=10)
    # each copy has its own loop iterator
    loops = [c for c in p.find("for i in _: _", many=True)]
    assert len({c._node().iter for c in loops}) == 3


def test_specialize_single_condition_and_forwarding():
    loop = block_kernel.body()[0]
    p = specialize(block_kernel, loop, "n < 4 and n > 1")
    assert body_text(p).startswith("if n < 4 and n > 1:\n    for i in seq(0, n):")
    check_equiv(block_kernel, p, trials=10)
    assert p.forward(loop)._path == (("body", 0), ("body", 0))
    assert p.forward(block_kernel.body()[1])._path == (("body", 1),)


def test_specialize_on_config_and_iterator():
    p = specialize(cfg_cond, cfg_cond.find("x[_] = _"), ["FuseCfg.k > i"])
    assert "if FuseCfg.k > i:" in str(p)
    check_equiv(cfg_cond, p)


def test_specialize_refusals():
    refused(specialize, alloc_in_block, alloc_in_block.body()[0:2], ["n > 2"], words=("binds t", "used after"))
    refused(specialize, block_kernel, block_kernel.body(), [], words="at least one condition")
    with pytest.raises(ParseFragmentError):  # a data expression given as a cursor
        specialize(block_kernel, block_kernel.body(), [block_kernel.find("x[_] * 2.0")])
    with pytest.raises(ParseFragmentError):  # the iterator is not in scope before the loop
        specialize(block_kernel, block_kernel.body(), ["i > 2"])
    # the rewrite itself refuses a condition on data
    rhs = block_kernel.find("x[_] * 2.0")._node()
    bad = BinOp(">", rhs, rhs, BOOL)
    with pytest.raises(SchedulingError, match="not a valid specialization"):
        R.specialize(block_kernel._ir, ((), "body", 0, 2), (bad,))


def test_specialize_with_condition_cursor():
    p = specialize(two_ifs, two_ifs.body()[1], [two_ifs.body()[0].cond()])
    assert body_text(p).splitlines()[4:6] == ["if n > 3:", "    if 3 < n:"]
    check_equiv(two_ifs, p, trials=10)
    with pytest.raises(ParseFragmentError):
        specialize(block_kernel, block_kernel.body(), ["n + 1"])
    with pytest.raises(ParseFragmentError):
        specialize(block_kernel, block_kernel.body(), ["x[0] > 1.0"])
