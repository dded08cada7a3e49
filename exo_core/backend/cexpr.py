"""A tiny C expression tree: constant folding for index arithmetic, and printing with
just enough parentheses (plus the ones gcc's -Wparentheses asks for)."""

from __future__ import annotations

from dataclasses import dataclass

# Precedence levels (higher binds tighter).
_PREC = {"||": 1, "&&": 2, "==": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5, "-": 5,
         "*": 6, "/": 6, "%": 6}
_UNARY = 7
_ATOM = 8
_CMP = ("==", "<", ">", "<=", ">=")


class C:
    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Const(C):
    val: int


@dataclass(frozen=True, slots=True)
class Atom(C):
    """Already-printed C text that binds at least as tightly as a postfix expression."""

    text: str


@dataclass(frozen=True, slots=True)
class Bin(C):
    op: str
    lhs: C
    rhs: C


@dataclass(frozen=True, slots=True)
class Neg(C):
    arg: C


@dataclass(frozen=True, slots=True)
class Call(C):
    fn: str
    args: tuple


def _fold(op: str, a: int, b: int):
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/" and b > 0:
        return a // b  # floor semantics, as in the language
    if op == "%" and b > 0:
        return a % b
    return None


def binop(op: str, lhs: C, rhs: C) -> C:
    """Build ``lhs op rhs`` with the algebraic identities of integer arithmetic applied."""
    if isinstance(lhs, Const) and isinstance(rhs, Const):
        v = _fold(op, lhs.val, rhs.val)
        if v is not None:
            return Const(v)
    if op == "+":
        if _is(lhs, 0):
            return rhs
        if _is(rhs, 0):
            return lhs
        if isinstance(rhs, Const) and rhs.val < 0:
            return Bin("-", lhs, Const(-rhs.val))
        if isinstance(rhs, Neg):
            return binop("-", lhs, rhs.arg)
    elif op == "-":
        if _is(rhs, 0):
            return lhs
        if _is(lhs, 0):
            return neg(rhs)
        if isinstance(rhs, Const) and rhs.val < 0:
            return Bin("+", lhs, Const(-rhs.val))
    elif op == "*":
        if _is(lhs, 0) or _is(rhs, 0):
            return Const(0)
        if _is(lhs, 1):
            return rhs
        if _is(rhs, 1):
            return lhs
    elif op == "/":
        if _is(rhs, 1):
            return lhs
        if _is(lhs, 0):
            return Const(0)
    elif op == "%":
        if _is(rhs, 1):
            return Const(0)
    return Bin(op, lhs, rhs)


def neg(x: C) -> C:
    if isinstance(x, Const):
        return Const(-x.val)
    if isinstance(x, Neg):
        return x.arg
    return Neg(x)


def _is(x: C, v: int) -> bool:
    return isinstance(x, Const) and x.val == v


def _prec(x: C) -> int:
    if isinstance(x, Bin):
        return _PREC[x.op]
    if isinstance(x, Neg) or (isinstance(x, Const) and x.val < 0):
        return _UNARY
    return _ATOM


def show(x: C) -> str:
    """C text for ``x``; binary operators always get spaces so `a / *p` never becomes a comment."""
    if isinstance(x, Const):
        return str(x.val)
    if isinstance(x, Atom):
        return x.text
    if isinstance(x, Call):
        return f"{x.fn}({', '.join(show(a) for a in x.args)})"
    if isinstance(x, Neg):
        inner = show(x.arg)
        if _prec(x.arg) < _ATOM or inner.startswith("-"):
            inner = f"({inner})"
        return f"-{inner}"
    assert isinstance(x, Bin)
    p = _PREC[x.op]
    lhs, rhs = show(x.lhs), show(x.rhs)
    if _needs_parens(x.op, x.lhs, p, right=False):
        lhs = f"({lhs})"
    if _needs_parens(x.op, x.rhs, p, right=True):
        rhs = f"({rhs})"
    return f"{lhs} {x.op} {rhs}"


def _needs_parens(op: str, child: C, p: int, right: bool) -> bool:
    cp = _prec(child)
    if cp == _UNARY and op in ("-", "+") and right:
        return True  # `a - -b` is legal but easy to misread
    if cp < p:
        return True
    if isinstance(child, Bin):
        if op in _CMP and child.op in _CMP:
            return True  # -Wparentheses: comparisons do not chain in C
        if op == "||" and child.op == "&&":
            return True  # -Wparentheses
        if right and cp == p:
            return True  # left-associative operators
    return False
