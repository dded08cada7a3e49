"""``simplify``: canonical index arithmetic, exact constant folding, dead branches and loops.

One forward walk of the procedure (the analysis ``Walker``: what is known at each point,
config versions) rebuilds every statement:

* integer control expressions (indices, loop bounds, comparison operands, control call
  arguments) go through the affine normal form of ``analysis.affine``: constants folded,
  terms collected, ``/`` and ``%`` by literals reduced, and a division or modulo whose
  numerator the facts confine to one block of the divisor folded away
  (``(4 * io + ii) / 4`` is ``io`` when ``0 <= ii < 4``). The result is printed in a
  canonical order: positive terms first (arguments, then loop iterators from outer to
  inner), then negative terms, then the constant (``4 * io + ii - 1``, ``n - i``);
* conditions are decided when the facts (size arguments positive, preconditions,
  enclosing loop ranges and branch conditions, known config values) prove them, and
  ``and``/``or`` with a decided side folds;
* data expressions fold only what is exact: two literals whose real result is exactly
  representable in f32 (``1.0 / 2.0`` is ``0.5``, ``1.0 / 3.0`` is left alone), the
  identities ``x * 1``, ``1 * x``, ``x / 1``, ``x - 0`` (exact in every precision), and a
  negated literal -- and a fold that would change the precision its context computes in is
  not done. Floating-point sums and products are never reassociated;
* an ``if`` whose condition is decided is replaced by the branch that runs; a loop that
  provably runs zero times is removed, and so is a loop or ``if`` whose body became empty.

Forwarding: statements keep following their code (a branch kept from a removed ``if`` moves
up); an expression cursor keeps its place at the top of an expression field; cursors inside
a rewritten expression and cursors to removed code become invalid.
"""

from __future__ import annotations

from operator import is_

from ..analysis import logic as L
from ..analysis.affine import (
    Affine,
    Env,
    NonAffine,
    to_affine,
)
from ..analysis.context import Walker, extend
from ..analysis.effects import proc_effects
from ..analysis.solver import SOLVER
from ..errors import InvalidCursorError
from ..ir import (
    BOOL,
    Assign,
    BinOp,
    Call,
    Const,
    ControlType,
    Extern,
    For,
    If,
    Interval,
    Pass,
    ProcDef,
    Read,
    ReadConfig,
    Reduce,
    USub,
    WindowExpr,
    WindowStmt,
    WriteConfig,
)
from ..ir.types import R
from ..ir.visit import MISSING, NodeMemo, StmtSummary, header_nodes
from .simplify_forms import (
    concrete_prec,
    control_types,
    ctx_ok,
    divmod_with_facts,
    exact_f32,
    fold_literals,
    from_affine,
    is_one,
    is_r,
    is_zero,
    numeric_bounds,
    recombine,
)

_INT_KINDS = ("int", "index", "size")
_STMT_FIELDS = ("body", "orelse")


# --------------------------------------------------------------------------- the walk


