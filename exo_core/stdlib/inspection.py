"""Inspecting procedures through cursors (Exo's ``exo.stdlib.inspection`` and
``exo.stdlib.analysis``): traversals (``lrn``, ``nlr``, ``rln``, ``nrl``, ``lrn_stmts``,
``nlr_stmts``), navigation (``get_enclosing_loop``, ``get_parents``, ``get_lca``...),
predicates (``is_loop``, ``is_add``, ``is_copy``...), ``get_declaration``,
``get_unique_names``, ``get_rest_of_block`` and ``expr_to_string``.

Helpers taking ``proc`` first forward their cursor arguments to ``proc``."""

from __future__ import annotations

from ..cursors import (
    AllocCursor,
    ArgCursor,
    AssignConfigCursor,
    AssignCursor,
    BinaryOpCursor,
    BlockCursor,
    CallCursor,
    Cursor,
    ExprCursor,
    ExprListCursor,
    ExternFunctionCursor,
    ForCursor,
    IfCursor,
    InvalidCursor,
    LiteralCursor,
    ReadConfigCursor,
    ReadCursor,
    ReduceCursor,
    StmtCursor,
    StrideExprCursor,
    UnaryMinusCursor,
    WindowExprCursor,
    WindowStmtCursor,
)
from ..errors import SchedulingError
from ..procedure import Procedure

# The default ``block``/``cursor`` argument: the whole procedure (Exo's ``InvalidCursor()``).
_WHOLE = InvalidCursor()


class CursorNavigationError(SchedulingError):
    """No cursor satisfies a navigation request (no enclosing loop, no common ancestor)."""


def _fwd(proc, c):
    if isinstance(c, (InvalidCursor, Procedure, list, tuple)) or c is None:
        return c
    if not isinstance(c, Cursor):
        raise SchedulingError(f"expected a cursor, got {type(c).__name__}")
    return proc.forward(c)


# --------------------------------------------------------------------------- traversals


def get_children(proc, cursor=_WHOLE, lr=True):
    """The children of a node: a procedure's arguments and body, a statement's expressions
    and sub-blocks' statements, an expression's operands (left to right, or right to left)."""
    cursor = proc if isinstance(cursor, InvalidCursor) else _fwd(proc, cursor)
    children = list(_children(cursor))
    yield from (children if lr else children[::-1])


def _children(c):
    if isinstance(c, (ExprListCursor, BlockCursor, tuple, list)):
        yield from c
    elif isinstance(c, Procedure):
        yield from c.args()
        yield c.body()
    elif isinstance(c, ArgCursor):
        yield from c.shape()
    elif isinstance(c, ExprCursor):
        yield from _expr_children(c)
    elif isinstance(c, StmtCursor):
        yield from _stmt_children(c)
    else:
        raise SchedulingError(f"get_children: unsupported {type(c).__name__}")


def _expr_children(e):
    if isinstance(e, ReadCursor):
        yield from e.idx()
    elif isinstance(e, WindowExprCursor):
        for w in e.idx():
            yield from (w if isinstance(w, tuple) else (w,))
    elif isinstance(e, UnaryMinusCursor):
        yield e.arg()
    elif isinstance(e, BinaryOpCursor):
        yield e.lhs()
        yield e.rhs()
    elif isinstance(e, ExternFunctionCursor):
        yield from e.args()


def _stmt_children(s):
    if isinstance(s, AllocCursor):
        yield from s.shape()
    elif isinstance(s, (AssignCursor, ReduceCursor)):
        yield from s.idx()
        yield s.rhs()
    elif isinstance(s, ForCursor):
        yield s.lo()
        yield s.hi()
        yield from s.body()
    elif isinstance(s, IfCursor):
        yield s.cond()
        yield from s.body()
        if s.orelse():
            yield from s.orelse()
    elif isinstance(s, CallCursor):
        yield from s.args()
    elif isinstance(s, WindowStmtCursor):
        yield s.winexpr()
    elif isinstance(s, AssignConfigCursor):
        yield s.rhs()


def _walk(proc, cursor, node_first: bool, lr: bool):
    def dfs(c):
        if node_first:
            yield c
        for child in get_children(proc, c, lr):
            yield from dfs(child)
        if not node_first:
            yield c

    start = proc if isinstance(cursor, InvalidCursor) else _fwd(proc, cursor)
    return dfs(start)


def lrn(proc, cursor=_WHOLE):
    """Post-order (children left to right, then the node)."""
    yield from _walk(proc, cursor, node_first=False, lr=True)


def nlr(proc, cursor=_WHOLE):
    """Pre-order (the node, then its children left to right)."""
    yield from _walk(proc, cursor, node_first=True, lr=True)


