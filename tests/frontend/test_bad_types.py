"""Ill-typed programs: TypeCheckError or PrecisionError at the offending line, in one line.

Every case is parsed with ``parse_procedure`` directly (no bounds checking involved); the
names the bodies use (``callee``, ``Cfg``...) come from fixtures.py.
"""

from __future__ import annotations

from exo_core.errors import PrecisionError, TypeCheckError
from exo_core.extern import relu, select

from .fixtures import Cfg, callee, dense, flag_callee, scalar_callee, two
from .helpers import expect_error, parse

F = __file__


def test_dataindex():
    def f(x: f32[4], y: f32[4]):
        x[y[0]] = 1.0  # E:dataindex

    with expect_error(TypeCheckError, "dataindex", F):
        parse(f)


def test_databound():
    def f(x: f32[4]):
        for i in seq(0, x[0]):  # E:databound
            pass

    with expect_error(TypeCheckError, "databound", F):
        parse(f)


def test_datacmp():
    def f(x: f32[4]):
        if x[0] < 1.0:  # E:datacmp
            pass

    with expect_error(TypeCheckError, "datacmp", F):
        parse(f)


def test_nonboolif():
    def f(n: size):
        if n:  # E:nonboolif
            pass

    with expect_error(TypeCheckError, "nonboolif", F):
        parse(f)


def test_nonaffine():
    def f(n: size, m: size, x: f32[n, m]):
        for i in seq(0, n):
            for j in seq(0, m):
                x[i * j, 0] = 0.0  # E:nonaffine

    with expect_error(TypeCheckError, "nonaffine", F):
        parse(f)


def test_divvar():
    def f(n: size, m: size, x: f32[n]):
        for i in seq(0, n):
            x[i / m] = 0.0  # E:divvar

    with expect_error(TypeCheckError, "divvar", F):
        parse(f)


def test_modzero():
    def f(n: size, x: f32[n]):
        for i in seq(0, n):
            x[i % 0] = 0.0  # E:modzero

    with expect_error(TypeCheckError, "modzero", F):
        parse(f)


def test_datamod():
    def f(x: f32[4]):
        x[0] = x[1] % 2.0  # E:datamod

    with expect_error(TypeCheckError, "datamod", F):
        parse(f)


def test_ctrlstore():
    def f(n: size, x: f32[n]):
        for i in seq(0, n):
            x[i] = i  # E:ctrlstore

    with expect_error(TypeCheckError, "ctrlstore", F):
        parse(f)


def test_lhsarity():
    def f(n: size, x: f32[n, n]):
        for i in seq(0, n):
            x[i] = 0.0  # E:lhsarity

    with expect_error(TypeCheckError, "lhsarity", F):
        parse(f)


def test_readarity():
    def f(x: f32[4], y: f32[4]):
        x[0] = y[0, 1]  # E:readarity

    with expect_error(TypeCheckError, "readarity", F):
        parse(f)


def test_freshscalar():
    def f(x: f32[4]):
        y = 1.0  # E:freshscalar

    with expect_error(TypeCheckError, "freshscalar", F):
        parse(f)


def test_callcount():
    def f(n: size, x: f32[n]):
        callee(n)  # E:callcount

    with expect_error(TypeCheckError, "callcount", F):
        parse(f)


def test_windense():
    def f(n: size, x: f32[n, n]):
        dense(n, x[0, :])  # E:windense

    with expect_error(TypeCheckError, "windense", F):
        parse(f)


def test_scalararg():
    def f(x: f32[4]):
        scalar_callee(x[0])  # E:scalararg

    with expect_error(TypeCheckError, "scalararg", F):
        parse(f)


def test_rank():
    def f(n: size, x: f32[n, n]):
        callee(n, x)  # E:rank

    with expect_error(TypeCheckError, "rank", F):
        parse(f)


def test_alias():
    def f(n: size, x: f32[n]):
        two(n, x, x)  # E:alias

    with expect_error(TypeCheckError, "alias", F):
        parse(f)


def test_boolparam():
    def f(n: size, x: f32[n]):
        flag_callee(n)  # E:boolparam

    with expect_error(TypeCheckError, "boolparam", F):
        parse(f)


def test_nofield():
    def f(x: f32[4]):
        x[0] = Cfg.missing  # E:nofield

    with expect_error(TypeCheckError, "nofield", F):
        parse(f)


def test_cfgkind():
    def f(x: f32[4]):
        Cfg.n = x[0]  # E:cfgkind

    with expect_error(TypeCheckError, "cfgkind", F):
        parse(f)


def test_cfgdep():
    def f(n: size, x: f32[n]):
        for i in seq(0, n):
            Cfg.scale = x[i]  # E:cfgdep

    with expect_error(TypeCheckError, "cfgdep", F):
        parse(f)


def test_strideoob():
    def f(n: size, x: f32[n]):
        assert stride(x, 1) == 1  # E:strideoob
        pass

    with expect_error(TypeCheckError, "strideoob", F):
        parse(f)


def test_stridescalar():
    def f(n: size, s: f32):
        assert stride(s, 0) == 1  # E:stridescalar
        pass

    with expect_error(TypeCheckError, "stridescalar", F):
        parse(f)


def test_externargs():
    def f(x: f32[4]):
        x[0] = relu(x[0], x[1])  # E:externargs

    with expect_error(TypeCheckError, "externargs", F):
        parse(f)


def test_boolarith():
    def f(n: size, b: bool, x: f32[n]):
        for i in seq(0, n):
            x[i + b] = 0.0  # E:boolarith

    with expect_error(TypeCheckError, "boolarith", F):
        parse(f)


def test_windowvalue():
    def f(x: f32[8], y: f32[8]):
        y[0] = x[0:2]  # E:windowvalue

    with expect_error(TypeCheckError, "windowvalue", F):
        parse(f)


def test_predbool():
    def f(n: size):
        assert n + 1  # E:predbool
        pass

    with expect_error(TypeCheckError, "predbool", F):
        parse(f)


def test_indexscalar():
    def f(s: f32):
        s[0] = 1.0  # E:indexscalar

    with expect_error(TypeCheckError, "indexscalar", F):
        parse(f)


def test_bufvalue():
    def f(x: f32[4], y: f32[4]):
        y[0] = x + 1.0  # E:bufvalue

    with expect_error(TypeCheckError, "bufvalue", F):
        parse(f)


def test_ctrlmixdata():
    def f(n: size, x: f32[n]):
        for i in seq(0, n):
            x[i] = x[i] + i  # E:ctrlmixdata

    with expect_error(TypeCheckError, "ctrlmixdata", F):
        parse(f)


def test_mixprec():
    def f(x: f32[4], y: f64[4]):
        x[0] = x[1] + y[0]  # E:mixprec

    with expect_error(PrecisionError, "mixprec", F):
        parse(f)


def test_callprec():
    def f(n: size, y: f64[n]):
        callee(n, y)  # E:callprec

    with expect_error(PrecisionError, "callprec", F):
        parse(f)


def test_externprec():
    def f(x: f32[4], y: f64[4]):
        x[0] = select(x[0], y[0], x[1], x[2])  # E:externprec

    with expect_error(PrecisionError, "externprec", F):
        parse(f)


def test_intfloat():
    def f(x: i8[4], y: f32[4]):
        y[0] = y[1] * x[0]  # E:intfloat

    with expect_error(PrecisionError, "intfloat", F):
        parse(f)

