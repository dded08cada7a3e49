"""Surface-syntax printing of control expressions, forms and formulas for error messages.

Kept local to the analysis layer so messages do not depend on the full proc printer.
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
from ..ir.sym import Sym

_PREC = {"or": 1, "and": 2, "<": 3, ">": 3, "<=": 3, ">=": 3, "==": 3, "+": 4, "-": 4,
         "*": 5, "/": 5, "%": 5}


def expr_str(e, prec: int = 0) -> str:
    t = type(e)
    if t is Const:
        return str(e.val)
    if t is Read:
        if not e.idx:
            return e.name.name
        return f"{e.name.name}[{', '.join(expr_str(i) for i in e.idx)}]"
    if t is BinOp:
        p = _PREC.get(e.op, 6)
        s = f"{expr_str(e.lhs, p)} {e.op} {expr_str(e.rhs, p + 1)}"
        return f"({s})" if p < prec else s
    if t is USub:
        return f"-{expr_str(e.arg, 6)}"
    if t is StrideExpr:
        return f"stride({e.name.name}, {e.dim})"
    if t is ReadConfig:
        return f"{e.config.name()}.{e.field}"
    if t is WindowExpr:
        return f"{e.name.name}[{', '.join(access_str(w) for w in e.idx)}]"
    if t is Extern:
        return f"{e.f.name()}({', '.join(expr_str(a) for a in e.args)})"
    return str(e)


def type_str(t) -> str:
    hi = getattr(t, "hi", None)
    if hi is None:
        return str(t)
    dims = ", ".join(expr_str(h) for h in hi)
    return f"[{t.base}][{dims}]" if t.is_window else f"{t.base}[{dims}]"


def access_str(w) -> str:
    if type(w) is Interval:
        return f"{expr_str(w.lo)}:{expr_str(w.hi)}"
    if type(w) is Point:
        return expr_str(w.pt)
    return expr_str(w)


def atom_str(a) -> str:
    return a.name if type(a) is Sym else str(a)


def affine_str(a) -> str:
    parts = []
    for atom, c in a.terms:
        s = atom_str(atom)
        if abs(c) != 1 and type(atom) is not Sym and " " in s:
            s = f"({s})"
        if c == 1:
            parts.append(("+", s))
        elif c == -1:
            parts.append(("-", s))
        elif c > 0:
            parts.append(("+", f"{c} * {s}"))
        else:
            parts.append(("-", f"{-c} * {s}"))
    if a.const or not parts:
        parts.append(("+" if a.const >= 0 else "-", str(abs(a.const))))
    out = parts[0][1] if parts[0][0] == "+" else f"-{parts[0][1]}"
    for sign, s in parts[1:]:
        out += f" {sign} {s}"
    return out


def formula_str(f) -> str:
    from . import logic as L

    t = type(f)
    if t is L.Ge:
        return _rel(f.aff, ">=")
    if t is L.Eq:
        return _rel(f.aff, "==")
    if t is L.BVar:
        s = atom_str(f.atom)
        return s if f.pos else f"not {s}"
    if t is L.And:
        return " and ".join(_paren(a) for a in L.sort_formulas(f.args))
    if t is L.Or:
        return " or ".join(_paren(a) for a in L.sort_formulas(f.args))
    return "True" if f is L.TRUE else "False"


def _paren(f) -> str:
    from . import logic as L

    s = formula_str(f)
    return f"({s})" if type(f) in (L.And, L.Or) else s


def _rel(a, op: str) -> str:
    # Print ``lhs op rhs`` with positive terms on the left: ``n - i - 1 >= 0`` -> ``n >= i + 1``.
    from .affine import Affine

    pos = Affine({x: c for x, c in a.terms if c > 0}, a.const if a.const > 0 else 0)
    negs = Affine({x: -c for x, c in a.terms if c < 0}, -a.const if a.const < 0 else 0)
    return f"{affine_str(pos)} {op} {affine_str(negs)}"


def model_str(model: dict, atoms) -> str:
    """``i = 3, n = 4`` for the user-visible leaves among ``atoms``."""
    from .affine import ConfigAtom, akey

    latest = {}
    for a in atoms:
        if type(a) is ConfigAtom:
            k = (a.config, a.field)
            if k not in latest or latest[k].version < a.version:
                latest[k] = a
    items = []
    for a in sorted(atoms, key=akey):
        if type(a) is ConfigAtom and latest[(a.config, a.field)] is not a:
            continue
        v = model.get(a)
        if v is None or (type(a) is Sym and a.name.startswith("$")):
            continue
        items.append(f"{atom_str(a)} = {v}")
    return ", ".join(items)
