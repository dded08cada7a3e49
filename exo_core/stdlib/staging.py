"""Library operations that stage values in new buffers (Exo's ``exo.stdlib.stdlib``):
``bind_and_set_expr``, ``parallelize_and_lift_alloc``, ``parallelize_allocs``,
``auto_stage_mem``, ``unfold_reduce``, ``stage_expr_into_memory``, ``stage_compute``,
``cse``, ``dealias``, ``dealiasing_pass``, ``inline_copies``, ``unroll_buffers`` and the
staging rules ``fma_rule``, ``abs_rule``.

Precision and memory: an operation that must give a new buffer a precision or a memory calls
``set_precision`` / ``set_memory`` only when the buffer does not have it already (so with
DRAM and the expression's own precision no such primitive is needed). The precision ``"R"``
(Exo's default) keeps the precision of the staged expression."""

from __future__ import annotations

from dataclasses import dataclass

from .. import scheduling as S
from ..cursors import (
    AllocCursor,
    AssignCursor,
    BinaryOpCursor,
    ExoType,
    ExprCursor,
    ForCursor,
    IfCursor,
    LiteralCursor,
    ReadCursor,
    ReduceCursor,
    UnaryMinusCursor,
)
from ..errors import InvalidCursorError, SchedulingError
from ..memory import DRAM
from ._op import block_of, library_op, primitive, stmt_of
from .higher_order import apply, attempt
from .inspection import (
    _WHOLE,
    are_exprs_equal,
    expr_to_string,
    get_bounding_block,
    get_children,
    get_declaration,
    get_distance,
    get_enclosing_stmt,
    get_parents,
    get_unique_names,
    is_add,
    is_copy,
    is_literal,
    is_mul,
    is_select,
    is_unary_minus,
    lrn,
    lrn_stmts,
    nlr_stmts,
)
from .rc_wrappers import stage_mem_

# --------------------------------------------------------------------------- precision, memory


def _precision_name(precision) -> str | None:
    if precision is None:
        return None
    if isinstance(precision, ExoType):
        return precision.value
    if isinstance(precision, str):
        return precision
    raise SchedulingError(f"argument 'precision': expected a type name like 'f32', got {precision!r}")


def _mem(c):
    return c.mem() or DRAM


def set_precision_if_needed(proc, alloc, precision):
    """``set_precision`` of an allocation, unless it already has that precision (``"R"`` or
    None: keep the current one)."""
    name = _precision_name(precision)
    alloc = proc.forward(alloc)
    if name in (None, "R") or alloc.type().value == name:
        return proc
    return primitive("set_precision")(proc, alloc, name)


def set_memory_if_needed(proc, alloc, memory):
    """``set_memory`` of an allocation, unless it already lives in ``memory``."""
    alloc = proc.forward(alloc)
    if memory is None or _mem(alloc) is memory:
        return proc
    return primitive("set_memory")(proc, alloc, memory)


# --------------------------------------------------------------------------- binding, lifting


@dataclass
class bind_and_set_expr_cursors:
    alloc: AllocCursor
    bound_expr: ExprCursor
    expr_reads: ExprCursor


@library_op
def bind_and_set_expr(proc, exprs, precision, memory, new_name=None, rc=False):
    """``bind_expr`` of the expression(s) to a new buffer (a fresh ``varN`` by default) of
    the given precision and memory. ``rc``: the allocation, the bound expression (the
    right-hand side of the new assignment) and the given expressions."""
    if new_name is None:
        new_name = next(get_unique_names(proc))
    first = exprs if isinstance(exprs, ExprCursor) else exprs[0]
    stmt = get_enclosing_stmt(proc, first)
    proc = S.bind_expr(proc, exprs, new_name)
    alloc = get_declaration(proc, stmt, new_name)
    proc = set_precision_if_needed(proc, alloc, precision)
    proc = set_memory_if_needed(proc, alloc, memory)
    if not rc:
        return proc
    alloc = proc.forward(alloc)
    return proc, bind_and_set_expr_cursors(alloc, alloc.next().rhs(), exprs)


