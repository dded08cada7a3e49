"""merge_writes, split_write, fold_into_reduce, inline_assign, lift_reduce_constant:
accepted rewrites agree with the original (interpreter and compiled C), refusals say why,
regressions of Exo's unsound cases."""

from __future__ import annotations

import pytest

from exo_core import proc
from exo_core.errors import InvalidCursorError
from exo_core.ir.printer import expr_to_str
from exo_core.scheduling import (
    fold_into_reduce,
    inline_assign,
    lift_reduce_constant,
    merge_writes,
    split_write,
)

from .checks import body, lines, refused, same_results

# --------------------------------------------------------------------------- kernels


@proc
def writes(n: size, x: f32[n], y: f32[n], a: f32[4], k: i8[4]):
    assert n >= 2
    a[0] = x[0]
    a[0] = x[1]
    a[1] += x[0]
    a[1] = x[1] * 2.0
    a[2] = x[0]
    a[2] += x[1] + 1.0
    a[3] += x[0]
    a[3] += x[1]
    k[0] += 3
    k[0] += 100
    for i in seq(0, n):
        y[i] = x[i]
        y[i] += y[i]
        y[i] = 1.0
        y[i + 1 - 1] += 2.0


@proc
def mixed(n: size, r: R[n], d: f64[n], x: f32[n]):
    for i in seq(0, n):
        r[i] = 0.1
        r[i] += d[i]
        x[i] = 0.1
        x[i] += 0.2
        r[i] = r[i] + d[i]


@proc
def sums(n: size, x: f32[n], y: f32[n], z: f32[n], k: i32[n]):
    for i in seq(0, n):
        y[i] = x[i] + z[i]
        z[i] += x[i] * 2.0 + y[i]
        y[i] = x[i] + y[i]
        k[i] = k[i] * 3 + 1
        y[i] = y[i] + x[i]
        y[i] = y[i + 1 - 1] + x[i]
        y[i] = y[0] + x[i]


@proc
def temps(n: size, x: f32[n], y: f32[n], z: f32[n]):
    t: f32
    u: f32[2]
    for i in seq(0, n):
        t = x[i] * 2.0
        y[i] = t + 1.0
        z[i] = t * t
    for i in seq(0, n):
        u[0] = x[i]
        u[1] = 3.0
        y[i] = u[0] + u[1]


@proc
def leaky(n: size, x: f32[n], y: f32[n]):
    assert n >= 2
    t: f32
    for i in seq(0, n):
        x[i] = 2.0
        y[i] = x[i]
    t = 1.0
    y[0] = t
    t = 2.0
    y[1] = t
    for i in seq(0, n):
        t = x[i]
        y[i] += t
    y[0] = t


@proc
def carried(n: size, x: f32[n], y: f32[n]):
    t: f32
    t = 0.0
    for i in seq(0, n):
        y[i] = t
        t = x[i]
        y[i] += t


@proc
def clobbered(n: size, x: f32[n], y: f32[n]):
    assert n >= 2
    t: f32
    t = x[0]
    x[0] = 5.0
    y[0] = t
    t = x[1]
    x[0] = 6.0
    y[1] = t


@proc
def widened(n: size, d: f64[n], s: f32[n], h: f16[n], e: f64[n]):
    t: R
    u: f32
    g: f16
    w: f64
    v: f64
    for i in seq(0, n):
        t = s[i] + 1.0
        e[i] = t * e[i]
        u = d[i]
        s[i] = u * s[i]
        g = h[i] + h[i]
        h[i] = g
        w = 0.1
        e[i] = w * e[i]
        v = 0.5
        e[i] = e[i] + v


@proc
def dot(n: size, x: f32[n], y: f32[n], c: f32[1], s: f32[1]):
    s[0] = 0.0
    for i in seq(0, n):
        s[0] += 3.0 * x[i]
        if i < 2:
            s[0] += 3.0 * y[i]


@proc
def dot_read(n: size, x: f32[n], c: f32[2], s: f32[1], k: i32[1], ki: i32[n]):
    s[0] = 0.0
    for i in seq(0, n):
        s[0] += c[1] * x[i]
    k[0] = 0.0
    for i in seq(0, n):
        k[0] += 5 * ki[i]


