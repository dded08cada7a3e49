"""Generic walks over LoopIR: iterate, transform bottom-up, compare up to renaming."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

from .nodes import Node, ProcDef
from .sym import Sym
from .types import Tensor

_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _fields(cls) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls) if f.name != "srcinfo")
        _FIELD_NAMES[cls] = names
    return names


def children(node) -> Iterator[Node]:
    """Direct IR children of a node (expressions, statements, window accesses), in order."""
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, Node):
            yield value
        elif isinstance(value, tuple):
            for v in value:
                if isinstance(v, Node):
                    yield v


def walk(node) -> Iterator[Node]:
    """Every node below ``node`` (or below each of a tuple of nodes), pre-order.

    Types are not entered (the extents of a window type are not code)."""
    stack = list(reversed(node)) if isinstance(node, tuple) else [node]
    pop, push = stack.pop, stack.append
    fields = _FIELD_NAMES
    while stack:
        n = pop()
        yield n
        names = fields.get(type(n))
        if names is None:
            names = _fields(type(n))
        for name in reversed(names):
            v = getattr(n, name)
            if type(v) is tuple:
                for x in reversed(v):
                    if isinstance(x, Node):
                        push(x)
            elif isinstance(v, Node):
                push(v)


def walk_proc(proc: ProcDef) -> Iterator[Node]:
    """Every node of a procedure: argument shapes, preconditions and body."""
    for a in proc.args:
        yield a
        if isinstance(a.type, Tensor):
            for e in a.type.hi:
                yield from walk(e)
    for p in proc.preds:
        yield from walk(p)
    yield from walk(proc.body)


MISSING = object()


class NodeMemo:
    """A bounded cache keyed by node identity. Nodes are immutable and a rewrite shares
    every untouched subtree, so a result computed for one version of a proc serves the
    next. An entry holds its node, so the node's id cannot be reused while it lives."""

    __slots__ = ("_entries", "limit")

    def __init__(self, limit: int = 1 << 16):
        self._entries: dict = {}
        self.limit = limit

    def get(self, node, default=MISSING):
        hit = self._entries.get(id(node))
        return hit[1] if hit is not None and hit[0] is node else default

    def put(self, node, value):
        if len(self._entries) >= self.limit:
            self._entries.clear()
        self._entries[id(node)] = (node, value)
        return value


class StmtSummary:
    """A summary of statement subtrees, memoised per statement object.

    Statements are immutable and a rewrite shares every untouched subtree, so a question
    asked of each version of a proc ("which config fields does this loop write?") is
    answered for the changed statements only. ``own(stmt)`` gives the items of the
    statement itself (of a loop or branch: of its header only); the summary of a
    statement is its own items followed by those of its sub-statements, each item once.
    """

    def __init__(self, own: Callable, limit: int = 1 << 16):
        self.own = own
        self._memo = NodeMemo(limit)

    def __call__(self, s) -> tuple:
        value = self._memo.get(s)
        if value is not MISSING:
            return value
        items = list(self.own(s))
        for name in ("body", "orelse"):
            for c in getattr(s, name, ()):
                items.extend(self(c))
        return self._memo.put(s, tuple(dict.fromkeys(items)))

    def block(self, stmts) -> tuple:
        items: list = []
        for s in stmts:
            items.extend(self(s))
        return tuple(dict.fromkeys(items))


def header_nodes(s) -> Iterator[Node]:
    """Every node of a statement except its sub-statements (a loop's bounds, a branch's
    condition, all of any other statement)."""
    name = type(s).__name__
    if name == "For":
        yield s
        yield from walk((s.lo, s.hi))
    elif name == "If":
        yield s
        yield from walk(s.cond)
    else:
        yield from walk(s)


def map_bottom_up(node, fn: Callable[[Node], Node]):
    """Rebuild ``node`` with ``fn`` applied to every node after its children.

    Untouched subtrees are shared, not copied."""
    if isinstance(node, tuple):
        new = tuple(map_bottom_up(n, fn) for n in node)
        return node if all(a is b for a, b in zip(new, node)) else new
    if not isinstance(node, Node):
        return node
    changes = {}
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, (Node, tuple)):
            new = map_bottom_up(value, fn)
            if new is not value:
                changes[name] = new
    if changes:
        node = dataclasses.replace(node, **changes)
    return fn(node)


def alpha_equal(a, b) -> bool:
    """Structural equality up to a consistent renaming of binders (and ignoring locations).

    Procedures compare by name, arguments, preconditions, body and instr template; callee
    procedures are compared by identity, so two parses of the same text calling the same
    callee object are equal."""
    return _AlphaEq().eq(a, b)


class _AlphaEq:
    def __init__(self):
        self.map: dict[Sym, Sym] = {}

    def sym(self, a: Sym, b: Sym) -> bool:
        seen = self.map.get(a)
        if seen is None:
            self.map[a] = b
            return True
        return seen is b

    def eq(self, a, b) -> bool:
        if isinstance(a, ProcDef):
            if not isinstance(b, ProcDef) or a.name != b.name:
                return False
            return (
                self.eq(a.args, b.args)
                and self.eq(a.preds, b.preds)
                and self.eq(a.body, b.body)
                and a.instr == b.instr
            )
        if isinstance(a, tuple):
            return isinstance(b, tuple) and len(a) == len(b) and all(self.eq(x, y) for x, y in zip(a, b))
        if isinstance(a, Sym):
            return isinstance(b, Sym) and self.sym(a, b)
        if isinstance(a, Node) or isinstance(a, Tensor):
            if type(a) is not type(b):
                return False
            return all(self.eq(getattr(a, f), getattr(b, f)) for f in _fields(type(a)))
        if isinstance(a, float) or isinstance(b, float):
            return type(a) is type(b) and a == b
        return a is b or a == b
