"""Short source-like text of typed expressions, for error messages.

Kept here rather than using ir.printer so that error messages do not depend on another
module's formatting choices (or on it being importable).
"""

from __future__ import annotations

from ..ir.nodes import (
    BinOp,
    Const,
    Extern,
    Interval,
    Point,
    Read,
    ReadConfig,
    StrideExpr,
    USub,
    WindowExpr,
)
from ..ir.types import Tensor

_PREC = {"or": 1, "and": 2, "<": 3, ">": 3, "<=": 3, ">=": 3, "==": 3, "+": 4, "-": 4, "*": 5, "/": 5, "%": 5}


def show(e, prec: int = 0) -> str:
    t = type(e)
    if t is Read:
        return e.name.name + (f"[{', '.join(show(i) for i in e.idx)}]" if e.idx else "")
    if t is Const:
        return str(e.val)
    if t is USub:
        return "-" + show(e.arg, 6)
    if t is BinOp:
        p = _PREC[e.op]
        s = f"{show(e.lhs, p)} {e.op} {show(e.rhs, p + 1)}"
        return f"({s})" if p < prec else s
    if t is WindowExpr:
        return f"{e.name.name}[{', '.join(show(w) for w in e.idx)}]"
    if t is Interval:
        return f"{show(e.lo)}:{show(e.hi)}"
    if t is Point:
        return show(e.pt)
    if t is Extern:
        return f"{e.f.name()}({', '.join(show(a) for a in e.args)})"
    if t is StrideExpr:
        return f"stride({e.name.name}, {e.dim})"
    if t is ReadConfig:
        return f"{e.config.name()}.{e.field}"
    return type(e).__name__


def show_type(t) -> str:
    if isinstance(t, Tensor):
        dims = ", ".join(show(e) for e in t.hi)
        return f"[{t.base}][{dims}]" if t.is_window else f"{t.base}[{dims}]"
    return str(t)
