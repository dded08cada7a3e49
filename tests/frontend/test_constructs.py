"""Every construct of the language parses to the documented typed LoopIR."""

from __future__ import annotations

from exo_core import DRAM, DRAM_STATIC, config, instr, proc
from exo_core.extern import relu, select
from exo_core.ir import (
    BOOL,
    F32,
    F64,
    I8,
    INDEX,
    INT,
    SIZE,
    STRIDE,
    Alloc,
    Assign,
    BinOp,
    Call,
    Const,
    Extern,
    For,
    If,
    InstrInfo,
    Interval,
    Pass,
    Point,
    ProcDef,
    R,
    Read,
    ReadConfig,
    Reduce,
    StrideExpr,
    Tensor,
    USub,
    WindowExpr,
    WindowStmt,
    WriteConfig,
)

from .helpers import marked_line, parse

F = __file__


@config
class Cfg:
    scale: f32
    n: index
    on: bool
    st: stride


def test_arguments_and_types():
    def f(n: size, i: index, b: bool, s: stride, x: f32[n, 4] @ DRAM, w: [f64][n], y: f32, z: R[2]):
        pass

    p = parse(f)
    assert isinstance(p, ProcDef) and p.name == "f" and p.preds == ()
    n, i, b, s, x, w, y, z = p.args
    assert [a.name.name for a in p.args] == ["n", "i", "b", "s", "x", "w", "y", "z"]
    assert (n.type, i.type, b.type, s.type) == (SIZE, INDEX, BOOL, STRIDE)
    assert all(a.mem is None for a in (n, i, b, s))
    assert x.type == Tensor((Read(n.name, (), SIZE), Const(4, INT)), False, F32) and x.mem is DRAM
    assert w.type == Tensor((Read(n.name, (), SIZE),), True, F64) and w.mem is DRAM
    assert y.type is F32 and y.mem is DRAM
    assert z.type.base is R and not z.type.is_window
    assert p.body == (Pass(),)
    assert p.instr is None


def test_srcinfo_points_at_source_lines():
    def f(n: size, x: f32[n]):  # L:def
        assert n > 1  # L:pred
        for i in seq(0, n):  # L:for
            x[i] = 0.0  # L:assign
        t: f32[n]  # L:alloc

    p = parse(f)
    assert p.srcinfo.filename == F and p.srcinfo.line == marked_line(F, "def")
    assert p.args[0].srcinfo.line == marked_line(F, "def")
    assert p.preds[0].srcinfo.line == marked_line(F, "pred")
    loop, alloc = p.body
    assert loop.srcinfo.line == marked_line(F, "for") and loop.srcinfo.col == 8
    assert loop.body[0].srcinfo.line == marked_line(F, "assign") and loop.body[0].srcinfo.col == 12
    assert loop.body[0].rhs.srcinfo.line == marked_line(F, "assign")
    assert alloc.srcinfo.line == marked_line(F, "alloc")
    assert str(loop.srcinfo).startswith(f"{F}:{marked_line(F, 'for')}:8")


def test_loops_and_statements():
    def f(n: size, x: f32[n], y: f32[n]):
        for i in seq(0, n):
            x[i] = y[i]
            x[i] += 2.0
        for j in par(1, n - 1):
            pass

    p = parse(f)
    n, x, y = (a.name for a in p.args)
    l1, l2 = p.body
    assert isinstance(l1, For) and l1.loop_mode == "seq" and l1.lo == Const(0, INT) and l1.hi == Read(n, (), SIZE)
    i = l1.iter
    a, r = l1.body
    assert a == Assign(x, F32, (Read(i, (), INDEX),), Read(y, (Read(i, (), INDEX),), F32))
    assert r == Reduce(x, F32, (Read(i, (), INDEX),), Const(2.0, R))
    assert l2.loop_mode == "par" and l2.hi == BinOp("-", Read(n, (), SIZE), Const(1, INT), SIZE)
    assert l2.body == (Pass(),)


def test_if_elif_else_and_conditions():
    def f(n: size, b: bool, x: f32[n]):
        for i in seq(0, n):
            if i < 2 and b:
                x[i] = 1.0
            elif i == n - 1 or b == False:  # noqa: E712
                x[i] = 2.0
            else:
                x[i] = 3.0
            if 0 <= i < n:
                pass

    p = parse(f)
    i = p.body[0].iter
    s, chain = p.body[0].body
    assert isinstance(s, If) and s.cond.op == "and" and s.cond.type is BOOL
    assert s.cond.lhs == BinOp("<", Read(i, (), INDEX), Const(2, INT), BOOL)
    inner = s.orelse[0]
    assert isinstance(inner, If) and inner.cond.op == "or"
    assert inner.orelse[0].rhs == Const(3.0, R)
    # chained comparisons become 'and'
    assert chain.cond == BinOp(
        "and",
        BinOp("<=", Const(0, INT), Read(i, (), INDEX), BOOL),
        BinOp("<", Read(i, (), INDEX), Read(p.args[0].name, (), SIZE), BOOL),
        BOOL,
    )


