"""Rewrites of a buffer's dimensions: ``resize_dim`` (and its circular ``fold`` form),
``expand_dim``, ``rearrange_dim``, ``divide_dim``, ``mult_dim``, ``unroll_buffer``.

Each changes the allocation's type and rewrites every access in its scope. The accesses
of the result are then bounds-checked (``check_bounds``): a rewrite never produces an
out-of-bounds access. Strides are only rewritten where their values stay the same.
"""

from __future__ import annotations

from ..errors import SchedulingError
from ..ir import (
    INT,
    Alloc,
    Const,
    Interval,
    Point,
    ProcDef,
    Tensor,
    WindowExpr,
)
from . import build as B
from . import forward as fw
from .buffer_util import (
    access_mapper,
    alloc_at,
    check_failed,
    extents,
    full_window,
    refuse_uses,
    rewrite_scope,
    scope_of,
)
from .describe import where


def _checked(p: ProcDef, sym) -> None:
    from ..analysis.sched import CheckFailed, check_bounds

    try:
        check_bounds(p, sym)
    except CheckFailed as err:
        raise check_failed(err) from None


def _dim_arg(a: Alloc, dim: int, what: str = "dim_idx") -> None:
    n = len(extents(a.type))
    if not 0 <= dim < n:
        raise SchedulingError(f"{a.name.name} has {n} dimension(s); there is no dimension {dim} ({what})")


def _retype(a: Alloc, his: tuple) -> Alloc:
    base = a.type.basetype()
    return a.update(type=Tensor(tuple(his), False, base) if his else base)


# --------------------------------------------------------------------------- resize_dim


def resize_dim(p: ProcDef, alloc_path: tuple, dim: int, size, offset, fold: bool = False):
    """Give dimension ``dim`` the extent ``size``; every index ``e`` in it becomes
    ``e - offset`` (``fold``: ``e % size``, a circular buffer; ``size`` a literal).

    Checked: ``size > 0`` and every access of the result is in bounds. ``fold`` also
    needs the folded locations never to clobber a value still to be read: either all
    accessed locations of the dimension lie within ``size`` of each other, or every
    access is inside one sequential loop of the scope whose iterations slide over the
    dimension (index ``i + c``) with all offsets ``c`` within ``size`` of each other."""
    a = alloc_at(p, alloc_path)
    _dim_arg(a, dim)
    parent, field, k, stmts = scope_of(p, alloc_path)
    scope = stmts[k + 1:]
    name = a.name.name
    his = list(extents(a.type))
    if fold:
        if not isinstance(size, Const) or size.type != INT or size.val <= 0:
            raise SchedulingError(f"fold=True needs a positive integer literal size, got {_show(size)}")
        refuse_uses(scope, a.name, f"cannot fold {name}", whole=True, strides=True)
        _refuse_interval_in_dim(scope, a.name, dim, f"cannot fold {name}")
        _check_fold(p, alloc_path, a, dim, size.val)

        def fix(e):
            return B.mod(e, size.val, e.srcinfo)
    else:
        refuse_uses(scope, a.name, f"cannot resize {name}", whole_to_windows=True)
        _refuse_strides_before(scope, a.name, dim, f"cannot resize {name}")

        def fix(e):
            return B.sub(e, offset, e.srcinfo)

    his[dim] = size

    def point(n):
        return n.update(idx=n.idx[:dim] + (fix(n.idx[dim]),) + n.idx[dim + 1:])

    def window(n):
        w = n.idx[dim]
        if isinstance(w, Point):
            w = w.update(pt=fix(w.pt))
        else:
            w = w.update(lo=fix(w.lo), hi=fix(w.hi))
        return n.update(idx=n.idx[:dim] + (w,) + n.idx[dim + 1:])

    new = rewrite_scope(p, alloc_path, (_retype(a, his),), access_mapper(
        a.name, point=point, window=window, whole=lambda n: window(full_window(n))))
    _checked(new, a.name)
    return new, fw.identity


