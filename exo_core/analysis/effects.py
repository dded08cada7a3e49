"""Coarse effect summaries: which parameters and config fields a proc reads and writes.

Used where a call must be accounted for without re-analysing the callee body: races
inside ``par`` loops, config havoc after a call, aliasing of config fields passed as
data. Summaries are transitive over calls and cached per ``ProcDef`` (identity).
"""

from __future__ import annotations

from ..ir.nodes import (
    Alloc,
    Assign,
    BinOp,
    Call,
    Extern,
    For,
    If,
    ProcDef,
    Read,
    ReadConfig,
    Reduce,
    USub,
    WindowExpr,
    WindowStmt,
    WriteConfig,
)
from ..ir.types import ControlType
from ..ir.visit import walk


class ProcEffects:
    """``reads``/``writes``/``reduces``: numeric parameter Syms; ``cfg_*``: (config, field)."""

    __slots__ = ("reads", "writes", "reduces", "cfg_reads", "cfg_writes")

    def __init__(self):
        self.reads: set = set()
        self.writes: set = set()
        self.reduces: set = set()
        self.cfg_reads: set = set()
        self.cfg_writes: set = set()

    def kinds(self, param) -> tuple:
        out = []
        if param in self.reads:
            out.append("read")
        if param in self.writes:
            out.append("write")
        if param in self.reduces:
            out.append("reduce")
        return tuple(out)


_CACHE: dict = {}
_MAX = 4096


def proc_effects(proc: ProcDef) -> ProcEffects:
    eff = _CACHE.get(proc)
    if eff is None:
        if len(_CACHE) >= _MAX:
            _CACHE.clear()
        eff = ProcEffects()
        _Summary(eff, proc).block(proc.body)
        for p in proc.preds:
            _Summary(eff, proc).expr(p)
        _CACHE[proc] = eff
    return eff


class _Summary:
    def __init__(self, eff: ProcEffects, proc: ProcDef | None):
        self.eff = eff
        self.root: dict = {}  # window-statement Sym -> root Sym
        self.locals: set = set()

    def r(self, sym):
        return self.root.get(sym, sym)

    def block(self, stmts):
        for s in stmts:
            self.stmt(s)

    def stmt(self, s):
        t = type(s)
        if t is Assign or t is Reduce:
            for i in s.idx:
                self.expr(i)
            self.expr(s.rhs)
            (self.eff.writes if t is Assign else self.eff.reduces).add(self.r(s.name))
        elif t is WriteConfig:
            self.expr(s.rhs)
            self.eff.cfg_writes.add((s.config, s.field))
        elif t is If:
            self.expr(s.cond)
            self.block(s.body)
            self.block(s.orelse)
        elif t is For:
            self.expr(s.lo)
            self.expr(s.hi)
            self.block(s.body)
        elif t is Alloc:
            for e in getattr(s.type, "hi", ()):
                self.expr(e)
        elif t is WindowStmt:
            self.root[s.name] = self.r(s.rhs.name)
            self.expr(s.rhs)
        elif t is Call:
            self.call(s)

    def call(self, s: Call):
        sub = proc_effects(s.proc)
        self.eff.cfg_reads |= sub.cfg_reads
        self.eff.cfg_writes |= sub.cfg_writes
        for p, a in zip(s.proc.args, s.args):
            if isinstance(p.type, ControlType):
                self.expr(a)
                continue
            if type(a) is ReadConfig:
                kinds = sub.kinds(p.name)
                if "read" in kinds:
                    self.eff.cfg_reads.add((a.config, a.field))
                if "write" in kinds or "reduce" in kinds:
                    self.eff.cfg_writes.add((a.config, a.field))
                continue
            if type(a) not in (Read, WindowExpr):
                self.expr(a)
                continue
            for k in ("read", "write", "reduce"):
                if p.name in getattr(sub, k + "s"):
                    getattr(self.eff, k + "s").add(self.r(a.name))
            if type(a) is WindowExpr:
                self.expr(a)
            else:
                for i in a.idx:
                    self.expr(i)

    def expr(self, e):
        t = type(e)
        if t is Read:
            if e.idx or not isinstance(e.type, ControlType):
                self.eff.reads.add(self.r(e.name))
            for i in e.idx:
                self.expr(i)
        elif t is ReadConfig:
            self.eff.cfg_reads.add((e.config, e.field))
        elif t is BinOp:
            self.expr(e.lhs)
            self.expr(e.rhs)
        elif t is USub:
            self.expr(e.arg)
        elif t is Extern:
            for a in e.args:
                self.expr(a)
        elif t is WindowExpr:
            for w in e.idx:
                for sub in (getattr(w, "lo", None), getattr(w, "hi", None), getattr(w, "pt", None)):
                    if sub is not None:
                        self.expr(sub)


def config_writes(stmts) -> set:
    """The (config, field) pairs a block may write, through calls too."""
    eff = ProcEffects()
    _Summary(eff, None).block(stmts)
    return eff.cfg_writes


def config_reads_of(e) -> set:
    eff = ProcEffects()
    _Summary(eff, None).expr(e)
    return eff.cfg_reads


def shared_buffer(proc: ProcDef) -> str | None:
    """The first buffer that ``proc``, or a procedure it calls, allocates in a memory whose
    ``shared_across_calls()`` is true (``"buffer Ap0 in DRAM_STATIC"``), else ``None``: one
    storage for every call, so two calls must not run at the same time."""
    return shared_buffer_in(proc.body)


def shared_buffer_in(stmts) -> str | None:
    """``shared_buffer`` for a block: a buffer it allocates, or a procedure it calls
    allocates (``"buffer t in DRAM_STATIC (in helper)"``), in a memory shared across calls.
    Such a buffer is one storage for every run of the block, not one per run."""
    seen: set = set()

    def visit(body, where: str):
        for n in walk(body):
            if type(n) is Alloc and n.mem is not None and n.mem.shared_across_calls():
                return f"buffer {n.name.name} in {n.mem.name()}{where}"
            if type(n) is Call and n.proc.instr is None and id(n.proc) not in seen:
                seen.add(id(n.proc))
                if why := visit(n.proc.body, f" (in {n.proc.name})"):
                    return why
        return None

    return visit(tuple(stmts), "")


def kept_state(proc: ProcDef) -> str | None:
    """What calls of ``proc`` share: a ``shared_buffer``, else its configuration state
    (``"configuration state (Cfg.field, ...)"``), else ``None``."""
    why = shared_buffer(proc)
    if why is None:
        eff = proc_effects(proc)
        fields = sorted(f"{c.name()}.{f}" for c, f in eff.cfg_reads | eff.cfg_writes)
        if fields:
            why = "configuration state (" + ", ".join(fields) + ")"
    return why
