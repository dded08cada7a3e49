"""Solving a unification (unify.py): buffer layouts, exact linear elimination, re-checking.

A callee buffer parameter bound to a caller buffer of more dimensions needs a *layout*:
which caller dimensions are points and which are intervals (innermost intervals are
tried first; a dimension indexed by a loop of the block must be an interval). For each
combination of layouts (and of signs of ``==`` conditions, known only up to sign) the
equations are solved for the unknowns -- index/size/stride parameters, window offsets and
points -- by Gaussian elimination over the rationals, each unknown an ``Affine`` over the
caller's atoms. A solution must be unique, integral and free of anything bound inside the
block; then every equation is re-checked with it substituted (identical normal forms, or
proven under the block's facts and the equation's in-block loop ranges and conditions),
and the call-site checks of unify_call.py run. The first combination passing all of them
wins; otherwise the most informative failure is raised (a failed call-site check beats a
failed unification).
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations, product

from ..analysis import logic as L
from ..analysis.affine import Affine
from ..analysis.solver import SOLVER
from ..ir import Sym, Tensor
from .describe import where
from .unify import Binding, Equation, Layout, Mismatch, Solution, _rank, _txt
from .unify_call import check_call

MAX_CASES = 256


def layouts(uni, bind: Binding) -> list:
    """Candidate layouts of a binding, preferred first (intervals innermost)."""
    p, R = bind.param, bind.rank
    r = _rank(p.type)
    name = p.name.name
    if not isinstance(p.type, Tensor):
        return [Layout(tuple(("pt", Sym(f"${name}_pt{d}")) for d in range(R)))]
    if not p.type.is_window:
        return [Layout(tuple(("iv", None, d) for d in range(R)))] if R == r else []
    local = uni.block_bound
    must = {d for a in bind.accesses for d, e in enumerate(a.bidx) if not e.leaves().isdisjoint(local)}
    out = []
    for ivs in sorted(combinations(range(R), r), key=lambda c: tuple(-x for x in reversed(c))):
        if not must <= set(ivs):
            continue
        dims, k = [], 0
        for d in range(R):
            if d in ivs:
                dims.append(("iv", Sym(f"${name}_off{d}"), k))
                k += 1
            else:
                dims.append(("pt", Sym(f"${name}_pt{d}")))
        out.append(Layout(tuple(dims)))
    return out


def no_layout(uni, bind: Binding) -> str:
    p = bind.param
    r = _rank(p.type)
    if not p.type.is_window:
        return (f"{uni.sub.name} expects the dense {r}-dimensional tensor '{p.name.name}' where the code "
                f"accesses the {bind.rank}-dimensional {bind.sym.name}")
    a = bind.accesses[0]
    return (f"'{p.name.name}' of {uni.sub.name} has {r} dimension(s), but {_txt(a.bnode)} varies with "
            f"the loops of the block in more dimensions of {bind.sym.name}")


def layout_eqs(uni, bind: Binding, lay: Layout) -> list:
    """Callee index + offset == caller index (intervals), point == caller index (points)."""
    out = []
    for a in bind.accesses:
        for d, dim in enumerate(lay.dims):
            if dim[0] == "pt":
                lhs = Affine.of(dim[1])
            else:
                lhs = a.cidx[dim[2]] + (Affine.of(dim[1]) if dim[1] is not None else 0)
            what = (lambda a=a, d=d: f"the access {_txt(a.cnode)} in {uni.sub.name} does not match "
                                     f"{_txt(a.bnode)} in dimension {d} of {bind.sym.name}", None, None)
            out.append(Equation(lhs, a.bidx[d], a.ctx, what))
    return out


def solve_cases(uni) -> Solution:
    """The first combination of layouts and signs that solves and passes every check."""
    options = []
    for bind in uni.bindings.values():
        lays = layouts(uni, bind)
        if not lays:
            uni.fail(lambda bind=bind: no_layout(uni, bind))
        options.append(lays)
    options += uni.alts
    nb = len(uni.bindings)
    first_unify = first_check = None
    for k, case in enumerate(product(*options)):
        if k >= MAX_CASES:
            break
        chosen = dict(zip(uni.bindings, case[:nb]))
        eqs = uni.eqs + list(case[nb:])
        unknowns = list(uni.holes)
        for bind, lay in zip(uni.bindings.values(), case[:nb]):
            eqs = eqs + layout_eqs(uni, bind, lay)
            unknowns += [d[1] for d in lay.dims if d[1] is not None]
        try:
            values = solve(uni, eqs, unknowns)
            verify(uni, eqs, values)
            sol = Solution(values, {s: v[0] for s, v in uni.bools.items()}, uni.bindings, chosen, uni)
            sol.args = check_call(uni, sol)
            return sol
        except Mismatch as e:
            if e.check:
                first_check = first_check or e
            else:
                first_unify = first_unify or e
    raise first_check or first_unify


def solve(uni, eqs, unknowns) -> dict:
    """Exact elimination: each unknown as an Affine over the caller's atoms."""
    order = {x: k for k, x in enumerate(unknowns)}
    pivots: dict = {}  # unknown -> (coefficients with its own = 1, right-hand side)
    for eq in eqs:
        coeffs, rest = {}, []
        for atom, c in eq.lhs.terms:
            if atom in order:
                coeffs[atom] = Fraction(c)
            elif type(atom) is not Sym and not atom.leaves().isdisjoint(order):
                uni.fail(lambda eq=eq: _eq_text(uni, eq, None, "divides or multiplies an argument"))
            else:
                rest.append((atom, c))
        if not coeffs:
            continue
        rhs = _vec(eq.rhs - Affine(rest, eq.lhs.const))
        for x, (pc, pr) in pivots.items():
            c = coeffs.get(x)
            if c:
                coeffs = _axpy(coeffs, pc, -c)
                rhs = _axpy(rhs, pr, -c)
        if not coeffs:
            continue  # dependent: verify() checks it
        x = min(coeffs, key=order.__getitem__)
        c = coeffs[x]
        coeffs = {k: v / c for k, v in coeffs.items()}
        rhs = {k: v / c for k, v in rhs.items()}
        for y, (pc, pr) in list(pivots.items()):
            k = pc.get(x)
            if k:
                pivots[y] = (_axpy(pc, coeffs, -k), _axpy(pr, rhs, -k))
        pivots[x] = (coeffs, rhs)
    values = {}
    for x in unknowns:
        row = pivots.get(x)
        if row is None or len(row[0]) > 1:
            uni.fail(lambda x=x: f"{_unknown_text(uni, x)} is not determined by the code")
        pr = row[1]
        if any(v.denominator != 1 for v in pr.values()):
            uni.fail(lambda x=x, pr=pr: f"{_unknown_text(uni, x)} would have to be {_frac_text(pr)}, which "
                                        "is not an integer expression")
        values[x] = Affine({a: int(v) for a, v in pr.items() if a is not None}, int(pr.get(None, 0)))
    for x, v in values.items():
        bad = [y for y in v.leaves() if y in uni.block_bound]
        if bad:
            uni.fail(lambda x=x, v=v, bad=bad: f"{_unknown_text(uni, x)} would be {v}, which uses "
                                               f"{bad[0].name}, bound inside the block")
    return values