@proc
def dot_bad(n: size, x: f32[n], c: f32[n], s: f32[1]):
    s[0] = 1.0
    for i in seq(0, n):
        s[0] += 3.0 * x[i]
    s[0] = 0.0
    for i in seq(0, n):
        s[0] += 3.0 * x[i]
        s[0] += 2.0 * x[i]
    s[0] = 0.0
    for i in seq(0, n):
        s[0] += c[i] * x[i]
    s[0] = 0.0
    for i in seq(0, n):
        s[0] += c[0] * x[i]
        c[0] = 1.0
    s[0] = 0.0
    for i in seq(0, n):
        s[0] += 3.0 * x[i]
        x[i] = s[0]


# --------------------------------------------------------------------------- merge_writes


def test_merge_writes_all_four_cases():
    p = writes
    for k in (0, 2, 4, 6):  # after each merge the next pair moves up by one
        j = k // 2
        p = merge_writes(p, p.body()[j].expand(0, 1))
    assert body(p).splitlines()[:4] == [
        "a[0] = x[1]",
        "a[1] = x[1] * 2.0",
        "a[2] = x[0] + (x[1] + 1.0)",
        "a[3] += x[0] + x[1]",
    ]
    same_results(writes, p)


def test_merge_writes_integer_reductions_are_exact():
    k = writes.body()[8]
    p = merge_writes(writes, k.expand(0, 1))
    assert "k[0] += 3 + 100" in body(p)
    same_results(writes, p, exact=True)


def test_merge_writes_forwards_the_second_statement():
    first, second = writes.body()[6], writes.body()[7]
    p = merge_writes(writes, first.expand(0, 1))
    assert p.forward(second) == p.body()[6]
    assert expr_to_str(p.forward(second.rhs())._node()) == "x[1]"
    with pytest.raises(InvalidCursorError):
        p.forward(first)


def test_merge_writes_refusals():
    loop = writes.body()[10]
    refused(merge_writes, writes, loop.body()[0].expand(0, 1), words=("reads 'y'", r"y\[i\] = x\[i\]"))
    refused(merge_writes, writes, writes.body()[1].expand(0, 1), words=("same location",))
    # a[1] += ...; a[1] = ...: fine. a[0] = x[1]; a[1] += x[0]: different locations (same name)
    refused(merge_writes, writes, writes.body()[9].expand(0, 1), words=("assign/reduce",))


def test_merge_writes_same_location_proved():
    loop = writes.body()[10]
    p = merge_writes(writes, loop.body()[2].expand(0, 1))
    assert "y[i] = 1.0 + 2.0" in body(p)
    same_results(writes, p)


def test_merge_writes_refuses_precision_changes():
    loop = mixed.body()[0]
    # r is R (f32) but r[i] += d[i] adds an f64 value converted to f32 first
    refused(merge_writes, mixed, loop.body()[0].expand(0, 1), words=("f64", "f32"))
    # 0.1 and 0.2 are not f32 values: adding them in f32 differs from storing them
    p = merge_writes(mixed, loop.body()[2].expand(0, 1))
    same_results(mixed, p)


# --------------------------------------------------------------------------- split_write


def test_split_write():
    loop = sums.body()[0]
    p = split_write(sums, loop.body()[0])
    assert body(p).splitlines()[1:3] == ["    y[i] = x[i]", "    y[i] += z[i]"]
    same_results(sums, p, exact=True)
    q = split_write(sums, loop.body()[1])
    assert body(q).splitlines()[2:4] == ["    z[i] += x[i] * 2.0", "    z[i] += y[i]"]
    same_results(sums, q)
    r = split_write(sums, loop.body()[3])
    assert "    k[i] += 1" in body(r).splitlines()
    same_results(sums, r, exact=True)


def test_split_write_refuses_a_second_operand_reading_the_target():
    # Exo splits `y = x + y` into `y = x; y += y`, which doubles x instead
    loop = sums.body()[0]
    refused(split_write, sums, loop.body()[2], words=("reads 'y'", "first statement stores"))
    refused(split_write, writes, writes.body()[3], words=("Expected the rhs", "addition"))