def test_scalars_allocs_and_memories():
    mems = [DRAM_STATIC]

    def f(n: size, x: f32[n], acc: f32):
        t: f32[4, n] @ mems[0]
        u: i8
        acc = 0.0
        u = x[0]
        t[0, 0] = -acc

    p = parse(f)
    n, x, acc = (a.name for a in p.args)
    t, u, a1, a2, a3 = p.body
    assert isinstance(t, Alloc) and t.mem is DRAM_STATIC
    assert t.type == Tensor((Const(4, INT), Read(n, (), SIZE)), False, F32)
    assert u == Alloc(u.name, I8, DRAM)
    assert a1 == Assign(acc, F32, (), Const(0.0, R))
    assert a2 == Assign(u.name, I8, (), Read(x, (Const(0, INT),), F32))
    assert a3.rhs == USub(Read(acc, (), F32), F32)


def test_windows():
    def f(n: size, m: size, x: f32[n, m], w: [f32][n]):
        a = x[1, 0:4]
        b = x[:, 2]
        c = x[1:]
        d = x[:3]
        e = x[2]
        a[0] = w[1]
        for i in seq(0, n - 4):
            g = w[i:i + 4]

    p = parse(f)
    n, m, x, w = (a.name for a in p.args)
    a, b, c, d, e, assign, loop = p.body
    assert all(isinstance(s, WindowStmt) for s in (a, b, c, d, e))
    one, zero = Const(1, INT), Const(0, INT)
    assert a.rhs == WindowExpr(x, (Point(one), Interval(zero, Const(4, INT))), Tensor((Const(4, INT),), True, F32))
    assert b.rhs.idx == (Interval(zero, Read(n, (), SIZE)), Point(Const(2, INT)))
    assert b.rhs.type == Tensor((Read(n, (), SIZE),), True, F32)
    assert c.rhs.idx[0] == Interval(one, Read(n, (), SIZE))
    assert c.rhs.idx[1] == Interval(zero, Read(m, (), SIZE))
    assert c.rhs.type.hi[0] == BinOp("-", Read(n, (), SIZE), one, SIZE)
    assert d.rhs.idx[0] == Interval(zero, Const(3, INT))
    # partial indexing is a window
    assert e.rhs == WindowExpr(x, (Point(Const(2, INT)), Interval(zero, Read(m, (), SIZE))), Tensor((Read(m, (), SIZE),), True, F32))
    # writes through a window use the window's own Sym and coordinates
    assert assign == Assign(a.name, F32, (zero,), Read(w, (one,), F32))
    g = loop.body[0]
    assert g.rhs.type == Tensor((Const(4, INT),), True, F32)


def test_index_arithmetic_types():
    def f(n: size, x: f32[n]):
        for i in seq(0, n / 4):
            x[4 * i + i % 2] = 0.0
            x[(i + 2) * 3 - n / 4] = 0.0

    p = parse(f)
    n = p.args[0].name
    loop = p.body[0]
    assert loop.hi == BinOp("/", Read(n, (), SIZE), Const(4, INT), SIZE)
    idx = loop.body[0].idx[0]
    assert idx.type is INDEX and idx.lhs.type is INDEX and idx.rhs.op == "%"
    assert loop.body[1].idx[0].lhs.op == "*"


def test_precision_join():
    def f(x: f64[4], y: R[4], z: i8[4]):
        x[0] = x[1] * y[0] + 1.0
        z[0] = z[1] + 3
        y[0] = y[1] / 2.0

    p = parse(f)
    s1, s2, s3 = p.body
    assert s1.rhs.type is F64 and s1.rhs.lhs.type is F64
    assert s2.rhs.type is I8 and s2.rhs.rhs == Const(3, R)
    assert s3.rhs.type is R


