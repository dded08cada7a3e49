"""Substitution, renaming and free variables over LoopIR."""

from __future__ import annotations

import dataclasses

from .nodes import (
    Alloc,
    Assign,
    Call,
    FnArg,
    For,
    Node,
    Read,
    Reduce,
    StrideExpr,
    WindowExpr,
    WindowStmt,
)
from .sym import Sym
from .types import Tensor
from .visit import _fields, walk


def substitute(node, env: dict):
    """Replace reads of the Syms in ``env`` (Sym -> Expr for control values, or Sym -> Sym to
    rename a buffer) everywhere in ``node`` (an Expr, Stmt, tuple of them, or a type).

    Binders inside ``node`` are not renamed; callers substitute only Syms that are not bound
    inside (Syms are unique, so this holds for code taken from one procedure)."""
    if not env:
        return node
    return _Subst(env).run(node)


class _Subst:
    def __init__(self, env):
        self.env = env

    def run(self, node):
        if isinstance(node, tuple):
            new = tuple(self.run(n) for n in node)
            return node if all(a is b for a, b in zip(new, node)) else new
        if isinstance(node, Tensor):
            hi = self.run(node.hi)
            return node if hi is node.hi else dataclasses.replace(node, hi=hi)
        if isinstance(node, Sym):
            new = self.env.get(node)
            return new if isinstance(new, Sym) else node
        if not isinstance(node, Node):
            return node
        if isinstance(node, Read) and not node.idx and node.name in self.env:
            new = self.env[node.name]
            if isinstance(new, Sym):
                return node.update(name=new, type=self.run(node.type))
            return new
        changes = {}
        for f in _fields(type(node)):
            value = getattr(node, f)
            if isinstance(value, (Node, tuple, Sym, Tensor)):
                new = self.run(value)
                if new is not value:
                    changes[f] = new
        return node.update(**changes) if changes else node


def binders(stmts) -> list[Sym]:
    """Syms bound by statements inside ``stmts`` (loop iterators, allocations, windows)."""
    out = []
    for n in walk(tuple(stmts)):
        if isinstance(n, For):
            out.append(n.iter)
        elif isinstance(n, (Alloc, WindowStmt)):
            out.append(n.name)
    return out


def alpha_rename(stmts):
    """A copy of ``stmts`` whose binders are fresh Syms (use when code is duplicated)."""
    env = {s: s.copy() for s in binders(stmts)}
    if not env:
        return stmts
    return _Rebind(env).run(stmts)


class _Rebind(_Subst):
    """Renames binders too (For.iter, Alloc.name, WindowStmt.name) and every use."""

    def run(self, node):
        if isinstance(node, Sym):
            return self.env.get(node, node)
        return super().run(node)


def free_syms(node) -> set[Sym]:
    """Syms read (as values, buffers, strides or windows) in ``node`` and not bound inside it."""
    used, bound = set(), set()
    items = node if isinstance(node, tuple) else (node,)
    for n in walk(items):
        if isinstance(n, (Read, WindowExpr, StrideExpr)):
            used.add(n.name)
            if isinstance(n.type, Tensor):
                for e in n.type.hi:
                    used |= free_syms(e)
        elif isinstance(n, (Assign, Reduce)):
            used.add(n.name)
        elif isinstance(n, For):
            bound.add(n.iter)
        elif isinstance(n, (Alloc, WindowStmt)):
            bound.add(n.name)
            if isinstance(n, Alloc) and isinstance(n.type, Tensor):
                for e in n.type.hi:
                    used |= free_syms(e)
        elif isinstance(n, FnArg):
            bound.add(n.name)
    return used - bound


def uses_sym(node, sym: Sym) -> bool:
    """Whether ``sym`` occurs in ``node`` (read, written, windowed or as a stride)."""
    return sym in free_syms(node)


def calls_in(stmts) -> list[Call]:
    return [n for n in walk(tuple(stmts)) if isinstance(n, Call)]
