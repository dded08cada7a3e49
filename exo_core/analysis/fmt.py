"""Surface-syntax printing of control expressions, forms and formulas for error messages.

Expressions and types print as the proc printer prints them; formulas and normal forms
have their own notation here.
"""

from __future__ import annotations

from ..ir.nodes import Interval, Point
from ..ir.printer import expr_to_str, type_to_str
from ..ir.sym import Sym


def expr_str(e) -> str:
    return expr_to_str(e)


class Label:
    """Text for a message, built by ``fn(*args)`` only when a message is printed: checks
    describe every access they look at, and almost none of them fail."""

    __slots__ = ("fn", "args", "_text")

    def __init__(self, fn, *args):
        self.fn, self.args, self._text = fn, args, None

    def __str__(self) -> str:
        if self._text is None:
            self._text = self.fn(*self.args)
        return self._text


def lvalue_str(s) -> str:
    """``x[i, j]`` (or ``x``) of an assignment or reduction."""
    return s.name.name + (f"[{', '.join(expr_to_str(i) for i in s.idx)}]" if s.idx else "")


def type_str(t) -> str:
    return type_to_str(t)


def access_str(w) -> str:
    if type(w) is Interval:
        return f"{expr_to_str(w.lo)}:{expr_to_str(w.hi)}"
    if type(w) is Point:
        return expr_to_str(w.pt)
    return expr_to_str(w)


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
