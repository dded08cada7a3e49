"""Name resolution for the parser: Exo binders layered over Python scopes.

A scope is a chain of layers, innermost first:

* ``ExoFrame``: Exo binders of one block (arguments, loop iterators, allocations, windows);
* ``PyFrame``: the locals of a running ``with python:`` block (or a function it called);
* ``BaseEnv``: the decorated function's closure cells, the caller's locals, its globals.

Builtins are deliberately not part of the chain: an Exo body that says ``max`` or ``len``
should be told the name is undefined, not handed a Python builtin.
"""

from __future__ import annotations

from ..ir.sym import Sym

MISSING = object()


class ExoSymbol:
    """An Exo variable as Python code inside ``with python:`` sees it: opaque, unquotable."""

    __slots__ = ("_inner",)

    def __init__(self, sym: Sym):
        self._inner = sym

    def __repr__(self) -> str:
        return f"<exo variable {self._inner.name}>"


class ExoExpression:
    """A quoted Exo expression (``~{...}``); unquote it with ``{...}``."""

    __slots__ = ("_inner",)

    def __init__(self, expr):
        self._inner = expr

    def __repr__(self) -> str:
        return "<exo expression>"


class ExoStatementList:
    """Quoted Exo statements (``with exo as s:``); splice them with ``{s}``."""

    __slots__ = ("_inner",)

    def __init__(self, stmts: tuple):
        self._inner = stmts

    def __repr__(self) -> str:
        return f"<exo statements ({len(self._inner)})>"


class ExoFrame:
    __slots__ = ("names", "parent")

    def __init__(self, parent):
        self.names: dict[str, Sym] = {}
        self.parent = parent


class PyFrame:
    __slots__ = ("values", "parent")

    def __init__(self, values: dict, parent):
        self.values = values
        self.parent = parent


class BaseEnv:
    __slots__ = ("closure", "caller", "globals", "parent")

    def __init__(self, closure: dict, caller: dict, globals_: dict):
        self.closure = closure
        self.caller = caller
        self.globals = globals_
        self.parent = None


def closure_of(func) -> dict:
    cells = getattr(func, "__closure__", None) or ()
    out = {}
    for name, cell in zip(func.__code__.co_freevars, cells):
        try:
            out[name] = cell.cell_contents
        except ValueError:  # a cell not assigned yet
            pass
    return out


def lookup(scope, name: str):
    """The binding of ``name``: a ``Sym`` for an Exo variable, else a Python value, else MISSING."""
    s = scope
    while s is not None:
        t = type(s)
        if t is ExoFrame:
            sym = s.names.get(name)
            if sym is not None:
                return sym
        elif t is PyFrame:
            v = s.values.get(name, MISSING)
            if v is not MISSING:
                return v._inner if type(v) is ExoSymbol else v
        else:
            for table in (s.closure, s.caller, s.globals):
                v = table.get(name, MISSING)
                if v is not MISSING:
                    return v._inner if type(v) is ExoSymbol else v
        s = s.parent
    return MISSING


def python_locals(scope, names) -> dict:
    """Values Python code needs passed in explicitly: everything ``names`` resolves to that
    the globals of the exec'd code do not already provide. Exo variables become ExoSymbols."""
    out = {}
    for name in names:
        s = scope
        while s is not None:
            t = type(s)
            if t is ExoFrame:
                sym = s.names.get(name)
                if sym is not None:
                    out[name] = ExoSymbol(sym)
                    break
            elif t is PyFrame:
                v = s.values.get(name, MISSING)
                if v is not MISSING:
                    out[name] = v
                    break
            else:
                v = s.closure.get(name, MISSING)
                if v is MISSING:
                    v = s.caller.get(name, MISSING)
                    # A module-level caller's locals are its globals: no need to pass them.
                    if v is not MISSING and s.globals.get(name, MISSING) is v:
                        v = MISSING
                if v is not MISSING:
                    out[name] = v
                break
            s = s.parent
    return out
