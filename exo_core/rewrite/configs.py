"""Configuration-state rewrites: ``bind_config``, ``delete_config``, ``write_config``.

Config fields are global locations. Inserting or deleting a write ``Cfg.f = e`` is safe
when nothing reads ``Cfg.f`` after it before it is certainly overwritten
(``analysis.sched.check_config_write_deletable``), or when the write is redundant: the
field already holds that value. The analysis proves redundancy with the solver for
control fields whose value it tracks, and ``_already_holds`` below proves it by
induction over loops: if ``Cfg.f == v`` holds on entry to a loop and every write of
``Cfg.f`` in the loop writes ``v`` (and nothing ``v`` reads changes), it holds at every
point of the loop. That is what makes hoisting a loop-invariant config write out of a
loop possible: ``write_config`` the value before the loop, then ``delete_config`` the
write inside.

Each rewrite returns the fields whose final value may differ when the procedure
returns; they are recorded (``subprocs.record_derivation``) so that ``call_eqv`` knows
the two procedures are equivalent only modulo those fields.
"""

from __future__ import annotations

from ..errors import SchedulingError
from ..ir import (
    BOOL,
    STRIDE,
    Alloc,
    Assign,
    Call,
    ControlType,
    For,
    If,
    ProcDef,
    Read,
    ReadConfig,
    Reduce,
    ScalarType,
    WindowExpr,
    WindowStmt,
    WriteConfig,
)
from ..ir.paths import node_at, replace_at, splice, stmts_at
from ..ir.subst import free_syms
from ..ir.visit import walk
from . import forward as fw
from .describe import where
from .subprocs import record_derivation


def _sched():
    from ..analysis import sched

    return sched


def _key_name(config, field) -> str:
    return f"{config.name()}.{field}"


def check_field(config, field: str):
    """The type of ``config.field``; SchedulingError if there is no such field."""
    from ..config import Config

    if not isinstance(config, Config):
        raise SchedulingError(f"expected a config (an @config class), got {config!r}")
    if not isinstance(field, str) or not config.has_field(field):
        raise SchedulingError(f"config {config.name()} has no field {field!r}")
    return config.lookup_type(field)


def check_value(config, field: str, e) -> None:
    """``e`` can be written to ``config.field`` (the typechecker's rule)."""
    ftyp = config.lookup_type(field)
    rt = e.type
    if isinstance(ftyp, ScalarType):
        ok = isinstance(rt, ScalarType)
    elif ftyp is BOOL:
        ok = rt is BOOL
    elif ftyp is STRIDE:
        ok = isinstance(rt, ControlType) and rt.name in ("stride", "int")
    else:
        ok = rt.is_indexable()
    if not ok:
        from ..ir.printer import expr_to_str, type_to_str

        raise SchedulingError(f"config field {_key_name(config, field)} has type {type_to_str(ftyp)}; "
                              f"cannot write '{expr_to_str(e)}' of type {type_to_str(rt)}")


def _bounds(new: ProcDef, what: str) -> None:
    sched = _sched()
    try:
        sched.check_bounds(new)
    except sched.CheckFailed as e:
        raise SchedulingError(f"{what}: {e}") from None


def _no_iterator_dependence(new: ProcDef) -> None:
    """The language's rule (checked when a procedure is defined): a value written to a
    config field does not depend on a loop iterator."""
    from ..errors import TypeCheckError
    from ..frontend.configdeps import check_config_writes

    try:
        check_config_writes(new.body)
    except TypeCheckError as e:
        raise SchedulingError(_strip(e)) from None


def _strip(e) -> str:
    msg, prefix = str(e), f"{e.srcinfo}: "
    return msg[len(prefix):] if e.srcinfo is not None and msg.startswith(prefix) else msg


# --------------------------------------------------------------------------- write_config


