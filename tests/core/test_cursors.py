"""Read-only cursor navigation over a procedure."""

from __future__ import annotations

import pytest

from exo_core import DRAM, proc
from exo_core.cursors import (
    AllocCursor,
    AssignCursor,
    BinaryOpCursor,
    BlockCursor,
    CallCursor,
    ExoType,
    ForCursor,
    GapType,
    IfCursor,
    InvalidCursor,
    LiteralCursor,
    ReadCursor,
    ReduceCursor,
)


@proc
def zero(n: size, x: [f32][n]):
    for i in seq(0, n):
        x[i] = 0.0


@proc
def kernel(n: size, x: f32[n, 4] @ DRAM, y: f32[n]):
    assert n >= 1
    t: f32[4] @ DRAM
    for i in seq(0, n):
        if i < 2:
            y[i] = x[i, 0] + 1.0
        else:
            y[i] += 2.0
    zero(4, t[0:4])


def test_args():
    args = kernel.args()
    assert [a.name() for a in args] == ["n", "x", "y"]
    assert args[0].type() is ExoType.Size and not args[0].is_tensor()
    assert args[1].is_tensor() and args[1].mem() is DRAM and args[1].type() is ExoType.F32
    assert [str(s.value()) if isinstance(s, LiteralCursor) else s.name() for s in args[1].shape()] == ["n", "4"]


def test_body_navigation():
    body = kernel.body()
    assert isinstance(body, BlockCursor) and len(body) == 3
    alloc, loop, call = list(body)
    assert isinstance(alloc, AllocCursor) and alloc.name() == "t" and alloc.is_tensor()
    assert isinstance(loop, ForCursor) and loop.name() == "i"
    assert isinstance(call, CallCursor) and call.subproc().name() == "zero"
    assert alloc.next() == loop and loop.prev() == alloc and loop.next(2) == InvalidCursor()
    assert not call.next()
    assert loop.parent() == InvalidCursor()
    branch = loop.body()[0]
    assert isinstance(branch, IfCursor) and branch.parent() == loop
    assert loop.is_ancestor_of(branch) and not branch.is_ancestor_of(loop)
    then, other = branch.body()[0], branch.orelse()[0]
    assert isinstance(then, AssignCursor) and then.name() == "y"
    assert isinstance(other, ReduceCursor)
    rhs = then.rhs()
    assert isinstance(rhs, BinaryOpCursor) and rhs.op() == "+"
    assert isinstance(rhs.lhs(), ReadCursor) and rhs.lhs().name() == "x"
    assert [i.name() for i in rhs.lhs().idx() if isinstance(i, ReadCursor)] == ["i"]
    assert rhs.rhs().value() == 1.0
    assert rhs.parent() == then and rhs.lhs().parent() == rhs


def test_blocks_and_gaps():
    body = kernel.body()
    assert len(body[0:2]) == 2 and body[-1] == body[2]
    with pytest.raises(IndexError):
        body[3]
    assert body[1].as_block() == body[1:2]
    gap = body[1].after()
    assert gap.anchor() == body[1] and gap.type() == GapType.After
    assert kernel.body()[1].before() != gap


@proc
def twice_y(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        x[i] = y[i] * 2.0 + 1.0
        y[i] = 3.0


def test_find_inside_blocks_and_expressions():
    body = twice_y.find_loop("i").body()
    assert body.as_block() is body
    assert isinstance(body.find("y[_] = _"), AssignCursor)
    assert len(twice_y.body().find("y[_]", many=True)) == 1  # reads only (y[i] = 3.0 is a statement)
    e = twice_y.find("y[_] * 2.0")
    assert isinstance(e, BinaryOpCursor)
    inner = e.find("y[_]")
    assert isinstance(inner, ReadCursor) and inner.parent() == e
    with pytest.raises(Exception, match="failed to find matches"):
        e.find("x[_]")
    # an argument has no enclosing code
    assert not twice_y.args()[0].parent()