@library_op
def parallelize_and_lift_alloc(proc, alloc_cursor, n_lifts=1):
    """Lift an allocation out of ``n_lifts`` scopes; crossing a loop ``for i in seq(_, hi)``
    gives it a new leading dimension of extent ``hi`` indexed by ``i`` (one copy per
    iteration)."""
    alloc = proc.forward(alloc_cursor)
    if not isinstance(alloc, AllocCursor):
        raise SchedulingError(f"expected an allocation, got {type(alloc).__name__}")
    for _ in range(n_lifts):
        alloc = proc.forward(alloc)
        scope = alloc.parent()
        if isinstance(scope, ForCursor):
            proc = S.expand_dim(proc, alloc, expr_to_string(scope.hi()), scope.name())
        proc = S.lift_alloc(proc, alloc)
    return proc


@library_op
def parallelize_allocs(proc, cursor):
    """``parallelize_and_lift_alloc`` of every allocation inside ``cursor`` (a loop or an
    ``if``) to just before it."""
    cursor = proc.forward(cursor)
    if not isinstance(cursor, (ForCursor, IfCursor)):
        raise SchedulingError(f"expected a loop or an if, got {type(cursor).__name__}")
    for alloc in [s for s in nlr_stmts(proc, cursor) if isinstance(s, AllocCursor)]:
        proc = parallelize_and_lift_alloc(proc, alloc, get_distance(proc, alloc, cursor))
    return proc


# --------------------------------------------------------------------------- auto_stage_mem


# An index range endpoint is ``(text, offset)``: the source text of its symbolic part ("" for
# none) plus an integer, so that ``i + 2`` over ``i < n`` ends at ``n + 1``, not ``n - 1 + 2``.


def _wrap(t: str) -> str:
    return f"({t})" if " " in t else t


def _text_of(v) -> str:
    t, off = v
    if not t:
        return str(off)
    if off == 0:
        return t
    return f"{t} + {off}" if off > 0 else f"{t} - {-off}"


def _plus(a, b):
    t = " + ".join(x for x in (a[0], b[0]) if x)
    return t, a[1] + b[1]


def _minus(a, b):
    if not b[0]:
        return a[0], a[1] - b[1]
    return (f"{a[0]} - {_wrap(b[0])}" if a[0] else f"-{_wrap(b[0])}"), a[1] - b[1]


def _times(k: int, a):
    return (f"{k} * {_wrap(a[0])}" if a[0] else ""), k * a[1]


def _rng(e, env):
    """Inclusive range ``(lo, hi)`` of an index expression (endpoints as above), the loop
    iterators in ``env`` ranging over theirs; None when unknown."""
    if isinstance(e, LiteralCursor):
        return ("", e.value()), ("", e.value())
    if isinstance(e, ReadCursor):
        if e.name() in env:
            return env[e.name()]
        return ((e.name(), 0),) * 2 if not len(e.idx()) else None
    if isinstance(e, UnaryMinusCursor):
        r = _rng(e.arg(), env)
        return None if r is None else (_minus(("", 0), r[1]), _minus(("", 0), r[0]))
    if not isinstance(e, BinaryOpCursor):
        return None
    a, b, op = _rng(e.lhs(), env), _rng(e.rhs(), env), e.op()
    if a is None or b is None:
        return None
    if op == "+":
        return _plus(a[0], b[0]), _plus(a[1], b[1])
    if op == "-":
        return _minus(a[0], b[1]), _minus(a[1], b[0])
    if a[0] == a[1] and b[0] == b[1] and op in ("*", "/", "%"):
        return ((f"{_wrap(_text_of(a[0]))} {op} {_wrap(_text_of(b[0]))}", 0),) * 2
    k, x = (e.lhs(), b) if isinstance(e.lhs(), LiteralCursor) else (e.rhs(), a)
    if not isinstance(k, LiteralCursor):
        return None
    v = k.value()
    if op == "*":
        lo, hi = _times(v, x[0]), _times(v, x[1])
        return (lo, hi) if v >= 0 else (hi, lo)
    if op == "/" and k == e.rhs() and v > 0:
        return tuple((f"{_wrap(_text_of(end))} / {v}", 0) for end in x)
    if op == "%" and k == e.rhs() and v > 0:
        return ("", 0), ("", v - 1)
    return None


