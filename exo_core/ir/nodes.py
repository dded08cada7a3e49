"""LoopIR: the typed, immutable intermediate representation.

Every node is a frozen dataclass. Equality is structural and ignores source locations;
``Sym`` leaves compare by identity, so two nodes are equal when they are the same code
over the same binders (use ``alpha_equal`` to compare code over different binders).
Child sequences are tuples. Rewrites build new nodes with ``dataclasses.replace``
(``node.update(...)``) and share every untouched subtree.

Objects from outside the IR (memories, configs, externs, callee procs) are referenced
directly and compare by identity.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .sym import NULL_SRC, SrcInfo, Sym
from .types import Type

_node = dataclass(frozen=True, slots=True)


def _src():
    return field(default=NULL_SRC, compare=False, repr=False, kw_only=True)


@_node
class Node:
    srcinfo: SrcInfo = _src()

    def update(self, **changes):
        """A copy with some fields replaced."""
        return dataclasses.replace(self, **changes)


# --------------------------------------------------------------------------- expressions


@_node
class Expr(Node):
    pass


@_node
class Read(Expr):
    """``x[i, j]``, or ``x`` for a scalar or a whole buffer passed to a call."""

    name: Sym
    idx: tuple  # tuple[Expr, ...]
    type: Type


@_node
class Const(Expr):
    """A literal: bool, int (control) or float/int (data)."""

    val: Any
    type: Type


@_node
class USub(Expr):
    arg: Expr
    type: Type


@_node
class BinOp(Expr):
    """``op`` is one of ``+ - * / % < > <= >= == and or``.

    On control values ``/`` and ``%`` are floor division and floor modulo by a positive
    constant; on data values ``/`` is true division.
    """

    op: str
    lhs: Expr
    rhs: Expr
    type: Type


@_node
class Extern(Expr):
    """A call of a pure external function (``select``, ``relu``, ``expf``...)."""

    f: Any  # exo_core.extern.Extern
    args: tuple
    type: Type


@_node
class Interval(Node):
    """``lo:hi`` inside a window expression."""

    lo: Expr
    hi: Expr


@_node
class Point(Node):
    """A single index inside a window expression (drops that dimension)."""

    pt: Expr


@_node
class WindowExpr(Expr):
    """``x[i, 0:4]``: a view of a buffer. ``type`` is a window ``Tensor`` of the view's shape."""

    name: Sym
    idx: tuple  # tuple[Interval | Point, ...]
    type: Type


@_node
class StrideExpr(Expr):
    """``stride(x, dim)``."""

    name: Sym
    dim: int
    type: Type


@_node
class ReadConfig(Expr):
    """``Cfg.field``."""

    config: Any  # exo_core.config.Config
    field: str
    type: Type


# --------------------------------------------------------------------------- statements


@_node
class Stmt(Node):
    pass


@_node
class Assign(Stmt):
    """``x[idx] = rhs``; ``type`` is the buffer's element type."""

    name: Sym
    type: Type
    idx: tuple
    rhs: Expr


@_node
class Reduce(Stmt):
    """``x[idx] += rhs``."""

    name: Sym
    type: Type
    idx: tuple
    rhs: Expr


@_node
class WriteConfig(Stmt):
    """``Cfg.field = rhs``."""

    config: Any
    field: str
    rhs: Expr


@_node
class Pass(Stmt):
    pass


@_node
class If(Stmt):
    cond: Expr
    body: tuple
    orelse: tuple


@_node
class For(Stmt):
    """``for iter in seq(lo, hi)`` (``loop_mode == "seq"``) or ``par(lo, hi)`` (``"par"``)."""

    iter: Sym
    lo: Expr
    hi: Expr
    body: tuple
    loop_mode: str = "seq"


@_node
class Alloc(Stmt):
    """``name: type @ mem``; storage is uninitialised."""

    name: Sym
    type: Type
    mem: Any  # a Memory subclass


@_node
class Free(Stmt):
    """Inserted by the backend after the last use of an allocation; never written by users."""

    name: Sym
    type: Type
    mem: Any


@_node
class Call(Stmt):
    """``f(args...)``; ``proc`` is the callee's ``ProcDef``."""

    proc: ProcDef
    args: tuple


@_node
class WindowStmt(Stmt):
    """``name = x[...]``: binds a window."""

    name: Sym
    rhs: WindowExpr


# --------------------------------------------------------------------------- procedures


@_node
class FnArg(Node):
    """A parameter. ``mem`` is None for control parameters."""

    name: Sym
    type: Type
    mem: Any = None


@_node
class InstrInfo(Node):
    """The C template of an ``@instr`` (see docs/instr-templates.md) and its global C."""

    c_instr: str
    c_global: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class ProcDef:
    """A whole procedure. Compared by identity: structure is compared with ``alpha_equal``."""

    name: str
    args: tuple  # tuple[FnArg, ...]
    preds: tuple  # tuple[Expr, ...]: the leading ``assert`` lines
    body: tuple  # tuple[Stmt, ...]
    instr: InstrInfo | None = None
    srcinfo: SrcInfo = NULL_SRC

    def update(self, **changes) -> ProcDef:
        return dataclasses.replace(self, **changes)


LOOP_MODES = ("seq", "par")
INDEX_OPS = ("+", "-", "*", "/", "%")
CMP_OPS = ("<", ">", "<=", ">=", "==")
BOOL_OPS = ("and", "or")
