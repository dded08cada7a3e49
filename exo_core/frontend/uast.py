"""Untyped AST: what the parser produces and the typechecker consumes.

Names are already resolved to ``Sym`` (binders) or Python objects (memories, configs,
externs, callees); only types, kinds and implicit windows are left to the typechecker.
Quoted fragments (``with exo as s:``, ``~{e}``) hold these nodes, so one fragment may be
spliced several times; the typechecker gives each splice its own binders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..ir.sym import SrcInfo, Sym

_node = dataclass(slots=True, eq=False)


# --------------------------------------------------------------------------- expressions


@_node
class UExpr:
    pass


@_node
class UConst(UExpr):
    val: Any
    srcinfo: SrcInfo


@_node
class UInterval:
    """``lo:hi`` in an index list; ``None`` for an omitted bound."""

    lo: UExpr | None
    hi: UExpr | None
    srcinfo: SrcInfo


@_node
class URead(UExpr):
    """``x`` or ``x[...]``; ``idx`` may hold ``UInterval`` entries (a window)."""

    name: Sym
    idx: tuple
    srcinfo: SrcInfo


@_node
class UUSub(UExpr):
    arg: UExpr
    srcinfo: SrcInfo


@_node
class UBinOp(UExpr):
    op: str
    lhs: UExpr
    rhs: UExpr
    srcinfo: SrcInfo


@_node
class UExtern(UExpr):
    f: Any
    args: tuple
    srcinfo: SrcInfo


@_node
class UStride(UExpr):
    name: Sym
    dim: int
    srcinfo: SrcInfo


@_node
class UReadConfig(UExpr):
    config: Any
    field: str
    srcinfo: SrcInfo


# --------------------------------------------------------------------------- types


@_node
class UTensor:
    """``f32[n, m]`` (``is_window=False``) or ``[f32][n, m]``; ``base`` is a ScalarType."""

    base: Any
    dims: tuple
    is_window: bool
    srcinfo: SrcInfo


# --------------------------------------------------------------------------- statements


@_node
class UStmt:
    pass


@_node
class UAssign(UStmt):
    name: Sym
    idx: tuple
    rhs: UExpr
    srcinfo: SrcInfo


@_node
class UReduce(UStmt):
    name: Sym
    idx: tuple
    rhs: UExpr
    srcinfo: SrcInfo


@_node
class UFreshAssign(UStmt):
    """``y = rhs`` with ``y`` not yet bound: legal only when ``rhs`` is a window."""

    name: Sym
    rhs: UExpr
    srcinfo: SrcInfo


@_node
class UWriteConfig(UStmt):
    config: Any
    field: str
    rhs: UExpr
    srcinfo: SrcInfo


@_node
class UPass(UStmt):
    srcinfo: SrcInfo


@_node
class UIf(UStmt):
    cond: UExpr
    body: tuple
    orelse: tuple
    srcinfo: SrcInfo


@_node
class UFor(UStmt):
    iter: Sym
    lo: UExpr
    hi: UExpr
    body: tuple
    loop_mode: str
    srcinfo: SrcInfo


@_node
class UAlloc(UStmt):
    name: Sym
    type: Any  # ScalarType or UTensor
    mem: Any
    srcinfo: SrcInfo


@_node
class UCall(UStmt):
    proc: Any  # callee ProcDef
    args: tuple
    srcinfo: SrcInfo


@_node
class UFnArg:
    name: Sym
    type: Any  # ControlType, ScalarType or UTensor
    mem: Any
    srcinfo: SrcInfo


@_node
class UProc:
    name: str
    args: tuple
    preds: tuple
    body: tuple
    srcinfo: SrcInfo
