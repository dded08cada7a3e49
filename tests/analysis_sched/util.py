"""Helpers: paths, blocks and the expectation that a check fails with a reason."""

from __future__ import annotations

import pytest

from exo_core.analysis.sched import CheckFailed


def P(*idx, field="body"):
    """Path of nested statements: ``P(0, 1)`` = body[0].body[1]."""
    return tuple((field, i) for i in idx)


def S(*steps):
    """Path from explicit steps: ``S(("body", 0), ("orelse", 1))``."""
    return tuple(steps)


def blk(parent, lo, hi=None, field="body"):
    return (tuple(parent), field, lo, lo + 1 if hi is None else hi)


def fails(fn, *args, match=None, **kw):
    with pytest.raises(CheckFailed) as info:
        fn(*args, **kw)
    if match is not None:
        for m in (match if isinstance(match, (list, tuple)) else [match]):
            assert m in str(info.value), str(info.value)
    return str(info.value)


def sym(p, name):
    """The Sym a proc binds (argument, allocation, iterator, window) under ``name``."""
    from exo_core.ir.nodes import Alloc, For, WindowStmt
    from exo_core.ir.visit import walk

    ir = p._ir
    for a in ir.args:
        if a.name.name == name:
            return a.name
    for n in walk(ir.body):
        if type(n) in (Alloc, WindowStmt) and n.name.name == name:
            return n.name
        if type(n) is For and n.iter.name == name:
            return n.iter
    raise KeyError(name)
