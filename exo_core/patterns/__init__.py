"""Finding code by pattern strings (Exo's ``proc.find`` language).

A pattern is a Python-syntax fragment with holes ``_``, optionally followed by ``#n`` to
select the n-th (0-based) match in source order: ``"for i in _: _"``, ``"x = _"``,
``"x[_] += _"``, ``"x : _"``, ``"foo(_)"``, ``"Cfg.f = _"``, ``"a = _ ; b = _"`` (a block),
``"x[_] * 2.0"``, ``"stride(x, _)"``... See ``syntax.py`` for the grammar and
``engine.py`` for what matches what.

Results are ``Match(kind, at)`` tuples:

* ``("stmt", path)``: a statement; a path is ``(field, index)`` steps from the ProcDef;
* ``("block", (parent_path, field, lo, hi))``: two or more consecutive statements
  (a block pattern matching a single statement is reported as ``"stmt"``, as Exo does);
* ``("expr", path)``: an expression (a statement path extended by expression steps);
* ``("arg", k)``: the k-th parameter (only from ``find_alloc_or_arg``).

``match_pattern`` returns every match; the ``find*`` helpers return the first (or all with
``many=True``) and raise ``SchedulingError`` when nothing matches.
"""

from __future__ import annotations

from typing import NamedTuple

from ..cursors import _node_at
from ..errors import SchedulingError
from ..extern import Extern
from ..ir.nodes import Alloc, Call, Expr, For, ProcDef, Stmt
from .engine import Done, Finder, match_expr, match_seq, match_stmt
from .syntax import Pattern, alloc_shorthand, call_shorthand, loop_shorthand, name_count, parse_pattern


class Match(NamedTuple):
    kind: str  # "stmt" | "block" | "expr" | "arg"
    at: tuple | int  # a path; (parent_path, field, lo, hi) for a block; an index for an arg


def _ir(proc) -> ProcDef:
    return proc if isinstance(proc, ProcDef) else proc._ir


def _scope(proc: ProcDef, within):
    """``(kind, path, field, lo, hi)`` of the region to search: a block of statements or an expression."""
    if within is None:
        return "block", (), "body", 0, len(proc.body)
    if isinstance(within, Match):
        if within.kind == "arg":
            raise SchedulingError("find: cannot search inside an argument")
        within = within.at
    if hasattr(within, "_path"):  # a cursor
        if hasattr(within, "_field"):
            if hasattr(within, "_lo"):
                return "block", within._path, within._field, within._lo, within._hi
            within = within._path  # an expression list: search its owner
        else:
            within = within._path
    if len(within) == 4 and isinstance(within[0], tuple) and isinstance(within[1], str):
        parent, field, lo, hi = within
        return "block", parent, field, lo, hi
    if not within:
        return "block", (), "body", 0, len(proc.body)
    node = _node_at(proc, within)
    if isinstance(node, Stmt):
        field, k = within[-1]
        return "block", within[:-1], field, k, k + 1
    if isinstance(node, Expr):
        return "expr", within, None, 0, 0
    raise SchedulingError(f"find: cannot search inside {type(node).__name__} at {within}")


def _call_kind(pat: Pattern, call_site) -> str | None:
    """Resolve a lone ``f(...)`` through the caller's names: "stmts", "expr" or None (unknown)."""
    if call_site is None:
        return None
    v = call_site.get(pat.stmts[0].name) if hasattr(call_site, "get") else None
    if v is None:
        return None
    return "expr" if isinstance(v, Extern) else "stmts"


def _run(proc: ProcDef, pat: Pattern, kind: str, region) -> list:
    rkind, path, field, lo, hi = region
    finder = Finder(pat.match_no, path)
    try:
        if kind == "stmts":
            if rkind == "block":
                block = getattr(_node_at(proc, path) if path else proc, field)
                finder.stmts_in_block(pat.stmts, block, field, lo, hi)
        elif rkind == "block":
            block = getattr(_node_at(proc, path) if path else proc, field)
            finder.exprs_in_block(pat.expr, block, field, lo, hi)
        else:
            finder.expr(pat.expr, _node_at(proc, path))
    except Done:
        pass
    return [Match(k, a) for k, a in finder.out]


def match_pattern(proc, pattern: str, *, within=None, call_site=None) -> list[Match]:
    """All matches of ``pattern`` in ``proc`` (a ``Procedure`` or ``ProcDef``), in source order.

    ``within`` restricts the search to a statement (and what it contains), a block
    ``(parent_path, field, lo, hi)``, an expression path, a ``Match`` or a cursor.
    ``call_site`` is a mapping of the names visible where the pattern was written: it
    decides whether a lone ``f(...)`` means a call statement (``f`` a procedure) or an
    extern expression. Without it, call statements are tried first, then externs.
    With ``#n`` the result holds at most the n-th match.
    """
    proc = _ir(proc)
    pat = parse_pattern(pattern)
    region = _scope(proc, within)
    if pat.kind != "call":
        return _run(proc, pat, pat.kind, region)
    kind = _call_kind(pat, call_site)
    if kind is not None:
        return _run(proc, pat, kind, region)
    return _run(proc, pat, "stmts", region) or _run(proc, pat, "expr", region)


def _not_found(pattern) -> SchedulingError:
    return SchedulingError(f"find: failed to find matches for pattern '{pattern}'")


def find(proc, pattern: str, many: bool = False, *, within=None, call_site=None):
    """The first match (all matches with ``many=True``); SchedulingError if there is none."""
    ms = match_pattern(proc, pattern, within=within, call_site=call_site)
    if not ms:
        raise _not_found(pattern)
    return ms if many else ms[0]


