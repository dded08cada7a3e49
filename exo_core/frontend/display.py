"""Short source-like text of typed expressions, for error messages (as the printer shows them)."""

from __future__ import annotations

from ..ir.nodes import Interval, Point
from ..ir.printer import expr_to_str, type_to_str


def show(e) -> str:
    if type(e) is Interval:
        return f"{expr_to_str(e.lo)}:{expr_to_str(e.hi)}"
    if type(e) is Point:
        return expr_to_str(e.pt)
    return expr_to_str(e)


def show_type(t) -> str:
    return type_to_str(t)
