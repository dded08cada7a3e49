"""Sub-procedure rewrites: ``inline``, ``extract_subproc``, ``call_eqv``, ``make_instr``,
``insert_noop_call``; and the provenance record ``call_eqv`` decides equivalence with.

Provenance. Every ``Procedure`` made by a primitive has the one it came from as
``_parent``: procedures linked through parents compute the same thing. Primitives that
change only the final values of some config fields (``bind_config``, ``delete_config``,
``write_config``, ``call_eqv``) record that set on the edge (``record_derivation``);
primitives that change results (``set_precision``) record the edge as not an
equivalence. Two procedures are equivalent modulo a set of fields when a chain of such
edges joins them; ``equivalence_modulo`` finds the smallest such set it can.
"""

from __future__ import annotations

import heapq
import itertools

from ..errors import SchedulingError
from ..ir import (
    BOOL,
    INDEX,
    Alloc,
    Assign,
    BinOp,
    Call,
    ControlType,
    FnArg,
    For,
    If,
    InstrInfo,
    Pass,
    ProcDef,
    Read,
    ReadConfig,
    Reduce,
    Sym,
    Tensor,
    WindowExpr,
    WindowStmt,
)
from ..ir.paths import node_at, replace_at, splice, stmts_at
from ..ir.subst import alpha_rename, binders, free_syms, substitute
from ..ir.visit import StmtSummary, map_bottom_up
from . import forward as fw
from .describe import where

NOT_EQUIVALENT = "not-equivalent"
_LABELS: dict = {}  # derived ProcDef -> (the ProcDef it came from, frozenset of fields | NOT_EQUIVALENT)
_KNOWN: dict = {}  # ProcDef -> a Procedure of it whose history is its provenance (kept alive)


def _sched():
    from ..analysis import sched

    return sched


# --------------------------------------------------------------------------- provenance


def record_derivation(new: ProcDef, old: ProcDef, modulo=frozenset()) -> None:
    """``new`` was made from ``old`` by a primitive and computes the same except for the
    final values of the config fields in ``modulo`` (``(config, field)`` pairs), or
    ``NOT_EQUIVALENT``. Unrecorded derivations are exact equivalences."""
    if new is old:
        return
    if modulo != NOT_EQUIVALENT:
        modulo = frozenset(modulo)
        if not modulo:
            return
    _LABELS[new] = (old, modulo)


def _label(child: ProcDef, parent: ProcDef):
    got = _LABELS.get(child)
    if got is not None and got[0] is parent:
        return got[1]
    return frozenset()


def remember(procedure) -> None:
    """Keep ``procedure`` (and so its history) for later provenance questions about its
    code: a callee installed by ``call_eqv`` stays traceable after the user drops it."""
    if procedure._parent is not None:
        _KNOWN.setdefault(procedure._ir, procedure)


def procedures_wrapping(pd: ProcDef) -> list:
    """The ``Procedure`` objects whose code is ``pd`` (their parents give its provenance):
    the remembered one and every live one."""
    from ..procedure import procedures_of

    found = procedures_of(pd)
    known = _KNOWN.get(pd)
    return found + ([known] if known is not None else [])


def equivalence_modulo(a: ProcDef, b: ProcDef, procedures=()):
    """The set of config fields modulo which ``a`` and ``b`` are known to be equivalent
    (derived from one another, or from a common procedure, by scheduling), or None."""
    if a is b:
        return frozenset()
    adj: dict = {}
    seen: set = set()

    def chain(p):
        while p is not None and id(p) not in seen:
            seen.add(id(p))
            q = p._parent
            if q is not None and q._ir is not p._ir:
                lab = _label(p._ir, q._ir)
                if lab != NOT_EQUIVALENT:
                    adj.setdefault(p._ir, []).append((q._ir, lab))
                    adj.setdefault(q._ir, []).append((p._ir, lab))
            p = q

    for p in list(procedures) + procedures_wrapping(a) + procedures_wrapping(b):
        chain(p)
    tie = itertools.count()
    best: dict = {a: [frozenset()]}
    heap = [(0, next(tie), a, frozenset())]
    while heap:
        _, _, node, keys = heapq.heappop(heap)
        if node is b:
            return keys
        for nxt, lab in adj.get(node, ()):
            new = keys | lab
            known = best.setdefault(nxt, [])
            if any(k <= new for k in known):
                continue
            known.append(new)
            heapq.heappush(heap, (len(new), next(tie), nxt, new))
    return None


def _cfg_names(keys) -> str:
    return ", ".join(sorted(f"{c.name()}.{f}" for c, f in keys))


