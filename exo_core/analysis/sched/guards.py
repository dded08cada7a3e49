"""Whether the block of ``if c: S`` may also run when ``c`` is false (``unguard``).

The extra runs of ``S`` (the *dead* runs: ``c`` false) must change nothing anyone sees.
Checked: every location a dead run writes is in a buffer the proc allocates, and no *live*
run of any statement (every other statement, and ``S`` where ``c`` holds) reads or writes
that location, in any iteration. So the values the dead runs write are never used, and
they never overwrite a value that is. What the dead runs read needs only be in bounds
(checked on the rewritten proc by the caller): it flows into dead locations only.

Refused outright: a block that calls anything (a callee may do more than access buffers),
writes configuration state, binds a window, or divides integers by anything but a
constant (a zero divisor would trap in a dead run). A condition that is not affine gives
the dead runs no facts at all, which only makes the check stricter.
"""

from __future__ import annotations

from ...ir.nodes import BinOp, Call, Const, If, Pass, WindowStmt, WriteConfig
from ...ir.paths import splice
from ...ir.types import ScalarType
from ...ir.visit import walk
from . import CheckFailed
from .collect import collect, rename, renamed
from .deps import access_text, find_conflict, verb, when
from .paths import as_procdef, node_at


def _always(a: str, b: str) -> bool:
    return True


def _refuse_unsafe(body) -> None:
    for n in walk(tuple(body)):
        t = type(n)
        if t is Call:
            raise CheckFailed(f"the block calls {n.proc.name}: only assignments and reductions "
                              "can run when the condition is false", n.srcinfo)
        if t is WriteConfig:
            raise CheckFailed(f"the block writes {n.config.name()}.{n.field}", n.srcinfo)
        if t is WindowStmt:
            raise CheckFailed(f"the block binds the window {n.name.name}", n.srcinfo)
        if (t is BinOp and n.op in ("/", "%") and type(n.rhs) is not Const
                and isinstance(n.type, ScalarType) and not n.type.is_float()):
            raise CheckFailed("the block divides an integer by a value that may be zero when the "
                              "condition is false", n.srcinfo)


def check_unguard(proc, if_path: tuple) -> None:
    """``if c: S`` at ``if_path`` may become ``S`` (see the module docstring)."""
    proc = as_procdef(proc)
    s = node_at(proc, if_path)
    if type(s) is not If:
        raise CheckFailed("expected an if statement")
    if s.orelse:
        raise CheckFailed("the if has an else branch: its block cannot simply run unconditionally", s.srcinfo)
    _refuse_unsafe(s.body)
    live = collect(proc, ((), "body", 0, len(proc.body)))
    # the same proc with S under `not c`: its accesses there are the dead runs, with the facts
    # (only that statement is collected; its enclosing loop variables are the live walk's
    # symbols, which the renaming below separates from the live runs)
    field, k = if_path[-1]
    negated = splice(proc, if_path[:-1], field, k, k + 1,
                     (If(s.cond, (Pass(srcinfo=s.srcinfo),), s.body, srcinfo=s.srcinfo),))
    dead = collect(negated, (if_path[:-1], field, k, k + 1))
    n = len(if_path)
    dead_writes = [a for a in dead.accesses
                   if a.kind != "read" and a.path[:n] == if_path and a.path[n][0] == "orelse"]
    for a in dead_writes:
        if a.root not in live.allocs:
            raise CheckFailed(f"{access_text(a)} {verb(a.kind)} {a.root_name()}, which is not a buffer this "
                              "procedure allocates: running it when the condition is false would "
                              "change it", a.src)
    mapping = rename(live.locals())
    others = [renamed(a, mapping) for a in live.accesses]
    hit = find_conflict(dead_writes, others, conflict=_always)
    if hit is not None:
        a, b, model = hit
        raise CheckFailed(
            f"when the condition is false, {access_text(a)} {verb(a.kind)} a location of "
            f"{a.root_name()} that {access_text(b)} {verb(b.kind)} where it runs"
            f"{when(model, second=(b, mapping, 'that run'))}: the value would not be dead", a.src)


__all__ = ["check_unguard"]
