"""Deleting (or inserting) a config write: Exo's ``Check_DeleteConfigWrite``.

``check_config_write_deletable(proc, path)`` decides whether the ``Cfg.f = e`` at
``path`` can be removed. If it provably writes the value the field already has (a
control field whose value is known there, or ``Cfg.f = Cfg.f``) nothing changes. Else
the field must not be read by anything that runs afterwards before the field is
certainly overwritten: the rest of the enclosing lists, and for enclosing loops the
next iterations (their bodies from the top, up to the write itself, which rewrites the
field), loop bounds (re-evaluated each iteration), branch conditions, callees (reading
a field they do not first write counts as a read). The result is the set of fields
whose change may still be visible when the procedure returns (``(config, field)``
pairs): the caller records that equivalence holds modulo those. ``insert``: the same
check for a write just inserted (``write_config``, ``bind_config``).
"""

from __future__ import annotations

from ...ir.nodes import Call, For, If, ReadConfig, WriteConfig
from ...ir.types import ControlType
from .. import logic as L
from ..effects import config_reads_of, proc_effects
from ..solver import SOLVER
from . import CheckFailed
from .paths import as_procdef, locate, node_at, stmt_at

READ, KILLED, NEITHER = "read", "killed", "neither"


def check_config_write_deletable(proc, path) -> set:
    """See the module doc. Raises ``CheckFailed`` if a later read may see the change."""
    proc = as_procdef(proc)
    path = tuple(path)
    s = stmt_at(proc, path)
    if type(s) is not WriteConfig:
        raise CheckFailed("the statement is not a config write: it may change more than config state",
                          s.srcinfo)
    key = (s.config, s.field)
    if _writes_same_value(proc, path, s):
        return set()
    verdict = _after(proc, path, key, s)
    if verdict == READ:
        raise CheckFailed(f"{s.config.name()}.{s.field} is read after this write: deleting it "
                          "changes what is read", s.srcinfo)
    return {key} if verdict == NEITHER else set()


def _writes_same_value(proc, path, s) -> bool:
    if type(s.rhs) is ReadConfig and s.rhs.config is s.config and s.rhs.field == s.field:
        return True
    ftype = s.config.lookup_type(s.field)
    if not isinstance(ftype, ControlType):
        return False
    facts, w = locate(proc, path)
    cur = w.env.config(s.config, s.field)
    if ftype.name == "bool":
        v = w.formula(s.rhs)
        if v is None:
            return False
        b = L.BVar(cur)
        return SOLVER.prove(L.disj((L.conj((b, v)), L.conj((L.neg(b), L.neg(v))))), facts)
    v = w.affine(s.rhs)
    from ..affine import Affine

    return v is not None and SOLVER.prove(L.eq0(Affine.of(cur) - v), facts)


def _after(proc, path, key, skip) -> str:
    """Whether the field is read after ``path`` before being certainly overwritten, in
    the program without the write ``skip``."""
    while path:
        field, k = path[-1]
        parent = path[:-1]
        stmts = getattr(node_at(proc, parent), field)
        v = _scan(stmts[k + 1:], key, skip)
        if v != NEITHER:
            return v
        if parent:
            owner = node_at(proc, parent)
            if type(owner) is For:
                if key in config_reads_of(owner.lo) | config_reads_of(owner.hi):
                    return READ
                # a next iteration runs the whole body again, now without the write
                if _scan(owner.body, key, skip) == READ:
                    return READ
        path = parent
    return NEITHER


def _scan(stmts, key, skip) -> str:
    for s in stmts:
        v = _stmt(s, key, skip)
        if v != NEITHER:
            return v
    return NEITHER


def _stmt(s, key, skip) -> str:
    t = type(s)
    if t is WriteConfig:
        if key in config_reads_of(s.rhs):
            return READ
        return KILLED if (s.config, s.field) == key and s is not skip else NEITHER
    if t is If:
        if key in config_reads_of(s.cond):
            return READ
        a, b = _scan(s.body, key, skip), _scan(s.orelse, key, skip)
        if READ in (a, b):
            return READ
        return KILLED if a == b == KILLED else NEITHER
    if t is For:
        if key in config_reads_of(s.lo) | config_reads_of(s.hi):
            return READ
        return READ if _scan(s.body, key, skip) == READ else NEITHER
    if t is Call:
        eff = proc_effects(s.proc)
        if key in eff.cfg_reads or any(key in config_reads_of(a) for a in s.args):
            return READ
        return NEITHER
    from ..effects import ProcEffects, _Summary

    e = ProcEffects()
    _Summary(e, None).stmt(s)
    return READ if key in e.cfg_reads else NEITHER
