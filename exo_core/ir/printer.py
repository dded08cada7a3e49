"""LoopIR → source text of the language.

The text is what ``print(proc)`` shows and what the frontend reads back
(``parse_source(proc_to_str(p), scope_of(p), ...)`` gives a proc ``alpha_equal`` to
``p``). So the printer is exact rather than pretty: parentheses follow the structure
of the tree (``a + (b + c)`` keeps its parentheses), floats print with ``repr`` so they
parse back to the same value, and a binder whose name is already visible (possible
after scheduling) is printed under a fresh name ``x_1``, ``x_2``...
"""

from __future__ import annotations

import keyword

from .nodes import (
    Alloc,
    Assign,
    BinOp,
    Call,
    Const,
    Extern,
    For,
    Free,
    If,
    Interval,
    Pass,
    Point,
    ProcDef,
    Read,
    ReadConfig,
    Reduce,
    StrideExpr,
    USub,
    WindowExpr,
    WindowStmt,
    WriteConfig,
)
from .sym import Sym
from .types import ControlType, ScalarType, Tensor
from .visit import StmtSummary, header_nodes

_INDENT = "    "

# Python's precedences: the text is parsed by ``ast``, so its grouping is what counts.
_PREC = {
    "or": 1, "and": 2,
    "<": 4, ">": 4, "<=": 4, ">=": 4, "==": 4,
    "+": 6, "-": 6,
    "*": 7, "/": 7, "%": 7,
}
_CMP_PREC = 4
_USUB_PREC = 8
_ATOM_PREC = 10

# Names the parser treats specially in a body: a binder must not hide them.
_BUILTIN_NAMES = frozenset({"seq", "par", "stride", "True", "False", "None"})


def proc_to_str(p: ProcDef) -> str:
    """The whole procedure: decorator, signature, preconditions and body."""
    printer = _Printer(_global_names(p))
    return printer.proc(p)


def stmt_to_str(s, indent: int = 0) -> str:
    """One statement (and its nested blocks), indented by ``indent`` levels."""
    printer = _Printer(frozenset())
    return "\n".join(printer.stmt(s, indent))


def expr_to_str(e) -> str:
    """An expression (or a window access ``lo:hi`` / point) as source text."""
    return _Printer(frozenset()).expr(e)[0]


def type_to_str(t) -> str:
    """``f32``, ``size``, ``f32[n, 16]`` or ``[f32][n, 16]`` (a window)."""
    return _Printer(frozenset()).type(t)


def scope_of(p: ProcDef) -> dict:
    """The names ``proc_to_str(p)`` refers to, as the parser's scope: memories, configs,
    callee procedures (wrapped in ``Procedure``) and externs, plus ``DRAM``."""
    from ..memory import DRAM
    from ..procedure import Procedure

    scope: dict = {"DRAM": DRAM}
    for kind, name, obj in _globals_used(p):
        if kind == "proc":
            scope.setdefault(name, Procedure(obj))
        else:
            scope.setdefault(name, obj)
    return scope


def _globals_used(p: ProcDef):
    """``(kind, name, object)`` for every outside object the text of ``p`` names."""
    from .visit import walk

    for a in p.args:
        if a.mem is not None:
            yield "mem", a.mem.name(), a.mem
        if isinstance(a.type, Tensor):
            yield from _node_globals(walk(tuple(a.type.hi)))
    for e in p.preds:
        yield from _node_globals(walk(e))
    yield from _STMT_GLOBALS.block(p.body)


def _node_globals(nodes):
    for node in nodes:
        if isinstance(node, (Alloc, Free)):
            yield "mem", node.mem.name(), node.mem
        elif isinstance(node, Call):
            yield "proc", node.proc.name, node.proc
        elif isinstance(node, Extern):
            yield "extern", node.f.name(), node.f
        elif isinstance(node, (ReadConfig, WriteConfig)):
            yield "config", node.config.name(), node.config


