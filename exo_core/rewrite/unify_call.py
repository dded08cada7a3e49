"""The call ``replace`` builds, and what it proves about it at the call site.

Given a ``Solution`` of the unification (unify.py), ``check_call`` builds the arguments
(control values from their normal forms, bool conditions, buffers as the whole caller
buffer, an element, or a window) and proves, under the facts at the block
(``analysis.sched``: size arguments positive, preconditions, enclosing loops and
branches):

* every size argument is positive;
* every window (and element) argument lies inside its buffer, and a dense tensor
  argument has exactly the declared shape;
* every precondition (``assert``) of the callee, with its parameters replaced by the
  arguments and ``stride(x, d)`` by the argument's stride (dense buffers have known
  strides; window arguments only what the caller's own preconditions say);
* the argument memories match (the caller's memory is the parameter's or a subclass of
  it, Exo's ``call_site_mem_aware_replace`` rule; skipped with ``mem_aware=False``, the
  backend still refuses a mismatch at code generation), precisions are equal (``R`` is
  ``f32``), two parameters never receive the same buffer, and an allocation the block
  removes is not used after it.

Failures raise ``Mismatch(..., check=True)`` with the reason in words.
"""

from __future__ import annotations

from ..analysis import logic as L
from ..analysis.affine import (
    Affine,
    ConfigAtom,
    DivAtom,
    Env,
    ModAtom,
    MulAtom,
    NonAffine,
    StrideAtom,
    to_affine,
)
from ..analysis.fmt import model_str
from ..analysis.solver import SOLVER
from ..ir import (
    INDEX,
    STRIDE,
    Alloc,
    BinOp,
    ControlType,
    FnArg,
    For,
    Interval,
    Point,
    Read,
    ReadConfig,
    StrideExpr,
    Tensor,
    USub,
    WindowExpr,
    WindowStmt,
    WriteConfig,
    walk,
)
from ..ir.paths import node_at
from ..ir.printer import expr_to_str
from ..ir.subst import free_syms
from ..memory import DRAM
from . import build as B
from .unify import Mismatch, _same_prec


def scope_decls(p, path: tuple) -> dict:
    """Sym -> (type, memory) of the arguments, allocations, window statements (their root's
    memory) and loop iterators in scope at the statement ``path`` (only enclosing lists
    are scanned)."""
    out = {a.name: (a.type, a.mem) for a in p.args}
    node = p
    for field, idx in path:
        stmts = getattr(node, field)
        for s in stmts[:idx]:
            t = type(s)
            if t is Alloc:
                out[s.name] = (s.type, s.mem)
            elif t is WindowStmt:
                out[s.name] = (s.rhs.type, out.get(s.rhs.name, (None, None))[1])
        node = stmts[idx]
        if type(node) is For:
            out[node.iter] = (INDEX, None)
    return out


def _fail(why):
    raise Mismatch(why, check=True)


# --------------------------------------------------------------------------- Affine -> LoopIR


def expr_of(a: Affine, types: dict, src):
    """LoopIR for a normal form: positive terms, negative terms, then the constant."""
    def atom(x):
        t = type(x)
        if t is DivAtom:
            return B.floordiv(expr_of(x.num, types, src), x.d, src)
        if t is ModAtom:
            return B.mod(expr_of(x.num, types, src), x.d, src)
        if t is MulAtom:
            lhs, rhs = expr_of(x.a, types, src), expr_of(x.b, types, src)
            return BinOp("*", lhs, rhs, B._ctype(lhs, rhs), srcinfo=src)
        if t is StrideAtom:
            return StrideExpr(x.sym, x.dim, STRIDE, srcinfo=src)
        if t is ConfigAtom:
            return ReadConfig(x.config, x.field, x.config.lookup_type(x.field), srcinfo=src)
        typ = types.get(x, (INDEX,))[0]
        return B.var(x, typ if isinstance(typ, ControlType) else INDEX, src)

    def term(x, c):
        e = atom(x)
        return e if c == 1 else B.mul(B.const(c, src), e, src)

    out = None
    for x, c in a.terms:
        if c > 0:
            t = term(x, c)
            out = t if out is None else B.add(out, t, src)
    k = a.const
    if out is None and k > 0:
        out, k = B.const(k, src), 0
    for x, c in a.terms:
        if c < 0:
            t = term(x, -c)
            out = USub(t, t.type, srcinfo=src) if out is None else B.sub(out, t, src)
    if out is None:
        return B.const(k, src)
    return B.add(out, B.const(k, src), src) if k else out


