"""check_commute: swapping adjacent blocks."""

from __future__ import annotations

from exo_core import config, proc
from exo_core.analysis.sched import check_commute

from .util import blk, fails


@config
class CC:
    k: index
    f: f32


@proc
def callee_row(n: size, y: [f32][n]):
    for j in seq(0, n):
        y[j] = 0.0


def test_disjoint_writes_commute():
    @proc
    def p(n: size, x: f32[n], y: f32[n]):
        for i in seq(0, n):
            x[i] = 1.0
        for i in seq(0, n):
            y[i] = x[0] * 0.0 + 2.0

    fails(check_commute, p, blk((), 0), blk((), 1), match=["x[i]", "x[0]", "do not commute"])

    @proc
    def q(n: size, x: f32[n], y: f32[n]):
        for i in seq(0, n):
            x[i] = 1.0
        for i in seq(0, n):
            y[i] = 2.0

    check_commute(q, blk((), 0), blk((), 1))
    check_commute(q, blk((), 1), blk((), 0))  # either order


def test_halves_of_one_buffer():
    @proc
    def p(n: size, x: f32[2 * n]):
        for i in seq(0, n):
            x[i] = 1.0
        for i in seq(0, n):
            x[n + i] = x[n + i] + 1.0

    check_commute(p, blk((), 0), blk((), 1))

    @proc
    def q(n: size, x: f32[2 * n]):
        for i in seq(0, n):
            x[i] = 1.0
        for i in seq(0, n):
            x[n + i - 1] = 0.0

    msg = fails(check_commute, q, blk((), 0), blk((), 1))
    assert "n = " in msg or "i = " in msg, msg


def test_reductions_commute_with_each_other():
    @proc
    def p(x: f32[4], s: f32):
        s += x[0]
        s += x[1]
        x[2] = s

    check_commute(p, blk((), 0), blk((), 1))
    fails(check_commute, p, blk((), 1), blk((), 2), match="s")


def test_alloc_used_by_other_block():
    @proc
    def p(x: f32):
        t: f32
        t = x

    fails(check_commute, p, blk((), 0), blk((), 1), match="t is allocated")


def test_config_field_is_a_location():
    @proc
    def p(x: f32[8]):
        CC.k = 2
        x[CC.k] = 1.0

    fails(check_commute, p, blk((), 0), blk((), 1), match="CC.k")

    @proc
    def q(x: f32[8], y: f32):
        CC.f = y
        x[0] = y

    check_commute(q, blk((), 0), blk((), 1))


def test_calls_use_callee_regions():
    @proc
    def p(x: f32[4, 8]):
        callee_row(8, x[0, :])
        callee_row(8, x[1, :])
        x[0, 3] = 1.0

    check_commute(p, blk((), 0), blk((), 1))
    fails(check_commute, p, blk((), 0, 2), blk((), 2), match="callee_row")
    check_commute(p, blk((), 1), blk((), 2))


def test_windows_resolved_to_root():
    @proc
    def p(x: f32[16]):
        w = x[4:8]
        w[1] = 1.0
        x[5] = 2.0
        x[6] = 3.0

    fails(check_commute, p, blk((), 1), blk((), 2), match="w[1]")
    check_commute(p, blk((), 2), blk((), 3))
    # the window statement binds w, used by the next statement
    fails(check_commute, p, blk((), 0), blk((), 1), match="window")


def test_branches_with_contradicting_conditions():
    @proc
    def p(n: size, x: f32[n]):
        if n > 4:
            x[0] = 1.0
        if n <= 4:
            x[0] = 2.0

    check_commute(p, blk((), 0), blk((), 1))


def test_lifted_alloc_shared_by_two_loops():
    # after lift_alloc, two loops that each use t as a temporary no longer commute
    @proc
    def p(n: size, x: f32[n], y: f32[n], z: f32[n]):
        t: f32
        for i in seq(0, n):
            t = x[i]
            y[i] = t
        for i in seq(0, n):
            t = y[i]
            z[i] = t

    fails(check_commute, p, blk((), 1), blk((), 2), match="t (line")