def _own_globals(s):
    return _node_globals(header_nodes(s))


_STMT_GLOBALS = StmtSummary(_own_globals)


def _global_names(p: ProcDef) -> frozenset:
    return frozenset(name for _, name, _ in _globals_used(p)) | _BUILTIN_NAMES | {"DRAM"}


def _str_literal(s: str) -> str:
    """A double-quoted Python literal for ``s`` (C templates are full of single quotes)."""
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _const_str(v) -> str:
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return "True" if v else "False"
    if isinstance(v, int) or (hasattr(v, "dtype") and v.dtype.kind in "iu"):
        return str(int(v))
    return repr(float(v))


class _Printer:
    def __init__(self, reserved: frozenset):
        self.reserved = reserved
        self.names: dict[Sym, str] = {}
        # One dict per open block: printed name -> the Sym it denotes there.
        self.scopes: list[dict[str, Sym]] = [{}]

    # --- names -----------------------------------------------------------------
    def visible(self, name: str) -> bool:
        return any(name in s for s in self.scopes)

    def bind(self, sym: Sym) -> str:
        base = sym.name
        name = base
        k = 0
        while (
            (self.visible(name) and self._lookup(name) is not sym)
            or name in self.reserved
            or keyword.iskeyword(name)
        ):
            k += 1
            name = f"{base}_{k}"
        self.names[sym] = name
        self.scopes[-1][name] = sym
        return name

    def _lookup(self, name: str):
        for s in reversed(self.scopes):
            if name in s:
                return s[name]
        return None

    def name(self, sym: Sym) -> str:
        return self.names.get(sym, sym.name)

    # --- procedures --------------------------------------------------------------
    def proc(self, p: ProcDef) -> str:
        lines = []
        if p.instr is not None:
            extra = f", c_global={_str_literal(p.instr.c_global)}" if p.instr.c_global else ""
            lines.append(f"@instr({_str_literal(p.instr.c_instr)}{extra})")
        else:
            lines.append("@proc")
        # Bind every argument first: extents may mention any size argument.
        arg_names = [self.bind(a.name) for a in p.args]
        params = []
        for a, nm in zip(p.args, arg_names):
            text = f"{nm}: {self.type(a.type)}"
            if a.mem is not None:
                text += f" @ {a.mem.name()}"
            params.append(text)
        lines.append(f"def {p.name}({', '.join(params)}):")
        for pred in p.preds:
            lines.append(f"{_INDENT}assert {self.expr(pred)[0]}")
        if p.body or not p.preds:
            lines.extend(self.block(p.body, 1, new_scope=False))
        return "\n".join(lines)

    # --- statements ----------------------------------------------------------------
    def block(self, stmts, indent: int, new_scope: bool = True) -> list[str]:
        if new_scope:
            self.scopes.append({})
        lines: list[str] = []
        for s in stmts:
            lines.extend(self.stmt(s, indent))
        if new_scope:
            self.scopes.pop()
        if not stmts:
            lines.append(_INDENT * indent + "pass")
        return lines

    def stmt(self, s, indent: int) -> list[str]:
        pad = _INDENT * indent
        if isinstance(s, (Assign, Reduce)):
            op = "=" if isinstance(s, Assign) else "+="
            return [f"{pad}{self.access(s.name, s.idx)} {op} {self.expr(s.rhs)[0]}"]
        if isinstance(s, WriteConfig):
            return [f"{pad}{s.config.name()}.{s.field} = {self.expr(s.rhs)[0]}"]
        if isinstance(s, Pass):
            return [f"{pad}pass"]
        if isinstance(s, If):
            lines = [f"{pad}if {self.expr(s.cond)[0]}:"]
            lines += self.block(s.body, indent + 1)
            if s.orelse:
                lines.append(f"{pad}else:")
                lines += self.block(s.orelse, indent + 1)
            return lines
        if isinstance(s, For):
            lo, hi = self.expr(s.lo)[0], self.expr(s.hi)[0]
            self.scopes.append({})
            it = self.bind(s.iter)
            lines = [f"{pad}for {it} in {s.loop_mode}({lo}, {hi}):"]
            lines += self.block(s.body, indent + 1)
            self.scopes.pop()
            return lines
        if isinstance(s, Alloc):
            typ = self.type(s.type)
            return [f"{pad}{self.bind(s.name)}: {typ} @ {s.mem.name()}"]
        if isinstance(s, Free):
            # Backend-only; a comment keeps the text parseable.
            return [f"{pad}# free({self.name(s.name)})"]
        if isinstance(s, Call):
            args = ", ".join(self.expr(a)[0] for a in s.args)
            return [f"{pad}{s.proc.name}({args})"]
        if isinstance(s, WindowStmt):
            rhs = self.expr(s.rhs)[0]  # before binding: the rhs may read a shadowed name
            return [f"{pad}{self.bind(s.name)} = {rhs}"]
        raise TypeError(f"printer: not a statement: {s!r}")

    def access(self, sym: Sym, idx) -> str:
        name = self.name(sym)
        if not idx:
            return name
        return f"{name}[{', '.join(self.expr(i)[0] for i in idx)}]"

    # --- expressions: (text, precedence of its outermost operator) ------------------
    def expr(self, e) -> tuple[str, int]:
        if isinstance(e, Read):
            return self.access(e.name, e.idx), _ATOM_PREC
        if isinstance(e, Const):
            text = _const_str(e.val)
            return text, (_USUB_PREC if text.startswith("-") else _ATOM_PREC)
        if isinstance(e, USub):
            arg, ap = self.expr(e.arg)
            return (f"-{arg}" if ap > _USUB_PREC else f"-({arg})"), _USUB_PREC
        if isinstance(e, BinOp):
            return self.binop(e)
        if isinstance(e, WindowExpr):
            return f"{self.name(e.name)}[{', '.join(self.expr(w)[0] for w in e.idx)}]", _ATOM_PREC
        if isinstance(e, Interval):
            return f"{self.expr(e.lo)[0]}:{self.expr(e.hi)[0]}", 0
        if isinstance(e, Point):
            return self.expr(e.pt)
        if isinstance(e, StrideExpr):
            return f"stride({self.name(e.name)}, {e.dim})", _ATOM_PREC
        if isinstance(e, ReadConfig):
            return f"{e.config.name()}.{e.field}", _ATOM_PREC
        if isinstance(e, Extern):
            return f"{e.f.name()}({', '.join(self.expr(a)[0] for a in e.args)})", _ATOM_PREC
        raise TypeError(f"printer: not an expression: {e!r}")

    def binop(self, e: BinOp) -> tuple[str, int]:
        p = _PREC[e.op]
        lhs, lp = self.expr(e.lhs)
        rhs, rp = self.expr(e.rhs)
        if p == _CMP_PREC:
            # ``a < b < c`` chains in Python: a nested comparison always keeps its parentheses.
            lparen, rparen = lp <= p, rp <= p
        else:
            # Left-associative (the frontend folds ``a and b and c`` to the left too): only
            # the right operand needs parentheses at equal precedence.
            lparen, rparen = lp < p, rp <= p
        if lparen:
            lhs = f"({lhs})"
        if rparen:
            rhs = f"({rhs})"
        return f"{lhs} {e.op} {rhs}", p

    # --- types -----------------------------------------------------------------
    def type(self, t) -> str:
        if isinstance(t, Tensor):
            dims = ", ".join(self.expr(h)[0] for h in t.hi)
            return f"[{t.base.name}][{dims}]" if t.is_window else f"{t.base.name}[{dims}]"
        if isinstance(t, (ScalarType, ControlType)):
            return t.name
        raise TypeError(f"printer: not a type: {t!r}")


__all__ = ["proc_to_str", "stmt_to_str", "expr_to_str", "type_to_str", "scope_of"]