def verify(uni, eqs, values) -> None:
    """Each equation holds with the solution substituted (identically or proven)."""
    for eq in eqs:
        lhs = eq.lhs.subst(values)
        if lhs == eq.rhs:
            continue
        facts = uni.facts_walker()[0] | eq.ctx
        if not SOLVER.prove(L.eq0(lhs - eq.rhs), facts):
            uni.fail(lambda eq=eq, lhs=lhs: _eq_text(uni, eq, lhs))


def _eq_text(uni, eq: Equation, lhs, why: str | None = None) -> str:
    what, cs, bs = eq.what
    text = what()
    if cs is not None:
        text = text.format(callee=f"{lhs if lhs is not None else eq.lhs}", caller=f"{eq.rhs}", code=where(bs))
    if why:
        return f"{text}: {uni.sub.name} {why}"
    return text


def _unknown_text(uni, s: Sym) -> str:
    if s.name.startswith("$"):
        name, _, kind = s.name[1:].rpartition("_")
        part = "the offset" if kind.startswith("off") else "the index"
        return f"{part} in dimension {kind[-1]} of the window passed as '{name}' to {uni.sub.name}"
    return f"the argument '{s.name}' of {uni.sub.name}"


def _frac_text(vec: dict) -> str:
    parts = [f"{v} * {a.name if isinstance(a, Sym) else a}" for a, v in vec.items() if a is not None and v]
    if vec.get(None):
        parts.append(str(vec[None]))
    return " + ".join(parts) or "0"


def _vec(a: Affine) -> dict:
    out = {atom: Fraction(c) for atom, c in a.terms}
    if a.const:
        out[None] = Fraction(a.const)
    return out


def _axpy(x: dict, y: dict, k) -> dict:
    """``x + k * y`` without zero entries."""
    out = dict(x)
    for a, v in y.items():
        w = out.get(a, 0) + k * v
        if w:
            out[a] = w
        else:
            out.pop(a, None)
    return out


__all__ = ["solve_cases", "solve", "verify", "layouts"]
