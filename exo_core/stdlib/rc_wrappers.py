"""Primitives that also return cursors to the pieces they produce (Exo's
``exo.stdlib.rc_wrappers``): ``fission_``, ``divide_loop_``, ``stage_mem_``, ``cut_loop_``,
``specialize_``. With ``rc=True`` each returns ``(proc, cursors)``; the cursor records
unpack like tuples."""

from __future__ import annotations

from dataclasses import dataclass

from .. import scheduling as S
from ..cursors import AllocCursor, BlockCursor, Cursor, ForCursor, GapCursor, GapType, IfCursor, InvalidCursor
from ..errors import SchedulingError
from ._op import block_of, library_op, loop_of, stmt_of
from .inspection import get_symbols


@dataclass
class fission_cursors:
    scope1: ForCursor | IfCursor
    scope2: ForCursor | IfCursor

    def __iter__(self):
        yield self.scope1
        yield self.scope2


@library_op(transparent=True)
def fission_(proc, gap, rc=False):
    """``fission`` at ``gap`` (one level); ``rc``: the two scopes, in program order."""
    gap = proc.forward(gap)
    if not isinstance(gap, GapCursor):
        raise SchedulingError(f"argument 'gap': expected a gap cursor, got {type(gap).__name__}")
    stmt = gap.anchor()
    after = gap.type() is GapType.After
    proc = S.fission(proc, gap)
    if not rc:
        return proc
    scope = proc.forward(stmt).parent()
    first, second = (scope, scope.next()) if after else (scope.prev(), scope)
    return proc, fission_cursors(first, second)


@dataclass
class divide_loop_cursors:
    outer_loop: ForCursor
    inner_loop: ForCursor
    tail_loop: ForCursor

    def __iter__(self):
        yield self.outer_loop
        yield self.inner_loop
        yield self.tail_loop


@library_op(transparent=True)
def divide_loop_(proc, loop_cursor, div_const, tail="guard", rc=False):
    """``divide_loop`` with iterators ``<i>o``/``<i>i``; ``tail="perfect"`` means
    ``perfect=True``. ``rc``: (outer, inner, tail) where tail is the tail loop for "cut",
    the ``if`` around it for "cut_and_guard", and an invalid cursor otherwise."""
    loop = loop_of(proc, loop_cursor, "loop_cursor")
    perfect = tail == "perfect"
    if perfect:
        tail = "cut"
    name = loop.name()
    proc = S.divide_loop(proc, loop, div_const, (name + "o", name + "i"), tail=tail, perfect=perfect)
    if not rc:
        return proc
    outer = proc.forward(loop)
    inner = outer.body()[0]
    tail_loop = InvalidCursor() if perfect or tail == "guard" else outer.next()
    return proc, divide_loop_cursors(outer, inner, tail_loop)


@dataclass
class stage_mem_cursors:
    alloc: AllocCursor
    load_stage: Cursor
    block: BlockCursor
    store_stage: Cursor

    def __iter__(self):
        yield self.alloc
        yield self.load_stage
        yield self.block
        yield self.store_stage


@library_op(transparent=True)
def stage_mem_(proc, block, buff, new_buff_name, accum=False, rc=False):
    """``stage_mem``; ``rc``: the new allocation, the load statement (invalid when none),
    the staged block and the store statement (invalid when none)."""
    block = block_of(proc, block)
    first, last, n = block[0], block[len(block) - 1], len(block)
    proc = S.stage_mem(proc, block, buff, new_buff_name, accum)
    if not rc:
        return proc
    first, last = proc.forward(first), proc.forward(last)
    alloc = first.prev()
    while alloc and not (isinstance(alloc, AllocCursor) and alloc.name() == new_buff_name):
        alloc = alloc.prev()
    load = alloc.next() if alloc and alloc.next() != first else InvalidCursor()
    store = last.next()
    if not store or new_buff_name not in set(get_symbols(proc, store)):
        store = InvalidCursor()
    return proc, stage_mem_cursors(alloc, load, first.as_block().expand(0, n - 1), store)


@dataclass
class cut_loop_cursors:
    loop1: ForCursor
    loop2: ForCursor

    def __iter__(self):
        yield self.loop1
        yield self.loop2


@library_op(transparent=True)
def cut_loop_(proc, loop, expr, rc=False):
    """``cut_loop``; ``rc``: the two loops."""
    loop = loop_of(proc, loop)
    proc = S.cut_loop(proc, loop, expr)
    if not rc:
        return proc
    loop1 = proc.forward(loop)
    return proc, cut_loop_cursors(loop1, loop1.next())


@dataclass
class specialize_cursors:
    if_stmt: Cursor

    def __iter__(self):
        yield self.if_stmt


@library_op(transparent=True)
def specialize_(proc, stmt, cond, rc=False):
    """``specialize`` of one statement; ``rc``: the new ``if``."""
    stmt = stmt_of(proc, stmt)
    parent = stmt.parent()
    proc = S.specialize(proc, stmt, cond)
    if not rc:
        return proc
    return proc, specialize_cursors(scope_replacing(proc, stmt, parent))


def scope_replacing(proc, stmt, old_parent):
    """The statement of ``proc`` that now stands where ``stmt`` stood directly inside
    ``old_parent`` (an invalid cursor: the top level), ``stmt`` having been wrapped."""
    target = proc.forward(old_parent) if old_parent else InvalidCursor()
    c = proc.forward(stmt)
    while c.parent() != target:
        c = c.parent()
        if not c:
            raise SchedulingError("the rewritten statement is no longer inside its old scope")
    return c


__all__ = [
    "fission_cursors", "fission_", "divide_loop_cursors", "divide_loop_", "stage_mem_cursors",
    "stage_mem_", "cut_loop_cursors", "cut_loop_", "specialize_cursors", "specialize_", "scope_replacing",
]
