"""Public statement primitives (thin wrappers over exo_core.rewrite.stmts)."""

from __future__ import annotations

from ..rewrite import stmts as R
from . import args as A
from .primitive import primitive


@primitive
def rename(proc, name):
    """Rename the procedure."""
    return R.rename(proc._ir, A.name_arg(name, "name"))


@primitive
def insert_pass(proc, gap_cursor):
    """Insert ``pass`` at a gap."""
    return R.insert_pass(proc._ir, *A.gap_arg(proc, gap_cursor, "gap_cursor"))


@primitive
def delete_pass(proc):
    """Delete every ``pass`` (and loops/ifs that contain only ``pass``)."""
    return R.delete_pass(proc._ir)


@primitive
def reorder_stmts(proc, block_cursor):
    """Swap two adjacent statements (a block of two, or the first of the two)."""
    parent, field, lo, hi = A.block_arg(proc, block_cursor, "block_cursor")
    if hi - lo not in (1, 2):
        raise A.ArgError("argument 'block_cursor': expected two adjacent statements")
    return R.reorder_stmts(proc._ir, parent, field, lo)