@library_op
def auto_stage_mem(proc, block, buff, new_buff_name=None, accum=False, rc=False):
    """``stage_mem`` of buffer ``buff`` around ``block`` with the window computed from the
    accesses in the block (the range of each index over the block's loops), tightened side
    by side as far as ``stage_mem`` accepts. ``rc``: as ``stage_mem_``."""
    if new_buff_name is None:
        new_buff_name = next(get_unique_names(proc))
    block = block_of(proc, block)
    decl = get_declaration(proc, block[0], buff)
    if not decl.is_tensor():
        return stage_mem_(proc, block, buff, new_buff_name, accum, rc=rc)
    nodes = [c for s in block for c in lrn(proc, s)]
    loops = [c for c in nodes if isinstance(c, ForCursor)]
    accesses = [c for c in nodes if isinstance(c, (ReadCursor, AssignCursor, ReduceCursor)) and c.name() == buff]
    if not accesses:
        raise SchedulingError(f"'{buff}' is not accessed in the block")

    def window_of(access):
        env = {}
        for loop in reversed([p for p in get_parents(proc, access) if p in loops]):
            lo, hi = _rng(loop.lo(), env), _rng(loop.hi(), env)
            env[loop.name()] = None if lo is None or hi is None else (lo[0], _minus(hi[1], ("", 1)))
        return [_rng(i, env) for i in access.idx()]

    windows = [window_of(a) for a in accesses]
    window = []
    for d in decl.shape():
        extent = _rng(d, {})
        window.append([("", 0), _minus(extent[1], ("", 1)) if extent else (f"{expr_to_string(d)}", -1)])

    def text(w):
        dims = [_text_of(lo) if lo == hi else f"{_text_of(lo)}:{_text_of(_plus(hi, ('', 1)))}" for lo, hi in w]
        return f"{buff}[{', '.join(dims)}]"

    for k, dim in enumerate(window):
        for side in (0, 1):
            cands = [w[k][side] for w in windows if w[k] is not None]
            if len(cands) < len(windows):
                continue  # an index of unknown range: keep the whole dimension on this side
            cands = list(dict.fromkeys(cands))
            if len(cands) == 1:
                dim[side] = cands[0]
                continue
            for cand in cands:
                old, dim[side] = dim[side], cand
                _, ok = attempt(S.stage_mem, errs=(SchedulingError,))(
                    proc, block, text(window), new_buff_name, accum, rs=True)
                if not ok:
                    dim[side] = old
    return stage_mem_(proc, block, text(window), new_buff_name, accum, rc=rc)


@library_op
def unfold_reduce(proc, reduce):
    """``x[i] += e`` -> ``x[i] = x[i] + e``."""
    reduce = stmt_of(proc, reduce, "reduce")
    if not isinstance(reduce, ReduceCursor):
        raise SchedulingError(f"expected a reduction 'x += e', got {type(reduce).__name__}")
    proc, (alloc, _, _, _) = auto_stage_mem(proc, reduce, reduce.name(), rc=True)
    reduce = proc.forward(reduce)
    proc = S.merge_writes(proc, reduce.as_block().expand(1, 0))
    proc = S.inline_assign(proc, proc.forward(alloc).next())
    return S.delete_buffer(proc, alloc)


# --------------------------------------------------------------------------- stage_compute