class _Simplifier(Walker):
    def __init__(self, proc: ProcDef):
        super().__init__(proc)
        # integer forms for rewriting: strides stay opaque, config reads at their version
        self.cenv = Env(syms={}, strides=None, configs=self.cfg)

    # ------------------------------------------------------------------ control
    def index(self, e, facts):
        """An integer control expression in normal form (``e`` itself if unchanged)."""
        t = e.type
        if not (isinstance(t, ControlType) and t.name in _INT_KINDS):
            return self.control_parts(e, facts)
        try:
            a = recombine(self.affine_f(e, facts))
        except NonAffine:
            return self.control_parts(e, facts)
        new = from_affine(a, control_types(e), e.srcinfo)
        return e if new == e else new

    def affine_f(self, e, facts) -> Affine:
        """The normal form of an integer control expression, with divisions and modulos
        folded where the facts allow."""
        t = type(e)
        if t is BinOp and e.op in ("+", "-", "*"):
            a, b = self.affine_f(e.lhs, facts), self.affine_f(e.rhs, facts)
            return a + b if e.op == "+" else a - b if e.op == "-" else a * b
        if t is BinOp and e.op in ("/", "%"):
            d = self.affine_f(e.rhs, facts)
            if not d.is_const() or d.const <= 0:
                raise NonAffine("division by a non-constant")
            return divmod_with_facts(recombine(self.affine_f(e.lhs, facts)), d.const, e.op, facts)
        if t is USub:
            return -self.affine_f(e.arg, facts)
        return to_affine(e, self.cenv)

    def control_parts(self, e, facts):
        t = type(e)
        if t is BinOp:
            lhs, rhs = self.index(e.lhs, facts), self.index(e.rhs, facts)
            if lhs is e.lhs and rhs is e.rhs:
                return e
            return e.update(lhs=lhs, rhs=rhs)
        if t is USub:
            arg = self.index(e.arg, facts)
            return e if arg is e.arg else e.update(arg=arg)
        return e

    def decide(self, e, facts):
        """True/False when the facts decide the condition ``e``, else None."""
        f = self.formula(e)
        if f is None:
            return None
        if f is L.TRUE:
            return True
        if f is L.FALSE:
            return False
        if SOLVER.prove(f, facts):
            return True
        if SOLVER.prove(L.neg(f), facts):
            return False
        return None

    def cond(self, e, facts):
        """A boolean control expression, simplified and decided where the facts allow."""
        t = type(e)
        if t is Const:
            return e
        if t is BinOp and e.op in ("and", "or"):
            lhs, rhs = self.cond(e.lhs, facts), self.cond(e.rhs, facts)
            unit, zero = (True, False) if e.op == "and" else (False, True)
            for a, b in ((lhs, rhs), (rhs, lhs)):
                if type(a) is Const and a.val is zero:
                    return Const(zero, BOOL, srcinfo=e.srcinfo)
                if type(a) is Const and a.val is unit:
                    return b
            if lhs is e.lhs and rhs is e.rhs:
                return e
            return e.update(lhs=lhs, rhs=rhs)
        if t is BinOp:
            lhs, rhs = self.index(e.lhs, facts), self.index(e.rhs, facts)
            if lhs is not e.lhs or rhs is not e.rhs:
                e = e.update(lhs=lhs, rhs=rhs)
        verdict = self.decide(e, facts)
        if verdict is not None:
            return Const(verdict, BOOL, srcinfo=e.srcinfo)
        return e

    # ------------------------------------------------------------------ data
    def data(self, e, ctx, facts):
        """A data expression; ``ctx`` is the precision of the operation around it, or
        ``"cast"`` where its value is converted to a destination precision."""
        t = type(e)
        if t is Read:
            idx = self.indices(e.idx, facts)
            return e if idx is e.idx else e.update(idx=idx)
        if t is USub:
            own = concrete_prec(e.type)
            arg = self.data(e.arg, own, facts)
            if type(arg) is Const and is_r(e.type) and is_r(arg.type) and exact_f32(arg.val) \
                    and ctx_ok(ctx):
                return Const(-arg.val, arg.type, srcinfo=e.srcinfo)
            return e if arg is e.arg else e.update(arg=arg)
        if t is BinOp:
            own = concrete_prec(e.type)
            lhs, rhs = self.data(e.lhs, own, facts), self.data(e.rhs, own, facts)
            if type(lhs) is Const and type(rhs) is Const:
                if is_r(e.type) and is_r(lhs.type) and is_r(rhs.type) and ctx_ok(ctx):
                    v = fold_literals(e.op, lhs.val, rhs.val)
                    if v is not None:
                        return Const(v, R, srcinfo=e.srcinfo)
            else:
                if e.op == "*" and is_one(rhs) or e.op == "/" and is_one(rhs) \
                        or e.op == "-" and is_zero(rhs):
                    return lhs
                if e.op == "*" and is_one(lhs):
                    return rhs
            if lhs is e.lhs and rhs is e.rhs:
                return e
            return e.update(lhs=lhs, rhs=rhs)
        if t is Extern:
            args = tuple(self.data(a, "cast", facts) for a in e.args)
            return e if all(a is b for a, b in zip(args, e.args)) else e.update(args=args)
        if t is WindowExpr:
            return self.window(e, facts)
        return e

    def indices(self, idx, facts):
        new = tuple(self.index(i, facts) for i in idx)
        return idx if all(a is b for a, b in zip(new, idx)) else new

    def window(self, w, facts):
        out = []
        for acc in w.idx:
            if type(acc) is Interval:
                lo, hi = self.index(acc.lo, facts), self.index(acc.hi, facts)
                out.append(acc if lo is acc.lo and hi is acc.hi else acc.update(lo=lo, hi=hi))
            else:
                pt = self.index(acc.pt, facts)
                out.append(acc if pt is acc.pt else acc.update(pt=pt))
        if all(a is b for a, b in zip(out, w.idx)):
            return w
        return w.update(idx=tuple(out))

    def arg(self, a, facts):
        if isinstance(a.type, ControlType):
            return self.cond(a, facts) if a.type == BOOL else self.index(a, facts)
        if type(a) is WindowExpr:
            return self.window(a, facts)
        if type(a) is Read and a.idx:
            return self.data(a, "cast", facts)
        return a

    # ------------------------------------------------------------------ statements
    def stmts(self, stmts, field: str, facts):
        """``(new statements, facts after, map)``: ``map`` takes an old path relative to
        this list (``((field, i), ...)``) to the new relative path, for surviving code."""
        out, fmap = [], {}
        for i, s in enumerate(stmts):
            new, facts, m = self.stmt_(s, facts)
            base = len(out)
            for rel, (k, rest) in m.items():
                fmap[((field, i),) + rel] = ((field, base + k),) + rest
            out.extend(new)
        return out, facts, fmap

    def stmt_(self, s, facts):
        t = type(s)
        if t is For or t is If:
            # a loop or branch that touches no configuration state simplifies the same
            # way under the same facts: reuse the result from an earlier version
            if _CONFIG_USE(s):
                return self.loop(s, facts) if t is For else self.branch(s, facts)
            hit = _DONE.get(s)
            if hit is not MISSING and hit[0] == facts:
                return list(hit[1]), facts, hit[2]
            new, after, m = self.loop(s, facts) if t is For else self.branch(s, facts)
            _DONE.put(s, (facts, tuple(new), m))
            if len(new) == 1 and new[0] is not s:
                # the result is in normal form: simplifying it again under these facts
                # changes nothing
                _DONE.put(new[0], (facts, (new[0],), _identity_map(new[0])))
            return new, after, m
        new = self.leaf(s, facts)
        facts = Walker.stmt(self, new, facts)
        return [new], facts, {(): (0, ())}

    def leaf(self, s, facts):
        t = type(s)
        if t is Assign or t is Reduce:
            idx = self.indices(s.idx, facts)
            rhs = self.data(s.rhs, "cast", facts)
            if idx is s.idx and rhs is s.rhs:
                return s
            return s.update(idx=idx, rhs=rhs)
        if t is WriteConfig:
            if isinstance(s.rhs.type, ControlType):
                rhs = self.cond(s.rhs, facts) if s.rhs.type == BOOL else self.index(s.rhs, facts)
            else:
                rhs = s.rhs  # data config fields: left as written
            return s if rhs is s.rhs else s.update(rhs=rhs)
        if t is Call:
            args = tuple(self.arg(a, facts) for a in s.args)
            return s if all(a is b for a, b in zip(args, s.args)) else s.update(args=args)
        if t is WindowStmt:
            rhs = self.window(s.rhs, facts)
            return s if rhs is s.rhs else s.update(rhs=rhs)
        return s  # Pass, Alloc, Free

    def loop(self, s: For, facts):
        lo, hi = self.index(s.lo, facts), self.index(s.hi, facts)
        a_lo, a_hi = self.affine(lo), self.affine(hi)
        empty = False
        if a_lo is not None and a_hi is not None:
            d = a_hi - a_lo
            if d.is_const():
                empty = d.const <= 0
            else:
                lo_d, hi_d = numeric_bounds(d, facts)
                empty = hi_d <= 0 or (lo_d <= 0 and SOLVER.prove(L.ge(-d), facts))
        if empty:
            return [], facts, {}
        written = self.writes_of(s)
        self.havoc(written)
        i = Affine.of(s.iter)
        self.bound.append(s.iter)
        inner = facts
        if a_lo is not None:
            inner = extend(inner, L.ge(i - a_lo))
        if a_hi is not None:
            inner = extend(inner, L.ge(a_hi - i - 1))
        body, _, bmap = self.stmts(s.body, "body", inner)
        self.havoc(written)
        if not body:
            return [], facts, {}
        new = s if (lo is s.lo and hi is s.hi and _same(body, s.body)) else \
            s.update(lo=lo, hi=hi, body=tuple(body))
        m = {(): (0, ())}
        for rel, nrel in bmap.items():
            m[rel] = (0, nrel)
        return [new], facts, m

    def branch(self, s: If, facts):
        cond = self.cond(s.cond, facts)
        if type(cond) is Const and cond.val is True:
            return self.hoist(s, "body", facts)
        if type(cond) is Const and cond.val is False:
            return self.hoist(s, "orelse", facts)
        c = self.formula(cond)
        before = dict(self.cfg)
        body, fb, bmap = self.stmts(s.body, "body", extend(facts, c))
        after_body = dict(self.cfg)
        self.cfg.clear()
        self.cfg.update(before)
        orelse, fe, omap = self.stmts(s.orelse, "orelse", extend(facts, None if c is None else L.neg(c)))
        facts = self._merge(facts, c, fb, after_body, fe, dict(self.cfg))
        if not body and not orelse:
            return [], facts, {}
        if not body:
            body = [Pass(srcinfo=s.srcinfo)]
        if cond is s.cond and _same(body, s.body) and _same(orelse, s.orelse):
            new = s
        else:
            new = s.update(cond=cond, body=tuple(body), orelse=tuple(orelse))
        m = {(): (0, ())}
        for rel, nrel in list(bmap.items()) + list(omap.items()):
            m[rel] = (0, nrel)
        return [new], facts, m

    def hoist(self, s: If, field: str, facts):
        """The statements of the branch that always runs, in place of the ``if``."""
        stmts, facts, bmap = self.stmts(getattr(s, field), field, facts)
        m = {}
        for rel, nrel in bmap.items():
            m[rel] = (nrel[0][1], nrel[1:])
        return stmts, facts, m