def rln(proc, cursor=_WHOLE):
    yield from _walk(proc, cursor, node_first=False, lr=False)


def nrl(proc, cursor=_WHOLE):
    yield from _walk(proc, cursor, node_first=True, lr=False)


def lrn_stmts(proc, block=_WHOLE):
    yield from (c for c in lrn(proc, block) if isinstance(c, StmtCursor))


def nlr_stmts(proc, block=_WHOLE):
    yield from (c for c in nlr(proc, block) if isinstance(c, StmtCursor))


def get_symbols(proc, cursor=_WHOLE):
    """The names (buffers, loop iterators, variables) in a subtree, post-order."""
    for c in lrn(proc, cursor):
        if hasattr(c, "name") and not isinstance(c, (Procedure, CallCursor)):
            yield c.name()


# --------------------------------------------------------------------------- declarations


def get_observed_stmts(stmt_cursor):
    """The statements before ``stmt_cursor`` in its block, then its parent, the statements
    before the parent, and so on to the top of the procedure (nearest first)."""
    if not isinstance(stmt_cursor, StmtCursor):
        raise TypeError("stmt_cursor must be a statement cursor")
    c = stmt_cursor
    while True:
        prev = c.prev()
        if not prev:
            prev = c.parent()
            if not prev:
                return
        c = prev
        yield c


def get_declaration(proc, ctxt, name):
    """The allocation (or argument) named ``name`` visible at ``ctxt``."""
    stmt = get_my_stmt(proc, ctxt)
    for s in get_observed_stmts(stmt):
        if isinstance(s, AllocCursor) and s.name() == name:
            return s
    for arg in proc.args():
        if arg.name() == name:
            return arg
    raise SchedulingError(f"no declaration of '{name}' is visible here")


def get_unique_names(proc):
    """Fresh names ``var0``, ``var1``... not used in ``proc``."""
    used = set(get_symbols(proc))
    cnt = 0
    while True:
        name = f"var{cnt}"
        cnt += 1
        if name not in used:
            used.add(name)
            yield name


# --------------------------------------------------------------------------- predicates


def is_stmt(proc, stmt):
    return isinstance(_fwd(proc, stmt), StmtCursor)


def is_if(proc, if_c):
    return isinstance(_fwd(proc, if_c), IfCursor)


def is_loop(proc, loop):
    return isinstance(_fwd(proc, loop), ForCursor)


def check_is_loop(proc, loop):
    if not is_loop(proc, loop):
        raise SchedulingError(f"expected a loop, got {type(loop).__name__}")


def is_loop_bounds_const(proc, loop):
    check_is_loop(proc, loop)
    loop = _fwd(proc, loop)
    return isinstance(loop.lo(), LiteralCursor) and isinstance(loop.hi(), LiteralCursor)


def loop_body_len(proc, loop):
    check_is_loop(proc, loop)
    return len(_fwd(proc, loop).body())


def is_single_stmt_loop(proc, loop):
    return loop_body_len(proc, loop) == 1


def is_binop(proc, expr, op=None):
    expr = _fwd(proc, expr)
    return isinstance(expr, BinaryOpCursor) and (op is None or expr.op() == op)


def is_add(proc, expr):
    return is_binop(proc, expr, "+")


def is_sub(proc, expr):
    return is_binop(proc, expr, "-")


def is_mul(proc, expr):
    return is_binop(proc, expr, "*")


def is_div(proc, expr):
    return is_binop(proc, expr, "/")


def is_mod(proc, expr):
    return is_binop(proc, expr, "%")


def is_builtin(proc, expr, name):
    expr = _fwd(proc, expr)
    return isinstance(expr, ExternFunctionCursor) and expr.name() == name


def is_select(proc, expr):
    return is_builtin(proc, expr, "select")


def is_relu(proc, expr):
    return is_builtin(proc, expr, "relu")


def is_sin(proc, expr):
    return is_builtin(proc, expr, "sin")


def is_literal(proc, expr, value=None):
    expr = _fwd(proc, expr)
    return isinstance(expr, LiteralCursor) and (value is None or expr.value() == value)


def is_reduce(proc, reduce):
    return isinstance(_fwd(proc, reduce), ReduceCursor)


def is_assign(proc, assign):
    return isinstance(_fwd(proc, assign), AssignCursor)


def is_read(proc, read, name=None):
    read = _fwd(proc, read)
    return isinstance(read, ReadCursor) and (name is None or read.name() == name)


def is_write(proc, write):
    return is_reduce(proc, write) or is_assign(proc, write)


def is_access(proc, access):
    return is_read(proc, access) or is_write(proc, access)


def is_unary_minus(proc, expr):
    return isinstance(_fwd(proc, expr), UnaryMinusCursor)


def is_start_of_body(proc, stmt):
    return not _fwd(proc, stmt).prev()


