"""The scheduling primitives (Exo's ``exo.API_scheduling``). Each takes a procedure first
and returns a new one; the old one is unchanged. A rewrite that could change what the
procedure computes is refused with a ``SchedulingError`` saying why."""

from __future__ import annotations

from . import buffers, exprs, loop_scopes, loops
from .buffers import *  # noqa: F403
from .exprs import *  # noqa: F403
from .loop_scopes import *  # noqa: F403
from .loops import *  # noqa: F403
from .stmts import delete_pass, insert_pass, rename, reorder_stmts

__all__ = ["delete_pass", "insert_pass", "rename", "reorder_stmts"]
for _m in (loops, loop_scopes, buffers, exprs):
    __all__ += _m.__all__