# --------------------------------------------------------------------------- fold_into_reduce


def test_fold_into_reduce():
    loop = sums.body()[0]
    p = fold_into_reduce(sums, loop.body()[4])
    assert "    y[i] += x[i]" in body(p).splitlines()
    same_results(sums, p, exact=True)
    q = fold_into_reduce(sums, loop.body()[5])  # y[i + 1 - 1]: proven the same location
    assert "    y[i] += x[i]" in body(q).splitlines()
    same_results(sums, q, exact=True)


def test_fold_into_reduce_refusals():
    loop = sums.body()[0]
    refused(fold_into_reduce, sums, loop.body()[6], words=("not a read to the lhs",))
    refused(fold_into_reduce, sums, loop.body()[0], words=("not a read to the lhs",))
    refused(fold_into_reduce, sums, loop.body()[1], words=("expected an assignment",))
    refused(fold_into_reduce, mixed, mixed.body()[0].body()[4], words=("f64",))


# --------------------------------------------------------------------------- inline_assign


def test_inline_assign():
    loop = temps.body()[2]
    p = inline_assign(temps, loop.body()[0])
    assert body(p).splitlines()[2:5] == [
        "for i in seq(0, n):",
        "    y[i] = x[i] * 2.0 + 1.0",
        "    z[i] = x[i] * 2.0 * (x[i] * 2.0)",
    ]
    same_results(temps, p)
    loop2 = p.forward(temps.body()[3])
    q = inline_assign(p, loop2.body()[0])
    q = inline_assign(q, q.forward(loop2.body()[1]))
    assert body(q).splitlines()[-1] == "    y[i] = x[i] + 3.0"
    same_results(temps, q)


def test_inline_assign_refuses_a_write_to_an_argument():
    # Exo #612: the write to x is deleted although the caller sees x
    refused(inline_assign, leaky, leaky.body()[1].body()[0], words=("argument", "caller"))


def test_inline_assign_refuses_reads_after_the_block():
    refused(inline_assign, leaky, leaky.body()[6].body()[0], words=("read after", r"y\[0\] = t"))


def test_inline_assign_up_to_the_next_assignment():
    p = inline_assign(leaky, leaky.body()[2])  # t = 1.0: `t = 2.0` hides it from what follows
    assert body(p).splitlines()[4:7] == ["y[0] = 1.0", "t = 2.0", "y[1] = t"]
    same_results(leaky, p, exact=True)
    # t = 2.0 is overwritten inside the next loop, where only some iterations may run
    refused(inline_assign, leaky, leaky.body()[4], words=("written afterwards", r"t = x\[i\]"))


def test_inline_assign_refuses_loop_carried_reads():
    refused(inline_assign, carried, carried.body()[2].body()[1],
            words=("later iteration", r"y\[i\] = t"))


def test_inline_assign_refuses_when_the_value_changes_before_a_use():
    refused(inline_assign, clobbered, clobbered.body()[1], words=("reads 'x'", "written", "before the use", r"y\[0\] = t"))
    p = inline_assign(clobbered, clobbered.body()[4])  # x[0] is written, x[1] is read: fine
    assert "y[1] = x[1]" in body(p)
    same_results(clobbered, p, exact=True)


@proc
def later_clobber(n: size, a: f32[2], y: f32[n]):
    t: f32
    t = a[0]
    for i in seq(0, n):
        y[i] = t
        a[0] = y[i] + 1.0


@proc
def aliased(n: size, a: f32[4], y: f32[n]):
    w = a[1:3]
    a[1] = 1.0
    a[1] += w[0]
    a[2] = y[0]
    a[2] += w[0]


def test_inline_assign_refuses_a_write_later_in_the_loop_of_the_use():
    # the second iteration would read the new a[0]
    refused(inline_assign, later_clobber, later_clobber.body()[1], words=("reads 'a'", "before the use"))


def test_merge_writes_sees_reads_through_windows():
    refused(merge_writes, aliased, aliased.body()[1].expand(0, 1), words=("reads 'a'",))
    refused(merge_writes, aliased, aliased.body()[3].expand(0, 1), words=("reads 'a'",))


