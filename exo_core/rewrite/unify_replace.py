"""The ``replace`` rewrites: one block by a call (``replace_block``), and every match of a
list of instrs in a procedure (``replace_matches``, behind ``replace_all``/``replace_once``).

Forwarding: the replaced statements (and a block cursor over them) forward to the call;
cursors inside them become invalid; later statements shift.
"""

from __future__ import annotations

from ..analysis.aliasing import check_aliasing
from ..errors import InvalidCursorError, SchedulingError, TypeCheckError
from ..ir import Call, For, If, ProcDef
from ..ir.paths import splice, stmts_at
from ..ir.visit import MISSING, NodeMemo
from . import forward as fw
from .describe import where
from .unify import Mismatch, Unifier


def try_replace(p: ProcDef, parent: tuple, field: str, lo: int, hi: int, sub: ProcDef, mem_aware: bool = True):
    """``(new proc, forward)`` with the first ``len(sub.body)`` statements of the block
    replaced by a call of ``sub``; raises ``Mismatch`` (unformatted) when they do not
    unify or a call-site condition is not proven."""
    sol = Unifier(p, parent, field, lo, hi, sub, mem_aware).run()
    n = len(sub.body)
    first = stmts_at(p, parent, field)[lo]
    call = Call(sub, sol.args, srcinfo=first.srcinfo)
    new = splice(p, parent, field, lo, lo + n, (call,))
    try:
        check_aliasing(new)
    except TypeCheckError as err:
        raise Mismatch(str(err), check=True) from None
    call_path = parent + ((field, lo),)
    depth = len(parent) + 1

    def inner(path):
        if len(path) == depth:
            return call_path
        raise InvalidCursorError(f"the cursor's code was replaced by a call of {sub.name}")

    return new, fw.after_splice(parent, field, lo, lo + n, 1, inner)


def replace_block(p: ProcDef, parent: tuple, field: str, lo: int, hi: int, sub: ProcDef, quiet: bool = True):
    """``try_replace`` for the ``replace`` primitive: a failure is a ``SchedulingError``
    naming the instr and the condition that failed (with both codes unless ``quiet``)."""
    try:
        return try_replace(p, parent, field, lo, hi, sub)
    except Mismatch as e:
        first = stmts_at(p, parent, field)[lo]
        msg = f"cannot replace the code at {where(first)} by a call of {sub.name}: {e.reason()}"
        if not quiet:
            from ..ir.printer import proc_to_str, stmt_to_str

            code = "\n".join(stmt_to_str(s, 1) for s in stmts_at(p, parent, field)[lo:lo + len(sub.body)])
            text = proc_to_str(sub)
            if sub.instr is not None:  # its meaning, not its C (which can run to many lines)
                text = text.split("\n", 1)[1]
            msg += f"\n{sub.name}:\n{text}\nthe code:\n{code}"
        raise SchedulingError(msg) from None


def replace_matches(p: ProcDef, subs, mem_aware: bool = True, once: bool = False):
    """Replace, for each instr of ``subs`` in turn, every block (in program order, outer
    statements before the ones they contain) that unifies with its body and passes the
    call-site checks; with ``once``, only the first such block of each instr. Returns
    ``(new proc, forward, count)``."""
    fwds = []
    count = 0
    for sub in subs:
        n = len(sub.body)
        if not n:
            continue
        head = type(sub.body[0])
        p, k = _scan(p, (), "body", sub, n, head, mem_aware, once, fwds)
        count += k
    return p, fw.compose(*fwds), count


def _scan(p, parent, field, sub, n, head, mem_aware, once, fwds):
    count = 0
    k = 0
    while True:
        stmts = stmts_at(p, parent, field)
        if k >= len(stmts):
            return p, count
        s = stmts[k]
        if type(s) is head and k + n <= len(stmts) and _shapes(stmts[k:k + n]) == _shapes(sub.body):
            try:
                p, f = try_replace(p, parent, field, k, k + n, sub, mem_aware)
            except Mismatch:
                pass
            else:
                fwds.append(f)
                count += 1
                if once:
                    return p, count
                k += 1
                continue
        path = parent + ((field, k),)
        if type(s) is For or type(s) is If:
            for f in ("body", "orelse") if type(s) is If else ("body",):
                if getattr(s, f):
                    p, c = _scan(p, path, f, sub, n, head, mem_aware, once, fwds)
                    count += c
                    if once and c:
                        return p, count
        k += 1


_SHAPES = NodeMemo()


def _shape(s):
    """The statement structure unification requires to be equal: kinds, loop modes and
    statement counts (expressions may differ: holes stand for them)."""
    shape = _SHAPES.get(s)
    if shape is not MISSING:
        return shape
    t = type(s)
    if t is For:
        shape = ("for", s.loop_mode, _shapes(s.body))
    elif t is If:
        shape = ("if", _shapes(s.body), _shapes(s.orelse))
    else:
        shape = t
    _SHAPES.put(s, shape)
    return shape


def _shapes(stmts) -> tuple:
    return tuple(_shape(s) for s in stmts)


__all__ = ["try_replace", "replace_block", "replace_matches"]
