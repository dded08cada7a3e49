"""Exo's rule that a config write must not depend on a loop iterator.

A config field is one global location: if the value written to it depended on a loop
iterator, the final value would depend on the iteration order, which scheduling is free
to change. The dependency relation is Exo's: a written location depends on everything
read in its right-hand side and indices, on the conditions and loop bounds that guard
it, transitively through intermediate buffers (window names are aliases of their base
buffer); a call writes every numeric argument its callee may write, and every config
field its callee may write, depending on all the callee's reads.
"""

from __future__ import annotations

from collections import defaultdict

from ..errors import TypeCheckError
from ..ir.nodes import (
    Assign,
    Call,
    For,
    If,
    Read,
    ReadConfig,
    Reduce,
    WindowExpr,
    WindowStmt,
    WriteConfig,
)
from ..ir.visit import children, walk


class _Summary:
    """What a callee may touch: parameter Syms read/written and config fields read/written."""

    __slots__ = ("reads", "writes", "cfg_reads", "cfg_writes")

    def __init__(self):
        self.reads, self.writes, self.cfg_reads, self.cfg_writes = set(), set(), set(), set()


def _summary(proc, cache: dict) -> _Summary:
    got = cache.get(id(proc))
    if got is not None:
        return got
    s = cache[id(proc)] = _Summary()
    alias = {}
    for n in walk(proc.body):
        t = type(n)
        if t is WindowStmt:
            alias[n.name] = alias.get(n.rhs.name, n.rhs.name)
        elif t is Assign or t is Reduce:
            s.writes.add(alias.get(n.name, n.name))
        elif t is Read or t is WindowExpr:
            s.reads.add(alias.get(n.name, n.name))
        elif t is ReadConfig:
            s.cfg_reads.add((n.config, n.field))
        elif t is WriteConfig:
            s.cfg_writes.add((n.config, n.field))
        elif t is Call:
            sub = _summary(n.proc, cache)
            s.cfg_reads |= sub.cfg_reads
            s.cfg_writes |= sub.cfg_writes
            for fa, a in zip(n.proc.args, n.args):
                if fa.name in sub.writes and isinstance(a, (Read, WindowExpr)):
                    s.writes.add(alias.get(a.name, a.name))
    return s


class _Deps:
    def __init__(self, cache: dict):
        self.cache = cache
        self.depends = defaultdict(set)
        self.alias: dict = {}
        self.lhs = None
        self.context: set = set()
        self.control = False
        self.writers: dict = {}  # config field -> first statement writing it

    def stmts(self, body):
        for s in body:
            self.stmt(s)

    def _target(self, lhs):
        self.lhs = lhs
        self.depends[lhs].add(lhs)
        self.depends[lhs].update(self.context)

    def stmt(self, s):
        t = type(s)
        if t is Assign or t is Reduce:
            self._target(self.alias.get(s.name, s.name))
            for i in s.idx:
                self.expr(i)
            self.expr(s.rhs)
        elif t is WriteConfig:
            self.writers.setdefault((s.config, s.field), s)
            self._target((s.config, s.field))
            self.expr(s.rhs)
        elif t is WindowStmt:
            base = self.alias.get(s.rhs.name, s.rhs.name)
            self.alias[s.name] = base
            self.lhs = base
            self.depends[base].add(base)
            self.expr(s.rhs)
        elif t is If or t is For:
            old = self.context
            self.context = set(old)
            self.control = True
            if t is If:
                self.expr(s.cond)
            else:
                self.lhs = s.iter
                self.depends[s.iter].add(s.iter)
                self.expr(s.lo)
                self.expr(s.hi)
                self.lhs = None
            self.control = False
            self.stmts(s.body)
            if t is If:
                self.stmts(s.orelse)
            self.context = old
        elif t is Call:
            self.call(s)
        self.lhs = None

    def call(self, s):
        sub = _summary(s.proc, self.cache)

        def reads():
            for fa, a in zip(s.proc.args, s.args):
                if not fa.type.is_numeric() or fa.name in sub.reads:
                    self.expr(a)
            self.depends[self.lhs].update(sub.cfg_reads)

        for fa, a in zip(s.proc.args, s.args):
            if fa.name in sub.writes and isinstance(a, (Read, WindowExpr)):
                self._target(self.alias.get(a.name, a.name))
                reads()
        for field in sub.cfg_writes:
            self.writers.setdefault(field, s)
            self._target(field)
            reads()
        self.lhs = None

    def expr(self, e):
        t = type(e)
        if t is Read or t is WindowExpr or t is ReadConfig:
            name = (e.config, e.field) if t is ReadConfig else self.alias.get(e.name, e.name)
            if self.lhs is not None:
                self.depends[self.lhs].add(name)
            if self.control:
                self.context.add(name)
        for c in children(e):
            self.expr(c)

    def closure(self, target) -> set:
        seen = set(self.depends[target])
        todo = list(seen)
        while todo:
            for d in self.depends[todo.pop()]:
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return seen


def check_config_writes(body: tuple) -> None:
    """Raise TypeCheckError if a config write depends on a loop iterator of ``body``."""
    cache: dict = {}
    iters = []
    writes_config = False
    for n in walk(body):
        t = type(n)
        if t is For:
            iters.append(n.iter)
        elif t is WriteConfig or (t is Call and _summary(n.proc, cache).cfg_writes):
            writes_config = True
    if not (iters and writes_config):
        return
    deps = _Deps(cache)
    deps.stmts(body)
    for field, stmt in deps.writers.items():
        d = deps.closure(field)
        for it in iters:
            if it in d:
                cfg, name = field
                raise TypeCheckError(
                    f"the value written to config field '{cfg.name()}.{name}' depends on loop iterator "
                    f"'{it.name}'; config writes must not depend on loop iterators",
                    srcinfo=stmt.srcinfo,
                )