# --------------------------------------------------------------------------- the call


class _Call:
    def __init__(self, u, sol):
        self.u, self.sol, self.sub = u, sol, u.sub
        self.p = u.p
        self.decls = scope_decls(u.p, u.first_path)
        self.src = node_at(u.p, u.first_path).srcinfo
        self.args: dict = {}  # callee param Sym -> LoopIR argument
        self.windows: dict = {}  # param Sym -> [(caller dim, kind, lo, hi)] as Affines

    def expr(self, a: Affine):
        return expr_of(a, self.decls, self.src)

    # ---- building ------------------------------------------------------------------
    def build(self) -> tuple:
        values = self.sol.values
        for fa in self.sub.args:
            t = fa.type
            if isinstance(t, ControlType):
                if t.name == "bool":
                    self.args[fa.name] = self.sol.bools[fa.name]
                elif t.name == "stride" and self.u.spelled.get(fa.name, (None, None))[1] == values[fa.name]:
                    # the code's own ``stride(x, d)``: a stride argument must be spelled as one
                    self.args[fa.name] = self.u.spelled[fa.name][0]
                else:
                    self.args[fa.name] = self.expr(values[fa.name])
            else:
                self.args[fa.name] = self.buffer_arg(fa)
        return tuple(self.args[fa.name] for fa in self.sub.args)

    def shape(self, fa: FnArg) -> list:
        env = Env(syms={s: v for s, v in self.sol.values.items()})
        try:
            return [to_affine(h, env) for h in fa.type.hi]
        except NonAffine:
            _fail(lambda: f"the shape of '{fa.name.name}' in {self.sub.name} is not an index expression")

    def buffer_arg(self, fa: FnArg):
        bind = self.sol.bindings[fa.name]
        lay = self.sol.layouts[fa.name]
        bsym = bind.sym
        btype, bmem = self.decls[bsym]
        base = btype.basetype()
        if not _same_prec(base, fa.type.basetype()):
            _fail(lambda: f"{self.sub.name} expects '{fa.name.name}' of precision {fa.type.basetype()}, but "
                          f"{bsym.name} has precision {base}")
        want = fa.mem or DRAM
        have = bmem or DRAM
        if self.u.mem_aware and not (isinstance(have, type) and issubclass(have, want)):
            _fail(lambda: f"{self.sub.name} expects '{fa.name.name}' in memory {want.name()}, but "
                          f"{bsym.name} is in memory {have.name()}")
        values = self.sol.values
        t = fa.type
        if not isinstance(t, Tensor):
            if lay.dims:  # the language passes scalars by name only
                _fail(lambda: f"'{fa.name.name}' of {self.sub.name} is a scalar: it can receive a scalar "
                              f"variable, not an element of {bsym.name} (stage it in a scalar first)")
            return Read(bsym, (), base, srcinfo=self.src)
        shape = self.shape(fa)
        if not t.is_window:
            if not isinstance(btype, Tensor) or btype.is_window:
                _fail(lambda: f"{self.sub.name} expects the dense tensor '{fa.name.name}', but {bsym.name} "
                              "is a window")
            self.windows[fa.name] = [(cd, "dense", Affine.constant(0), shape[cd]) for cd in range(len(shape))]
            return Read(bsym, (), btype, srcinfo=self.src)
        idx, dims = [], []
        for cd, d in enumerate(lay.dims):
            if d[0] == "pt":
                v = values[d[1]]
                idx.append(Point(self.expr(v), srcinfo=self.src))
                dims.append((cd, "pt", v, None))
            else:
                lo = values[d[1]]
                hi = lo + shape[d[2]]
                idx.append(Interval(self.expr(lo), self.expr(hi), srcinfo=self.src))
                dims.append((cd, "iv", lo, hi))
        self.windows[fa.name] = dims
        typ = Tensor(tuple(self.expr(s) for s in shape), True, base)
        return WindowExpr(bsym, tuple(idx), typ, srcinfo=self.src)

    # ---- checks --------------------------------------------------------------------
    def arg_text(self, s) -> str:
        a = self.args[s]
        if type(a) is Read and not a.idx and isinstance(a.type, Tensor):
            return f"the buffer {a.name.name}"
        if type(a) is WindowExpr:
            return f"the window {expr_to_str(a)}"
        return f"'{expr_to_str(a)}'"

    def structural(self) -> None:
        """Checks that need no solver: aliasing, removed allocations, config reads."""
        w = self.u.facts_walker()[1]
        roots = {}
        for s, bind in self.sol.bindings.items():
            info = w.bufs.get(bind.sym)
            root = info.root if info is not None else bind.sym
            other = roots.get(root)
            if other is not None:
                _fail(lambda s=s, other=other, root=root: f"{root.name} would be passed to both '{other.name}' "
                                                          f"and '{s.name}' of {self.sub.name}: arguments "
                                                          "may not alias")
            roots[root] = s
        u = self.u
        stmts = getattr(node_at(u.p, u.parent), u.field)
        n = len(self.sub.body)
        later = stmts[u.lo + n:]
        gone = {s.name for s in stmts[u.lo:u.lo + n] if type(s) is Alloc}
        if gone and later:
            used = gone & free_syms(tuple(later))
            if used:
                name = next(iter(used)).name
                _fail(lambda: f"{name} is allocated in the replaced statements but used after them")
        cfg = any(type(x) is ConfigAtom for v in self.sol.values.values() for x in v.leaves()) or \
            any(type(x) is ReadConfig for e in self.sol.bools.values() for x in walk(e))
        if cfg and _writes_config(stmts[u.lo:u.lo + n]):
            _fail(lambda: f"an argument of {self.sub.name} reads a configuration field the replaced "
                          "statements write")

    def prove(self, goal, explain) -> None:
        facts = self.u.facts_walker()[0]
        if SOLVER.prove(goal, facts):
            return
        r = SOLVER.check(goal, facts)
        if r.proven:
            return
        when = ""
        if r.model:
            m = model_str(r.model, r.model.keys())
            when = f" (e.g. when {m})" if m else ""
        _fail(lambda: explain() + when)

    def at_call(self) -> dict:
        """Config atoms of the unification (one per field) -> the field's version where the
        block starts, where the call runs. Sound: ``structural`` refused arguments reading
        a field that the replaced statements write."""
        w = self.u.facts_walker()[1]
        out = {}
        for v in list(self.sol.values.values()) + [f for _, f in self.u.bools.values() if f is not None]:
            for x in v.leaves():
                if type(x) is ConfigAtom and x.version == -1:
                    out[x] = Affine.of(w.env.config(x.config, x.field))
        return out

    def proofs(self) -> None:
        cm = self.at_call()
        values = {k: v.subst(cm) for k, v in self.sol.values.items()}
        for fa in self.sub.args:
            if fa.type == ControlType("size"):
                v = values[fa.name]
                self.prove(L.ge(v - 1), lambda fa=fa, v=v: f"{self.sub.name} would get {v} for its size "
                                                          f"argument '{fa.name.name}', which may not be "
                                                          "positive")
        w = self.u.facts_walker()[1]
        for s, dims in self.windows.items():
            bsym = self.sol.bindings[s].sym
            info = w.bufs.get(bsym)
            exts = info.extents if info is not None else ()
            for cd, kind, lo, hi in dims:
                lo, hi = lo.subst(cm), (hi.subst(cm) if hi is not None else None)
                ext = exts[cd] if cd < len(exts) else None
                if ext is None:
                    _fail(lambda bsym=bsym: f"the extent of {bsym.name} is not an index expression: cannot "
                                            "check the argument's bounds")
                if kind == "pt":
                    goal = L.conj((L.ge(lo), L.ge(ext - lo - 1)))
                elif kind == "dense":
                    goal = L.eq0(ext - hi)
                else:
                    goal = L.conj((L.ge(lo), L.ge(hi - lo), L.ge(ext - hi)))
                self.prove(goal, lambda s=s, cd=cd, kind=kind, lo=lo, hi=hi, ext=ext, bsym=bsym:
                           self.bounds_text(s, bsym, cd, kind, lo, hi, ext))
        # the call runs where the block started: config fields have their versions there
        env = Env(syms=dict(values), strides=self.stride, configs=w.cfg)
        for a in self.sub.args:
            if a.type == ControlType("bool"):
                f = self.u.bools[a.name][1]
                if f is not None:
                    env.syms[a.name] = L.subst(f, cm)
        for pred in self.sub.preds:
            try:
                goal = L.to_formula(pred, env)
            except NonAffine:
                _fail(lambda pred=pred: f"cannot check the precondition {expr_to_str(pred)} of "
                                        f"{self.sub.name} at this call")
            self.prove(goal, lambda pred=pred: self.pred_text(pred, env))

    def bounds_text(self, s, bsym, cd, kind, lo, hi, ext) -> str:
        if kind == "dense":
            return (f"{self.sub.name} expects '{s.name}' of extent {hi} in dimension {cd}, but {bsym.name} "
                    f"has extent {ext}")
        rng = f"index {lo}" if kind == "pt" else f"{lo}:{hi}"
        return (f"{self.arg_text(s)} passed as '{s.name}' to {self.sub.name} may be out of the bounds of "
                f"{bsym.name} in dimension {cd} ({rng}; the extent is {ext})")

    def stride(self, sym, d) -> Affine:
        dims = self.windows.get(sym)
        bind = self.sol.bindings.get(sym)
        if dims is None or bind is None:
            return Affine.of(StrideAtom(sym, d))
        ivs = [cd for cd, kind, _, _ in dims if kind != "pt"]
        if d >= len(ivs):
            return Affine.of(StrideAtom(sym, d))
        return self.u.facts_walker()[1].stride_of(bind.sym, ivs[d])

    def pred_text(self, pred, env) -> str:
        details, seen = [], set()
        for e in walk(pred):
            if type(e) is StrideExpr and e.name in self.args and (e.name, e.dim) not in seen:
                seen.add((e.name, e.dim))
                dim = "" if e.dim == 0 else f" in dimension {e.dim}"
                details.append(f"{self.arg_text(e.name)} passed as {e.name.name} has stride "
                               f"{self.stride(e.name, e.dim)}{dim}")
            elif type(e) is Read and not e.idx and e.name in self.args and e.name not in seen:
                seen.add(e.name)
                details.append(f"{e.name.name} is {expr_to_str(self.args[e.name])}")
        head = f"{self.sub.name} requires {expr_to_str(pred)}"
        if details:
            return f"{head}, but {'; '.join(details)}"
        return f"{head}, which may not hold here"


def _writes_config(stmts) -> bool:
    from ..analysis.effects import proc_effects
    from ..ir import Call

    for n in walk(tuple(stmts)):
        if type(n) is WriteConfig or (type(n) is Call and proc_effects(n.proc).cfg_writes):
            return True
    return False


def check_call(u, sol) -> tuple:
    """The call's arguments, after proving everything the call needs (see the module doc)."""
    c = _Call(u, sol)
    args = c.build()
    c.structural()
    c.proofs()
    return args


__all__ = ["check_call", "expr_of", "scope_decls"]
