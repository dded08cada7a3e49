"""Matching pattern trees against LoopIR, in one pre-order walk.

Semantics follow Exo's ``pattern_match.py``: names compare by ``Sym.name`` (``_`` matches
any name); index lists and extern arguments are compared pairwise up to the shorter list
(so ``x[_]`` matches every access of ``x``); a read pattern ``x[_]`` also matches a window
of ``x``, an assignment pattern ``y = ...`` also matches the window statement ``y = ...``;
statement bodies in ``for``/``if`` patterns match a *prefix* of the body.

Paths are built in a step stack and only turned into tuples for matches, which keeps a
walk over a large procedure allocation-free.
"""

from __future__ import annotations

from ..ir.nodes import (
    Alloc,
    Assign,
    BinOp,
    Call,
    Const,
    Extern,
    For,
    If,
    Interval,
    Pass,
    Read,
    ReadConfig,
    Reduce,
    StrideExpr,
    USub,
    WindowExpr,
    WindowStmt,
    WriteConfig,
)
from ..ir.types import Tensor
from .syntax import (
    EBinOp,
    EConfig,
    EConst,
    EExtern,
    EHole,
    ERead,
    EStride,
    EUSub,
    PAlloc,
    PAssign,
    PCall,
    PFor,
    PIf,
    PPass,
    PWriteConfig,
    SHole,
)


def _name_ok(pat: str, name: str) -> bool:
    return pat == "_" or pat == name


def _pairwise(pats, exprs) -> bool:
    for p, e in zip(pats, exprs):
        if not match_expr(p, e):
            return False
    return True


def match_expr(p, e) -> bool:
    """Does expression pattern ``p`` match the LoopIR expression ``e`` (at its root)?"""
    tp, te = type(p), type(e)
    if tp is EHole:
        return True
    if tp is ERead:
        if te is Read:
            return _name_ok(p.name, e.name.name) and _pairwise(p.idx, e.idx)
        if te is WindowExpr:
            return len(p.idx) == 1 and type(p.idx[0]) is EHole and _name_ok(p.name, e.name.name)
        return False
    if tp is EBinOp:
        return te is BinOp and p.op == e.op and match_expr(p.lhs, e.lhs) and match_expr(p.rhs, e.rhs)
    if tp is EConst:
        if te is Const:
            return _same_literal(p.val, e.val)
        # A rewrite may leave ``-(3)`` unfolded: it is still the literal -3.
        return te is USub and type(e.arg) is Const and _same_literal(p.val, -e.arg.val)
    if tp is EUSub:
        return te is USub and match_expr(p.arg, e.arg)
    if tp is EExtern:
        return te is Extern and _name_ok(p.name, e.f.name()) and _pairwise(p.args, e.args)
    if tp is EStride:
        return te is StrideExpr and _name_ok(p.name, e.name.name) and (p.dim is None or p.dim == e.dim)
    if tp is EConfig:
        return te is ReadConfig and _name_ok(p.config, e.config.name()) and _name_ok(p.field, e.field)
    raise AssertionError(f"unknown expression pattern {tp.__name__}")


def _same_literal(a, b) -> bool:
    # Python's True == 1 must not make a bool pattern match an integer literal.
    return (type(a) is bool) == (type(b) is bool) and a == b


def match_seq(pats: tuple, stmts: tuple, start: int, end: int) -> int:
    """Match ``pats`` against a prefix of ``stmts[start:end]``: the end of the matched run, or -1.

    A hole consumes statements until the pattern after it matches (at least zero); a
    trailing hole takes the rest of the block but needs at least one statement.
    """
    i, j, n = 0, start, len(pats)
    while i < n and j < end:
        p = pats[i]
        if type(p) is SHole:
            if i + 1 == n:
                return end
            if match_stmt(pats[i + 1], stmts[j]):
                i += 2
        elif match_stmt(p, stmts[j]):
            i += 1
        else:
            return -1
        j += 1
    return j if i == n else -1