def _show(e) -> str:
    from ..ir.printer import expr_to_str

    return expr_to_str(e) if hasattr(e, "type") else repr(e)


def _refuse_interval_in_dim(scope, sym, dim, what):
    from ..ir.visit import walk

    for n in walk(tuple(scope)):
        if isinstance(n, WindowExpr) and n.name is sym and isinstance(n.idx[dim], Interval):
            raise SchedulingError(f"{what}: the window {where(n)} spans dimension {dim}")


def _refuse_strides_before(scope, sym, dim, what):
    """Strides of dimensions before ``dim`` change when ``dim``'s extent does (and those
    of windows of the buffer may)."""
    from ..ir import StrideExpr
    from ..ir.visit import walk
    from .buffer_util import aliases

    names = aliases(scope, sym)
    for n in walk(tuple(scope)):
        if isinstance(n, StrideExpr) and ((n.name is sym and n.dim < dim) or n.name in names):
            raise SchedulingError(f"{what}: {where(n)} reads a stride of {n.name.name}, whose value "
                                  "would change")


def _fold_sliding(accs, loop, lpath, eff, dim: int, size: int, spans):
    """None if every access, as ``i + c`` in iteration ``i`` of ``loop`` (the statements
    before the loop as iteration ``lo - 1``), has its offset ``c`` within ``size`` of
    every other; else the reason it is not.

    Why that suffices: let offsets lie in ``[cmin, cmax]`` with ``cmax - cmin < size``. A
    value at ``p`` written in iteration ``j`` and read in iteration ``i >= j`` could only
    be clobbered by a write to ``q = p + k*size`` (``k != 0``) in iteration ``j'``. For
    ``k >= 1``, ``j' = q - c' >= i + size - (cmax - cmin) > i``: after the read. For
    ``k <= -1``, ``j' <= j - size + (cmax - cmin) < j``: before the write. Within one
    iteration the locations span less than ``size``, so they stay distinct."""
    from ..analysis.sched.collect import rename

    it = loop.iter
    n = len(lpath)
    for x in accs:
        if x.path[:n] != lpath:
            continue
        e = x.idx[dim]
        if e.coeff(it) != 1 or it in e.without(it).leaves():
            return f"the index of {x.what} in dimension {dim} does not advance by 1 with {it.name}"
    mapping = rename(eff.locals())
    it2 = mapping[it].atoms()[0]
    before = loop.lo - 1

    def off(orig, x):
        if orig.path[:n] == lpath:
            return x.idx[dim].without(it2 if x is not orig else it)
        return x.idx[dim] - before

    hit = spans(off, mapping)
    if hit is None:
        return None
    return (f"{hit[0].what} and {hit[1].what} may be {size} or more apart in dimension {dim} "
            f"relative to {it.name}")


def _check_fold(p: ProcDef, alloc_path, a: Alloc, dim: int, size: int) -> None:
    from ..analysis import logic as L
    from ..analysis.sched import CheckFailed
    from ..analysis.sched.collect import collect, rename, renamed
    from ..analysis.solver import SOLVER
    from ..ir import For

    parent, field, k, stmts = scope_of(p, alloc_path)
    if k + 1 >= len(stmts):
        return
    try:
        eff = collect(p, (parent, field, k + 1, len(stmts)))
    except CheckFailed as err:
        raise check_failed(err) from None
    accs = [x for x in eff.accesses if x.root is a.name]
    if not accs:
        return
    name = a.name.name
    for x in accs:
        if len(x.idx) <= dim or x.idx[dim] is None:
            raise SchedulingError(f"cannot fold {name}: the index of {x.what} in dimension {dim} "
                                  "is not an affine expression")

    def spans(off, mapping):
        """The first pair of accesses (second one renamed) whose offsets may be ``size``
        or more apart, or None."""
        for x in accs:
            for y in accs:
                y2 = renamed(y, mapping)
                d = off(x, x) - off(y, y2)
                if not SOLVER.prove(L.ge(size - 1 - d), x.facts | y2.facts):
                    return x, y
        return None

    # 1. all accessed locations within `size` of each other: folding is a bijection
    mapping = rename(eff.locals())
    if spans(lambda orig, x: x.idx[dim], mapping) is None:
        return
    # 2. a sliding window over one sequential loop of the scope (statements before it
    #    count as one more iteration, just before its first)
    base = len(parent) + 1
    heads = sorted({x.path[:base] for x in accs})
    lpath = heads[-1]
    loop = eff.loops.get(lpath)
    if loop is None or not isinstance(loop.stmt, For) or loop.stmt.loop_mode != "seq":
        bad = "the last statement using it is not a sequential loop"
    elif loop.lo is None:
        bad = f"the lower bound of the loop over {loop.iter.name} is not affine"
    else:
        bad = _fold_sliding(accs, loop, lpath, eff, dim, size, spans)
        if bad is None:
            return
    raise SchedulingError(
        f"cannot fold {name} to size {size}: the accessed locations in dimension {dim} are not "
        f"provably within {size} of each other, and {bad}: a folded write could overwrite a "
        "value still to be read")


