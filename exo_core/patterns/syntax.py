"""Pattern strings -> pattern trees (Exo's ``PAST``).

A pattern is Python syntax with holes ``_``. Names are kept as strings: a pattern is
matched by the names the user sees, never resolved to binders, so one parsed pattern
serves every procedure and is cached by its text.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from functools import lru_cache

from ..errors import ParseFragmentError

# --------------------------------------------------------------------------- pattern nodes

_pnode = dataclass(frozen=True, slots=True)


@_pnode
class SHole:
    """``_`` as a statement: any run of statements (see engine.match_seq)."""


@_pnode
class PAssign:
    """``x[idx] = rhs`` (``reduce``: ``+=``); with no index it also matches ``x = window``."""

    name: str
    idx: tuple
    rhs: object
    reduce: bool


@_pnode
class PWriteConfig:
    config: str
    field: str
    rhs: object


@_pnode
class PPass:
    pass


@_pnode
class PIf:
    cond: object
    body: tuple
    orelse: tuple


@_pnode
class PFor:
    iter: str
    lo: object
    hi: object
    body: tuple


@_pnode
class PAlloc:
    name: str
    sizes: tuple


@_pnode
class PCall:
    """``f(...)``: a call statement; the arguments are ignored, as in Exo."""

    name: str


@_pnode
class EHole:
    pass


@_pnode
class ERead:
    name: str
    idx: tuple


@_pnode
class EConst:
    val: object


@_pnode
class EUSub:
    arg: object


@_pnode
class EBinOp:
    op: str
    lhs: object
    rhs: object


@_pnode
class EExtern:
    name: str
    args: tuple


@_pnode
class EStride:
    name: str
    dim: int | None  # None: the pattern said ``stride(x, _)``


@_pnode
class EConfig:
    config: str
    field: str


@dataclass(frozen=True, slots=True)
class Pattern:
    """A parsed pattern string.

    ``kind`` is "stmts" (``stmts`` is set), "expr" (``expr`` is set) or "call": a lone
    ``f(...)`` that is a call statement if ``f`` is a procedure and an extern expression if
    ``f`` is an extern (both fields are set; the caller's scope or the procedure decides).
    """

    text: str
    kind: str
    stmts: tuple = ()
    expr: object = None
    match_no: int | None = None


# --------------------------------------------------------------------------- parsing

_COUNT_RE = re.compile(r"^(?P<body>[^#]*?)\s*#\s*(?P<n>\d+)\s*$", re.S)
_BIN_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Mod: "%"}
_CMP_OPS = {ast.Lt: "<", ast.Gt: ">", ast.LtE: "<=", ast.GtE: ">=", ast.Eq: "=="}


class _Bad(Exception):
    pass


def _bad(msg: str):
    raise _Bad(msg)


@lru_cache(maxsize=4096)
def parse_pattern(text: str) -> Pattern:
    """Parse ``text`` (with an optional trailing ``#n``); ParseFragmentError if malformed."""
    if not isinstance(text, str):
        raise ParseFragmentError(f"a pattern must be a string, not {type(text).__name__}")
    body, match_no = text, None
    if "#" in text:
        m = _COUNT_RE.match(text)
        if m is None:
            raise ParseFragmentError(f"pattern '{text}': expected '#<number>' at the end (e.g. 'x = _ #1')")
        body, match_no = m["body"], int(m["n"])
    try:
        module = ast.parse(textwrap.dedent(body).strip())
    except SyntaxError as e:
        raise ParseFragmentError(f"pattern '{text}': invalid syntax ({e.msg})") from None
    try:
        return _classify(text, module.body, match_no)
    except _Bad as e:
        raise ParseFragmentError(f"pattern '{text}': {e}") from None


def _classify(text: str, stmts: list, match_no) -> Pattern:
    if not stmts:
        _bad("the pattern is empty")
    if len(stmts) == 1 and isinstance(stmts[0], ast.Expr):
        v = stmts[0].value
        if isinstance(v, ast.Call) and not (isinstance(v.func, ast.Name) and v.func.id == "stride"):
            return Pattern(text, "call", (PCall(_callee_name(v)),), _expr(v), match_no)
        if not (isinstance(v, ast.Name) and v.id == "_"):
            return Pattern(text, "expr", expr=_expr(v), match_no=match_no)
    pats = _stmts(stmts)
    if all(type(p) is SHole for p in pats):
        _bad("a pattern made only of holes '_' would match anything")
    return Pattern(text, "stmts", stmts=pats, match_no=match_no)


def _stmts(stmts) -> tuple:
    return tuple(_stmt(s) for s in stmts)


def _name_of(node, what: str) -> str:
    if not isinstance(node, ast.Name):
        _bad(f"expected a name or '_' for the {what}, got '{ast.unparse(node)}'")
    return node.id


def _callee_name(call: ast.Call) -> str:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):  # ``lib.foo(_)``: procedures match by their own name
        return f.attr
    _bad(f"cannot call '{ast.unparse(f)}'")


def _indices(sub: ast.Subscript) -> tuple:
    sl = sub.slice
    dims = sl.elts if isinstance(sl, ast.Tuple) else [sl]
    for d in dims:
        if isinstance(d, ast.Slice):
            _bad("window slices 'lo:hi' are not supported in patterns; 'x[_]' matches windows of x")
    return tuple(_expr(d) for d in dims)


def _stmt(s):
    t = type(s)
    if t is ast.Expr:
        v = s.value
        if isinstance(v, ast.Name) and v.id == "_":
            return SHole()
        if isinstance(v, ast.Call):
            return PCall(_callee_name(v))
        _bad(f"'{ast.unparse(v)}' is an expression; a statement pattern was expected here")
    if t is ast.Assign:
        if len(s.targets) != 1:
            _bad("chained assignment is not a pattern")
        tgt = s.targets[0]
        if isinstance(tgt, ast.Attribute):
            return PWriteConfig(_name_of(tgt.value, "config"), tgt.attr, _expr(s.value))
        name, idx = _lvalue(tgt)
        return PAssign(name, idx, _expr(s.value), False)
    if t is ast.AugAssign:
        if not isinstance(s.op, ast.Add):
            _bad("only '+=' reductions exist")
        name, idx = _lvalue(s.target)
        return PAssign(name, idx, _expr(s.value), True)
    if t is ast.AnnAssign:
        if s.value is not None:
            _bad("an allocation pattern has no value: 'x : _'")
        name = _name_of(s.target, "allocated name")
        ann = s.annotation
        if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.MatMult):
            ann = ann.left  # the memory is not part of what Exo matches
        sizes = _indices(ann) if isinstance(ann, ast.Subscript) else ()
        return PAlloc(name, sizes)
    if t is ast.For:
        if s.orelse:
            _bad("'for ... else' is not a pattern")
        it = _name_of(s.target, "loop iterator")
        lo = hi = EHole()
        cond = s.iter
        if isinstance(cond, ast.Call):
            if not (isinstance(cond.func, ast.Name) and cond.func.id in ("seq", "par") and len(cond.args) == 2):
                _bad(f"expected 'seq(lo, hi)', 'par(lo, hi)' or '_' after 'in', got '{ast.unparse(cond)}'")
            lo, hi = _expr(cond.args[0]), _expr(cond.args[1])
        return PFor(it, lo, hi, _stmts(s.body))
    if t is ast.If:
        return PIf(_expr(s.test), _stmts(s.body), _stmts(s.orelse))
    if t is ast.Pass:
        return PPass()
    _bad(f"'{ast.unparse(s).splitlines()[0]}' is not a statement pattern")


