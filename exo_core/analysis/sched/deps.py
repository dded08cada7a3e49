"""Pairwise dependence queries between two sets of accesses.

``find_conflict(first, second, extra, conflicts)``: for every pair ``a`` in ``first``,
``b`` in ``second`` on the same location kind whose kinds ``conflicts`` (e.g. a write
and a read), ask the solver to prove the two index tuples differ under
``a.facts & b.facts & extra``. The second set is usually a renamed copy (another
iteration, another block). The first pair not proven disjoint is returned with the
solver's counterexample (when it found one) for the message.
"""

from __future__ import annotations

from ...ir.sym import Sym
from .. import logic as L
from ..affine import ConfigAtom
from ..fmt import model_str
from ..solver import SOLVER


def commutes(a: str, b: str) -> bool:
    """Whether two accesses of one location commute (Exo's ``Commutes``): reads commute
    with reads, reductions with reductions."""
    return (a == "read" and b == "read") or (a == "reduce" and b == "reduce")


def races(a: str, b: str) -> bool:
    """Conflict for parallel iterations: any write or reduction (``+=`` is not atomic)."""
    return a != "read" or b != "read"


def conflicting(a: str, b: str) -> bool:
    return not commutes(a, b)


def disjoint_goal(a, b):
    """A formula saying the locations of ``a`` and ``b`` differ (FALSE if unknown)."""
    if len(a.idx) != len(b.idx):
        return L.FALSE
    parts = []
    for x, y in zip(a.idx, b.idx):
        if x is None or y is None:
            continue
        parts.append(L.disj((L.ge(x - y - 1), L.ge(y - x - 1))))
    return L.disj(parts) if parts else L.FALSE


def find_conflict(first, second, extra=frozenset(), conflict=conflicting):
    """The first ``(a, b, model)`` of ``first`` x ``second`` that may touch one location
    with conflicting kinds, or None."""
    by_root: dict = {}
    for b in second:
        by_root.setdefault(b.root, []).append(b)
    for a in first:
        for b in by_root.get(a.root, ()):
            if not conflict(a.kind, b.kind):
                continue
            r = SOLVER.check(disjoint_goal(a, b), a.facts | b.facts | extra)
            if not r.proven:
                return a, b, r.model
    return None


# --------------------------------------------------------------------------- messages


def verb(kind: str) -> str:
    return {"read": "reads", "write": "writes", "reduce": "reduces"}[kind]


def line(a) -> str:
    src = a.src
    return f"line {src.line}" if src is not None and src.line else "generated code"


def access_text(a) -> str:
    return f"{a.what} ({line(a)})"


def when(model, exclude=(), second=None) -> str:
    """`` (e.g. when n = 4, i = 3)`` from a counterexample. ``second``: ``(access, mapping,
    label)`` also shows the renamed copy's variables of that access (``label``)."""
    if not model:
        return ""
    ex = set(exclude)
    keys = [k for k in model if k not in ex and not (type(k) is ConfigAtom and k.version) and
            not (type(k) is Sym and (k.name.endswith("'") or k.name.startswith("$")))]
    s = model_str(model, keys)
    if second is not None:
        acc, mapping, label = second
        leaves = set()
        for i in acc.idx:
            if i is not None:
                leaves |= i.leaves()
        vals = []
        for orig, new in mapping.items():
            if type(orig) is Sym and not orig.name.startswith("$") and new.leaves() & leaves:
                v = new.eval(model)
                if v is not None:
                    vals.append(f"{orig.name} = {v}")
        if vals:
            s = (s + "; " if s else "") + ", ".join(vals) + f" in {label}"
    return f" (e.g. when {s})" if s else ""


def values(model, syms, mapping=None) -> str | None:
    """``i = 0, j = 1`` for ``syms`` (renamed through ``mapping``) under ``model``."""
    if not model:
        return None
    out = []
    for s in syms:
        a = mapping.get(s) if mapping else None
        v = a.eval(model) if a is not None else model.get(s)
        if v is None:
            return None
        out.append(f"{s.name} = {v}")
    return ", ".join(out)


def iteration_pair(model, syms, mapping):
    """``("i = 0", "i = 1")`` for the two copies, or None if the model lacks them."""
    v1, v2 = values(model, syms), values(model, syms, mapping)
    if v1 is None or v2 is None:
        return None
    return v1, v2
