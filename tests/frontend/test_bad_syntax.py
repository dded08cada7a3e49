"""Programs outside the language: each is a ParseError at the offending line.

Every case is parsed with ``parse_procedure`` directly (no bounds checking involved); the
names the bodies use (``callee``, ``Cfg``...) come from fixtures.py.
"""

from __future__ import annotations

from exo_core.errors import ParseError
from exo_core.extern import relu

from .fixtures import N_INT, callee
from .helpers import expect_error, parse

F = __file__


def test_ne():
    def f(n: size, x: f32[n]):
        for i in seq(0, n):
            if i != 2:  # E:ne
                x[i] = 0.0

    with expect_error(ParseError, "ne", F):
        parse(f)


def test_not():
    def f(n: size, x: f32[n]):
        for i in seq(0, n):
            if not i < 2:  # E:not
                x[i] = 0.0

    with expect_error(ParseError, "not", F):
        parse(f)


def test_pow():
    def f(x: f32[4]):
        x[0] = x[1] ** 2.0  # E:pow

    with expect_error(ParseError, "pow", F):
        parse(f)


def test_floordiv():
    def f(n: size, x: f32[n]):
        for i in seq(0, n / 2):
            x[i // 2] = 0.0  # E:floordiv

    with expect_error(ParseError, "floordiv", F):
        parse(f)


def test_bitand():
    def f(n: size, x: f32[n]):
        for i in seq(0, n):
            x[i & 1] = 0.0  # E:bitand

    with expect_error(ParseError, "bitand", F):
        parse(f)


def test_ternary():
    def f(x: f32[4]):
        x[0] = 1.0 if True else 2.0  # E:ternary

    with expect_error(ParseError, "ternary", F):
        parse(f)


def test_while():
    def f(n: size):
        while n > 0:  # E:while
            pass

    with expect_error(ParseError, "while", F):
        parse(f)


def test_return():
    def f(n: size):
        return  # E:return

    with expect_error(ParseError, "return", F):
        parse(f)


def test_default():
    def f(n: size, x: f32 = 1.0):  # E:default
        pass

    with expect_error(ParseError, "default", F):
        parse(f)


def test_varargs():
    def f(n: size, *xs: f32):  # E:varargs
        pass

    with expect_error(ParseError, "varargs", F):
        parse(f)


def test_kwargs():
    def f(n: size, **kw: f32):  # E:kwargs
        pass

    with expect_error(ParseError, "kwargs", F):
        parse(f)


def test_kwonly():
    def f(n: size, *, x: f32):  # E:kwonly
        pass

    with expect_error(ParseError, "kwonly", F):
        parse(f)


def test_retann():
    def f(n: size) -> f32:  # E:retann
        pass

    with expect_error(ParseError, "retann", F):
        parse(f)


def test_forelse():
    def f(n: size, x: f32[n]):
        for i in seq(0, n):  # E:forelse
            x[i] = 0.0
        else:
            pass

    with expect_error(ParseError, "forelse", F):
        parse(f)


def test_minuseq():
    def f(x: f32[4]):
        x[0] -= 1.0  # E:minuseq

    with expect_error(ParseError, "minuseq", F):
        parse(f)


def test_assignsize():
    def f(n: size, x: f32[n]):
        n = 3  # E:assignsize

    with expect_error(ParseError, "assignsize", F):
        parse(f)


def test_assigniter():
    def f(n: size, x: f32[n]):
        for i in seq(0, n):
            i = 0  # E:assigniter

    with expect_error(ParseError, "assigniter", F):
        parse(f)


def test_midassert():
    def f(n: size, x: f32[n]):
        x[0] = 1.0
        assert n > 2  # E:midassert

    with expect_error(ParseError, "midassert", F):
        parse(f)


def test_assertmsg():
    def f(n: size):
        assert n > 2, "too small"  # E:assertmsg
        pass

    with expect_error(ParseError, "assertmsg", F):
        parse(f)


def test_unknown():
    def f(n: size, x: f32[n]):
        for i in seq(0, n):
            x[i] = y[i]  # E:unknown

    with expect_error(ParseError, "unknown", F):
        parse(f)


def test_badtype():
    def f(n: size, x: f31[n]):  # E:badtype
        pass

    with expect_error(ParseError, "badtype", F):
        parse(f)


def test_winalloc():
    def f(n: size):
        t: [f32][n]  # E:winalloc

    with expect_error(ParseError, "winalloc", F):
        parse(f)


def test_ctrlalloc():
    def f(n: size):
        t: size  # E:ctrlalloc

    with expect_error(ParseError, "ctrlalloc", F):
        parse(f)


def test_allocvalue():
    def f(n: size):
        t: f32 = 0.0  # E:allocvalue

    with expect_error(ParseError, "allocvalue", F):
        parse(f)


def test_range():
    def f(n: size, x: f32[n]):
        for i in range(n):  # E:range
            x[i] = 0.0

    with expect_error(ParseError, "range", F):
        parse(f)


def test_seq3():
    def f(n: size, x: f32[n]):
        for i in seq(0, n, 2):  # E:seq3
            x[i] = 0.0

    with expect_error(ParseError, "seq3", F):
        parse(f)


def test_kwcall():
    def f(n: size, x: f32[n]):
        callee(n=n, x=x)  # E:kwcall

    with expect_error(ParseError, "kwcall", F):
        parse(f)


def test_notproc():
    def f(n: size):
        N_INT(n)  # E:notproc

    with expect_error(ParseError, "notproc", F):
        parse(f)


def test_cfgvar():
    def f(n: size, x: f32[n]):
        x[0] = x.field  # E:cfgvar

    with expect_error(ParseError, "cfgvar", F):
        parse(f)


def test_badmem():
    def f(n: size, x: f32[n] @ N_INT):  # E:badmem
        pass

    with expect_error(ParseError, "badmem", F):
        parse(f)


def test_memsize():
    def f(n: size @ DRAM):  # E:memsize
        pass

    with expect_error(ParseError, "memsize", F):
        parse(f)


def test_strlit():
    def f(x: f32[4]):
        "just a string"
        x[0] = 1.0
        "another string"  # E:strlit

    with expect_error(ParseError, "strlit", F):
        parse(f)


def test_uplus():
    def f(x: f32[4]):
        x[0] = +x[1]  # E:uplus

    with expect_error(ParseError, "uplus", F):
        parse(f)


def test_iscmp():
    def f(n: size, x: f32[n]):
        if n is n:  # E:iscmp
            pass

    with expect_error(ParseError, "iscmp", F):
        parse(f)


def test_noann():
    def f(n: size, x):  # E:noann
        pass

    with expect_error(ParseError, "noann", F):
        parse(f)


def test_step():
    def f(x: f32[8]):
        callee(8, x[0:8:2])  # E:step

    with expect_error(ParseError, "step", F):
        parse(f)


def test_lhswindow():
    def f(x: f32[8]):
        x[0:2] = 1.0  # E:lhswindow

    with expect_error(ParseError, "lhswindow", F):
        parse(f)


def test_externstmt():
    def f(x: f32[8]):
        relu(x[0])  # E:externstmt

    with expect_error(ParseError, "externstmt", F):
        parse(f)


def test_procexpr():
    def f(n: size, x: f32[n]):
        x[0] = callee(n, x)  # E:procexpr

    with expect_error(ParseError, "procexpr", F):
        parse(f)


def test_break():
    def f(n: size, x: f32[n]):
        for i in seq(0, n):
            break  # E:break

    with expect_error(ParseError, "break", F):
        parse(f)


def test_nesteddef():
    def f(n: size):
        def g():  # E:nesteddef
            pass

    with expect_error(ParseError, "nesteddef", F):
        parse(f)


def test_chained():
    def f(x: f32[4], y: f32[4]):
        x[0] = y[0] = 1.0  # E:chained

    with expect_error(ParseError, "chained", F):
        parse(f)


def test_tupletarget():
    def f(x: f32[4], y: f32[4]):
        x[0], y[0] = 1.0, 2.0  # E:tupletarget

    with expect_error(ParseError, "tupletarget", F):
        parse(f)

