"""Python values in Exo code: unquotes (``{e}``, implicit names) and the objects a body
names (callees, configs, memories, externs).

A mixin of ``Parser`` (it uses ``lookup``, ``err`` and ``info``); split out to keep the
parser to the syntax itself.
"""

from __future__ import annotations

import ast
import numbers

from ..config import Config
from ..ir.sym import Sym
from ..memory import BUILTIN_MEMORIES, Memory
from . import meta
from .scope import MISSING, ExoExpression, ExoSymbol
from .uast import UConst, UInterval, URead

_BUILTIN_MEMORIES = {m.name(): m for m in BUILTIN_MEMORIES}


def src(node) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse of a hand-built node
        return type(node).__name__


def describe(v) -> str:
    return f"a Python {type(v).__name__}"


class PyValues:
    def index_value(self, v, node, out: list, top: bool):
        """An index given by a value: an expression, or (unquoted) a slice or a tuple of indices."""
        if isinstance(v, tuple) and top:
            for x in v:
                self.index_value(x, node, out, False)
        elif isinstance(v, slice):
            if v.step is not None:
                self.err(node, "an unquoted slice cannot have a step")
            lo = None if v.start is None else self.value_to_expr(v.start, node)
            hi = None if v.stop is None else self.value_to_expr(v.stop, node)
            out.append(UInterval(lo, hi, self.info(node)))
        else:
            out.append(self.value_to_expr(v, node))

    def value_to_expr(self, v, node):
        """Unquote a Python value into an Exo expression."""
        if isinstance(v, Sym):
            return URead(v, (), self.info(node))
        if isinstance(v, ExoExpression):
            return v._inner
        if isinstance(v, ExoSymbol):
            return URead(v._inner, (), self.info(node))
        if isinstance(v, bool) or type(v).__name__ == "bool_":
            return UConst(bool(v), self.info(node))
        if isinstance(v, numbers.Integral):
            return UConst(int(v), self.info(node))
        if isinstance(v, numbers.Real):
            return UConst(float(v), self.info(node))
        self.err(node, f"cannot use {describe(v)} ('{src(node)}') as an Exo expression")

    def eval_unquote(self, node):
        """The Python value of ``{e}`` (``node`` is the Set) or of a bare expression."""
        if isinstance(node, ast.Set):
            if len(node.elts) != 1:
                self.err(node, "an unquote '{...}' takes exactly one expression")
            node = node.elts[0]
        if isinstance(node, ast.Name):
            v = self.lookup(node.id)
            if v is MISSING:
                self.err(node, f"undefined name '{node.id}'")
            return v
        return meta.eval_python(self, node)

    def eval_object(self, node, what: str):
        """A Python object named in Exo code (a callee, config, memory): never an Exo variable."""
        if isinstance(node, ast.Name):
            v = self.lookup(node.id)
            if v is MISSING:
                self.err(node, f"undefined {what} '{node.id}'")
        elif isinstance(node, ast.Attribute):
            base = self.eval_object(node.value, "name")
            try:
                v = getattr(base, node.attr)
            except Exception:
                self.err(node, f"'{src(node.value)}' has no attribute '{node.attr}'")
        else:
            v = self.eval_unquote(node)
        if isinstance(v, Sym):
            self.err(node, f"'{src(node)}' is an Exo variable, not a {what}")
        return v

    def eval_config(self, attr: ast.Attribute) -> Config:
        root = attr.value
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and isinstance(self.lookup(root.id), Sym):
            self.err(attr, f"'{root.id}' is an Exo variable; 'a.b' is only for config fields")
        cfg = self.eval_object(attr.value, "config")
        if not isinstance(cfg, Config):
            self.err(attr.value, f"'{src(attr.value)}' is not a config (it is {describe(cfg)}); 'a.b' is only for config fields")
        return cfg

    def eval_memory(self, node):
        if isinstance(node, ast.Name) and self.lookup(node.id) is MISSING and node.id in _BUILTIN_MEMORIES:
            return _BUILTIN_MEMORIES[node.id]
        if isinstance(node, ast.Set):
            mem = self.eval_unquote(node)
        else:
            mem = self.eval_object(node, "memory")
        if not (isinstance(mem, type) and issubclass(mem, Memory)):
            self.err(node, f"expected a memory (a Memory subclass) after '@', got {describe(mem)}")
        return mem