def write_config(p: ProcDef, parent: tuple, field: str, index: int, config, cfield: str, rhs):
    """Insert ``config.cfield = rhs`` at a gap. Checked: ``cfield`` is not read after the
    write before being overwritten, or already holds ``rhs`` there
    (``check_config_write_deletable`` on the new write); ``rhs`` reads in bounds.
    Returns the new proc; the field is recorded as changed when its new value may be
    visible when the procedure returns."""
    check_field(config, cfield)
    check_value(config, cfield, rhs)
    anchor = stmts_at(p, parent, field)
    src = anchor[min(index, len(anchor) - 1)].srcinfo if anchor else p.srcinfo
    w = WriteConfig(config, cfield, rhs, srcinfo=src)
    new = splice(p, parent, field, index, index, (w,))
    _no_iterator_dependence(new)
    visible = _sched().check_config_write_deletable(new, parent + ((field, index),))
    _bounds(new, f"'{_key_name(config, cfield)} = ...' cannot be evaluated there")
    record_derivation(new, p, visible)
    return new, fw.after_splice(parent, field, index, index, 1)


# --------------------------------------------------------------------------- delete_config


def delete_config(p: ProcDef, path: tuple):
    """Delete the config write at ``path``. Checked: the field already holds the written
    value (known to the solver, or by induction over enclosing loops: every write of the
    field since a dominating equal write writes the same loop-invariant value), or it is
    not read afterwards before being overwritten."""
    sched = _sched()
    s = node_at(p, path)
    if type(s) is not WriteConfig:
        raise SchedulingError(f"{where(s)} is not a config write")
    if already_holds(p, path):
        visible = set()
    else:
        try:
            visible = sched.check_config_write_deletable(p, path)
        except sched.CheckFailed as e:
            raise SchedulingError(
                f"cannot delete {where(s)}: {e}, and the field is not known to hold that value already") from None
    parent, (field, k) = path[:-1], path[-1]
    new = splice(p, parent, field, k, k + 1, ())
    record_derivation(new, p, visible)
    return new, fw.after_splice(parent, field, k, k + 1, 0)


# --------------------------------------------------------------------------- bind_config


def bind_config(p: ProcDef, expr_path: tuple, config, cfield: str):
    """``s[e]`` -> ``config.cfield = e; s[config.cfield]`` for a read ``e`` of a scalar data
    variable or of a bool, of the field's type; ``s`` is the innermost statement
    containing ``e``. Checked: inserting the write is safe (``cfield`` is not read after
    it before being overwritten, or already holds ``e``); ``e`` is not a scalar
    passed to a parameter the callee writes (the callee would write the config field
    instead); the config field is not also accessed by the callee it is passed to."""
    from ..analysis.effects import proc_effects
    from ..analysis.sched.paths import stmt_path
    from ..frontend.typecheck import same_precision
    from ..ir.printer import expr_to_str

    ftyp = check_field(config, cfield)
    e = node_at(p, expr_path)
    if type(e) is not Read:
        raise SchedulingError(f"expected a read of a variable to bind, got '{expr_to_str(e)}'")
    if not ((isinstance(e.type, ScalarType) and not e.idx) or e.type is BOOL):
        raise SchedulingError(f"'{expr_to_str(e)}' is not a scalar data variable or a bool: index and "
                              "size values may differ between loop iterations")
    same = same_precision(e.type, ftyp) if isinstance(e.type, ScalarType) and isinstance(ftyp, ScalarType) \
        else e.type == ftyp
    if not same:
        raise SchedulingError(f"'{expr_to_str(e)}' has type {e.type} but {_key_name(config, cfield)} has "
                              f"type {ftyp}")
    spath = stmt_path(expr_path)
    s = node_at(p, spath)
    if type(s) is Call and expr_path[len(spath)][0] == "args":
        k = expr_path[len(spath)][1]
        fa = s.proc.args[k]
        eff = proc_effects(s.proc)
        if fa.type.is_numeric() and fa.name in (eff.writes | eff.reduces):
            raise SchedulingError(f"{where(s)} passes {e.name.name} to '{fa.name.name}', which "
                                  f"{s.proc.name} writes: it would write {_key_name(config, cfield)} instead")
    parent, (field, k) = spath[:-1], spath[-1]
    w = WriteConfig(config, cfield, e, srcinfo=s.srcinfo)
    mid = splice(p, parent, field, k, k, (w,))
    visible = _sched().check_config_write_deletable(mid, parent + ((field, k),))
    moved = parent + ((field, k + 1),) + tuple(expr_path[len(spath):])
    new = replace_at(mid, moved, ReadConfig(config, cfield, ftyp, srcinfo=e.srcinfo))
    _no_iterator_dependence(new)
    _bounds(new, f"{_key_name(config, cfield)} cannot replace '{expr_to_str(e)}'")
    record_derivation(new, p, visible)
    # the statement moves one down; the expression cursor now points at the config read
    return new, fw.after_splice(parent, field, k, k, 1)


