"""New code given to scheduling primitives as text: expressions, statements, types.

A fragment is parsed with the frontend's parser and typechecker, in the scope visible
just before (or after) an anchor statement of an existing procedure: its arguments, the
iterators of the loops around the anchor, and the allocations and windows bound earlier
in the enclosing blocks (the innermost binding of a name wins). Other names (configs,
externs, callees) resolve in the caller's names if given, then in the objects the
procedure itself uses, then the built-in externs.
"""

from __future__ import annotations

import ast
import numbers
import textwrap

from . import extern as _extern
from .cursors import _node_at
from .errors import ExoError, ParseFragmentError
from .frontend.display import show, show_type
from .frontend.parser import Parser
from .frontend.scope import MISSING, BaseEnv, ExoExpression, ExoFrame, PyFrame, lookup
from .frontend.typecheck import TypeChecker
from .frontend.uast import UBinOp, UConst, UExtern, UInterval, URead, UReadConfig, UStride, UUSub
from .ir.nodes import (
    Alloc,
    BinOp,
    Const,
    Expr,
    Extern,
    For,
    Interval,
    ProcDef,
    Read,
    ReadConfig,
    StrideExpr,
    USub,
    WindowExpr,
    WindowStmt,
)
from .ir.printer import scope_of
from .ir.sym import NULL_SRC
from .ir.types import (
    BOOL,
    INDEX,
    INT,
    SCALAR_TYPES,
    SIZE,
    STRIDE,
    TYPES_BY_NAME,
    ControlType,
    R,
    ScalarType,
    Tensor,
    Type,
)
from .memory import BUILTIN_MEMORIES

_BUILTIN_EXTERNS = {e.name(): e for e in (getattr(_extern, n) for n in _extern.__all__) if isinstance(e, _extern.Extern)}
_BLOCK_FIELDS = ("body", "orelse")
# Names the parser knows by spelling: types, loop ranges, built-in memories.
_KEYWORD_NAMES = frozenset(TYPES_BY_NAME) | {"stride", "seq", "par"} | {m.name() for m in BUILTIN_MEMORIES}


class FormattedExprStr:
    """``FormattedExprStr("_ + 1", cursor)``: a fragment whose ``_`` holes (in source order)
    are filled with the given expressions (expression cursors or LoopIR expressions)."""

    __slots__ = ("_expr_str", "_expr_holes")

    def __init__(self, expr_str: str, *expr_holes):
        if not isinstance(expr_str, str):
            raise TypeError("expr_str must be a string")
        holes = []
        for h in expr_holes:
            node = h._node() if hasattr(h, "_node") else h
            if not isinstance(node, Expr):
                raise TypeError(f"a hole is filled by an expression cursor or expression, not {type(h).__name__}")
            holes.append(node)
        self._expr_str = expr_str
        self._expr_holes = tuple(holes)

    def __repr__(self) -> str:
        return f"FormattedExprStr({self._expr_str!r}, {len(self._expr_holes)} holes)"


# --------------------------------------------------------------------------- scope at an anchor


def _ir(proc) -> ProcDef:
    return proc if isinstance(proc, ProcDef) else proc._ir


def _anchor(anchor, after: bool) -> tuple:
    """``(statement path, after)`` of an anchor: a statement or expression path, a block, a
    Match or a cursor. A gap cursor after a statement anchors after it whatever ``after`` says."""
    if hasattr(anchor, "_side"):
        side = anchor._side
        return _stmt_path(anchor, after), after or getattr(side, "value", side) == "after"
    return _stmt_path(anchor, after), after


def _stmt_path(anchor, after: bool) -> tuple:
    if anchor is None:
        return ()
    if hasattr(anchor, "kind") and hasattr(anchor, "at"):  # a patterns.Match
        anchor = () if anchor.kind == "arg" else anchor.at
    if hasattr(anchor, "_path"):  # a cursor
        if hasattr(anchor, "_lo"):
            anchor = (anchor._path, anchor._field, anchor._lo, anchor._hi)
        else:
            anchor = anchor._path
    if len(anchor) == 4 and isinstance(anchor[0], tuple) and isinstance(anchor[1], str):
        parent, field, lo, hi = anchor
        return parent + ((field, hi - 1 if after else lo),)
    if not all(isinstance(step, tuple) and len(step) == 2 for step in anchor):
        raise TypeError(f"an anchor is a path of (field, index) steps, a block or a cursor; got {anchor!r}")
    # An expression path: its statement is the longest prefix ending in a block step.
    n = len(anchor)
    while n and anchor[n - 1][0] not in _BLOCK_FIELDS:
        n -= 1
    return tuple(anchor[:n])


