"""Helpers shared by the loop rewrites: locating a loop, proving conditions in context,
config-field conflicts, and substitution that keeps index arithmetic folded."""

from __future__ import annotations

from ..errors import SchedulingError
from ..ir import INDEX_OPS, BinOp, Const, ControlType, For, ProcDef
from ..ir.paths import node_at
from ..ir.printer import expr_to_str
from ..ir.subst import _Subst
from ..ir.types import INT
from . import build as B
from .describe import where


def literal(e):
    """The value of an integer literal, else None."""
    if isinstance(e, Const) and isinstance(e.val, int) and not isinstance(e.val, bool) and e.type == INT:
        return e.val
    return None


def block_of(path: tuple):
    """``(parent_path, field, index)`` of the statement at ``path``."""
    field, k = path[-1]
    return path[:-1], field, k


def loop_at(p: ProcDef, path: tuple) -> For:
    try:
        s = node_at(p, path)
    except LookupError:
        raise SchedulingError(f"no statement at {path} in {p.name}") from None
    if not isinstance(s, For):
        raise SchedulingError(f"expected a loop, got {where(s)}")
    return s


_CMP = {"<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
        ">=": lambda a, b: a >= b, "==": lambda a, b: a == b}


def prove(p: ProcDef, path: tuple, cond) -> bool:
    """Whether the boolean control expression ``cond`` holds whenever the statement at
    ``path`` runs (literal comparisons are decided directly)."""
    if isinstance(cond, BinOp) and cond.op in _CMP:
        a, b = literal(cond.lhs), literal(cond.rhs)
        if a is not None and b is not None:
            return _CMP[cond.op](a, b)
    from ..analysis.sched import prove_in_context

    return prove_in_context(p, path, cond)


def require_configs_unwritten(p: ProcDef, exprs, stmts, anchor, why: str) -> None:
    """Refuse when an expression of ``exprs`` reads a config field that ``stmts`` may write
    (the rewrite evaluates it at another point, where the field may have changed)."""
    from ..analysis.effects import config_reads_of, config_writes

    reads = {}
    for e in exprs:
        for key in config_reads_of(e):
            reads.setdefault(key, e)
    if not reads:
        return
    written = config_writes(tuple(stmts)) & set(reads)
    if written:
        cfg, fld = sorted(written, key=lambda k: (k[0].name(), k[1]))[0]
        raise SchedulingError(
            f"'{expr_to_str(reads[(cfg, fld)])}' reads {cfg.name()}.{fld}, which {where(anchor)} may write: {why}")


# --------------------------------------------------------------------------- substitution


class _FoldSubst(_Subst):
    """``substitute`` that re-folds the index arithmetic it changed (``i - 1 + 1`` -> ``i``,
    ``4 * 2 + 1`` -> ``9``); code it does not touch is left as written."""

    def run(self, node):
        new = super().run(node)
        if new is not node and isinstance(new, BinOp) and new.op in INDEX_OPS and isinstance(new.type, ControlType):
            return refold(new)
        return new


def subst_fold(node, env: dict):
    """Replace reads of the Syms in ``env`` by expressions and fold the arithmetic around them."""
    if not env:
        return node
    return _FoldSubst(env).run(node)


def _offset(e):
    """``(base, k)`` with ``e == base + k`` for ``x + k`` / ``x - k`` (k literal), else ``(e, 0)``."""
    if isinstance(e, BinOp) and e.op in ("+", "-"):
        k = literal(e.rhs)
        if k is not None:
            return e.lhs, (k if e.op == "+" else -k)
    return e, 0


def refold(e: BinOp):
    """Rebuild ``e`` with the folding constructors of ``build`` (and merge literal offsets)."""
    a, b, src = e.lhs, e.rhs, e.srcinfo
    if e.op in ("+", "-"):
        k = literal(b)
        if k is not None:
            base, k0 = _offset(a)
            total = k0 + (k if e.op == "+" else -k)
            if literal(base) is not None:
                return B.const(literal(base) + total, src)
            return B.add(base, B.const(total, src), src)
        return B.add(a, b, src) if e.op == "+" else B.sub(a, b, src)
    if e.op == "*":
        return B.mul(a, b, src)
    d = literal(b)
    if d is None or d <= 0:
        return e
    return B.floordiv(a, d, src) if e.op == "/" else B.mod(a, d, src)


def add(a, b, srcinfo=None):
    """``build.add`` that also merges literal offsets: ``(n + 2) + 1`` -> ``n + 3``."""
    e = B.add(a, b, srcinfo)
    return refold(e) if isinstance(e, BinOp) and e.op in ("+", "-") else e


def sub(a, b, srcinfo=None):
    """``build.sub`` that also merges literal offsets: ``(n + 2) - 2`` -> ``n``."""
    e = B.sub(a, b, srcinfo)
    return refold(e) if isinstance(e, BinOp) and e.op in ("+", "-") else e
