"""Whole-library facts the emitter needs: the call closure, which parameters a proc may
write (through callees too), where `restrict` is sound, and where to free allocations."""

from __future__ import annotations

from ..errors import CodegenError
from ..ir.nodes import (
    Alloc,
    Assign,
    Call,
    For,
    Free,
    If,
    ProcDef,
    Read,
    ReadConfig,
    Reduce,
    Stmt,
    StrideExpr,
    WindowExpr,
    WindowStmt,
    WriteConfig,
)
from ..ir.types import Tensor
from ..ir.visit import MISSING, NodeMemo, StmtSummary, header_nodes, walk


def _where(p: ProcDef) -> str:
    s = p.srcinfo
    return f"{s.filename}:{s.line}"


class ProcIndex:
    """The nodes of a proc's body the emitter's analyses ask about, gathered in one walk
    (each analysis used to walk the whole body again)."""

    __slots__ = ("calls", "callees", "writes", "window_stmts", "allocs", "value_used", "configs",
                 "has_par_loop")

    def __init__(self, body):
        self.calls, self.writes, self.window_stmts, self.allocs = [], [], [], []
        self.value_used, self.configs = set(), set()
        self.has_par_loop = False
        callees: dict = {}
        for n in walk(tuple(body)):
            t = type(n)
            if t is Read or t is WindowExpr or t is StrideExpr:
                self.value_used.add(n.name)
            elif t is Call:
                self.calls.append(n)
                callees.setdefault(id(n.proc), n.proc)
            elif t is Assign or t is Reduce:
                self.writes.append(n)
            elif t is WindowStmt:
                self.window_stmts.append(n)
            elif t is Alloc:
                self.allocs.append(n)
            elif t is For:
                self.has_par_loop = self.has_par_loop or n.loop_mode == "par"
            if t is ReadConfig or t is WriteConfig:
                self.configs.add(n.config)
        # every later compile of this proc shares them, so none may change them
        self.calls, self.writes = tuple(self.calls), tuple(self.writes)
        self.window_stmts, self.allocs = tuple(self.window_stmts), tuple(self.allocs)
        self.value_used, self.configs = frozenset(self.value_used), frozenset(self.configs)
        self.callees = tuple(callees.values())


_INDEX = NodeMemo(1 << 12)


def proc_index(p: ProcDef) -> ProcIndex:
    got = _INDEX.get(p)
    if got is MISSING:
        got = _INDEX.put(p, ProcIndex(p.body))
    return got


def callees(p: ProcDef) -> tuple:
    """The procs ``p`` calls, each once, in order of first call."""
    return proc_index(p).callees


def call_closure(roots: list[ProcDef]) -> list[ProcDef]:
    """Every proc reachable from ``roots``, callees before callers, each object once.

    A call cycle, or two different procs sharing a name, is a CodegenError: C has one
    namespace for functions and Exo code never recurses."""
    order: list[ProcDef] = []
    done: set[int] = set()
    by_name: dict[str, ProcDef] = {}

    def visit(p: ProcDef, path: list[ProcDef]):
        if id(p) in done:
            return
        if any(q is p for q in path):
            cycle = " -> ".join(q.name for q in path[path.index(p):] + [p])
            raise CodegenError(f"call cycle: {cycle}", p.srcinfo)
        other = by_name.get(p.name) if p.instr is None else None
        if other is not None and other is not p:
            raise CodegenError(
                f"two different procs are named '{p.name}' (defined at {_where(other)} and "
                f"{_where(p)}); C needs distinct function names",
                p.srcinfo,
            )
        if p.instr is None:
            by_name[p.name] = p
            for q in callees(p):
                visit(q, path + [p])
        done.add(id(p))
        order.append(p)

    for p in roots:
        visit(p, [])
    return order


# --------------------------------------------------------------------------- aliasing roots


def alias_chain(parents: dict, sym) -> list:
    """``sym`` and every buffer it is a window of, innermost first."""
    chain = [sym]
    while chain[-1] in parents:
        chain.append(parents[chain[-1]])
    return chain


def window_parents(proc: ProcDef) -> dict:
    """Each window-statement name -> the buffer (or window) it views."""
    return {n.name: n.rhs.name for n in proc_index(proc).window_stmts}


def arg_buffer(e):
    """The buffer a call argument denotes (None for control values and config fields)."""
    if isinstance(e, (Read, WindowExpr)) and e.type.is_numeric():
        return e.name
    return None