def _anchor_srcinfo(proc: ProcDef, spath: tuple):
    try:
        return _node_at(proc, spath).srcinfo if spath else proc.srcinfo
    except ExoError:
        return proc.srcinfo


def _kind_of(t) -> str:
    return t.name if isinstance(t, ControlType) else "data"


class _Env:
    """The Exo names visible at the anchor: a scope chain for the parser, types for the typechecker."""

    def __init__(self, proc: ProcDef, spath: tuple, after: bool, call_site):
        globals_ = {**_BUILTIN_EXTERNS, **scope_of(proc)}
        scope = BaseEnv({}, dict(call_site) if call_site else {}, globals_)
        self.exec_globals = {**globals_, **(dict(call_site) if call_site else {})}
        self.types: dict = {}
        self.kinds: dict = {}
        self.alias: dict = {}
        self.srcinfo = proc.srcinfo
        scope = ExoFrame(scope)
        for a in proc.args:
            self._bind(scope, a.name, a.type, _kind_of(a.type))
        node = proc
        for depth, (field, idx) in enumerate(spath):
            block = getattr(node, field)
            if not (field in _BLOCK_FIELDS and isinstance(idx, int) and 0 <= idx < len(block)):
                raise ParseFragmentError(f"no statement at {spath} in '{proc.name}'")
            scope = ExoFrame(scope)
            if type(node) is For:
                self._bind(scope, node.iter, INDEX, "iter")
            last = depth == len(spath) - 1
            for s in block[: idx + 1 if (last and after) else idx]:
                if type(s) is Alloc:
                    self._bind(scope, s.name, s.type, "data")
                elif type(s) is WindowStmt:
                    self._bind(scope, s.name, s.rhs.type, "data")
                    self.alias[s.name] = self.alias.get(s.rhs.name, s.rhs.name)
            node = block[idx]
            self.srcinfo = node.srcinfo
        self.scope = scope

    def _bind(self, frame, sym, typ, kind):
        frame.names[sym.name] = sym
        self.types[sym] = typ
        self.kinds[sym] = kind

    def parser(self, holes: dict) -> Parser:
        scope = PyFrame(holes, self.scope) if holes else self.scope
        p = _FragmentParser("<fragment>", 0, scope, self.exec_globals)
        p.where = self.srcinfo
        p.kinds.update(self.kinds)
        return p

    def checker(self) -> TypeChecker:
        tc = TypeChecker()
        tc.env.update(self.types)
        tc.seen.update(self.types)
        tc.alias.update(self.alias)
        return tc


class _FragmentParser(Parser):
    where = NULL_SRC

    def info(self, node):
        # Fragment nodes carry the anchor's location: the text has no file of its own.
        return self.where


# --------------------------------------------------------------------------- errors


def _reason(e: ExoError) -> str:
    msg = str(e)
    if e.srcinfo is not None and msg.startswith(f"{e.srcinfo}: "):
        msg = msg[len(f"{e.srcinfo}: "):]
    return msg


def _fail(text: str, reason: str):
    raise ParseFragmentError(f"fragment '{text}': {reason}") from None


def _check_names(tree, env: _Env, holes: dict, proc: ProcDef, text: str):
    """Report an unknown name as such (the parser would call every name a 'variable')."""
    scope = PyFrame(holes, env.scope) if holes else env.scope
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "stride":
            continue
        if isinstance(node, ast.Name) and lookup(scope, node.id) is MISSING:
            if node.id in _KEYWORD_NAMES:
                continue
            where = " (it is bound elsewhere in the procedure)" if node.id in _binder_names(proc) else ""
            _fail(text, f"name '{node.id}' is not defined at that point{where}")


