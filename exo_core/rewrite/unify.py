"""Unification of a block of code with the body of an instr (or any proc), for ``replace``.

``Unifier(p, parent, field, lo, hi, sub).run()`` matches the first ``len(sub.body)``
statements of the block ``(parent, field, lo, hi)`` of ``p`` against ``sub.body`` and returns
a ``Solution``: the value of every callee argument at the call site. The match is semantic where it can be and structural where it
must be:

* Statement kinds match one for one; loops bind the callee's iterator to the caller's
  (same ``seq``/``par`` mode), allocations inside the body bind to the caller's.
* Integer control expressions (indices, loop bounds, comparison operands) are compared in
  the affine normal form (``analysis.affine``), so ``x[i + 1 - 1]`` matches ``x[i]`` and
  ``i + a < n`` matches ``i < n - a``: each comparison is normalised to ``e >= 0`` or
  ``e == 0`` first. Every pair gives an *equation* ``callee form == caller form``.
* Data expressions match exactly: same operators, literals, externs and config fields.
* A callee buffer parameter binds to one caller buffer; its accesses give equations
  between the callee's indices and the caller's through a *layout*: which caller
  dimensions are points (a fixed index) and which are intervals (offset + the callee's
  index). Layouts are tried innermost-intervals first.
* Unknowns (index/size/stride parameters, window offsets and points) are solved from the
  equations by exact Gaussian elimination over the rationals; a solution must be integral,
  unique, and must not mention anything bound inside the block. Every equation is then
  re-checked with the solution substituted: identical normal forms, or proven equal under
  the facts at the block (``analysis.sched.context_facts``) plus the enclosing in-block
  loop ranges and branch conditions. That is where a mismatched loop extent is refused.

This module walks the two codes and collects the equations; ``unify_solve.py`` solves and
re-checks them, ``unify_call.py`` builds the call and proves what it needs at the call
site (preconditions, bounds, memories, precisions), ``unify_replace.py`` is the rewrite.
Failures raise ``Mismatch``, whose message is built only when it is shown (``replace_all``
uses failures as control flow).
"""

from __future__ import annotations

from ..analysis import logic as L
from ..analysis.affine import Affine, ConfigAtom, Env, NonAffine, to_affine
from ..ir import (
    CMP_OPS,
    Alloc,
    Assign,
    BinOp,
    Call,
    Const,
    ControlType,
    Extern,
    For,
    If,
    Pass,
    Read,
    ReadConfig,
    Reduce,
    Tensor,
    USub,
    WindowStmt,
    WriteConfig,
)
from ..ir.paths import node_at
from ..ir.printer import expr_to_str
from .describe import stmt_head, where


class Mismatch(Exception):
    """Unification or a call-site check failed. ``why`` is a thunk returning the reason;
    ``check`` marks failures found after the code unified (they explain more)."""

    __slots__ = ("why", "check")

    def __init__(self, why, check: bool = False):
        super().__init__()
        self.why = why
        self.check = check

    def reason(self) -> str:
        return self.why() if callable(self.why) else str(self.why)

    def __str__(self):
        return self.reason()


def _txt(node) -> str:
    if isinstance(node, (For, If, Assign, Reduce, Alloc, Call, Pass, WindowStmt, WriteConfig)):
        return f"'{stmt_head(node)}'"
    return f"'{expr_to_str(node)}'"


class Equation:
    """``callee form == caller form``, holding where ``ctx`` (in-block facts) holds."""

    __slots__ = ("lhs", "rhs", "ctx", "what")

    def __init__(self, lhs: Affine, rhs: Affine, ctx: frozenset, what):
        self.lhs, self.rhs, self.ctx, self.what = lhs, rhs, ctx, what


class Access:
    """One access to a callee buffer parameter, paired with the caller's access."""

    __slots__ = ("cidx", "bidx", "ctx", "cnode", "bnode")

    def __init__(self, cidx, bidx, ctx, cnode, bnode):
        self.cidx, self.bidx, self.ctx, self.cnode, self.bnode = cidx, bidx, ctx, cnode, bnode


class Binding:
    """A callee buffer parameter bound to the caller buffer ``sym`` (rank ``rank``)."""

    __slots__ = ("param", "sym", "rank", "accesses")

    def __init__(self, param, sym, rank):
        self.param, self.sym, self.rank, self.accesses = param, sym, rank, []