def stage_expr_into_memory(proc, exprs, precision, memory):
    """Bind ``exprs`` to a new buffer in ``memory`` unless the expression is already read
    from, or assigned to, a buffer in ``memory``; returns ``(proc, expression cursor)``."""
    exprs = exprs if isinstance(exprs, list) else [exprs]
    expr = proc.forward(exprs[0])
    parent = expr.parent()
    if isinstance(parent, AssignCursor) and _mem(get_declaration(proc, expr, parent.name())) is memory:
        return proc, expr
    if isinstance(expr, ReadCursor) and _mem(get_declaration(proc, expr, expr.name())) is memory:
        return proc, expr
    proc, c = bind_and_set_expr(proc, exprs, precision, memory, rc=True)
    return proc, c.bound_expr


def _numeric_children(proc, cursor):
    return [c for c in get_children(proc, cursor) if isinstance(c, ExprCursor) and c.type().is_numeric()]


@library_op
def stage_compute(proc, block=_WHOLE, precision="R", memory=DRAM, children_ops=()):
    """Stage every computation of ``block`` (the whole procedure by default) in buffers of
    ``memory``: reductions are unfolded, every operand that is not already in ``memory`` is
    bound to a new buffer (``precision``, ``memory``), then reductions are folded back and
    statements reading a buffer twice are dealiased. ``children_ops`` are rules
    ``rule(proc, expr) -> list of cursors | None`` choosing the operands to stage (e.g.
    ``fma_rule``); by default the numeric operands."""
    if not isinstance(children_ops, (list, tuple)):
        raise SchedulingError("expected children_ops to be a list")
    ops = [*children_ops, _numeric_children]

    def stage(proc, exprs):
        proc, expr = stage_expr_into_memory(proc, exprs, precision, memory)
        children = []
        for op in ops:
            found = op(proc, expr)
            if found:
                children = list(found)
                break
        return apply(stage)(proc, children)

    for alloc in [s for s in nlr_stmts(proc, block) if isinstance(s, AllocCursor)]:
        proc = set_memory_if_needed(proc, alloc, memory)
    for red in [s for s in nlr_stmts(proc, block) if isinstance(s, ReduceCursor)]:
        proc = attempt(unfold_reduce)(proc, red)
    exprs = [s.rhs() for s in lrn_stmts(proc, block) if isinstance(s, AssignCursor)]
    proc = apply(stage)(proc, exprs)
    for s in [s for s in nlr_stmts(proc, block) if isinstance(s, AssignCursor)]:
        proc = _attempt_fwd(S.fold_into_reduce, proc, s)
    return dealiasing_pass(proc, block)


def _attempt_fwd(op, proc, c, *args):
    try:
        c = proc.forward(c)
    except InvalidCursorError:
        return proc
    return attempt(op, errs=(SchedulingError,))(proc, c, *args)


def fma_rule(proc, expr):
    """Stage rule: ``a * b + c`` (or ``a + b * c``) stages ``a``, ``b``, ``c``."""
    expr = proc.forward(expr)
    if is_add(proc, expr):
        if is_mul(proc, expr.lhs()):
            return [expr.lhs().lhs(), expr.lhs().rhs(), expr.rhs()]
        if is_mul(proc, expr.rhs()):
            return [expr.lhs(), expr.rhs().lhs(), expr.rhs().rhs()]
    return None


def abs_rule(proc, expr):
    """Stage rule: ``select(0.0, x, x, -x)`` (an absolute value) stages ``x`` once."""
    expr = proc.forward(expr)
    if is_select(proc, expr):
        args = expr.args()
        if (is_literal(proc, args[0], 0.0) and is_unary_minus(proc, args[3])
                and are_exprs_equal(proc, args[1], args[2]) and are_exprs_equal(proc, args[1], args[3].arg())):
            return [[args[1], args[2], args[3].arg()]]
    return None


# --------------------------------------------------------------------------- cse, dealias