def _binder_names(proc: ProcDef) -> set:
    from .ir.visit import walk

    names = {a.name.name for a in proc.args}
    for n in walk(proc.body):
        t = type(n)
        if t is For:
            names.add(n.iter.name)
        elif t is Alloc or t is WindowStmt:
            names.add(n.name.name)
    return names


# --------------------------------------------------------------------------- holes


def _to_uast(e, info):
    """A typed expression back to untyped AST, so a hole is re-typechecked in its new place."""
    t = type(e)
    if t is Read:
        return URead(e.name, tuple(_to_uast(i, info) for i in e.idx), info)
    if t is Const:
        return UConst(e.val, info)
    if t is USub:
        return UUSub(_to_uast(e.arg, info), info)
    if t is BinOp:
        return UBinOp(e.op, _to_uast(e.lhs, info), _to_uast(e.rhs, info), info)
    if t is Extern:
        return UExtern(e.f, tuple(_to_uast(a, info) for a in e.args), info)
    if t is StrideExpr:
        return UStride(e.name, e.dim, info)
    if t is ReadConfig:
        return UReadConfig(e.config, e.field, info)
    if t is WindowExpr:
        idx = tuple(UInterval(_to_uast(w.lo, info), _to_uast(w.hi, info), info) if type(w) is Interval
                    else _to_uast(w.pt, info) for w in e.idx)
        return URead(e.name, idx, info)
    raise TypeError(f"cannot fill a hole with {t.__name__}")


def _fill_holes(tree, holes: tuple, text: str, info) -> dict:
    """Rename the ``_`` holes (in source order) to fresh names bound to the hole expressions."""
    names = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "_"),
                   key=lambda n: (n.lineno, n.col_offset))
    if len(names) != len(holes):
        _fail(text, f"it has {len(names)} hole(s) '_' but {len(holes)} expression(s) were given")
    out = {}
    for k, (n, e) in enumerate(zip(names, holes)):
        n.id = f"__exo_hole_{k}"
        out[n.id] = ExoExpression(_to_uast(e, info))
    return out


# --------------------------------------------------------------------------- expressions

# expected kind -> (description, index flag, allow_buffer, test of the result type)
_EXPECTED = {
    "index": ("an index expression", True, False, lambda t: t.is_indexable()),
    "size": ("a size expression", True, False, lambda t: t in (SIZE, INT)),
    "int": ("an integer literal expression", True, False, lambda t: t is INT),
    "bool": ("a bool expression", True, False, lambda t: t is BOOL),
    "stride": ("a stride expression", True, False, lambda t: t in (STRIDE, INT)),
    "data": ("a data expression", False, False, lambda t: isinstance(t, ScalarType)),
    "buffer": ("a buffer, window or data expression", False, True,
               lambda t: isinstance(t, (Tensor, ScalarType))),
}


def _expected_kind(expected):
    if expected is None:
        return None
    if isinstance(expected, ControlType):
        expected = expected.name
    elif isinstance(expected, ScalarType):
        expected = "data"
    if expected not in _EXPECTED:
        raise ValueError(f"expected must be None, a type or one of {', '.join(_EXPECTED)}; got {expected!r}")
    return expected