# --------------------------------------------------------------------------- inline


def _call_at(p: ProcDef, path: tuple) -> Call:
    s = node_at(p, path)
    if type(s) is not Call:
        raise SchedulingError(f"{where(s)} is not a call")
    return s


def inline(p: ProcDef, call_path: tuple):
    """Replace a call by the callee's body: control parameters become the argument
    expressions, buffer parameters the argument buffers (a window argument becomes a
    window statement before the body), scalar parameters the argument's location (a
    buffer element or a config field). Binders of the body are renamed.

    Always safe: the callee's preconditions hold at the call (the bounds checker proves
    them for every call) and become facts of the inlined code. Refused only where the
    call's meaning is not expressible inline: an argument expression that reads a config
    field the callee writes (the call evaluates it once, before the body runs), or a
    config field passed to a scalar parameter the callee writes (the interpreter passes
    such a field by value)."""
    from ..analysis.effects import config_reads_of, proc_effects

    s = _call_at(p, call_path)
    callee = s.proc
    eff = proc_effects(callee)
    written = eff.writes | eff.reduces
    env: dict = {}
    locs: dict = {}  # scalar parameter -> the caller's Read (element or config field)
    types: dict = {}  # renamed buffer -> the caller's type of it (whole-buffer reads)
    pre = []
    for fa, a in zip(callee.args, s.args):
        clash = config_reads_of(a) & eff.cfg_writes if type(a) is not WindowExpr else set()
        if isinstance(fa.type, ControlType):
            if clash:
                raise SchedulingError(
                    f"the argument '{_show(a)}' of {where(s)} reads {_cfg_names(clash)}, which "
                    f"{callee.name} writes: the call evaluates it before the body runs")
            env[fa.name] = a
        elif type(a) is WindowExpr:
            w = Sym(fa.name.name)
            pre.append(WindowStmt(w, a, srcinfo=s.srcinfo))
            env[fa.name] = w
            types[w] = a.type
        elif type(a) is Read and not a.idx:
            env[fa.name] = a.name
            types[a.name] = a.type
        elif type(a) is Read or type(a) is ReadConfig:
            if clash:
                raise SchedulingError(
                    f"the argument '{_show(a)}' of {where(s)} reads {_cfg_names(clash)}, which "
                    f"{callee.name} writes: the call evaluates it before the body runs")
            if type(a) is ReadConfig and fa.name in written:
                raise SchedulingError(
                    f"{where(s)} passes the config field {_show(a)} to '{fa.name.name}', which "
                    f"{callee.name} writes: a config field is passed by value")
            locs[fa.name] = a
        else:
            raise SchedulingError(f"cannot inline {where(s)}: unexpected argument '{_show(a)}'")
    body = substitute(alpha_rename(callee.body), env)

    def fix(n):
        t = type(n)
        if t is Read and not n.idx:
            if n.name in locs:
                return locs[n.name].update(srcinfo=n.srcinfo)
            if n.name in types and isinstance(n.type, Tensor):
                return n.update(type=types[n.name])
        elif (t is Assign or t is Reduce) and n.name in locs:
            a = locs[n.name]
            return t(a.name, a.type, a.idx, n.rhs, srcinfo=n.srcinfo)
        return n

    body = map_bottom_up(body, fix)
    leftover = {fa.name for fa in callee.args} & free_syms(body)
    if leftover:  # pragma: no cover - every parameter is mapped above
        raise SchedulingError(f"cannot inline {where(s)}: {', '.join(x.name for x in leftover)} "
                              "could not be mapped to the caller")
    new_stmts = tuple(pre) + tuple(body)
    parent, (field, k) = call_path[:-1], call_path[-1]
    new = splice(p, parent, field, k, k + 1, new_stmts)
    return new, fw.after_splice(parent, field, k, k + 1, len(new_stmts))


def _show(e) -> str:
    from ..ir.printer import expr_to_str

    return expr_to_str(e)


def _ty(t) -> str:
    from ..ir.printer import type_to_str

    return type_to_str(t)


# --------------------------------------------------------------------------- extract_subproc


def _declarations(p: ProcDef) -> dict:
    """Every binder of ``p`` in definition order -> (parameter type, memory)."""
    out: dict = {}
    mems: dict = {}
    for a in p.args:
        out[a.name] = (a.type, a.mem)
        mems[a.name] = a.mem
    for kind, name, typ, x in _BINDERS.block(p.body):
        if kind == "for":
            out[name] = (INDEX, None)
        elif kind == "alloc":
            out[name] = (typ, x)
            mems[name] = x
        else:
            mem = mems.get(x)
            out[name] = (typ, mem)
            mems[name] = mem
    return out