def test_calls_stride_externs_configs():
    @proc
    def callee(n: size, a: [f32][n], s: f32, b: bool):
        assert stride(a, 0) == 1
        a[0] = s

    def f(n: size, x: f32[n, n], y: f32):
        callee(n, x[0, :], y, True)
        callee(n - 1, x[1, 1:], Cfg.scale, Cfg.on)
        x[0, 0] = select(x[0, 1], 0.0, relu(y), y)
        Cfg.n = n - 1
        Cfg.scale = x[0, 0]
        Cfg.st = stride(x, 0)
        if Cfg.n == 0:
            pass

    p = parse(f)
    n, x, y = (a.name for a in p.args)
    pred = callee._ir.preds[0]
    assert pred.lhs == StrideExpr(callee._ir.args[1].name, 0, STRIDE) and pred.type is BOOL
    c1, c2, ext, w1, w2, w3, cond = p.body
    assert isinstance(c1, Call) and c1.proc is callee._ir
    assert c1.args[0] == Read(n, (), SIZE) and isinstance(c1.args[1], WindowExpr)
    assert c1.args[2] == Read(y, (), F32) and c1.args[3] == Const(True, BOOL)
    assert c2.args[2] == ReadConfig(Cfg, "scale", F32)
    assert isinstance(ext.rhs, Extern) and ext.rhs.f is select and ext.rhs.type is F32
    assert ext.rhs.args[2] == Extern(relu, (Read(y, (), F32),), F32)
    assert w1 == WriteConfig(Cfg, "n", BinOp("-", Read(n, (), SIZE), Const(1, INT), SIZE))
    assert w2.rhs.type is F32
    assert w3.rhs == StrideExpr(x, 0, STRIDE)
    assert cond.cond.lhs == ReadConfig(Cfg, "n", INDEX)


def test_whole_buffer_arguments():
    @proc
    def fill(n: size, a: f32[n]):
        for i in seq(0, n):
            a[i] = 0.0

    @proc
    def fillw(n: size, a: [f32][n]):
        for i in seq(0, n):
            a[i] = 0.0

    def f(n: size, x: f32[n], y: f32[n, 8]):
        fill(n, x)
        fillw(8, y[2])
        fillw(n, x)

    p = parse(f)
    a = p.body[0].args[1]
    assert a == Read(p.args[1].name, (), p.args[1].type)
    assert isinstance(p.body[1].args[1], WindowExpr)
    # a dense tensor is accepted where a window is expected
    assert p.body[2].args[1] == a


def test_instr_and_decorators():
    @instr("{x_data} = 0;", "#include <x.h>")
    def zero(x: [f32][4]):
        for i in seq(0, 4):
            x[i] = 0.0

    assert zero._ir.instr == InstrInfo("{x_data} = 0;", "#include <x.h>")
    assert parse(_zero_py, instr=InstrInfo("t")).instr == InstrInfo("t")
    assert parse(_zero_py).instr is None


def _zero_py(x: [f32][4]):
    for i in seq(0, 4):
        x[i] = 0.0


def test_literals_and_negation_folding():
    def g(x: f32[4], b: bool):
        x[0] = -1.5
        x[1] = 2
        x[-(-1)] = -x[0]
        if b == True:  # noqa: E712
            pass

    p = parse(g)
    assert p.body[0].rhs == Const(-1.5, R)
    assert p.body[1].rhs == Const(2, R) and type(p.body[1].rhs.val) is int
    assert p.body[2].idx[0] == Const(1, INT)
    assert p.body[2].rhs == USub(Read(p.args[0].name, (Const(0, INT),), F32), F32)
    assert p.body[3].cond.rhs == Const(True, BOOL)


def test_docstring_and_empty_body():
    def f(n: size):
        """A docstring is allowed first."""
        assert n > 0

    p = parse(f)
    assert len(p.preds) == 1 and p.body == (Pass(),)


def test_shadowing_gives_distinct_syms():
    def f(n: size, x: f32[n]):
        for i in seq(0, n):
            x[i] = 0.0
        for i in seq(0, n):
            x[i] = 1.0

    p = parse(f)
    assert p.body[0].iter is not p.body[1].iter
    assert p.body[1].body[0].idx[0].name is p.body[1].iter


def test_names_resolve_closure_then_caller_then_globals():
    N = 8  # a local of the test: reached through the closure

    def f(x: f32[N]):
        for i in seq(0, N):
            x[i] = 0.0

    p = parse(f)
    assert p.args[0].type.hi == (Const(8, INT),)
    assert p.body[0].hi == Const(8, INT)


def test_proc_decorator_end_to_end():
    @proc
    def copy(n: size, dst: f32[n], src: f32[n]):
        for i in seq(0, n):
            dst[i] = src[i]

    assert copy.name() == "copy"
    assert isinstance(copy._ir.body[0], For)