# --------------------------------------------------------------------------- redundancy


class _Avail:
    """Forward must-analysis of ``Cfg.f == v`` (``v`` the rhs of the write at ``target``),
    recording the state just before ``target``."""

    def __init__(self, p: ProcDef, target: tuple, w: WriteConfig):
        from ..analysis.effects import config_reads_of

        self.key = (w.config, w.field)
        self.v = w.rhs
        self.target = target
        self.cfgs = config_reads_of(w.rhs)
        self.syms = free_syms(w.rhs)
        self.roots: dict = {}
        for n in walk(p.body):
            if type(n) is WindowStmt:
                self.roots[n.name] = self.roots.get(n.rhs.name, n.rhs.name)
        # buffers whose data ``v`` reads (strides and control values never change)
        self.bufs = {self.roots.get(n.name, n.name) for n in walk(w.rhs)
                     if type(n) in (Read, WindowExpr) and n.type.is_numeric()}
        self.found = None

    def root(self, sym):
        return self.roots.get(sym, sym)

    def block(self, stmts, state: bool, prefix: tuple, field: str) -> bool:
        for k, s in enumerate(stmts):
            path = prefix + ((field, k),)
            if path == self.target:
                self.found = state
            state = self.stmt(s, state, path)
        return state

    def stmt(self, s, state: bool, path: tuple) -> bool:
        t = type(s)
        if t is WriteConfig:
            if (s.config, s.field) == self.key:
                return s.rhs == self.v and self.key not in self.cfgs
            return state and (s.config, s.field) not in self.cfgs
        if t is Assign or t is Reduce:
            return state and self.root(s.name) not in self.bufs
        if t is Alloc:
            return state and s.name not in self.syms
        if t is Call:
            from ..analysis.effects import proc_effects

            eff = proc_effects(s.proc)
            if self.key in eff.cfg_writes or eff.cfg_writes & self.cfgs:
                return False
            for fa, a in zip(s.proc.args, s.args):
                if type(a) in (Read, WindowExpr) and fa.type.is_numeric() and self.root(a.name) in self.bufs:
                    return False
                if type(a) is ReadConfig and (a.config, a.field) in self.cfgs | {self.key}:
                    return False
            return state
        if t is If:
            a = self.block(s.body, state, path, "body")
            b = self.block(s.orelse, state, path, "orelse")
            return a and b
        if t is For:
            inside = state and s.iter not in self.syms
            while True:
                out = self.block(s.body, inside, path, "body")
                nxt = inside and out
                if nxt == inside:
                    break
                inside = nxt
            return state and out
        return state


def already_holds(p: ProcDef, path: tuple) -> bool:
    """Whether the config field written at ``path`` provably holds the written value
    just before the write (by induction over loops; see the module doc)."""
    w = node_at(p, path)
    if type(w) is not WriteConfig:
        return False
    a = _Avail(p, tuple(path), w)
    a.block(p.body, False, (), "body")
    return bool(a.found)


__all__ = ["write_config", "delete_config", "bind_config", "already_holds", "check_field", "check_value"]
