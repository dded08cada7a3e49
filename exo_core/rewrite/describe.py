"""Short descriptions of code for scheduling error messages."""

from __future__ import annotations

from ..ir import For, If, Stmt
from ..ir.printer import expr_to_str, stmt_to_str


def stmt_head(s: Stmt) -> str:
    """The first line of a statement as printed (``for i in seq(0, n):``)."""
    if isinstance(s, For):
        return f"for {s.iter.name} in {s.loop_mode}({expr_to_str(s.lo)}, {expr_to_str(s.hi)}):"
    if isinstance(s, If):
        return f"if {expr_to_str(s.cond)}:"
    return stmt_to_str(s).strip().splitlines()[0]


def where(s) -> str:
    """``'for i in seq(0, n):' (kernels.py:12)``."""
    src = getattr(s, "srcinfo", None)
    loc = f" ({src.filename.rsplit('/', 1)[-1]}:{src.line})" if src is not None and src.line else ""
    text = stmt_head(s) if isinstance(s, Stmt) else expr_to_str(s)
    return f"'{text}'{loc}"