def _identity_map(s) -> dict:
    m = {(): (0, ())}

    def visit(stmt, rel):
        for field in ("body", "orelse"):
            for i, c in enumerate(getattr(stmt, field, ())):
                r = rel + ((field, i),)
                m[r] = (0, r)
                visit(c, r)

    visit(s, ())
    return m


def _own_config_use(s):
    for n in header_nodes(s):
        t = type(n)
        if t is ReadConfig or t is WriteConfig or (t is Call and proc_effects(n.proc).cfg_writes):
            return (True,)
    return ()


_CONFIG_USE = StmtSummary(_own_config_use)
_DONE = NodeMemo(1 << 15)  # stmt -> (facts, simplified statements, path map)


def _same(new: list, old: tuple) -> bool:
    return len(new) == len(old) and all(map(is_, new, old))


def _is_stmt_step(step) -> bool:
    return step[0] in _STMT_FIELDS and isinstance(step[1], int)


def simplify(p: ProcDef):
    """Normalize index arithmetic, fold exact constants, decide conditions from the facts
    and remove dead branches and empty loops (see the module docstring). Always safe:
    every change is an identity of the language's semantics (no floating-point
    reassociation)."""
    w = _Simplifier(p)
    facts = w.arg_facts()
    for pred in p.preds:
        facts = extend(facts, w.formula(pred))
    body, _, fmap = w.stmts(p.body, "body", facts)
    if not body:
        body = [Pass(srcinfo=p.srcinfo)]
    new = p.update(body=tuple(body)) if not _same(body, p.body) else p
    return new, _stmt_map_forward(p, new, fmap)


def _stmt_map_forward(old: ProcDef, new: ProcDef, fmap: dict):
    """Forwarding from a map of every surviving statement's old path to its new path.

    An expression path keeps its place when it addresses a whole expression field of its
    statement (``("rhs", None)``, ``("idx", 2)``...) or when that field is unchanged."""
    from ..ir.paths import node_at

    def forward(path):
        k = 0
        while k < len(path) and _is_stmt_step(path[k]):
            k += 1
        spath, rest = path[:k], path[k:]
        if not spath:
            return path
        target = fmap.get(spath)
        if target is None:
            raise InvalidCursorError("the cursor's statement was removed by simplify")
        if len(rest) <= 1:
            return target + rest
        try:
            before = node_at(old, spath + rest[:1])
            after = node_at(new, target + rest[:1])
        except (LookupError, AttributeError):
            raise InvalidCursorError("the cursor's expression was rewritten by simplify") from None
        if before is after or before == after:
            return target + rest
        raise InvalidCursorError("the cursor's expression was rewritten by simplify")

    return forward