def is_end_of_body(proc, stmt):
    return not _fwd(proc, stmt).next()


def is_copy(proc, assign):
    """``x[...] = y[...]`` between buffers of the same memory."""
    assign = _fwd(proc, assign)
    if not isinstance(assign, AssignCursor) or not isinstance(assign.rhs(), ReadCursor):
        return False
    lhs = get_declaration(proc, assign, assign.name())
    rhs = get_declaration(proc, assign, assign.rhs().name())
    return lhs.mem() is rhs.mem()


def are_exprs_equal(proc, expr1, expr2):
    """The two expressions are the same tree (names, literals, operators)."""

    def same(a, b):
        if type(a) is not type(b):
            return False
        for attr in ("name", "value", "op", "config", "field"):
            if hasattr(a, attr) and getattr(a, attr)() != getattr(b, attr)():
                return False
        ka, kb = list(get_children(proc, a)), list(get_children(proc, b))
        return len(ka) == len(kb) and all(same(x, y) for x, y in zip(ka, kb))

    return same(_fwd(proc, expr1), _fwd(proc, expr2))


# --------------------------------------------------------------------------- navigation


def get_top_level_stmt(proc, c):
    c = _fwd(proc, c)
    while c.parent():
        c = c.parent()
    return c


def get_enclosing_scope(proc, cursor, scope_type):
    c = _fwd(proc, cursor).parent()
    while c and not isinstance(c, scope_type):
        c = c.parent()
    if not c:
        raise CursorNavigationError(f"no enclosing {_scope_word(scope_type)} found")
    return c


def _scope_word(t) -> str:
    return {ForCursor: "loop", IfCursor: "if"}.get(t, "statement")


def get_enclosing_loop(proc, cursor, n=1):
    """The ``n``-th loop around ``cursor`` (1: the innermost)."""
    for _ in range(n):
        cursor = get_enclosing_scope(proc, cursor, ForCursor)
    return cursor


def get_enclosing_loop_by_name(proc, cursor: Cursor, loop_iter: str):
    """The loop around ``cursor`` (or ``cursor`` itself) with iterator ``loop_iter``."""
    c = _fwd(proc, cursor)
    while not (isinstance(c, ForCursor) and c.name() == loop_iter):
        c = c.parent()
        if not c:
            raise CursorNavigationError(f"no enclosing loop over '{loop_iter}' found")
    return c


def get_enclosing_if(proc, cursor, n=1):
    for _ in range(n):
        cursor = get_enclosing_scope(proc, cursor, IfCursor)
    return cursor


def get_enclosing_stmt(proc, cursor, n=1):
    for _ in range(n):
        cursor = get_enclosing_scope(proc, cursor, StmtCursor)
    return cursor


def get_my_stmt(proc, cursor):
    """``cursor`` if it is a statement, else the statement containing it."""
    c = _fwd(proc, cursor)
    return c if isinstance(c, StmtCursor) else get_enclosing_stmt(proc, c)


def get_index_in_body(proc, stmt, from_top=True):
    stmt = _fwd(proc, stmt)
    index = 0
    c = stmt
    while c.prev():
        c = c.prev()
        index += 1
    if not from_top:
        index -= len(stmt.as_block().expand())
    return index


def get_parent(proc, stmt):
    """The statement around ``stmt``, or ``proc`` at the top level."""
    parent = _fwd(proc, stmt).parent()
    return parent if parent else proc


def get_parents(proc, stmt, up_to=None):
    """The ancestors of ``stmt`` (innermost first) up to ``up_to`` (included; the top when None)."""
    stmt = _fwd(proc, stmt)
    if up_to is None:
        c = stmt.parent()
        while c:
            yield c
            c = c.parent()
        return
    up_to = _fwd(proc, up_to)
    if up_to == stmt:
        return
    if not up_to.is_ancestor_of(stmt):
        raise CursorNavigationError("up_to is not an ancestor of the statement")
    c = stmt.parent()
    while c != up_to:
        yield c
        c = c.parent()
    yield up_to


def get_nth_inner_loop(proc, loop, n):
    loops = [s for s in _fwd(proc, loop).body() if isinstance(s, ForCursor)]
    if n >= len(loops):
        raise SchedulingError(f"expected at least {n + 1} loops in the body, found {len(loops)}")
    return loops[n]


def get_inner_loop(proc, loop):
    return get_nth_inner_loop(proc, loop, 0)


def get_depth(proc, cursor):
    c = _fwd(proc, cursor)
    depth = 1
    while c:
        c = c.parent()
        depth += 1
    return depth


