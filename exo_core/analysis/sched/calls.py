"""A call's accesses: the callee's own accesses, mapped through the call's arguments.

The callee is analysed once (``summary``, cached per ``ProcDef``): its accesses to its
parameters and to config fields, as regions over the callee's own atoms (parameters,
loop iterators, strides, config versions), under the callee's facts (its preconditions,
which the bounds checker enforces at every call, and its loop ranges). At a call site
the callee's atoms are substituted: control parameters by the argument's form, strides
by the argument's strides, entry config values by the caller's current versions, and
everything bound inside the callee by fresh atoms local to the caller's block. Buffer
parameters are mapped through the argument (a whole buffer or a window) into the
caller's root coordinates. A dimension whose index is not affine becomes a fresh
variable ranging over the parameter's extent: the whole argument window.
"""

from __future__ import annotations

from ...ir.nodes import Read, ReadConfig, WindowExpr
from ...ir.sym import Sym
from ...ir.types import ControlType, Tensor
from .. import logic as L
from ..affine import Affine, ConfigAtom, StrideAtom
from ..context import extend
from ..fmt import Label
from ..logic import Formula

_SUMMARIES: dict = {}


class Summary:
    __slots__ = ("accesses", "internal", "extents")

    def __init__(self, accesses, internal, extents):
        self.accesses = accesses  # Access list, roots = callee params or config keys
        self.internal = internal  # atoms bound inside the callee
        self.extents = extents  # param Sym -> tuple of Affine|None (callee terms)


def summary(callee) -> Summary:
    got = _SUMMARIES.get(callee)
    if got is not None:
        return got
    from .collect import Collector

    if not callee.body:
        s = Summary([], [], {})
    else:
        c = Collector(callee, ((), "body", 0, len(callee.body)))
        eff = c.run()
        # Preconditions are evaluated at every call (the C code trusts them), so a config
        # field they read is read by the call.
        for pred in callee.preds:
            c.expr(pred, eff.facts)
        params = {a.name for a in callee.args}
        accs = [a for a in eff.accesses if type(a.root) is tuple or a.root in params]
        extents = {}
        for a in callee.args:
            if isinstance(a.type, Tensor):
                extents[a.name] = c.extents(a.type.hi)
        s = Summary(accs, list(c.bound), extents)
    if len(_SUMMARIES) > 1024:
        _SUMMARIES.clear()
    _SUMMARIES[callee] = s
    return s


def call_accesses(w, s, facts) -> None:
    """Record on collector ``w`` the accesses of call ``s`` (made with ``facts``)."""
    callee = s.proc
    summ = summary(callee)
    mapping: dict = {}
    bufargs: dict = {}
    for p, a in zip(callee.args, s.args):
        if isinstance(p.type, ControlType):
            if p.type.name == "bool":
                v = w.formula(a)
                if v is None:
                    v = _fresh_bool(w, p.name)
                mapping[p.name] = v
            else:
                v = w.affine(a)
                if v is None:
                    v, _ = w.fresh(p.name.name, facts)
                mapping[p.name] = v
        else:
            bufargs[p.name] = a
    for atom in summ.internal:
        if type(atom) is Sym:
            j = Sym(atom.name)
            w.bound.append(j)
            mapping[atom] = Affine.of(j)
        elif type(atom) is ConfigAtom:
            new = atom.next()
            w.bound.append(new)
            mapping[atom] = Affine.of(new)
    leaves = set()
    for acc in summ.accesses:
        for f in acc.facts:
            leaves |= f.leaves()
        for i in acc.idx:
            if i is not None:
                leaves |= i.leaves()
    for leaf in leaves:
        if leaf in mapping:
            continue
        if type(leaf) is StrideAtom and leaf.sym in bufargs:
            mapping[leaf] = _arg_stride(w, bufargs[leaf.sym], leaf.dim)
        elif type(leaf) is ConfigAtom and leaf.version == 0:
            mapping[leaf] = Affine.of(w.env.config(leaf.config, leaf.field))
    name = callee.name
    for acc in summ.accesses:
        afacts = facts | frozenset(L.subst(f, mapping) for f in acc.facts)
        where = Label("{} in {}".format, acc.what, name)
        if type(acc.root) is tuple:
            w._add(acc.kind, acc.root, (), afacts, where, s)
            continue
        a = bufargs.get(acc.root)
        if a is None:
            continue
        idx = []
        exts = summ.extents.get(acc.root, ())
        for d, i in enumerate(acc.idx):
            if i is None:
                ext = exts[d] if d < len(exts) else None
                ext = None if ext is None else ext.subst(mapping)
                j, afacts = w.fresh("$j", afacts, Affine.constant(0), ext)
                idx.append(j)
            else:
                idx.append(i.subst(mapping))
        mapped = _through_arg(w, a, idx)
        if mapped is None:
            continue
        root, ridx, what = mapped
        w._add(acc.kind, root, ridx, afacts, Label("{} (argument {})".format, where, what), s)


def _fresh_bool(w, sym):
    j = Sym(sym.name)
    w.bound.append(j)
    return L.BVar(j)


def _through_arg(w, a, idx):
    """Callee coordinates ``idx`` of the argument ``a`` -> (root, root coordinates, text)."""
    from ..fmt import expr_str

    if type(a) is ReadConfig:
        return (a.config, a.field), (), expr_str(a)
    if type(a) is Read:
        if a.idx:
            root, ridx = w.to_root(a.name, [w.affine(e) for e in a.idx])
            return root, ridx, expr_str(a)
        root, ridx = w.to_root(a.name, idx)
        return root, ridx, a.name.name
    if type(a) is WindowExpr:
        wd = w.window_dims(a)
        if wd is None:
            return None
        root, dims, _ = wd
        out, k = [], 0
        for d in dims:
            if d[0] == "pt":
                out.append(d[1])
            else:
                i = idx[k] if k < len(idx) else None
                k += 1
                out.append(None if d[1] is None or i is None else d[1] + i)
        return root, tuple(out), expr_str(a)
    return None


def _arg_stride(w, a, d) -> Affine:
    return w.arg_stride(a, d, Affine.of(StrideAtom(Sym("$stride"), d)))


__all__ = ["summary", "call_accesses", "Formula", "extend"]