def parse_expr_fragment(proc, text, anchor_path, *, after: bool = False, expected=None, call_site=None) -> Expr:
    """Parse and typecheck an expression in the scope at ``anchor_path`` (None: the arguments only).

    ``text`` is a string, a Python bool/int/float, a ``FormattedExprStr`` or a LoopIR
    expression. ``expected`` is None (an index expression if the text typechecks as one,
    else data), one of "index", "size", "int", "bool", "stride", "data", "buffer", or a
    type. Errors are ParseFragmentError naming the fragment and the reason.
    """
    p = _ir(proc)
    kind = _expected_kind(expected)
    spath, after = _anchor(anchor_path, after)
    if isinstance(text, (numbers.Real, Expr)) or hasattr(text, "_node"):
        return _checked(_value_expr(p, text, spath, kind), kind, text)
    holes: tuple = ()
    if isinstance(text, FormattedExprStr):
        text, holes = text._expr_str, text._expr_holes
    if not isinstance(text, str):
        raise TypeError(f"expected an expression string, number or FormattedExprStr, not {type(text).__name__}")
    env = _Env(p, spath, after, call_site)
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as e:
        _fail(text, f"invalid syntax ({e.msg})")
    hole_vals = _fill_holes(tree, holes, text, env.srcinfo) if holes else {}
    if not holes and any(isinstance(n, ast.Name) and n.id == "_" for n in ast.walk(tree)):
        _fail(text, "it contains a hole '_' but no expressions were given to fill it (use FormattedExprStr)")
    _check_names(tree, env, hole_vals, p, text)
    try:
        u = env.parser(hole_vals).parse_expr(tree)
        if kind is None:
            try:
                e = env.checker().expr(u, index=True)
            except ExoError:
                e = env.checker().expr(u, index=False)
        else:
            e = env.checker().expr(u, index=_EXPECTED[kind][1], allow_buffer=_EXPECTED[kind][2])
    except ExoError as err:
        _fail(text, _reason(err))
    return _checked(e, kind, text)


def _value_expr(p: ProcDef, v, spath: tuple, kind):
    """A Python literal as a constant at the anchor; an expression (or expression cursor) as is."""
    where = _anchor_srcinfo(p, spath)
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return Const(bool(v), BOOL, srcinfo=where)
    if isinstance(v, numbers.Integral):
        return Const(int(v), R if kind == "data" else INT, srcinfo=where)
    if isinstance(v, numbers.Real):
        return Const(float(v), R, srcinfo=where)
    node = v._node() if hasattr(v, "_node") else v
    if not isinstance(node, Expr):
        raise TypeError(f"expected an expression, not {type(node).__name__}")
    return node


def _checked(e, kind, text):
    if kind is not None and not _EXPECTED[kind][3](e.type):
        _fail(text if isinstance(text, str) else show(e),
              f"expected {_EXPECTED[kind][0]}, got '{show(e)}' of type {show_type(e.type)}")
    return e


def parse_stmt_fragment(proc, text: str, anchor_path, *, after: bool = False, call_site=None) -> tuple:
    """Parse and typecheck statements (``;`` or newlines) in the scope at ``anchor_path``."""
    p = _ir(proc)
    spath, after = _anchor(anchor_path, after)
    env = _Env(p, spath, after, call_site)
    try:
        tree = ast.parse(textwrap.dedent(text).strip())
    except SyntaxError as e:
        _fail(text, f"invalid syntax ({e.msg})")
    _check_names_stmts(tree, env, p, text)
    try:
        parser = env.parser({})
        parser.scope = ExoFrame(parser.scope)  # the fragment's own allocations
        out: list = []
        for s in tree.body:
            parser.parse_stmt(s, out)
        return env.checker().block(tuple(out))
    except ExoError as err:
        _fail(text, _reason(err))


def _check_names_stmts(tree, env: _Env, proc: ProcDef, text: str):
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            bound.add(node.target.id)
        elif isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            bound.add(node.target.id)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            bound.add(node.targets[0].id)  # may be a fresh window name
    holes = {n: n for n in bound}
    _check_names(tree, env, holes, proc, text)


# --------------------------------------------------------------------------- types

_ABBREVS = dict(SCALAR_TYPES)


def parse_type(text) -> Type:
    """A data precision from ``"R"``, ``"f16"``, ``"f32"``, ``"f64"``, ``"i8"``, ``"ui8"``, ``"ui16"``,
    ``"i32"``, an ``ExoType`` member or a ScalarType."""
    if isinstance(text, ScalarType):
        return text
    key = getattr(text, "value", text)  # an ExoType member
    t = _ABBREVS.get(key) if isinstance(key, str) else None
    if t is None:
        raise ParseFragmentError(f"fragment '{text}': expected a precision, one of {', '.join(_ABBREVS)}")
    return t


__all__ = ["FormattedExprStr", "parse_expr_fragment", "parse_stmt_fragment", "parse_type"]