# --------------------------------------------------------------------------- expand_dim


def expand_dim(p: ProcDef, alloc_path: tuple, alloc_dim, indexing_expr):
    """Add a leading dimension of extent ``alloc_dim``; every access uses
    ``indexing_expr`` in it. Checked: ``alloc_dim > 0`` and the accesses of the result
    are in bounds (``0 <= indexing_expr < alloc_dim`` wherever the buffer is used)."""
    a = alloc_at(p, alloc_path)
    parent, field, k, stmts = scope_of(p, alloc_path)
    scope = stmts[k + 1:]
    name = a.name.name
    refuse_uses(scope, a.name, f"cannot expand {name}", scalar_args=True, whole_to_windows=True)
    ie = indexing_expr

    def point(n):
        return n.update(idx=(_at(ie, n),) + tuple(n.idx))

    def window(n):
        return n.update(idx=(Point(_at(ie, n), srcinfo=n.srcinfo),) + tuple(n.idx))

    def stride(n):
        return n.update(dim=n.dim + 1)

    new_alloc = _retype(a, (alloc_dim,) + extents(a.type))
    new = rewrite_scope(p, alloc_path, (new_alloc,), access_mapper(
        a.name, point=point, window=window, whole=lambda n: window(full_window(n)), stride=stride))
    _checked(new, a.name)
    return new, fw.identity


def _at(e, n):
    return e.update(srcinfo=n.srcinfo) if e.srcinfo.line == 0 else e


# --------------------------------------------------------------------------- rearrange_dim


def rearrange_dim(p: ProcDef, alloc_path: tuple, perm: tuple):
    """Permute the dimensions: new dimension ``k`` is old dimension ``perm[k]``.
    Refused when the buffer is passed whole to a call or its strides are read; windows
    must keep their interval dimensions in the same order (their shape is unchanged)."""
    a = alloc_at(p, alloc_path)
    his = extents(a.type)
    if sorted(perm) != list(range(len(his))):
        raise SchedulingError(f"permute_vector {list(perm)} is not a permutation of "
                              f"{list(range(len(his)))} ({a.name.name} has {len(his)} dimension(s))")
    parent, field, k, stmts = scope_of(p, alloc_path)
    scope = stmts[k + 1:]
    name = a.name.name
    refuse_uses(scope, a.name, f"cannot rearrange {name}", whole=True, strides=True)

    def point(n):
        return n.update(idx=tuple(n.idx[j] for j in perm))

    def window(n):
        order = [j for j in perm if isinstance(n.idx[j], Interval)]
        if order != sorted(order):
            raise SchedulingError(f"cannot rearrange {name}: the window {where(n)} would change "
                                  "the order of its dimensions")
        return n.update(idx=tuple(n.idx[j] for j in perm))

    new = rewrite_scope(p, alloc_path, (_retype(a, tuple(his[j] for j in perm)),),
                        access_mapper(a.name, point=point, window=window))
    _checked(new, a.name)
    return new, fw.identity