class Layout:
    """Per caller dimension of a binding: ``("pt", unknown)`` or ``("iv", unknown|None, k)``
    (an interval holding callee dimension ``k`` at offset ``unknown``; None: offset 0)."""

    __slots__ = ("dims",)

    def __init__(self, dims):
        self.dims = dims


class Solution:
    """The result: control values (Affine per callee parameter), bool arguments (caller
    expressions), buffer bindings with their layouts, and the values of layout unknowns."""

    __slots__ = ("values", "bools", "bindings", "layouts", "unify", "args")

    def __init__(self, values, bools, bindings, layouts, unify):
        self.values, self.bools, self.bindings = values, bools, bindings
        self.layouts, self.unify = layouts, unify
        self.args: tuple = ()


def _rank(t) -> int:
    return len(t.hi) if isinstance(t, Tensor) else 0


def _norm_cmp(op: str, lhs: Affine, rhs: Affine):
    """``lhs op rhs`` as ``("ge", e)`` (``e >= 0``) or ``("eq", e)``, without gcd scaling."""
    if op == "<":
        return "ge", rhs - lhs - 1
    if op == "<=":
        return "ge", rhs - lhs
    if op == ">":
        return "ge", lhs - rhs - 1
    if op == ">=":
        return "ge", lhs - rhs
    return "eq", lhs - rhs


class _Unversioned:
    """Config fields as one atom per field, of a version no fact mentions: both sides read
    a field at the same point of matching code, so the same atom is the same value; proofs
    about it learn nothing from the caller's facts (sound, conservative)."""

    def __init__(self):
        self._atoms: dict = {}

    def get(self, key):
        atom = self._atoms.get(key)
        if atom is None:
            atom = self._atoms[key] = ConfigAtom(key[0], key[1], -1)
        return atom


_UNVERSIONED = _Unversioned()


