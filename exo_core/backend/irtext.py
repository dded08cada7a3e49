"""Source-like text of LoopIR expressions and types, for the comments in generated C.

``name`` maps a binder to the text to show (the C name, so that comments agree with the
code next to them); by default the source name."""

from __future__ import annotations

from ..ir.nodes import BinOp, Const, Read, ReadConfig, StrideExpr, USub
from ..ir.types import Tensor, Type

_PREC = {"or": 1, "and": 2, "==": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5, "-": 5,
         "*": 6, "/": 6, "%": 6}


def _src_name(sym) -> str:
    return sym.name


def expr_text(e, prec: int = 0, name=_src_name) -> str:
    if isinstance(e, Const):
        if isinstance(e.val, bool):
            return "True" if e.val else "False"
        return str(e.val)
    if isinstance(e, Read):
        if not e.idx:
            return name(e.name)
        return f"{name(e.name)}[{', '.join(expr_text(i, 0, name) for i in e.idx)}]"
    if isinstance(e, USub):
        return f"-{expr_text(e.arg, 7, name)}"
    if isinstance(e, StrideExpr):
        return f"stride({name(e.name)}, {e.dim})"
    if isinstance(e, ReadConfig):
        return f"{e.config.name()}.{e.field}"
    if isinstance(e, BinOp):
        p = _PREC.get(e.op, 0)
        s = f"{expr_text(e.lhs, p, name)} {e.op} {expr_text(e.rhs, p + 1, name)}"
        return f"({s})" if p < prec else s
    return type(e).__name__


def type_text(t: Type, name=_src_name) -> str:
    if isinstance(t, Tensor):
        dims = ", ".join(expr_text(h, 0, name) for h in t.hi)
        return f"[{t.base}][{dims}]" if t.is_window else f"{t.base}[{dims}]"
    return str(t)
