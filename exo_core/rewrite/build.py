"""Constructors for index expressions that rewrites create, folding constants as they go
(so rewritten code stays readable without a separate ``simplify``)."""

from __future__ import annotations

from ..ir import BOOL, INDEX, INT, SIZE, BinOp, Const, Read, Sym
from ..ir.sym import NULL_SRC


def const(v: int, srcinfo=NULL_SRC) -> Const:
    return Const(v, INT, srcinfo=srcinfo)


def var(sym: Sym, typ=INDEX, srcinfo=NULL_SRC) -> Read:
    return Read(sym, (), typ, srcinfo=srcinfo)


def _ctype(a, b):
    ts = {a.type, b.type}
    if INDEX in ts:
        return INDEX
    if SIZE in ts:
        return SIZE
    return INT


def _val(e):
    return e.val if isinstance(e, Const) and e.type == INT else None


def add(a, b, srcinfo=None):
    va, vb = _val(a), _val(b)
    src = srcinfo or a.srcinfo
    if va is not None and vb is not None:
        return const(va + vb, src)
    if vb == 0:
        return a
    if va == 0:
        return b
    if vb is not None and vb < 0:
        return BinOp("-", a, const(-vb, src), _ctype(a, b), srcinfo=src)
    return BinOp("+", a, b, _ctype(a, b), srcinfo=src)


def sub(a, b, srcinfo=None):
    va, vb = _val(a), _val(b)
    src = srcinfo or a.srcinfo
    if va is not None and vb is not None:
        return const(va - vb, src)
    if vb == 0:
        return a
    if a == b:
        return const(0, src)
    if vb is not None and vb < 0:
        return BinOp("+", a, const(-vb, src), _ctype(a, b), srcinfo=src)
    return BinOp("-", a, b, _ctype(a, b), srcinfo=src)


def mul(a, b, srcinfo=None):
    """``a * b``; one side must be a literal (the language's affine rule)."""
    va, vb = _val(a), _val(b)
    src = srcinfo or a.srcinfo
    if va is not None and vb is not None:
        return const(va * vb, src)
    if va == 1:
        return b
    if vb == 1:
        return a
    if va == 0 or vb == 0:
        return const(0, src)
    return BinOp("*", a, b, _ctype(a, b), srcinfo=src)


def floordiv(a, d: int, srcinfo=None):
    va = _val(a)
    src = srcinfo or a.srcinfo
    if va is not None:
        return const(va // d, src)
    if d == 1:
        return a
    return BinOp("/", a, const(d, src), _ctype(a, const(d)), srcinfo=src)


def mod(a, d: int, srcinfo=None):
    va = _val(a)
    src = srcinfo or a.srcinfo
    if va is not None:
        return const(va % d, src)
    if d == 1:
        return const(0, src)
    return BinOp("%", a, const(d, src), _ctype(a, const(d)), srcinfo=src)


def cmp(op: str, a, b, srcinfo=None):
    return BinOp(op, a, b, BOOL, srcinfo=srcinfo or a.srcinfo)


def land(a, b, srcinfo=None):
    return BinOp("and", a, b, BOOL, srcinfo=srcinfo or a.srcinfo)