# --------------------------------------------------------------------------- divide_dim


def divide_dim(p: ProcDef, alloc_path: tuple, dim: int, quotient: int):
    """Split dimension ``dim`` of extent ``E`` into ``E / quotient`` and ``quotient``;
    index ``e`` becomes ``e / quotient, e % quotient``. Checked: ``quotient`` divides
    ``E``; windows may only take a single index in that dimension."""
    from ..analysis.sched import prove_in_context

    a = alloc_at(p, alloc_path)
    _dim_arg(a, dim)
    his = extents(a.type)
    name = a.name.name
    e = his[dim]
    q = quotient
    if isinstance(e, Const):
        if e.val % q:
            raise SchedulingError(f"cannot divide dimension {dim} of {name}: its extent {e.val} is "
                                  f"not a multiple of {q}")
    elif not prove_in_context(p, alloc_path, B.cmp("==", B.mod(e, q), B.const(0))):
        raise SchedulingError(f"cannot divide dimension {dim} of {name}: its extent {_show(e)} is "
                              f"not provably a multiple of {q}")
    parent, field, k, stmts = scope_of(p, alloc_path)
    scope = stmts[k + 1:]
    refuse_uses(scope, a.name, f"cannot divide {name}", whole=True)
    _refuse_interval_in_dim(scope, a.name, dim, f"cannot divide {name}")

    def split(i):
        return (B.floordiv(i, q, i.srcinfo), B.mod(i, q, i.srcinfo))

    def point(n):
        return n.update(idx=n.idx[:dim] + split(n.idx[dim]) + n.idx[dim + 1:])

    def window(n):
        hi, lo = split(n.idx[dim].pt)
        src = n.idx[dim].srcinfo
        return n.update(idx=n.idx[:dim] + (Point(hi, srcinfo=src), Point(lo, srcinfo=src)) + n.idx[dim + 1:])

    def stride(n):
        return n if n.dim <= dim else n.update(dim=n.dim + 1)

    new_his = his[:dim] + (B.floordiv(e, q, e.srcinfo), B.const(q, e.srcinfo)) + his[dim + 1:]
    new = rewrite_scope(p, alloc_path, (_retype(a, new_his),),
                        access_mapper(a.name, point=point, window=window, stride=stride))
    _checked(new, a.name)
    return new, fw.identity


# --------------------------------------------------------------------------- mult_dim


def mult_dim(p: ProcDef, alloc_path: tuple, hi_dim: int, lo_dim: int):
    """Merge dimensions ``hi_dim`` and ``lo_dim`` (extent ``c``, a literal) into one of
    extent ``c * E_hi`` at ``hi_dim``'s place; indices become ``c * i_hi + i_lo``.
    Windows may keep an interval only in the ``lo_dim`` dimension."""
    a = alloc_at(p, alloc_path)
    _dim_arg(a, hi_dim, "hi_dim_idx")
    _dim_arg(a, lo_dim, "lo_dim_idx")
    name = a.name.name
    if hi_dim == lo_dim:
        raise SchedulingError(f"cannot multiply dimension {hi_dim} of {name} by itself")
    his = extents(a.type)
    c = his[lo_dim]
    if not isinstance(c, Const):
        raise SchedulingError(f"cannot multiply dimensions of {name}: the extent of dimension {lo_dim} "
                              f"({_show(c)}) is not an integer literal")
    parent, field, k, stmts = scope_of(p, alloc_path)
    scope = stmts[k + 1:]
    refuse_uses(scope, a.name, f"cannot multiply dimensions of {name}", whole=True, strides=True)

    def merged(seq, value):
        out = list(seq)
        out[hi_dim] = value
        del out[lo_dim]
        return tuple(out)

    def point(n):
        i_hi, i_lo = n.idx[hi_dim], n.idx[lo_dim]
        return n.update(idx=merged(n.idx, B.add(B.mul(B.const(c.val, i_hi.srcinfo), i_hi), i_lo)))

    def window(n):
        w_hi, w_lo = n.idx[hi_dim], n.idx[lo_dim]
        if isinstance(w_hi, Interval):
            raise SchedulingError(f"cannot multiply dimensions of {name}: the window {where(n)} spans "
                                  f"dimension {hi_dim}")
        base = B.mul(B.const(c.val, w_hi.srcinfo), w_hi.pt)
        if isinstance(w_lo, Point):
            w = Point(B.add(base, w_lo.pt), srcinfo=w_lo.srcinfo)
        else:
            w = Interval(B.add(base, w_lo.lo), B.add(base, w_lo.hi), srcinfo=w_lo.srcinfo)
        return n.update(idx=merged(n.idx, w))

    e_hi = his[hi_dim]
    new_his = merged(his, B.mul(B.const(c.val, e_hi.srcinfo), e_hi))
    new = rewrite_scope(p, alloc_path, (_retype(a, new_his),),
                        access_mapper(a.name, point=point, window=window))
    _checked(new, a.name)
    return new, fw.identity