def test_inline_assign_refuses_a_rewrite_of_the_temporary():
    refused(inline_assign, carried, carried.body()[1], words=("written afterwards", r"t = x\[i\]"))


def test_inline_assign_keeps_precision():
    loop = widened.body()[5]
    refused(inline_assign, widened, loop.body()[0], words=("f32", "f64"))  # t * e[i] would mix them
    refused(inline_assign, widened, loop.body()[2], words=("computed in f64", "stored to f32"))
    refused(inline_assign, widened, loop.body()[4], words=("f16", "rounds"))
    refused(inline_assign, widened, loop.body()[6], words=("0.1", "rounded"))
    p = inline_assign(widened, loop.body()[8])  # 0.5 is exact: e[i] + 0.5 in f64
    assert "e[i] = e[i] + 0.5" in body(p)
    same_results(widened, p, exact=True)


def test_inline_assign_refuses_non_assignments():
    refused(inline_assign, temps, temps.body()[2], words=("assignment",))


# --------------------------------------------------------------------------- lift_reduce_constant


def test_lift_reduce_constant():
    p = lift_reduce_constant(dot, dot.body()[0].expand(0, 1))
    assert body(p) == lines("""
        s[0] = 0.0
        for i in seq(0, n):
            s[0] += x[i]
            if i < 2:
                s[0] += y[i]
        s[0] = 3.0 * s[0]
        """)
    same_results(dot, p)


def test_lift_reduce_constant_read_factor_and_integers():
    p = lift_reduce_constant(dot_read, dot_read.body()[0].expand(0, 1))
    assert "s[0] = c[1] * s[0]" in body(p)
    same_results(dot_read, p)
    q = lift_reduce_constant(dot_read, dot_read.body()[2].expand(0, 1))
    assert "k[0] = 5 * k[0]" in body(q)
    same_results(dot_read, q, exact=True)


def test_lift_reduce_constant_refusals():
    b = dot_bad.body()
    refused(lift_reduce_constant, dot_bad, b[0].expand(0, 1), words=("zero",))
    refused(lift_reduce_constant, dot_bad, b[2].expand(0, 1), words=("different constants",))
    refused(lift_reduce_constant, dot_bad, b[4].expand(0, 1), words=("depends on the variable i",))
    refused(lift_reduce_constant, dot_bad, b[6].expand(0, 1), words=("written in the loop",))
    refused(lift_reduce_constant, dot_bad, b[8].expand(0, 1), words=("read in the loop body",))


# --------------------------------------------------------------------------- forwarding


def test_forwarding_through_write_rewrites():
    loop = sums.body()[0]
    stmt = loop.body()[0]  # y[i] = x[i] + z[i]
    after = loop.body()[1]
    p = split_write(sums, stmt)
    with pytest.raises(InvalidCursorError):
        p.forward(stmt)
    assert expr_to_str(p.forward(stmt.rhs().rhs())._node()) == "z[i]"
    assert p.forward(stmt.rhs().rhs()).parent() == p.body()[0].body()[1]
    assert p.forward(after) == p.body()[0].body()[2]

    t_assign = temps.body()[2].body()[0]
    use = temps.body()[2].body()[1]
    q = inline_assign(temps, t_assign)
    assert q.forward(use) == q.body()[2].body()[0]
    assert expr_to_str(q.forward(use.rhs().lhs())._node()) == "x[i] * 2.0"
    with pytest.raises(InvalidCursorError):
        q.forward(t_assign)

    red = dot.body()[1].body()[0]
    r = lift_reduce_constant(dot, dot.body()[0].expand(0, 1))
    assert r.forward(red) == r.body()[1].body()[0]
    assert expr_to_str(r.forward(red.rhs().rhs())._node()) == "x[i]"
    assert r.forward(dot.body()[1]) == r.body()[1]

    fold = sums.body()[0].body()[4]
    f = fold_into_reduce(sums, fold)
    assert f.forward(fold) == f.body()[0].body()[4]
    assert expr_to_str(f.forward(fold.rhs().rhs())._node()) == "x[i]"