@library_op
def cse(proc, block, precision):
    """Common accesses of ``block``: reads of one location repeated (and never written in
    the block) are bound to one new buffer of ``precision``; a location also written is
    staged with ``auto_stage_mem`` around the statements using it."""
    block = block_of(proc, block)
    nodes = [c for s in block for c in lrn(proc, s)]
    groups: dict = {}
    for c in nodes:
        if isinstance(c, (AssignCursor, ReduceCursor)) or (isinstance(c, ReadCursor) and c.type().is_numeric()):
            groups.setdefault(c.name(), {}).setdefault(expr_to_string(c.idx()), []).append(c)
    for buff, by_idx in groups.items():
        for accesses in by_idx.values():
            if len(accesses) < 2:
                continue
            if all(isinstance(c, ReadCursor) for c in accesses):
                proc = bind_and_set_expr(proc, accesses, precision, DRAM)
            else:
                proc = auto_stage_mem(proc, get_bounding_block(proc, accesses), buff)
    return proc


@library_op
def dealias(proc, stmt):
    """Make an assignment read each buffer once: every read of a buffer read several times
    but the last is bound to a new buffer, and if the statement reads the buffer it writes,
    its whole right-hand side is bound first."""
    stmt = stmt_of(proc, stmt)
    if not isinstance(stmt, (AssignCursor, ReduceCursor)):
        raise SchedulingError(f"expected an assignment or a reduction, got {type(stmt).__name__}")
    reads: dict = {}
    for c in lrn(proc, stmt.rhs()):
        if isinstance(c, ReadCursor) and c.type().is_numeric():
            reads.setdefault(c.name(), []).append(c)
    for name, lst in reads.items():
        for access in lst[:-1]:
            decl = get_declaration(proc, stmt, name)
            proc = bind_and_set_expr(proc, access, decl.type(), _mem(decl))
    if stmt.name() in reads:
        decl = get_declaration(proc, stmt, stmt.name())
        proc = bind_and_set_expr(proc, stmt.rhs(), decl.type(), _mem(decl))
    return proc


@library_op
def dealiasing_pass(proc, block=_WHOLE):
    """``dealias`` of every assignment and reduction of ``block``."""
    for s in [s for s in nlr_stmts(proc, block) if isinstance(s, (AssignCursor, ReduceCursor))]:
        proc = dealias(proc, s)
    return proc


@library_op
def inline_copies(proc, block=_WHOLE):
    """``inline_assign`` attempted on every copy ``x = y`` (same memory) of ``block``."""
    for s in list(nlr_stmts(proc, block)):
        try:
            s = proc.forward(s)
        except InvalidCursorError:
            continue
        if is_copy(proc, s):
            proc = attempt(S.inline_assign, errs=(SchedulingError,))(proc, s)
    return proc


@library_op
def unroll_buffers(proc, block=_WHOLE, mem=None):
    """``unroll_buffer`` of dimension 0 of every allocation of ``block`` whose first extent is
    a literal, until none is left; allocations in memory ``mem`` keep their last dimension
    (vector registers)."""
    while True:
        changed = False
        for alloc in [s for s in nlr_stmts(proc, block) if isinstance(s, AllocCursor)]:
            try:
                alloc = proc.forward(alloc)
            except InvalidCursorError:
                continue
            if not alloc.is_tensor():
                continue
            keep = 1 if mem is not None and _mem(alloc) is mem else 0
            if len(alloc.shape()) - keep > 0 and isinstance(alloc.shape()[0], LiteralCursor):
                proc = S.unroll_buffer(proc, alloc, 0)
                changed = True
        if not changed:
            return proc


__all__ = [
    "bind_and_set_expr_cursors", "bind_and_set_expr", "parallelize_and_lift_alloc", "parallelize_allocs",
    "auto_stage_mem", "unfold_reduce", "stage_expr_into_memory", "stage_compute", "fma_rule", "abs_rule",
    "cse", "dealias", "dealiasing_pass", "inline_copies", "unroll_buffers", "set_precision_if_needed",
    "set_memory_if_needed",
]
