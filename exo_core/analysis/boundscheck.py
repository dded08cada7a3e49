"""Bounds and precondition checking of a whole proc (run once per ``ProcDef``).

Under the facts the walker keeps (size arguments > 0, preconditions, loop ranges, branch
conditions, known config values) every access index must lie in ``[0, extent)``, every
window interval inside its buffer with ``lo <= hi``, every allocation extent be > 0,
and every call must pass arguments of the declared shapes, positive sizes and satisfy
the callee's preconditions. Callee bodies are *not* re-analysed at call sites: a callee
is checked once (here, if it was not already), its preconditions are its contract.

Accesses through a window statement are checked against the window's own extents; the
window expression itself was checked against its source when the window was created,
so the source access is in bounds by construction (config-dependent window bounds are
captured at creation through versioned config atoms).

A loop with ``hi < lo`` runs zero times and is accepted.
"""

from __future__ import annotations

from ..errors import BoundsCheckError
from ..ir.nodes import NULL_SRC, Interval, ProcDef, Read, StrideExpr, WindowExpr
from ..ir.types import ControlType, Tensor
from ..ir.visit import walk
from . import logic as L
from .affine import Affine, Env, StrideAtom
from .aliasing import check_aliasing
from .context import Walker, extend
from .fmt import Label, access_str, expr_str, lvalue_str, model_str, type_str
from .solver import SOLVER

_CHECKED: dict = {}
_MAX_CHECKED = 8192


def check_proc(proc: ProcDef) -> None:
    """Raise ``BoundsCheckError`` (or ``TypeCheckError`` for aliasing) if ``proc`` may go
    out of bounds or violate a precondition. Results are cached per ``ProcDef``."""
    if proc in _CHECKED:
        return
    check_aliasing(proc)
    _BoundsChecker(proc).run()
    if len(_CHECKED) >= _MAX_CHECKED:
        _CHECKED.clear()
    _CHECKED[proc] = True


def _when(model) -> str:
    if not model:
        return ""
    w = model_str(model, model.keys())
    return f" (when {w})" if w else ""