def _lvalue(node):
    if isinstance(node, ast.Name):
        return node.id, ()
    if isinstance(node, ast.Subscript):
        return _name_of(node.value, "buffer"), _indices(node)
    _bad(f"expected 'x' or 'x[...]' on the left, got '{ast.unparse(node)}'")


def _expr(e):
    t = type(e)
    if t is ast.Name:
        return EHole() if e.id == "_" else ERead(e.id, ())
    if t is ast.Subscript:
        return ERead(_name_of(e.value, "buffer"), _indices(e))
    if t is ast.Constant:
        if isinstance(e.value, (bool, int, float)):
            return EConst(e.value)
        _bad(f"unsupported literal {e.value!r}")
    if t is ast.UnaryOp:
        if not isinstance(e.op, ast.USub):
            _bad(f"unsupported unary operator in '{ast.unparse(e)}'")
        arg = _expr(e.operand)
        # ``-3`` is the literal -3: the typechecker folds negated literals.
        if type(arg) is EConst and not isinstance(arg.val, bool):
            return EConst(-arg.val)
        return EUSub(arg)
    if t is ast.BinOp:
        op = _BIN_OPS.get(type(e.op))
        if op is None:
            _bad(f"unsupported operator in '{ast.unparse(e)}'")
        return EBinOp(op, _expr(e.left), _expr(e.right))
    if t is ast.BoolOp:
        op = "and" if isinstance(e.op, ast.And) else "or"
        res = _expr(e.values[0])
        for v in e.values[1:]:
            res = EBinOp(op, res, _expr(v))
        return res
    if t is ast.Compare:
        vals = [_expr(e.left)] + [_expr(c) for c in e.comparators]
        res = None
        for op, lhs, rhs in zip(e.ops, vals, vals[1:]):
            name = _CMP_OPS.get(type(op))
            if name is None:
                _bad(f"unsupported comparison in '{ast.unparse(e)}'")
            c = EBinOp(name, lhs, rhs)
            res = c if res is None else EBinOp("and", res, c)
        return res
    if t is ast.Attribute:
        return EConfig(_name_of(e.value, "config"), e.attr)
    if t is ast.Call:
        if e.keywords:
            _bad("keyword arguments are not supported")
        if isinstance(e.func, ast.Name) and e.func.id == "stride":
            if len(e.args) != 2 or not isinstance(e.args[0], ast.Name):
                _bad("expected 'stride(name, dim)' with dim an integer or '_'")
            d = e.args[1]
            if isinstance(d, ast.Name) and d.id == "_":
                return EStride(e.args[0].id, None)
            if not (isinstance(d, ast.Constant) and type(d.value) is int):
                _bad("expected 'stride(name, dim)' with dim an integer or '_'")
            return EStride(e.args[0].id, d.value)
        return EExtern(_callee_name(e), tuple(_expr(a) for a in e.args))
    if t is ast.Set:
        _bad("unquotes '{...}' are not supported in patterns; build the string with an f-string")
    _bad(f"unsupported expression '{ast.unparse(e)}'")


