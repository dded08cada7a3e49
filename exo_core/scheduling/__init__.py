"""The scheduling primitives (Exo's ``exo.API_scheduling``). Each takes a procedure first
and returns a new one; the old one is unchanged. A rewrite that could change what the
procedure computes is refused with a ``SchedulingError`` saying why."""

from __future__ import annotations

from .stmts import delete_pass, insert_pass, rename, reorder_stmts

__all__ = ["delete_pass", "insert_pass", "rename", "reorder_stmts"]
