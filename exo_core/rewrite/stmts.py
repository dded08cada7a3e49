"""Statement-level rewrites: rename, insert/delete pass, reorder statements."""

from __future__ import annotations

from ..errors import SchedulingError
from ..ir import For, If, Pass, ProcDef
from ..ir.paths import splice, stmts_at
from . import forward as fw
from .describe import where


def rename(p: ProcDef, name: str):
    """Rename the procedure. Always safe."""
    return p.update(name=name), fw.identity


def insert_pass(p: ProcDef, parent_path: tuple, field: str, index: int):
    """Insert ``pass`` at a gap. Always safe."""
    anchor = stmts_at(p, parent_path, field)
    src = anchor[min(index, len(anchor) - 1)].srcinfo
    new = splice(p, parent_path, field, index, index, (Pass(srcinfo=src),))
    return new, fw.after_splice(parent_path, field, index, index, 1)


def _is_empty(s) -> bool:
    if isinstance(s, Pass):
        return True
    if isinstance(s, For):
        return all(_is_empty(b) for b in s.body)
    if isinstance(s, If):
        return all(_is_empty(b) for b in s.body) and all(_is_empty(b) for b in s.orelse)
    return False


def delete_pass(p: ProcDef):
    """Remove every ``pass``, and every loop or ``if`` that contains nothing else. Always
    safe: such statements have no effect (loop bounds and conditions are pure)."""
    removals = []  # (parent_path, field, index), collected in pre-order

    def visit(stmts, parent_path, field):
        keep_one = all(_is_empty(s) for s in stmts)
        for i, s in enumerate(stmts):
            if _is_empty(s):
                if keep_one and i == 0 and not parent_path:
                    continue  # an empty proc body keeps one pass
                if keep_one and i == 0 and parent_path:
                    continue  # the enclosing statement is removed instead
                removals.append((parent_path, field, i))
            else:
                path = parent_path + ((field, i),)
                if isinstance(s, For):
                    visit(s.body, path, "body")
                elif isinstance(s, If):
                    visit(s.body, path, "body")
                    if s.orelse:
                        visit(s.orelse, path, "orelse")

    visit(p.body, (), "body")
    new, fwds = p, []
    for parent_path, field, i in reversed(removals):
        new = splice(new, parent_path, field, i, i + 1, ())
        fwds.append(fw.after_splice(parent_path, field, i, i + 1, 0))
    # an `if` whose body emptied but whose else did not keeps its body's single pass
    return new, fw.compose(*fwds)


def reorder_stmts(p: ProcDef, parent_path: tuple, field: str, lo: int):
    """Swap statements ``lo`` and ``lo + 1``. Checked: the two commute (no location one
    writes or reduces is touched by the other, except reductions with reductions, and
    neither allocates what the other uses)."""
    from ..analysis.sched import check_commute

    stmts = stmts_at(p, parent_path, field)
    if lo + 1 >= len(stmts):
        raise SchedulingError(f"{where(stmts[lo])} has no statement after it to swap with")
    check_commute(p, (parent_path, field, lo, lo + 1), (parent_path, field, lo + 1, lo + 2))
    a, b = stmts[lo], stmts[lo + 1]
    new = splice(p, parent_path, field, lo, lo + 2, (b, a))
    n = len(parent_path)

    def inner(path):
        i = path[n][1]
        return parent_path + ((field, lo + (1 if i == lo else 0)),) + path[n + 1 :]

    return new, fw.after_splice(parent_path, field, lo, lo + 2, 2, inner)