# --------------------------------------------------------------------------- unroll_buffer


def unroll_buffer(p: ProcDef, alloc_path: tuple, dim: int):
    """Replace dimension ``dim`` (a literal extent ``n``) by ``n`` separate buffers
    ``x_0 ... x_{n-1}`` (only the used ones are allocated). Every index in that
    dimension must be an integer literal; windows may not span it."""
    from ..ir import Sym

    a = alloc_at(p, alloc_path)
    _dim_arg(a, dim, "dimension")
    his = extents(a.type)
    name = a.name.name
    n_ext = his[dim]
    if not isinstance(n_ext, Const):
        raise SchedulingError(f"cannot unroll {name}: the extent of dimension {dim} ({_show(n_ext)}) "
                              "is not an integer literal")
    parent, field, k, stmts = scope_of(p, alloc_path)
    scope = stmts[k + 1:]
    refuse_uses(scope, a.name, f"cannot unroll {name}", whole=True, strides=True)
    _refuse_interval_in_dim(scope, a.name, dim, f"cannot unroll {name}")
    rest = his[:dim] + his[dim + 1:]
    base = a.type.basetype()
    syms: dict = {}

    def literal(e, n):
        from ..analysis.affine import NonAffine, to_affine

        try:
            a = to_affine(e)
        except NonAffine:
            a = None
        if a is None or not a.is_const():
            raise SchedulingError(f"cannot unroll {name}: {where(n)} indexes dimension {dim} with "
                                  f"'{_show(e)}', which is not an integer constant")
        v = a.const
        if not 0 <= v < n_ext.val:
            raise SchedulingError(f"cannot unroll {name}: {where(n)} indexes dimension {dim} with {v}, "
                                  f"outside [0, {n_ext.val})")
        if v not in syms:
            syms[v] = Sym(f"{name}_{v}")
        return syms[v]

    def point(n):
        s = literal(n.idx[dim], n)
        return n.update(name=s, idx=n.idx[:dim] + n.idx[dim + 1:])

    def window(n):
        s = literal(n.idx[dim].pt, n)
        return n.update(name=s, idx=n.idx[:dim] + n.idx[dim + 1:])

    fn = access_mapper(a.name, point=point, window=window)
    from ..ir.visit import map_bottom_up

    body = map_bottom_up(scope, fn)
    new_type = Tensor(tuple(rest), False, base) if rest else base
    allocs = tuple(Alloc(syms[v], new_type, a.mem, srcinfo=a.srcinfo) for v in sorted(syms))
    from ..ir.paths import splice

    new = splice(p, parent, field, k, len(stmts), allocs + tuple(body))
    for sym in syms.values():
        _checked(new, sym)
    return new, fw.after_splice(parent, field, k, k + 1, len(allocs))
