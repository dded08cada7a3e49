"""Matching against an independent oracle, over the corpus kernels and this package's procs.

The oracle enumerates every node with its path by walking dataclass fields generically;
the matcher walks node kinds by hand. Every expression must be found by the pattern that
is its own printed text, and every statement by a pattern of its head, at its own path,
with all matches in the oracle's pre-order.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from exo_core.ir import (
    Alloc,
    Assign,
    Call,
    Const,
    Expr,
    For,
    If,
    Node,
    Pass,
    Reduce,
    Stmt,
    WindowExpr,
    WindowStmt,
    WriteConfig,
    walk,
)
from exo_core.ir.printer import expr_to_str
from exo_core.patterns import match_pattern

from .procs import kernel, shadow, zero

try:
    from corpus.kernels import CORPUS
except ImportError:  # pragma: no cover - the corpus lives in another test package
    CORPUS = {}

PROCS = {"kernel": kernel, "shadow": shadow, "zero": zero, **{name: p for name, (p, _) in CORPUS.items()}}


def preorder(p) -> list:
    out = []

    def visit(node, path):
        out.append((path, node))
        for f in dataclasses.fields(node):
            v = getattr(node, f.name)
            if isinstance(v, Node) and f.name != "srcinfo":
                visit(v, path + ((f.name, None),))
            elif isinstance(v, tuple):
                for k, c in enumerate(v):
                    if isinstance(c, Node):
                        visit(c, path + ((f.name, k),))

    for k, s in enumerate(p._ir.body):
        visit(s, (("body", k),))
    return out


def _patternable(e) -> bool:
    for n in walk(e):
        if isinstance(n, WindowExpr) or (isinstance(n, Const) and isinstance(n.val, float) and not math.isfinite(n.val)):
            return False
    return True


def _check(p, pattern, path, order, kinds):
    ms = match_pattern(p, pattern)
    assert all(m.kind in kinds for m in ms), (pattern, ms)
    found = [m.at if m.kind != "block" else m.at[0] + ((m.at[1], m.at[2]),) for m in ms]
    assert path in found, (pattern, path, found)
    positions = [order[f] for f in found]
    assert positions == sorted(positions) and len(set(positions)) == len(positions), (pattern, found)


@pytest.mark.parametrize("name", sorted(PROCS))
def test_every_expression_is_found_by_its_text(name):
    p = PROCS[name]
    nodes = preorder(p)
    order = {path: k for k, (path, _) in enumerate(nodes)}
    checked = 0
    for path, node in nodes:
        if isinstance(node, Expr) and _patternable(node):
            _check(p, expr_to_str(node), path, order, ("expr",))
            checked += 1
    assert checked or not any(isinstance(n, Expr) for _, n in nodes)


def _head(s) -> str | None:
    t = type(s)
    if t is For:
        return f"for {s.iter.name} in _: _"
    if t is Alloc:
        return f"{s.name.name} : _"
    if t is Call:
        return f"{s.proc.name}(_)"
    if t in (Assign, Reduce):
        lhs = s.name.name + ("[" + ", ".join(expr_to_str(i) for i in s.idx) + "]" if s.idx else "")
        return f"{lhs} {'=' if t is Assign else '+='} _"
    if t is WindowStmt:
        return f"{s.name.name} = {s.rhs.name.name}[_]"
    if t is WriteConfig:
        return f"{s.config.name()}.{s.field} = _"
    if t is If and _patternable(s.cond):
        return f"if {expr_to_str(s.cond)}: _"
    if t is Pass:
        return "pass"
    return None


@pytest.mark.parametrize("name", sorted(PROCS))
def test_every_statement_is_found_by_its_head(name):
    p = PROCS[name]
    nodes = preorder(p)
    order = {path: k for k, (path, _) in enumerate(nodes)}
    for path, node in nodes:
        if isinstance(node, Stmt) and (pattern := _head(node)) is not None:
            _check(p, pattern, path, order, ("stmt",))


@pytest.mark.parametrize("name", sorted(PROCS))
def test_nth_match_is_the_nth_of_all_matches(name):
    p = PROCS[name]
    for pattern in ("for _ in _: _", "_[_] = _", "_[_] += _", "_ + _", "_ * _", "_ : _"):
        every = match_pattern(p, pattern)
        for n in range(len(every) + 1):
            assert match_pattern(p, f"{pattern} #{n}") == every[n : n + 1]