class _BoundsChecker(Walker):
    def __init__(self, proc: ProcDef, solver=SOLVER):
        super().__init__(proc)
        self.solver = solver

    def src(self, node):
        s = getattr(node, "srcinfo", NULL_SRC)
        return self.proc.srcinfo if s == NULL_SRC else s

    def run(self) -> None:
        facts = self.arg_facts()
        facts = self.preconditions(facts)
        self.block(self.proc.body, facts)

    def preconditions(self, facts: frozenset) -> frozenset:
        base = facts
        for p in self.proc.preds:
            f = self.formula(p)
            if f is None:
                continue
            if not self.solver.is_satisfiable(extend(facts, f)):
                if not self.solver.is_satisfiable(frozenset({f})):
                    why = ""
                elif not self.solver.is_satisfiable(extend(base, f)):
                    why = " (size arguments are positive)"
                else:
                    why = " together with the preconditions before it"
                raise BoundsCheckError(f"precondition {expr_str(p)} can never hold{why}", self.src(p))
            facts = extend(facts, f)
        return facts

    # ------------------------------------------------------------------ accesses
    def on_read(self, e: Read, facts) -> None:
        if e.idx:
            self.check_access(e.name, e.idx, Label(expr_str, e), e, facts)

    def on_write(self, s, facts) -> None:
        if s.idx:
            self.check_access(s.name, s.idx, Label(lvalue_str, s), s, facts)

    def check_access(self, sym, idx, what, node, facts) -> None:
        info = self.bufs.get(sym)
        if info is None or len(idx) != len(info.extents):
            return
        goals = []
        for d, (ie, ext) in enumerate(zip(idx, info.extents)):
            a = self.affine(ie)
            if a is None or ext is None:
                continue
            goals.append((d, a, ext, L.conj((L.ge(a), L.ge(ext - a - 1)))))
        if not goals or self.solver.prove(L.conj(g[3] for g in goals), facts):
            return
        for d, a, ext, g in goals:
            r = self.solver.check(g, facts)
            if r.proven:
                continue
            raise BoundsCheckError(f"{what} may be out of bounds: {self._index_msg(d, a, ext, r)}",
                                   self.src(node))

    @staticmethod
    def _index_msg(d, a: Affine, ext: Affine, r, noun="index") -> str:
        if r.model:
            v, e = a.eval(r.model), ext.eval(r.model)
            if v is not None and v < 0:
                return f"{noun} {d} can be {v}{_when(r.model)}"
            if v is not None and e is not None:
                return f"{noun} {d} can reach {v}, extent is {e}{_when(r.model)}"
        return f"{noun} {d} ({a}) is not provably within [0, {ext})"

    def on_window_expr(self, w: WindowExpr, facts) -> None:
        info = self.bufs.get(w.name)
        if info is None or len(w.idx) != len(info.extents):
            return
        checks = []  # (goal, message builder)
        for d, (acc, ext) in enumerate(zip(w.idx, info.extents)):
            if ext is None:
                continue
            if type(acc) is Interval:
                lo, hi = self.affine(acc.lo), self.affine(acc.hi)
                if lo is not None:
                    checks.append((L.ge(lo), self._win_low(d, lo)))
                if lo is not None and hi is not None:
                    checks.append((L.ge(hi - lo), self._win_neg(d, lo, hi)))
                if hi is not None:
                    checks.append((L.ge(ext - hi), self._win_high(d, hi, ext)))
            else:
                p = self.affine(acc.pt)
                if p is not None:
                    checks.append((L.conj((L.ge(p), L.ge(ext - p - 1))),
                                   lambda r, d=d, p=p, ext=ext: self._index_msg(d, p, ext, r, "point")))
        if not checks or self.solver.prove(L.conj(c[0] for c in checks), facts):
            return
        for g, msg in checks:
            r = self.solver.check(g, facts)
            if not r.proven:
                text = msg(r)
                if text.startswith("@"):
                    raise BoundsCheckError(f"window {expr_str(w)} {text[1:]}", self.src(w))
                raise BoundsCheckError(f"window {expr_str(w)} may be out of bounds: {text}", self.src(w))

    @staticmethod
    def _win_low(d, lo):
        def msg(r):
            v = lo.eval(r.model) if r.model else None
            if v is None:
                return f"dimension {d} start ({lo}) is not provably >= 0"
            return f"dimension {d} can start at {v}{_when(r.model)}"
        return msg

    @staticmethod
    def _win_high(d, hi, ext):
        def msg(r):
            v = hi.eval(r.model) if r.model else None
            e = ext.eval(r.model) if r.model else None
            if v is None or e is None:
                return f"dimension {d} end ({hi}) is not provably <= extent {ext}"
            return f"dimension {d} can end at {v}, extent is {e}{_when(r.model)}"
        return msg

    @staticmethod
    def _win_neg(d, lo, hi):
        def msg(r):
            a = lo.eval(r.model) if r.model else None
            b = hi.eval(r.model) if r.model else None
            if a is None or b is None:
                return f"@may have lo > hi in dimension {d} ({lo} > {hi})"
            return f"@may have lo > hi in dimension {d}: {a}:{b}{_when(r.model)}"
        return msg

    # ------------------------------------------------------------------ allocations
    def on_alloc(self, s, facts) -> None:
        if not isinstance(s.type, Tensor):
            return
        info = self.bufs[s.name]
        for d, (h, ext) in enumerate(zip(s.type.hi, info.extents)):
            if ext is None:
                continue
            r = self.solver.check(L.ge(ext - 1), facts)
            if not r.proven:
                v = ext.eval(r.model) if r.model else None
                can = f" can be {v}{_when(r.model)}" if v is not None else " may not be positive"
                raise BoundsCheckError(
                    f"allocation {s.name.name}: {type_str(s.type)} may have a non-positive extent: "
                    f"dimension {d} ({expr_str(h)}){can}", self.src(s))

    # ------------------------------------------------------------------ calls
    def on_call(self, s, facts) -> None:
        callee = s.proc
        check_proc(callee)
        syms, bufargs = {}, {}
        for p, a in zip(callee.args, s.args):
            if isinstance(p.type, ControlType):
                v = self.formula(a) if p.type.name == "bool" else self.affine(a)
                if v is not None:
                    syms[p.name] = v
            else:
                bufargs[p.name] = a
        env = Env(syms=syms, strides=lambda sym, d: self._arg_stride(bufargs, sym, d),
                  configs=self.cfg)
        where = f"{callee.name}"
        for p, a in zip(callee.args, s.args):
            t = p.type
            if isinstance(t, ControlType) and t.name == "size" and p.name in syms:
                r = self.solver.check(L.ge(syms[p.name] - 1), facts)
                if not r.proven:
                    v = syms[p.name].eval(r.model) if r.model else None
                    can = f": it can be {v}{_when(r.model)}" if v is not None else ""
                    raise BoundsCheckError(
                        f"argument {expr_str(a)} for size parameter '{p.name.name}' of {where} "
                        f"may not be positive{can}", self.src(s))
            elif isinstance(t, Tensor):
                self._check_shape(s, p, a, env, facts)
        for pred in callee.preds:
            f = self.formula(pred, env)
            if f is None:
                continue
            r = self.solver.check(f, facts)
            if not r.proven:
                raise BoundsCheckError(
                    f"precondition {expr_str(pred)} of {where} may not hold at this call"
                    f"{self._values(pred, env, r.model)}{_when(r.model)}", self.src(s))

    def _values(self, pred, env, model) -> str:
        """``: m = 16`` -- the callee's parameters in the precondition, under the model."""
        if not model:
            return ""
        seen, items = set(), []
        for e in walk(pred):
            if (type(e) is Read and not e.idx) or type(e) is StrideExpr:
                text = expr_str(e)
                v = self.affine(e, env) if type(e) is StrideExpr or e.type.name != "bool" else None
                val = v.eval(model) if v is not None else None
                if val is not None and text not in seen:
                    seen.add(text)
                    items.append(f"{text} = {val}")
        return ": " + ", ".join(items) if items else ""

    def _arg_shape(self, a):
        if type(a) is Read:
            info = self.bufs.get(a.name)
            return None if info is None else info.extents
        if type(a) is WindowExpr:
            wd = self.window_dims(a)
            return None if wd is None else wd[2]
        return None

    def _arg_stride(self, bufargs, sym, d) -> Affine:
        return self.arg_stride(bufargs.get(sym), d, Affine.of(StrideAtom(sym, d)))

    def _check_shape(self, s, p, a, env, facts) -> None:
        have = self._arg_shape(a)
        if have is None or len(have) != len(p.type.hi):
            return
        want = [self.affine(h, env) for h in p.type.hi]
        goals = [(d, x, y) for d, (x, y) in enumerate(zip(have, want)) if x is not None and y is not None]
        if not goals or self.solver.prove(L.conj(L.eq0(x - y) for _, x, y in goals), facts):
            return
        for d, x, y in goals:
            r = self.solver.check(L.eq0(x - y), facts)
            if r.proven:
                continue
            detail = ""
            if r.model:
                w = model_str(r.model, r.model.keys())
                detail = (f" (dimension {d}: {x.eval(r.model)} != {y.eval(r.model)}"
                          + (f" when {w})" if w else ")"))
            have_s = ", ".join(str(h) if h is not None else "?" for h in have)
            want_s = ", ".join(str(w) if w is not None else expr_str(h) for w, h in zip(want, p.type.hi))
            raise BoundsCheckError(
                f"argument {_arg_str(a)} for parameter '{p.name.name}' of {s.proc.name} has shape "
                f"[{have_s}] but {s.proc.name} expects [{want_s}]{detail}", self.src(s))


def _arg_str(a) -> str:
    if type(a) is WindowExpr:
        return f"{a.name.name}[{', '.join(access_str(w) for w in a.idx)}]"
    return expr_str(a)