def _find_kind(proc, pattern, expanded, many, kinds, what, within, call_site):
    ms = match_pattern(proc, expanded, within=within, call_site=call_site)
    if not ms:
        raise _not_found(pattern)
    for m in ms if many else ms[:1]:
        if m.kind not in kinds:
            raise SchedulingError(f"find: pattern '{pattern}' matches {_A[m.kind]}, not {what}")
    return ms if many else ms[0]


_A = {"stmt": "a statement", "block": "a block of statements", "expr": "an expression", "arg": "an argument"}


def find_stmt(proc, pattern: str, many: bool = False, *, within=None, call_site=None):
    """Like ``find``, but every result must be a single statement."""
    return _find_kind(proc, pattern, pattern, many, ("stmt",), "a statement", within, call_site)


def find_block(proc, pattern: str, many: bool = False, *, within=None, call_site=None):
    """Like ``find`` for statements; a single statement is returned as a 1-statement block."""
    ms = _find_kind(proc, pattern, pattern, True, ("stmt", "block"), "statements", within, call_site)
    out = [as_block(m) for m in ms]
    return out if many else out[0]


def as_block(m: Match) -> Match:
    if m.kind == "block":
        return m
    path = m.at
    field, k = path[-1]
    return Match("block", (path[:-1], field, k, k + 1))


def find_expr(proc, pattern: str, many: bool = False, *, within=None, call_site=None):
    """Like ``find``, but every result must be an expression."""
    if call_site is None and isinstance(pattern, str):
        pat = parse_pattern(pattern)
        if pat.kind == "call":  # an expression is wanted: ``f(...)`` is an extern call
            call_site = {pat.stmts[0].name: _EXTERN_MARK}
    return _find_kind(proc, pattern, pattern, many, ("expr",), "an expression", within, call_site)


_EXTERN_MARK = Extern("<pattern>")


def find_loop(proc, pattern: str, many: bool = False, *, within=None, call_site=None):
    """Loops: ``"i"``, ``"i #2"``, ``"i j"`` (loop i whose body starts with loop j) or a pattern."""
    expanded = loop_shorthand(pattern)
    ms = _find_kind(proc, pattern, expanded, many, ("stmt",), "a loop", within, call_site)
    p = _ir(proc)
    for m in ms if many else [ms]:
        if not isinstance(_node_at(p, m.at), For):
            raise SchedulingError(f"find: pattern '{pattern}' matches a statement that is not a loop")
    return ms


def find_alloc(proc, pattern: str, many: bool = False, *, within=None):
    """Allocations: ``"x"`` / ``"x #1"`` mean ``"x : _"``."""
    ms = _find_kind(proc, pattern, alloc_shorthand(pattern), many, ("stmt",), "an allocation", within, None)
    p = _ir(proc)
    for m in ms if many else [ms]:
        if not isinstance(_node_at(p, m.at), Alloc):
            raise SchedulingError(f"find: pattern '{pattern}' matches a statement that is not an allocation")
    return ms


def find_alloc_or_arg(proc, pattern: str, many: bool = False, *, within=None):
    """An argument named ``x`` for ``"x"`` (as Exo, arguments first), else the allocation(s)."""
    nc = name_count(pattern)
    if nc is not None and nc[1] is None and within is None:
        for k, a in enumerate(_ir(proc).args):
            if a.name.name == nc[0]:
                return [Match("arg", k)] if many else Match("arg", k)
    return find_alloc(proc, pattern, many, within=within)


def find_call(proc, pattern, many: bool = False, *, within=None):
    """Call statements: ``"name"``, ``"name #n"``, a procedure, or a pattern like ``"foo(_)"``."""
    if isinstance(pattern, ProcDef):
        pattern = pattern.name
    elif not isinstance(pattern, str):
        if not callable(getattr(pattern, "name", None)):
            raise TypeError(f"expected a procedure or a pattern string, not {type(pattern).__name__}")
        pattern = pattern.name()
    expanded = call_shorthand(pattern)
    pat = parse_pattern(expanded)
    site = {pat.stmts[0].name: True} if pat.kind == "call" else None  # a statement is wanted
    ms = _find_kind(proc, pattern, expanded, many, ("stmt",), "a call", within, site)
    p = _ir(proc)
    for m in ms if many else [ms]:
        if not isinstance(_node_at(p, m.at), Call):
            raise SchedulingError(f"find: pattern '{pattern}' matches a statement that is not a call")
    return ms


def match_to_cursor(procedure, m: Match):
    """The cursors.py cursor for a match in ``procedure`` (a ``Procedure``)."""
    from ..cursors import ArgCursor, BlockCursor, ExprCursor, StmtCursor

    if m.kind == "stmt":
        return StmtCursor._make(procedure, m.at)
    if m.kind == "block":
        return BlockCursor(procedure, *m.at)
    if m.kind == "expr":
        return ExprCursor._make(procedure, m.at)
    return ArgCursor(procedure, (("args", m.at),))


__all__ = [
    "Match", "Pattern", "parse_pattern", "match_pattern", "find", "find_stmt", "find_block", "find_expr",
    "find_loop", "find_alloc", "find_alloc_or_arg", "find_call", "as_block", "match_to_cursor",
    "match_expr", "match_stmt", "match_seq", "loop_shorthand", "alloc_shorthand", "call_shorthand",
    "name_count",
]
