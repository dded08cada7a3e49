"""Interval bounds of control expressions, to decide where C's truncating `/` and `%` agree
with the language's floor semantics (they do exactly when the numerator is non-negative).

Deliberately simple and conservative: sizes are >= 1, a loop iterator lies in
[lo, hi - 1] of its bounds, preconditions of the form `x >= e` / `x > e` / `x <= e` /
`x < e` / `x == e` (possibly joined by `and`) refine argument bounds; everything else is
unbounded. `None` means unbounded on that side.
"""

from __future__ import annotations

from ..ir.nodes import BinOp, Const, Read, ReadConfig, StrideExpr, USub
from ..ir.types import Tensor

Interval = tuple  # (lo | None, hi | None)

TOP: Interval = (None, None)


def _add(a, b):
    return None if a is None or b is None else a + b


def _scale(iv: Interval, c: int) -> Interval:
    lo, hi = iv
    lo2 = None if lo is None else lo * c
    hi2 = None if hi is None else hi * c
    return (lo2, hi2) if c >= 0 else (hi2, lo2)


class RangeEnv:
    """Bounds of the control symbols in scope, plus the static strides of buffers."""

    def __init__(self):
        self._bounds: dict = {}
        self._positive_strides: set = set()  # (sym, dim) known to be >= 1

    def set(self, sym, iv: Interval):
        self._bounds[sym] = iv

    def get(self, sym) -> Interval:
        return self._bounds.get(sym, TOP)

    def refine(self, sym, lo=None, hi=None):
        olo, ohi = self.get(sym)
        if lo is not None and (olo is None or lo > olo):
            olo = lo
        if hi is not None and (ohi is None or hi < ohi):
            ohi = hi
        self._bounds[sym] = (olo, ohi)

    def mark_positive_stride(self, sym, dim):
        self._positive_strides.add((sym, dim))

    def of(self, e) -> Interval:
        if isinstance(e, Const):
            if isinstance(e.val, bool):
                return TOP
            return (int(e.val), int(e.val))
        if isinstance(e, Read):
            return self.get(e.name)
        if isinstance(e, USub):
            lo, hi = self.of(e.arg)
            return (None if hi is None else -hi, None if lo is None else -lo)
        if isinstance(e, StrideExpr):
            return (1, None) if (e.name, e.dim) in self._positive_strides else TOP
        if isinstance(e, ReadConfig):
            return TOP
        if isinstance(e, BinOp):
            a, b = self.of(e.lhs), self.of(e.rhs)
            if e.op == "+":
                return (_add(a[0], b[0]), _add(a[1], b[1]))
            if e.op == "-":
                return (_add(a[0], None if b[1] is None else -b[1]), _add(a[1], None if b[0] is None else -b[0]))
            if e.op == "*":
                if isinstance(e.rhs, Const):
                    return _scale(a, int(e.rhs.val))
                if isinstance(e.lhs, Const):
                    return _scale(b, int(e.lhs.val))
                if a[0] is not None and b[0] is not None and a[0] >= 0 and b[0] >= 0:
                    return (a[0] * b[0], _mul_hi(a[1], b[1]))
                return TOP
            if e.op in ("/", "%") and isinstance(e.rhs, Const) and int(e.rhs.val) > 0:
                c = int(e.rhs.val)
                if e.op == "/":
                    return (None if a[0] is None else a[0] // c, None if a[1] is None else a[1] // c)
                if a[0] is not None and a[1] is not None and a[0] >= 0 and a[1] < c:
                    return a
                return (0, c - 1)
        return TOP

    def nonneg(self, e) -> bool:
        lo = self.of(e)[0]
        return lo is not None and lo >= 0

    # --- facts from preconditions ------------------------------------------------------

    def assume(self, pred):
        """Refine argument bounds with a precondition (only the simple shapes above)."""
        if isinstance(pred, BinOp) and pred.op == "and":
            self.assume(pred.lhs)
            self.assume(pred.rhs)
            return
        if not isinstance(pred, BinOp) or pred.op not in ("<", ">", "<=", ">=", "=="):
            return
        flip = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "=="}
        for lhs, op, rhs in ((pred.lhs, pred.op, pred.rhs), (pred.rhs, flip[pred.op], pred.lhs)):
            if not isinstance(lhs, Read) or lhs.idx:
                continue
            lo, hi = self.of(rhs)
            if op in (">=", "==") and lo is not None:
                self.refine(lhs.name, lo=lo)
            if op == ">" and lo is not None:
                self.refine(lhs.name, lo=lo + 1)
            if op in ("<=", "==") and hi is not None:
                self.refine(lhs.name, hi=hi)
            if op == "<" and hi is not None:
                self.refine(lhs.name, hi=hi - 1)


def _mul_hi(a, b):
    return None if a is None or b is None else a * b


def dense_strides_positive(env: RangeEnv, sym, typ) -> None:
    """Strides of a dense tensor are products of extents, all >= 1."""
    if isinstance(typ, Tensor) and not typ.is_window:
        for d in range(len(typ.hi)):
            env.mark_positive_stride(sym, d)