# --------------------------------------------------------------------------- shorthands

_NAME_COUNT_RE = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:#\s*(\d+))?\s*$")
_NAME_NAME_COUNT_RE = re.compile(r"^\s*([A-Za-z_]\w*)\s+([A-Za-z_]\w*)\s*(?:#\s*(\d+))?\s*$")


def _count(n) -> str:
    return f" #{n}" if n is not None else ""


def name_count(text: str):
    """``(name, n)`` for ``"name"`` / ``"name #n"`` (n None when absent), else None."""
    m = _NAME_COUNT_RE.match(text) if isinstance(text, str) else None
    return (m[1], None if m[2] is None else int(m[2])) if m else None


def loop_shorthand(text: str) -> str:
    """``"i"`` -> ``"for i in _: _"``, ``"i j"`` -> the loop ``i`` whose body starts with loop ``j``."""
    nc = name_count(text)
    if nc is not None:
        return f"for {nc[0]} in _: _{_count(nc[1])}"
    m = _NAME_NAME_COUNT_RE.match(text) if isinstance(text, str) else None
    if m is not None:
        return f"for {m[1]} in _:\n    for {m[2]} in _: _{_count(None if m[3] is None else int(m[3]))}"
    return text


def alloc_shorthand(text: str) -> str:
    nc = name_count(text)
    return f"{nc[0]} : _{_count(nc[1])}" if nc is not None else text


def call_shorthand(text: str) -> str:
    nc = name_count(text)
    return f"{nc[0]}(_){_count(nc[1])}" if nc is not None else text