def get_lca(proc, cursor1, cursor2):
    """The lowest common ancestor of two statements (a statement is its own ancestor)."""
    c1, c2 = _fwd(proc, cursor1), _fwd(proc, cursor2)
    c = c1
    while not (c == c2 or c.is_ancestor_of(c2)):
        c = c.parent()
        if not c:
            raise CursorNavigationError("these cursors do not have a common ancestor")
    return c


def get_distance(proc, cursor1, cursor2):
    lca = get_lca(proc, cursor1, cursor2)
    return get_depth(proc, cursor1) + get_depth(proc, cursor2) - 2 * get_depth(proc, lca)


def match_parent(cursor1, cursor2):
    """Lift the two cursors until they have the same parent."""
    proc = cursor1.proc()
    d = get_depth(proc, cursor1) - get_depth(proc, cursor2)
    for _ in range(abs(d)):
        if d > 0:
            cursor1 = cursor1.parent()
        else:
            cursor2 = cursor2.parent()
    while cursor1.parent() != cursor2.parent():
        cursor1, cursor2 = cursor1.parent(), cursor2.parent()
    return cursor1, cursor2


def get_bounding_block(proc, cursors):
    """The smallest block of one statement list containing every cursor."""
    cs = [get_my_stmt(proc, c) for c in cursors]
    depth = [get_depth(proc, c) for c in cs]
    while any(c.parent() != cs[0].parent() for c in cs):
        mx = max(depth)
        for k, c in enumerate(cs):
            if depth[k] == mx:
                cs[k] = c.parent()
                depth[k] -= 1
    idx = sorted((get_index_in_body(proc, c), c) for c in cs)
    first, last = idx[0], idx[-1]
    return first[1].as_block().expand(0, last[0] - first[0])


def get_rest_of_block(c, inclusive=False):
    """The statements after ``c`` in its block (with ``c`` when ``inclusive``); an invalid
    cursor when there are none."""
    block = c.as_block().expand(delta_lo=0)
    if inclusive:
        return block
    return block[1:] if len(block) > 1 else InvalidCursor()


# --------------------------------------------------------------------------- printing


def expr_to_string(expr_cursor, subst=None):
    """The expression as source text (parenthesized), with the names in ``subst`` replaced
    by their strings; an index list prints as ``[e0, e1]``."""
    subst = subst or {}

    def lst(items):
        parts = [expr_to_string(i, subst) for i in items]
        return "[" + ", ".join(parts) + "]" if parts else ""

    e = expr_cursor
    if isinstance(e, ExprListCursor):
        return lst(e)
    if not isinstance(e, ExprCursor):
        raise SchedulingError(f"expr_to_string: expected an expression cursor, got {type(e).__name__}")
    if isinstance(e, ReadCursor):
        name = e.name()
        if name in subst:
            return f"({subst[name]})"
        return f"({name}{lst(e.idx())})"
    if isinstance(e, LiteralCursor):
        return f"({e.value()})"
    if isinstance(e, UnaryMinusCursor):
        return f"(-{expr_to_string(e.arg(), subst)})"
    if isinstance(e, BinaryOpCursor):
        return f"({expr_to_string(e.lhs(), subst)} {e.op()} {expr_to_string(e.rhs(), subst)})"
    if isinstance(e, ExternFunctionCursor):
        return f"({e.name()}({lst(e.args())[1:-1]}))"
    if isinstance(e, StrideExprCursor):
        return f"stride({e.name()}, {e.dim()})"
    if isinstance(e, ReadConfigCursor):
        raise SchedulingError("expr_to_string: configuration reads are not supported")
    raise SchedulingError(f"expr_to_string: {type(e).__name__} is not supported")


__all__ = [
    "CursorNavigationError", "get_children", "lrn", "nlr", "rln", "nrl", "lrn_stmts", "nlr_stmts",
    "get_symbols", "get_observed_stmts", "get_declaration", "get_unique_names", "is_stmt", "is_if",
    "is_loop", "check_is_loop", "is_loop_bounds_const", "loop_body_len", "is_single_stmt_loop",
    "is_binop", "is_add", "is_sub", "is_mul", "is_div", "is_mod", "is_builtin", "is_select", "is_relu",
    "is_sin", "is_literal", "is_reduce", "is_assign", "is_read", "is_write", "is_access",
    "is_unary_minus", "is_start_of_body", "is_end_of_body", "is_copy", "are_exprs_equal",
    "get_top_level_stmt", "get_enclosing_scope", "get_enclosing_loop", "get_enclosing_loop_by_name",
    "get_enclosing_if", "get_enclosing_stmt", "get_my_stmt", "get_index_in_body", "get_parent",
    "get_parents", "get_nth_inner_loop", "get_inner_loop", "get_depth", "get_lca", "get_distance",
    "match_parent", "get_bounding_block", "get_rest_of_block", "expr_to_string",
]