class Unifier:
    def __init__(self, p, parent: tuple, field: str, lo: int, hi: int, sub, mem_aware: bool = True):
        self.p, self.parent, self.field, self.lo, self.hi, self.sub = p, parent, field, lo, hi, sub
        self.mem_aware = mem_aware
        self.first_path = parent + ((field, lo),)
        self.params = {a.name: a for a in sub.args}
        self.holes = [a.name for a in sub.args if isinstance(a.type, ControlType) and a.type.name != "bool"]
        self.bool_holes = {a.name for a in sub.args if a.type == ControlType("bool")}
        self.iter_map: dict = {}  # callee iterator -> Affine of the caller's
        self.local: dict = {}  # callee alloc -> caller alloc
        self.block_bound: set = set()  # caller Syms bound inside the block
        self.bindings: dict = {}  # callee buffer param -> Binding
        self.bools: dict = {}  # callee bool param -> (caller expr, formula | None)
        self.eqs: list = []
        self.spelled: dict = {}  # hole -> (caller expr, its form) equated to the bare hole
        self.alts: list = []  # equations known up to sign: [(Equation, Equation)]
        self.cenv = Env(syms=self.iter_map, strides=self._callee_stride, configs=_UNVERSIONED)
        self.benv = Env(syms={}, strides=self._caller_stride, configs=_UNVERSIONED)
        self._facts = None

    # ------------------------------------------------------------------ context
    def facts_walker(self):
        if self._facts is None:
            from ..analysis.sched.paths import locate

            self._facts = locate(self.p, self.first_path)
        return self._facts

    def _caller_stride(self, sym, dim):
        return self.facts_walker()[1].stride_of(sym, dim)

    def _callee_stride(self, sym, dim):
        raise Mismatch(lambda: f"{self.sub.name} uses stride({sym.name}, {dim}) in its body: not supported by replace")

    def fail(self, why):
        raise Mismatch(why)

    def caff(self, e, cnode=None) -> Affine:
        try:
            return to_affine(e, self.cenv)
        except NonAffine:
            self.fail(lambda: f"{_txt(cnode or e)} in {self.sub.name} is not an index expression replace can match")

    def baff(self, e, bnode=None) -> Affine:
        try:
            return to_affine(e, self.benv)
        except NonAffine:
            self.fail(lambda: f"{_txt(bnode or e)} is not an index expression replace can match")

    def bformula(self, e):
        try:
            return L.to_formula(e, self.benv)
        except NonAffine:
            return None

    # ------------------------------------------------------------------ structure
    def run(self) -> Solution:
        block = getattr(node_at(self.p, self.parent), self.field)
        n = len(self.sub.body)
        if self.hi - self.lo < n:
            self.fail(lambda: f"the block has {self.hi - self.lo} statement(s) from {where(block[self.lo])} "
                              f"but the body of {self.sub.name} has {n}")
        stmts = block[self.lo:self.lo + n]
        self.stmts(self.sub.body, stmts, frozenset())
        for a in self.sub.args:
            if a.name in self.bool_holes:
                if a.name not in self.bools:
                    self.fail(lambda a=a: f"the argument '{a.name.name}' of {self.sub.name} is not used in its body")
            elif not isinstance(a.type, ControlType) and a.name not in self.bindings:
                self.fail(lambda a=a: f"the argument '{a.name.name}' of {self.sub.name} is not accessed in its body")
        from .unify_solve import solve_cases

        return solve_cases(self)

    def stmts(self, cs, bs, ctx):
        if len(cs) != len(bs):
            self.fail(lambda: f"{self.sub.name} has {len(cs)} statement(s) where the code has {len(bs)} "
                              f"(at {where(bs[0]) if bs else _txt(cs[0])})")
        for c, b in zip(cs, bs):
            self.stmt(c, b, ctx)

    def stmt(self, c, b, ctx):
        t = type(c)
        if t is not type(b):
            self.fail(lambda: f"{self.sub.name} has {_txt(c)} where the code has {where(b)}")
        if t is Assign or t is Reduce:
            self.access(c.name, c.idx, b.name, b.idx, ctx, c, b)
            self.data(c.rhs, b.rhs, ctx, c, b)
        elif t is For:
            if c.loop_mode != b.loop_mode:
                self.fail(lambda: f"{self.sub.name} has a {c.loop_mode} loop {_txt(c)} where the code has "
                                  f"the {b.loop_mode} loop {where(b)}")
            self.equate(c.lo, b.lo, ctx, lambda: f"the loop {_txt(c)} of {self.sub.name} starts at "
                        "{callee} but {code} starts at {caller}", c, b)
            self.equate(c.hi, b.hi, ctx, lambda: f"the loop {_txt(c)} of {self.sub.name} ends at "
                        "{callee} but {code} ends at {caller}", c, b)
            self.iter_map[c.iter] = Affine.of(b.iter)
            self.block_bound.add(b.iter)
            i = Affine.of(b.iter)
            inner = ctx | {L.ge(i - self.baff(b.lo, b)), L.ge(self.baff(b.hi, b) - i - 1)}
            self.stmts(c.body, b.body, inner)
        elif t is If:
            self.cond(c.cond, b.cond, ctx, c, b)
            f = self.bformula(b.cond)
            self.stmts(c.body, b.body, ctx if f is None else ctx | {f})
            self.stmts(c.orelse, b.orelse, ctx if f is None else ctx | {L.neg(f)})
        elif t is Alloc:
            if not isinstance(b.type, type(c.type)) or not _same_prec(c.type.basetype(), b.type.basetype()) \
                    or _rank(c.type) != _rank(b.type):
                self.fail(lambda: f"{self.sub.name} allocates {_txt(c)} where the code allocates {where(b)}")
            for hc, hb in zip(c.type.shape(), b.type.shape()):
                self.equate(hc, hb, ctx, lambda: f"the allocation {_txt(c)} of {self.sub.name} has extent "
                            "{callee} where {code} has {caller}", c, b)
            self.local[c.name] = b.name
            self.block_bound.add(b.name)
        elif t is WriteConfig:
            if c.config is not b.config or c.field != b.field:
                self.fail(lambda: f"{self.sub.name} has {_txt(c)} where the code has {where(b)}")
            self.value(c.rhs, b.rhs, ctx, c, b)
        elif t is Call:
            self.call(c, b, ctx)
        elif t is WindowStmt:
            self.fail(lambda: f"window statements in the body of {self.sub.name} are not supported by replace")

    def call(self, c, b, ctx):
        if c.proc is not b.proc:
            self.fail(lambda: f"{self.sub.name} calls {c.proc.name} where the code calls {b.proc.name} ({where(b)})")
        for fa, ca, ba in zip(c.proc.args, c.args, b.args):
            if isinstance(fa.type, ControlType):
                self.value(ca, ba, ctx, c, b)
            elif type(ca) is Read and type(ba) is Read and (ca.idx or not isinstance(fa.type, Tensor)):
                self.access(ca.name, ca.idx, ba.name, ba.idx, ctx, c, b)
            elif type(ca) is Read and type(ba) is Read and self.local.get(ca.name) is ba.name:
                pass
            else:
                self.fail(lambda: f"the call {_txt(c)} in {self.sub.name} passes a buffer argument replace "
                                  "cannot match")

    def value(self, c, b, ctx, cs, bs):
        """A control or data value (config writes, call arguments)."""
        t = c.type
        if isinstance(t, ControlType):
            if t.name == "bool":
                self.cond(c, b, ctx, cs, bs)
            else:
                self.equate(c, b, ctx, lambda: f"{self.sub.name} has {{callee}} in {_txt(cs)} where {{code}} "
                            "has {caller}", cs, bs)
        else:
            self.data(c, b, ctx, cs, bs)

    def equate(self, c, b, ctx, what, cs, bs):
        rhs = self.baff(b, bs)
        self.eqs.append(Equation(self.caff(c, cs), rhs, ctx, (what, cs, bs)))
        if type(c) is Read and not c.idx and c.name in self.params and c.name not in self.spelled:
            self.spelled[c.name] = (b, rhs)

    # ------------------------------------------------------------------ conditions
    def cond(self, c, b, ctx, cs, bs):
        t = type(c)
        if t is Read and c.name in self.bool_holes:
            if any(s in self.block_bound for s in _syms(b)):
                self.fail(lambda: f"the argument '{c.name.name}' of {self.sub.name} would be "
                                  f"'{expr_to_str(b)}', which uses a variable bound inside the block")
            f = self.bformula(b)
            old = self.bools.get(c.name)
            if old is None:
                self.bools[c.name] = (b, f)
            elif not (old[0] == b or (f is not None and f == old[1])):
                self.fail(lambda: f"the argument '{c.name.name}' of {self.sub.name} would be both "
                                  f"'{expr_to_str(old[0])}' and '{expr_to_str(b)}'")
            return
        mismatch = lambda: f"{self.sub.name} has the condition '{expr_to_str(c)}' in {_txt(cs)} where " \
                           f"{where(bs)} has '{expr_to_str(b)}'"  # noqa: E731
        if t is Const or t is ReadConfig:
            if type(b) is not t or (t is Const and c.val != b.val) or \
                    (t is ReadConfig and (c.config is not b.config or c.field != b.field)):
                self.fail(mismatch)
            return
        if t is not BinOp or type(b) is not BinOp:
            self.fail(mismatch)
        if c.op in ("and", "or") or (c.op == "==" and c.lhs.type == ControlType("bool")):
            if b.op != c.op:
                self.fail(mismatch)
            self.cond(c.lhs, b.lhs, ctx, cs, bs)
            self.cond(c.rhs, b.rhs, ctx, cs, bs)
            return
        if c.op not in CMP_OPS or b.op not in CMP_OPS or b.lhs.type == ControlType("bool"):
            self.fail(mismatch)
        kc, ec = _norm_cmp(c.op, self.caff(c.lhs, cs), self.caff(c.rhs, cs))
        kb, eb = _norm_cmp(b.op, self.baff(b.lhs, bs), self.baff(b.rhs, bs))
        if kc != kb:
            self.fail(mismatch)
        what = (lambda: f"{self.sub.name} has the condition '{expr_to_str(c)}' in {_txt(cs)}, which does "
                        f"not match '{expr_to_str(b)}' in {where(bs)}", None, None)
        if kc == "ge":
            self.eqs.append(Equation(ec, eb, ctx, what))
        else:
            self.alts.append((Equation(ec, eb, ctx, what), Equation(ec, -eb, ctx, what)))

    # ------------------------------------------------------------------ data
    def data(self, c, b, ctx, cs, bs):
        t = type(c)
        if t is not type(b):
            self.fail(lambda: f"{self.sub.name} has '{expr_to_str(c)}' in {_txt(cs)} where {where(bs)} has "
                              f"'{expr_to_str(b)}'")
        if t is Read:
            self.access(c.name, c.idx, b.name, b.idx, ctx, cs, bs, c, b)
        elif t is Const:
            if c.val != b.val or repr(c.val) != repr(b.val) or type(c.val) is not type(b.val) or c.type != b.type:
                self.fail(lambda: f"{self.sub.name} has the literal {expr_to_str(c)} in {_txt(cs)} where "
                                  f"{where(bs)} has {expr_to_str(b)}")
        elif t is BinOp:
            if c.op != b.op:
                self.fail(lambda: f"{self.sub.name} has '{expr_to_str(c)}' in {_txt(cs)} where {where(bs)} "
                                  f"has '{expr_to_str(b)}' (operator {c.op} vs {b.op})")
            self.data(c.lhs, b.lhs, ctx, cs, bs)
            self.data(c.rhs, b.rhs, ctx, cs, bs)
        elif t is USub:
            self.data(c.arg, b.arg, ctx, cs, bs)
        elif t is Extern:
            if c.f is not b.f or len(c.args) != len(b.args):
                self.fail(lambda: f"{self.sub.name} has '{expr_to_str(c)}' in {_txt(cs)} where {where(bs)} "
                                  f"has '{expr_to_str(b)}'")
            for x, y in zip(c.args, b.args):
                self.value(x, y, ctx, cs, bs)
        elif t is ReadConfig:
            if c.config is not b.config or c.field != b.field:
                self.fail(lambda: f"{self.sub.name} reads {expr_to_str(c)} in {_txt(cs)} where {where(bs)} "
                                  f"reads {expr_to_str(b)}")
        else:
            self.fail(lambda: f"'{expr_to_str(c)}' in {self.sub.name} is not supported by replace")

    def access(self, csym, cidx, bsym, bidx, ctx, cs, bs, cnode=None, bnode=None):
        cnode, bnode = cnode or cs, bnode or bs
        if csym in self.local:
            if self.local[csym] is not bsym or len(cidx) != len(bidx):
                self.fail(lambda: f"{self.sub.name} accesses {csym.name} in {_txt(cs)} where {where(bs)} "
                                  f"accesses {bsym.name}")
            for d, (x, y) in enumerate(zip(cidx, bidx)):
                self.equate(x, y, ctx, lambda d=d: f"index {d} of {_txt(cnode)} in {self.sub.name} is "
                            "{callee} where {code} has {caller}", cnode, bnode)
            return
        p = self.params.get(csym)
        if p is None or isinstance(p.type, ControlType):
            self.fail(lambda: f"{self.sub.name} accesses {csym.name}, which is neither an argument nor "
                              "allocated in its body")
        if bsym in self.block_bound:
            self.fail(lambda: f"{where(bs)} accesses {bsym.name}, which is allocated inside the block, where "
                              f"{self.sub.name} accesses its argument '{csym.name}'")
        bind = self.bindings.get(csym)
        if bind is None:
            if len(bidx) < _rank(p.type):
                self.fail(lambda: f"{self.sub.name} accesses '{csym.name}' with {_rank(p.type)} indices in "
                                  f"{_txt(cs)} where {where(bs)} accesses {bsym.name} with {len(bidx)}")
            bind = self.bindings[csym] = Binding(p, bsym, len(bidx))
        elif bind.sym is not bsym:
            self.fail(lambda: f"the argument '{csym.name}' of {self.sub.name} would be both {bind.sym.name} "
                              f"and {bsym.name} ({where(bs)})")
        bind.accesses.append(Access(tuple(self.caff(i, cnode) for i in cidx),
                                    tuple(self.baff(i, bnode) for i in bidx), ctx, cnode, bnode))


def _same_prec(a, b) -> bool:
    return a.name == b.name or {a.name, b.name} == {"R", "f32"}


def _syms(e):
    from ..ir.subst import free_syms

    return free_syms(e)


__all__ = ["Unifier", "Mismatch", "Solution", "Binding", "Layout", "Equation", "Access"]
