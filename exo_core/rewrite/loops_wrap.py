"""Loop rewrites that add or remove a loop level: ``remove_loop``, ``add_loop``,
``unroll_loop`` (see ``loops.py`` for the family)."""

from __future__ import annotations

from ..errors import InvalidCursorError, SchedulingError
from ..ir import Alloc, For, If, Pass, ProcDef, Sym, WindowStmt
from ..ir.paths import splice, stmts_at
from ..ir.printer import expr_to_str
from ..ir.subst import alpha_rename, free_syms, uses_sym
from . import build as B
from . import forward as fw
from .describe import where
from .loops_util import block_of, literal, loop_at, prove, subst_fold


def _invalid(path):
    raise InvalidCursorError("the cursor's code was rewritten")


# --------------------------------------------------------------------------- remove_loop


def remove_loop(p: ProcDef, path: tuple, unsafe_disable_check: bool = False):
    """``for i in seq(lo, hi): s`` becomes ``s``, or ``if hi > lo: s`` unless the loop is
    provably non-empty.

    Checked: ``i`` does not occur in ``s``; ``s`` is idempotent (running it twice is
    running it once), unless ``unsafe_disable_check`` (NOT checked then: the caller
    vouches for it). The guard is decided by proving ``hi > lo`` in context; Exo proved
    ``hi > 0``, which is wrong when ``lo > 0``."""
    from ..analysis.sched import check_idempotent, check_loop_nonempty

    loop = loop_at(p, path)
    if uses_sym(loop.body, loop.iter):
        raise SchedulingError(
            f"cannot remove {where(loop)}: its body uses the iterator '{loop.iter.name}'")
    if not unsafe_disable_check:
        check_idempotent(p, (path, "body", 0, len(loop.body)))
    guard = None
    if not check_loop_nonempty(p, path):
        guard = If(B.cmp(">", loop.hi, loop.lo, loop.srcinfo), loop.body, (), srcinfo=loop.srcinfo)
    parent, field, k = block_of(path)
    n = len(path)
    if guard is not None:
        new = splice(p, parent, field, k, k + 1, (guard,))

        def inner_fwd(old):
            if len(old) > n:
                step = old[n]
                if step[0] == "body":
                    return old
                if step == ("hi", None):
                    return path + (("cond", None), ("lhs", None)) + old[n + 1:]
                if step == ("lo", None):
                    return path + (("cond", None), ("rhs", None)) + old[n + 1:]
            return _invalid(old)

        return new, fw.after_splice(parent, field, k, k + 1, 1, inner_fwd)

    new = splice(p, parent, field, k, k + 1, loop.body)

    def inner_fwd2(old):
        if len(old) > n and old[n][0] == "body":
            return parent + ((field, k + old[n][1]),) + old[n + 1:]
        return _invalid(old)

    return new, fw.after_splice(parent, field, k, k + 1, len(loop.body), inner_fwd2)


# --------------------------------------------------------------------------- add_loop


def add_loop(p: ProcDef, parent: tuple, field: str, lo: int, hi: int, iter_name: str, hi_expr,
             guard: bool = False, unsafe_disable_check: bool = False):
    """Statements ``lo..hi-1`` of a list, ``s``, become ``for iter in seq(0, hi_expr): s``
    (``guard=True``: ``for iter in seq(0, hi_expr): if iter == 0: s``).

    Checked: ``hi_expr > 0`` provable in context, and, without ``guard``, ``s`` idempotent;
    ``unsafe_disable_check=True`` skips both (NOT checked then: the caller vouches for
    them). Always refused: an allocation or window of ``s`` used after it."""
    from ..analysis.sched import check_idempotent

    stmts = stmts_at(p, parent, field)[lo:hi]
    if not stmts:
        raise SchedulingError("add_loop needs at least one statement")
    path0 = parent + ((field, lo),)
    src = stmts[0].srcinfo
    bound = {s.name for s in stmts if isinstance(s, (Alloc, WindowStmt))}
    later = stmts_at(p, parent, field)[hi:]
    used = bound & free_syms(tuple(later)) if bound and later else set()
    if used:
        name = sorted(used)[0].name
        raise SchedulingError(f"'{name}' is defined in the block and used after it: the loop would hide it")
    if not unsafe_disable_check:
        if not prove(p, path0, B.cmp(">", hi_expr, B.const(0, src), src)):
            raise SchedulingError(
                f"cannot prove that the new loop runs at least once ('{expr_to_str(hi_expr)} > 0')")
        if not guard:
            check_idempotent(p, (parent, field, lo, hi))
    it = Sym(iter_name)
    body = tuple(stmts)
    if guard:
        body = (If(B.cmp("==", B.var(it, srcinfo=src), B.const(0, src), src), body, (), srcinfo=src),)
    loop = For(it, B.const(0, src), hi_expr, body, "seq", srcinfo=src)
    new = splice(p, parent, field, lo, hi, (loop,))
    n = len(parent)
    into = parent + ((field, lo),) + ((("body", 0),) if guard else ())

    def inner_fwd(old):
        return into + (("body", old[n][1] - lo),) + old[n + 1:]

    return new, fw.after_splice(parent, field, lo, hi, 1, inner_fwd)


# --------------------------------------------------------------------------- unroll_loop


def unroll_loop(p: ProcDef, path: tuple):
    """``for i in seq(a, b): s`` (literal bounds) becomes ``s[i -> a]; ...; s[i -> b - 1]``
    (each copy with fresh binders). Always safe."""
    loop = loop_at(p, path)
    a, b = literal(loop.lo), literal(loop.hi)
    if a is None or b is None:
        raise SchedulingError(f"expected loop '{loop.iter.name}' to have constant bounds: {where(loop)}")
    copies = []
    for v in range(a, b):
        body = subst_fold(loop.body, {loop.iter: B.const(v, loop.srcinfo)})
        copies.extend(body if v == a else alpha_rename(body))
    parent, field, k = block_of(path)
    siblings = stmts_at(p, parent, field)
    if not copies and len(siblings) == 1:
        copies = [Pass(srcinfo=loop.srcinfo)]
    new = splice(p, parent, field, k, k + 1, copies)
    n = len(path)
    first_copy = b > a

    def inner_fwd(old):
        if first_copy and len(old) > n and old[n][0] == "body":
            return parent + ((field, k + old[n][1]),) + old[n + 1:]
        return _invalid(old)

    return new, fw.after_splice(parent, field, k, k + 1, len(copies), inner_fwd)