def _own_binders(s):
    t = type(s)
    if t is For:
        return (("for", s.iter, None, None),)
    if t is Alloc:
        return (("alloc", s.name, s.type, s.mem),)
    if t is WindowStmt:
        return (("window", s.name, s.rhs.type, s.rhs.name),)
    return ()


_BINDERS = StmtSummary(_own_binders)  # the binding statements of a subtree, in order


def _negate(e):
    """``not e`` for a comparison or a conjunction/disjunction of them, else None."""
    if type(e) is not BinOp:
        return None
    flip = {"<": ">=", ">=": "<", ">": "<=", "<=": ">"}
    if e.op in flip:
        return e.update(op=flip[e.op])
    if e.op == "==" and e.lhs.type.is_indexable() and e.rhs.type.is_indexable():
        lt, gt = e.update(op="<"), e.update(op=">")
        return BinOp("or", lt, gt, BOOL, srcinfo=e.srcinfo)
    if e.op in ("and", "or"):
        a, b = _negate(e.lhs), _negate(e.rhs)
        if a is None or b is None:
            return None
        return e.update(op="or" if e.op == "and" else "and", lhs=a, rhs=b)
    return None


def _context_preds(p: ProcDef, parent: tuple, field: str) -> list:
    """Facts at a statement list: the proc's preconditions, enclosing loop ranges and
    branch conditions (as LoopIR boolean expressions), outermost first."""
    out = list(p.preds)
    node = p
    steps = parent + ((field, 0),)
    for d, (f, k) in enumerate(steps[:-1]):
        child = getattr(node, f)[k]
        nxt_field = steps[d + 1][0]
        if type(child) is For:
            it = Read(child.iter, (), INDEX, srcinfo=child.srcinfo)
            out.append(BinOp("<=", child.lo, it, BOOL, srcinfo=child.srcinfo))
            out.append(BinOp("<", it, child.hi, BOOL, srcinfo=child.srcinfo))
        elif type(child) is If:
            c = child.cond if nxt_field == "body" else _negate(child.cond)
            if c is not None:
                out.append(c)
        node = child
    return out


def _proc_names(p: ProcDef) -> set:
    from ..backend.analyses import call_closure

    try:
        return {q.name for q in call_closure([p])}
    except Exception:  # a malformed closure is reported by the backend, not here
        return {p.name}


def extract_subproc(p: ProcDef, parent: tuple, field: str, lo: int, hi: int, name: str,
                    include_asserts: bool = True):
    """Replace a block by a call of a new procedure ``name`` whose body is the block.

    Parameters are the variables the block uses and does not bind (and those their
    shapes mention), in definition order; buffers keep their type and memory (a window
    statement's name becomes a window parameter, a loop iterator an ``index``). With
    ``include_asserts`` the new procedure's preconditions are the facts at the block
    (the caller's preconditions, enclosing loop ranges and branch conditions) that
    mention only parameters and no config field. Checked: nothing the block binds is
    used after it; the new procedure passes the bounds check; the call passes it
    (preconditions, no aliased arguments); the name is not taken by a procedure the
    caller calls. Returns ``(new caller, forward, new ProcDef)``."""
    sched = _sched()
    stmts = stmts_at(p, parent, field)[lo:hi]
    if not stmts:
        raise SchedulingError("the block to extract is empty")
    if name in _proc_names(p):
        raise SchedulingError(f"a procedure named '{name}' is already used by {p.name}")
    outside = free_syms(splice(p, parent, field, lo, hi, (Pass(),)).body)
    escaping = [s for s in binders(stmts) if s in outside]
    if escaping:
        raise SchedulingError(f"{', '.join(s.name for s in escaping)} is bound in the block and used "
                              "after it: it cannot move into a subprocedure")
    decls = _declarations(p)
    needed = set(free_syms(tuple(stmts)))
    todo = list(needed)
    while todo:
        sym = todo.pop()
        typ = decls.get(sym, (None, None))[0]
        if isinstance(typ, Tensor):
            for e in typ.hi:
                for x in free_syms(e):
                    if x not in needed:
                        needed.add(x)
                        todo.append(x)
    params = [s for s in decls if s in needed]
    missing = needed - set(params)
    if missing:  # pragma: no cover - every free variable is declared somewhere
        raise SchedulingError(f"cannot find the declarations of {', '.join(s.name for s in missing)}")
    ren = {s: s.copy() for s in params}
    args = tuple(FnArg(ren[s], substitute(decls[s][0], ren), decls[s][1],
                       srcinfo=stmts[0].srcinfo) for s in params)
    preds = []
    if include_asserts:
        from ..analysis.effects import config_reads_of

        pset = set(params)
        for e in _context_preds(p, parent, field):
            if free_syms(e) <= pset and not config_reads_of(e):
                e2 = substitute(e, ren)
                if not any(e2 == q for q in preds):
                    preds.append(e2)
    body = substitute(alpha_rename(stmts), ren)
    sub = ProcDef(name, args, tuple(preds), tuple(body), None, stmts[0].srcinfo)
    try:
        sched.check_bounds(sub)
    except sched.CheckFailed as e:
        hint = "" if include_asserts else " (include_asserts=True keeps the facts known at the block)"
        raise SchedulingError(f"the extracted procedure {name} fails the bounds check{hint}: {e}") from None
    call_args = tuple(Read(s, (), decls[s][0], srcinfo=stmts[0].srcinfo) for s in params)
    call = Call(sub, call_args, srcinfo=stmts[0].srcinfo)
    new = splice(p, parent, field, lo, hi, (call,))
    try:
        sched.check_bounds(new, region=(call,))
    except sched.CheckFailed as e:
        raise SchedulingError(f"the call of the extracted procedure {name} is not valid: {e}") from None
    return new, fw.after_splice(parent, field, lo, hi, 1), sub