def match_stmt(p, s) -> bool:
    tp, ts = type(p), type(s)
    if tp is PAssign:
        if ts is (Reduce if p.reduce else Assign):
            return _name_ok(p.name, s.name.name) and _pairwise(p.idx, s.idx) and match_expr(p.rhs, s.rhs)
        if ts is WindowStmt and not p.reduce and not p.idx:
            return _name_ok(p.name, s.name.name) and match_expr(p.rhs, s.rhs)
        return False
    if tp is PFor:
        return (ts is For and _name_ok(p.iter, s.iter.name) and match_expr(p.lo, s.lo)
                and match_expr(p.hi, s.hi) and match_seq(p.body, s.body, 0, len(s.body)) >= 0)
    if tp is PIf:
        return (ts is If and match_expr(p.cond, s.cond)
                and match_seq(p.body, s.body, 0, len(s.body)) >= 0
                and match_seq(p.orelse, s.orelse, 0, len(s.orelse)) >= 0)
    if tp is PAlloc:
        if ts is not Alloc or not _name_ok(p.name, s.name.name):
            return False
        return not isinstance(s.type, Tensor) or _pairwise(p.sizes, s.type.hi)
    if tp is PCall:
        return ts is Call and _name_ok(p.name, s.proc.name)
    if tp is PWriteConfig:
        return (ts is WriteConfig and _name_ok(p.config, s.config.name()) and _name_ok(p.field, s.field)
                and match_expr(p.rhs, s.rhs))
    if tp is PPass:
        return ts is Pass
    raise AssertionError(f"unknown statement pattern {tp.__name__}")


class Done(Exception):
    """The requested ``#n`` match was found: stop walking."""


class Finder:
    """One search. ``steps`` is the path of the node being visited, as a stack."""

    __slots__ = ("want", "seen", "out", "steps")

    def __init__(self, want: int | None, base_path: tuple):
        self.want = want
        self.seen = 0
        self.out: list = []
        self.steps = list(base_path)

    def _add(self, kind: str, at):
        if self.want is None:
            self.out.append((kind, at))
            return
        if self.seen == self.want:
            self.out.append((kind, at))
            raise Done
        self.seen += 1

    # ------------------------------------------------------------------ statements
    def stmts_in_block(self, pats: tuple, stmts: tuple, field: str, lo: int, hi: int):
        steps = self.steps
        for k in range(lo, hi):
            j = match_seq(pats, stmts, k, hi)
            if j >= 0:
                parent = tuple(steps)
                if j - k == 1:
                    self._add("stmt", parent + ((field, k),))
                else:
                    self._add("block", (parent, field, k, j))
            s = stmts[k]
            ts = type(s)
            if ts is For or ts is If:
                steps.append((field, k))
                self.stmts_in_block(pats, s.body, "body", 0, len(s.body))
                if ts is If and s.orelse:
                    self.stmts_in_block(pats, s.orelse, "orelse", 0, len(s.orelse))
                steps.pop()

    # ------------------------------------------------------------------ expressions
    def exprs_in_block(self, p, stmts: tuple, field: str, lo: int, hi: int):
        steps = self.steps
        for k in range(lo, hi):
            steps.append((field, k))
            self.exprs_in_stmt(p, stmts[k])
            steps.pop()

    def exprs_in_stmt(self, p, s):
        ts = type(s)
        if ts is Assign or ts is Reduce:
            self._list(p, s.idx, "idx")
            self._one(p, s.rhs, "rhs")
        elif ts is For:
            self._one(p, s.lo, "lo")
            self._one(p, s.hi, "hi")
            self.exprs_in_block(p, s.body, "body", 0, len(s.body))
        elif ts is If:
            self._one(p, s.cond, "cond")
            self.exprs_in_block(p, s.body, "body", 0, len(s.body))
            self.exprs_in_block(p, s.orelse, "orelse", 0, len(s.orelse))
        elif ts is WindowStmt or ts is WriteConfig:
            self._one(p, s.rhs, "rhs")
        elif ts is Call:
            self._list(p, s.args, "args")

    def _one(self, p, e, field):
        self.steps.append((field, None))
        self.expr(p, e)
        self.steps.pop()

    def _list(self, p, es, field):
        steps = self.steps
        for k, e in enumerate(es):
            steps.append((field, k))
            self.expr(p, e)
            steps.pop()

    def expr(self, p, e):
        if match_expr(p, e):
            self._add("expr", tuple(self.steps))
        te = type(e)
        if te is BinOp:
            self._one(p, e.lhs, "lhs")
            self._one(p, e.rhs, "rhs")
        elif te is Read:
            if e.idx:
                self._list(p, e.idx, "idx")
        elif te is USub:
            self._one(p, e.arg, "arg")
        elif te is Extern:
            self._list(p, e.args, "args")
        elif te is WindowExpr:
            steps = self.steps
            for k, w in enumerate(e.idx):
                steps.append(("idx", k))
                if type(w) is Interval:
                    self._one(p, w.lo, "lo")
                    self._one(p, w.hi, "hi")
                else:
                    self._one(p, w.pt, "pt")
                steps.pop()