class WriteSets:
    """Which names each proc may write, directly, through windows, or through callees.

    Instr bodies count: their semantics is what the C template does."""

    def __init__(self):
        self._memo: dict[int, frozenset] = {}

    def written(self, proc: ProcDef) -> frozenset:
        key = id(proc)
        got = self._memo.get(key)
        if got is None:
            got = frozenset(self._compute(proc))
            self._memo[key] = got
        return got

    def param_written(self, proc: ProcDef, index: int) -> bool:
        return proc.args[index].name in self.written(proc)

    def _compute(self, proc: ProcDef) -> set:
        parents = window_parents(proc)
        index = proc_index(proc)
        out: set = set()
        for n in index.writes:
            out.update(alias_chain(parents, n.name))
        for n in index.calls:
            for i, a in enumerate(n.args):
                buf = arg_buffer(a)
                if buf is not None and self.param_written(n.proc, i):
                    out.update(alias_chain(parents, buf))
        return out


def restrict_params(closure: list[ProcDef]) -> dict[int, set]:
    """For each proc (by id), the dense tensor parameters that may be declared `restrict`.

    C's `restrict` promises that an object modified through the pointer is reached only
    through it while the function runs. The language forbids passing one buffer to two
    numeric arguments of a call, so every caller inside the library is checked here
    anyway: if some call passes a buffer that shares storage (the same root buffer, via
    windows) with another numeric argument, that parameter loses `restrict`. Window
    parameters are structs and never get it: two windows of one buffer may be passed."""
    allowed = {
        id(p): {a.name for a in p.args if isinstance(a.type, Tensor) and not a.type.is_window}
        for p in closure
        if p.instr is None
    }
    for p in closure:
        if p.instr is not None:
            continue
        parents = window_parents(p)
        for n in proc_index(p).calls:
            if id(n.proc) not in allowed:
                continue
            roots = [arg_buffer(a) for a in n.args]
            roots = [None if r is None else alias_chain(parents, r)[-1] for r in roots]
            for i, r in enumerate(roots):
                if r is not None and sum(1 for q in roots if q is r) > 1:
                    allowed[id(n.proc)].discard(n.proc.args[i].name)
    return allowed


# --------------------------------------------------------------------------- uses


def _own_mentions(s):
    for n in header_nodes(s):
        if isinstance(n, (Read, WindowExpr, StrideExpr, Assign, Reduce, Alloc, Free, WindowStmt)):
            yield n.name


# per statement, memoised: insert_frees asks it of every statement at every nesting level
_MENTIONS = StmtSummary(_own_mentions)


def value_uses(p: ProcDef) -> frozenset:
    """Names whose C variable is evaluated (not only assigned): reads, windows, call args."""
    return proc_index(p).value_used


def config_uses(p: ProcDef) -> frozenset:
    """The configs whose fields ``p``'s body reads or writes."""
    return proc_index(p).configs


def insert_frees(body: tuple, parents: dict) -> tuple:
    """Put a `Free` after the last statement of the allocating block that uses the buffer
    (directly or through a window of it), recursively in every block."""

    def uses_of(s: Stmt) -> set:
        names = _MENTIONS(s)
        roots = set(names)
        for nm in names:
            roots.update(alias_chain(parents, nm))
        return roots

    def block(stmts: tuple) -> tuple:
        stmts = tuple(_recurse(s) for s in stmts)
        used = [uses_of(s) for s in stmts]
        out: list[Stmt] = []
        frees_after: dict[int, list] = {}
        for i, s in enumerate(stmts):
            if isinstance(s, Alloc):
                last = i
                for j in range(i + 1, len(stmts)):
                    if s.name in used[j]:
                        last = j
                frees_after.setdefault(last, []).append(Free(s.name, s.type, s.mem, srcinfo=s.srcinfo))
        for i, s in enumerate(stmts):
            out.append(s)
            # Last-allocated first, so nested lifetimes unwind in order.
            out.extend(reversed(frees_after.get(i, [])))
        return tuple(out)

    def _recurse(s: Stmt) -> Stmt:
        if isinstance(s, For):
            return s.update(body=block(s.body))
        if isinstance(s, If):
            return s.update(body=block(s.body), orelse=block(s.orelse))
        return s

    return block(body)