# --------------------------------------------------------------------------- call_eqv


def _memories(p: ProcDef) -> dict:
    from ..memory import DRAM

    return {s: (m or DRAM) for s, (_, m) in _declarations(p).items()}


def _control_fits(pt, at) -> bool:
    """A control argument of type ``at`` may be passed to a parameter of type ``pt``."""
    if pt is BOOL:
        return at is BOOL
    if pt.name == "stride":
        return at.name in ("stride", "int")
    return at.is_indexable()


def check_signature(p: ProcDef, s: Call, new: ProcDef) -> None:
    """The call ``s`` (in ``p``) would be a valid call of ``new``: same number and kinds of
    arguments, precisions, window-ness and memories."""
    from ..frontend.typecheck import same_precision
    from ..memory import DRAM

    if len(new.args) != len(s.args):
        raise SchedulingError(f"{new.name} takes {len(new.args)} arguments; {where(s)} passes {len(s.args)}")
    mems = _memories(p)
    for fa, a in zip(new.args, s.args):
        pt, at = fa.type, a.type
        what = f"parameter '{fa.name.name}' of {new.name}"
        if isinstance(pt, ControlType) or isinstance(at, ControlType):
            ok = isinstance(pt, ControlType) and isinstance(at, ControlType) and _control_fits(pt, at)
            if not ok:
                raise SchedulingError(f"{what} is {_ty(pt)}; {where(s)} passes '{_show(a)}' ({_ty(at)})")
            continue
        if len(pt.shape()) != len(at.shape()) or not same_precision(pt.basetype(), at.basetype()):
            raise SchedulingError(f"{what} has type {_ty(pt)}; {where(s)} passes '{_show(a)}' of type {_ty(at)}")
        if isinstance(pt, Tensor) and not pt.is_window and at.is_win():
            raise SchedulingError(f"{what} is a dense tensor; {where(s)} passes the window '{_show(a)}'")
        if type(a) in (Read, WindowExpr):
            have, want = mems.get(a.name, DRAM), fa.mem or DRAM
            if not (isinstance(have, type) and issubclass(have, want)):
                raise SchedulingError(f"{what} is in memory {want.name()}; {where(s)} passes "
                                      f"'{_show(a)}' in memory {have.name()}")


