"""check_config_write_deletable: which config writes can go, and what stays visible."""

from __future__ import annotations

from exo_core import config, proc
from exo_core.analysis.sched import check_config_write_deletable

from .util import P, S, fails


@config
class DC:
    k: index
    f: f32
    b: bool


@proc
def reads_f(x: f32):
    x = DC.f


def test_unread_write_stays_visible():
    @proc
    def p(x: f32[8]):
        DC.k = 2
        x[0] = 1.0

    assert check_config_write_deletable(p, P(0)) == {(DC, "k")}


def test_overwritten_before_read():
    @proc
    def p(x: f32[8]):
        DC.k = 2
        DC.k = 3
        x[DC.k] = 1.0

    assert check_config_write_deletable(p, P(0)) == set()
    fails(check_config_write_deletable, p, P(1), match="DC.k is read")


def test_same_value_write_is_a_no_op():
    @proc
    def p(x: f32[8]):
        DC.k = 2
        x[DC.k] = 1.0
        DC.k = 2
        x[DC.k] = 2.0

    assert check_config_write_deletable(p, P(2)) == set()
    fails(check_config_write_deletable, p, P(0))


def test_read_in_later_iteration():
    @proc
    def p(n: size, x: f32[n], y: f32):
        for i in seq(0, n):
            x[i] = DC.f
            DC.f = y

    fails(check_config_write_deletable, p, P(0, 1), match="DC.f")


def test_conditional_kill_does_not_count():
    @proc
    def p(n: size, x: f32, y: f32):
        DC.f = y
        if n > 2:
            DC.f = x
        x = DC.f

    fails(check_config_write_deletable, p, P(0))


def test_read_by_callee_and_condition():
    @proc
    def p(x: f32):
        DC.f = x
        reads_f(x)

    fails(check_config_write_deletable, p, P(0), match="DC.f")

    @proc
    def q(x: f32):
        DC.b = True
        if DC.b:
            x = 1.0

    fails(check_config_write_deletable, q, P(0), match="DC.b")


def test_both_branches_kill():
    @proc
    def p(n: size, x: f32):
        DC.f = x
        if n > 2:
            DC.f = 1.0
        else:
            DC.f = 2.0
        x = DC.f

    assert check_config_write_deletable(p, P(0)) == set()
    fails(check_config_write_deletable, p, S(("body", 1), ("orelse", 0)), match="DC.f is read")


def test_not_a_config_write():
    @proc
    def p(x: f32):
        x = 1.0

    fails(check_config_write_deletable, p, P(0), match="not a config write")