def call_eqv(p: ProcDef, call_path: tuple, new_callee: ProcDef, modulo):
    """Call ``new_callee`` instead of the callee, the two being equivalent except for the
    final values of the config fields ``modulo``. Checked: the call is a valid call of
    ``new_callee`` (arguments, memories, its preconditions, no aliasing); no field of
    ``modulo`` is read after the call before being overwritten (later statements, later
    iterations of enclosing loops, the callee itself when it runs again). The fields
    whose change may still be visible when ``p`` returns are recorded on the new proc
    (``record_derivation``)."""
    from ..analysis.sched.configs import NEITHER, READ, _after

    sched = _sched()
    s = _call_at(p, call_path)
    check_signature(p, s, new_callee)
    s2 = s.update(proc=new_callee)
    new = replace_at(p, call_path, s2)
    visible = set()
    for key in sorted(modulo, key=lambda k: (k[0].name(), k[1])):
        verdicts = [_after(q, call_path, key, stmt) for q, stmt in ((p, s), (new, s2))]
        if READ in verdicts:
            raise SchedulingError(
                f"{s.proc.name} and {new_callee.name} are equivalent except for the final value "
                f"of {_cfg_names([key])}, which is read after {where(s)}")
        if NEITHER in verdicts:
            visible.add(key)
    # the call passed the checks with the old callee: one with the same parameters (types,
    # memories) and preconditions makes exactly the same demands of it
    if new_callee.args != s.proc.args or new_callee.preds != s.proc.preds:
        try:
            sched.check_bounds(new, region=(s2,))
        except sched.CheckFailed as e:
            raise SchedulingError(f"{new_callee.name} cannot be called at {where(s)}: {e}") from None
    record_derivation(new, p, visible)
    return new, fw.identity


# --------------------------------------------------------------------------- instrs


def check_template(p: ProcDef, c_instr: str) -> None:
    """The C template expands with the placeholders the backend offers (``{x}``,
    ``{x_data}``, ``{x_int}`` for each parameter ``x``)."""
    fields = {}
    for a in p.args:
        n = a.name.name
        fields[n] = fields[f"{n}_data"] = fields[f"{n}_int"] = "0"
    try:
        c_instr.format(**fields)
    except (KeyError, IndexError, ValueError) as err:
        raise SchedulingError(
            f"the C template of {p.name} does not expand ({type(err).__name__}: {err}); placeholders are "
            "the parameter names with _data / _int variants, literal braces are doubled") from None


def make_instr(p: ProcDef, c_instr: str, c_global: str = ""):
    """Attach the C template ``c_instr`` (and global C ``c_global``): the procedure becomes
    an instr whose body is the meaning of the template. TRUSTED: nothing checks that the
    template does what the body says."""
    check_template(p, c_instr)
    return p.update(instr=InstrInfo(c_instr, c_global, srcinfo=p.srcinfo)), fw.identity


def _does_nothing(stmts) -> bool:
    for s in stmts:
        t = type(s)
        if t is Pass:
            continue
        if t is For and _does_nothing(s.body):
            continue
        if t is If and _does_nothing(s.body) and _does_nothing(s.orelse):
            continue
        return False
    return True


def insert_noop_call(p: ProcDef, parent: tuple, field: str, index: int, callee: ProcDef, args):
    """Insert ``callee(args)`` at a gap. Checked: the callee's body does nothing (only
    ``pass``, possibly in loops and branches), the arguments have the parameters' kinds,
    shapes and precisions, and the callee's preconditions hold there."""
    from ..frontend.typecheck import same_precision

    sched = _sched()
    if not _does_nothing(callee.body):
        raise SchedulingError(f"the body of {callee.name} is not a no-op (only pass is): inserting a "
                              "call of it would change the procedure")
    if len(args) != len(callee.args):
        raise SchedulingError(f"{callee.name} takes {len(callee.args)} arguments, got {len(args)}")
    for fa, a in zip(callee.args, args):
        pt, at = fa.type, a.type
        what = f"argument '{fa.name.name}' of {callee.name}"
        if isinstance(pt, ControlType):
            ok = isinstance(at, ControlType) and _control_fits(pt, at)
        else:
            ok = (at.is_numeric() and len(pt.shape()) == len(at.shape())
                  and same_precision(pt.basetype(), at.basetype())
                  and not (isinstance(pt, Tensor) and not pt.is_window and at.is_win())
                  and (isinstance(pt, Tensor) or type(a) in (Read, ReadConfig)))
        if not ok:
            raise SchedulingError(f"{what} has type {_ty(pt)}; got '{_show(a)}' of type {_ty(at)}")
    anchor = stmts_at(p, parent, field)
    src = anchor[min(index, len(anchor) - 1)].srcinfo if anchor else p.srcinfo
    call = Call(callee, tuple(args), srcinfo=src)
    new = splice(p, parent, field, index, index, (call,))
    try:
        sched.check_bounds(new, region=(call,))
    except sched.CheckFailed as e:
        raise SchedulingError(f"the call of {callee.name} is not valid there: {e}") from None
    return new, fw.after_splice(parent, field, index, index, 1)


__all__ = ["inline", "extract_subproc", "call_eqv", "make_instr", "insert_noop_call",
           "record_derivation", "equivalence_modulo", "NOT_EQUIVALENT", "check_signature",
           "check_template"]
