"""Compiling a procedure's statements to closures, and running a compiled procedure.

A ``CompiledProc`` is built once per ``ProcDef`` (kept in a small LRU cache keyed by the
ProcDef's identity) and reused by every run and every call site.
"""

from __future__ import annotations

from collections import OrderedDict
from operator import itemgetter

import numpy as np

from ..errors import InterpreterError
from ..ir.nodes import (
    Alloc,
    Assign,
    Call,
    For,
    Free,
    If,
    Pass,
    ProcDef,
    Read,
    ReadConfig,
    Reduce,
    StrideExpr,
    WindowExpr,
    WindowStmt,
    WriteConfig,
)
from ..ir.printer import expr_to_str
from ..ir.types import ControlType, ScalarType, Tensor
from ..ir.visit import walk
from .exprs import BufInfo, ExprCompiler
from .values import concrete, dtype_of, fresh_storage, is_int, scalar_class, wrap32, wrap_fn

_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 256
_IN_PROGRESS: set = set()


def compile_proc(pd: ProcDef) -> CompiledProc:
    cp = _CACHE.get(pd)
    if cp is not None:
        _CACHE.move_to_end(pd)
        return cp
    if pd in _IN_PROGRESS:
        raise InterpreterError(f"procedure {pd.name} calls itself (directly or not)", pd.srcinfo)
    _IN_PROGRESS.add(pd)
    try:
        cp = _ProcCompiler(pd).build()
    finally:
        _IN_PROGRESS.discard(pd)
    _CACHE[pd] = cp
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return cp


def _seq(fs):
    fs = tuple(f for f in fs if f is not None)
    if not fs:
        return None
    if len(fs) == 1:
        return fs[0]
    if len(fs) == 2:
        a, b = fs

        def run2(env):
            a(env)
            b(env)

        return run2

    def run(env):
        for f in fs:
            f(env)

    return run


class CompiledProc:
    """A procedure ready to run: ``invoke(state, values)`` with one value per parameter."""

    def __init__(self, ir: ProcDef, nslots: int, arg_slots, tensor_checks, size_slots, preds, body):
        self.ir = ir
        self.nslots = nslots
        self.arg_slots = arg_slots
        self.tensor_checks = tensor_checks
        self.size_slots = size_slots
        self.preds = preds
        self.body = body
        self.written: frozenset = _written_args(ir)

    def invoke(self, state, values, site=None) -> None:
        env = [None] * self.nslots
        env[0] = state
        for k, v in zip(self.arg_slots, values):
            env[k] = v
        for k, name in self.size_slots:
            if env[k] <= 0:
                raise self._arg_error(site, f"size argument '{name}' must be positive, got {env[k]}")
        for k, name, extents, dt in self.tensor_checks:
            a = env[k]
            if a.dtype != dt:
                raise self._arg_error(site, f"argument '{name}' must have dtype {dt}, got {a.dtype}")
            shape = tuple(f(env) for f in extents)
            if a.shape != shape:
                raise self._arg_error(
                    site, f"argument '{name}' must have shape {shape}, got {tuple(a.shape)}")
        for pred, test, shown in self.preds:
            if not test(env):
                vals = ", ".join(f"{text} = {f(env)}" for text, f in shown)
                where = "" if site is None else f" of {self.ir.name} (declared at {pred.srcinfo})"
                raise InterpreterError(
                    f"precondition {expr_to_str(pred)}{where} failed" + (f" ({vals})" if vals else ""),
                    pred.srcinfo if site is None else site,
                )
        if self.body is not None:
            self.body(env)

    def _arg_error(self, site, msg):
        if site is None:
            return InterpreterError(f"{self.ir.name}: {msg}", self.ir.srcinfo)
        return InterpreterError(f"call of {self.ir.name}: {msg}", site)


def _written_args(pd: ProcDef) -> frozenset:
    """The parameters ``pd`` may write (directly, through a window, or through a call)."""
    root = {a.name: a.name for a in pd.args}
    written = set()
    for s in walk(pd.body):
        if isinstance(s, WindowStmt):
            root[s.name] = root.get(s.rhs.name, s.rhs.name)
        elif isinstance(s, (Assign, Reduce)):
            written.add(root.get(s.name, s.name))
        elif isinstance(s, Call):
            callee_written = compile_proc(s.proc).written
            for fa, arg in zip(s.proc.args, s.args):
                if fa.name in callee_written and isinstance(arg, (Read, WindowExpr)):
                    written.add(root.get(arg.name, arg.name))
    return frozenset(a.name for a in pd.args if a.name in written)


class _ProcCompiler(ExprCompiler):
    def __init__(self, pd: ProcDef):
        super().__init__(pd.name)
        self.pd = pd
        self.nslots = 1  # env[0] is the ConfigState

    def bind(self, sym, type, is_window: bool) -> int:
        info = self.bufs.get(sym)
        if info is None:
            info = self.bufs[sym] = BufInfo(self.nslots, type, is_window)
            self.nslots += 1
        else:  # the same Sym bound twice (duplicated code): reuse its slot
            info.type, info.is_window = type, is_window
        return info.slot

    def build(self) -> CompiledProc:
        pd = self.pd
        arg_slots = [
            self.bind(a.name, a.type, isinstance(a.type, Tensor) and a.type.is_window) for a in pd.args
        ]
        tensor_checks, size_slots = [], []
        for a, k in zip(pd.args, arg_slots):
            if isinstance(a.type, Tensor):
                extents = tuple(self.control(h) for h in a.type.hi)
                tensor_checks.append((k, a.name.name, extents, dtype_of(concrete(a.type.base))))
            elif isinstance(a.type, ScalarType):
                tensor_checks.append((k, a.name.name, (), dtype_of(concrete(a.type))))
            elif a.type.name == "size":
                size_slots.append((k, a.name.name))
        preds = [(p, self.control(p), self._shown(p)) for p in pd.preds]
        body = self.block(pd.body)
        return CompiledProc(pd, self.nslots, arg_slots, tensor_checks, size_slots, preds, body)

    def _shown(self, pred):
        """The variables a failed precondition message lists with their values."""
        seen, out = set(), []
        for e in walk(pred):
            if isinstance(e, (Read, StrideExpr, ReadConfig)):
                text = expr_to_str(e)
                if text not in seen:
                    seen.add(text)
                    out.append((text, self.control(e)))
        return out

    # --- statements ----------------------------------------------------------------
    def block(self, stmts):
        return _seq([self.stmt(s) for s in stmts])

    def stmt(self, s):
        if isinstance(s, Assign):
            return self._store(s, self.info(s.name, s), reduce=False)
        if isinstance(s, Reduce):
            return self._store(s, self.info(s.name, s), reduce=True)
        if isinstance(s, WriteConfig):
            return self._write_config(s)
        if isinstance(s, Pass):
            return None
        if isinstance(s, If):
            return self._if(s)
        if isinstance(s, For):
            return self._for(s)
        if isinstance(s, Alloc):
            return self._alloc(s)
        if isinstance(s, Free):
            k = self.info(s.name, s).slot

            def free(env):
                env[k] = None

            return free
        if isinstance(s, WindowStmt):
            view = self.window(s.rhs)
            k = self.bind(s.name, s.rhs.type, True)

            def bind_window(env):
                env[k] = view(env)

            return bind_window
        if isinstance(s, Call):
            return self._call(s)
        raise InterpreterError(f"cannot interpret statement {type(s).__name__}", s.srcinfo)

    def _if(self, s: If):
        cond, body, orelse = self.control(s.cond), self.block(s.body), self.block(s.orelse)
        if orelse is None:
            if body is None:
                return None

            def if_(env):
                if cond(env):
                    body(env)

            return if_

        def if_else(env):
            if cond(env):
                if body is not None:
                    body(env)
            else:
                orelse(env)

        return if_else

    def _for(self, s: For):
        lo, hi = self.control(s.lo), self.control(s.hi)
        k = self.bind(s.iter, None, False)
        body = self.block(s.body)
        if body is None:
            return None

        # ``par`` loops run sequentially: the race check guarantees the order does not matter.
        def loop(env):
            for v in range(lo(env), hi(env)):
                env[k] = v
                body(env)

        return loop

    def _alloc(self, s: Alloc):
        t = s.type
        base = t.base if isinstance(t, Tensor) else t
        extents = tuple(self.control(h) for h in t.hi) if isinstance(t, Tensor) else ()
        k = self.bind(s.name, t, False)
        src, name = s.srcinfo, s.name.name

        def alloc(env):
            shape = tuple(f(env) for f in extents)
            if any(n < 0 for n in shape):
                raise InterpreterError(f"allocation of {name} with negative extent {shape}", src)
            env[k] = fresh_storage(shape, base)

        return alloc

    def _store(self, s, info: BufInfo, reduce: bool):
        t = concrete(info.type.basetype())
        rhs = self.cast(s.rhs, t, s.srcinfo)
        k = info.slot
        fs = self.indices(s.idx)
        kind = "reduce" if reduce else "write"
        oob = self.oob
        if reduce:
            if is_int(t):
                wrap = wrap_fn(t)

                def combine(old, v):
                    return wrap(wrap32(int(old) + v))
            else:
                combine = None
        if not fs:
            if not reduce:

                def set0(env):
                    env[k][()] = rhs(env)

                return set0
            if combine is None:

                def red0(env):
                    env[k][()] += rhs(env)

                return red0

            def red0_int(env):
                a = env[k]
                a[()] = combine(a[()], rhs(env))

            return red0_int

        def index(env):
            ix = tuple(f(env) for f in fs)
            if min(ix) < 0:
                raise oob(kind, s, ix, env[k])
            return ix

        if len(fs) == 1:
            (f0,) = fs

            def index(env):  # noqa: F811 - the common case, without the tuple
                i = f0(env)
                if i < 0:
                    raise oob(kind, s, (i,), env[k])
                return i

        if not reduce:

            def assign(env):
                ix = index(env)
                v = rhs(env)
                try:
                    env[k][ix] = v
                except IndexError:
                    raise oob(kind, s, ix if isinstance(ix, tuple) else (ix,), env[k]) from None

            return assign

        def reduce_(env):
            ix = index(env)
            v = rhs(env)
            a = env[k]
            try:
                if combine is None:
                    a[ix] += v
                else:
                    a[ix] = combine(a[ix], v)
            except IndexError:
                raise oob(kind, s, ix if isinstance(ix, tuple) else (ix,), a) from None

        return reduce_

    def _write_config(self, s: WriteConfig):
        cfg, field = s.config, s.field
        t = cfg.lookup_type(field)
        if isinstance(t, ControlType):
            rhs = self.control(s.rhs)
        else:
            rhs = self.cast(s.rhs, t, s.srcinfo)

        def write_config(env):
            env[0].write(cfg, field, rhs(env))

        return write_config

    # --- calls -----------------------------------------------------------------------
    def _call(self, s: Call):
        callee = compile_proc(s.proc)
        if len(s.args) != len(s.proc.args):
            raise InterpreterError(
                f"call of {s.proc.name} with {len(s.args)} arguments; it takes {len(s.proc.args)}",
                s.srcinfo)
        fs = tuple(self._call_arg(fa, a, s) for fa, a in zip(s.proc.args, s.args))
        invoke, site = callee.invoke, s.srcinfo

        def call(env):
            invoke(env[0], [f(env) for f in fs], site)

        return call

    def _call_arg(self, fa, arg, s: Call):
        t = fa.type
        if isinstance(t, ControlType):
            return self.control(arg)
        if isinstance(arg, WindowExpr):
            return self.window(arg)
        if isinstance(arg, Read):
            info = self.info(arg.name, arg)
            if not arg.idx:
                # A whole buffer, or a scalar: the callee sees (and may write) the caller's storage.
                return itemgetter(info.slot)
            if isinstance(t, ScalarType):
                return self._element_ref(arg, info)
        if isinstance(t, ScalarType):
            # A value without storage (a config field, a literal): the callee gets a copy.
            val = self.cast(arg, t, s.srcinfo)
            cls = scalar_class(t)
            dt = dtype_of(concrete(t))
            return lambda env: np.array(cls(val(env)), dtype=dt)
        raise InterpreterError(
            f"cannot pass {expr_to_str(arg)} to the tensor parameter {fa.name.name} of {s.proc.name}",
            arg.srcinfo)

    def _element_ref(self, arg: Read, info: BufInfo):
        """A 0-d view of one element, so that a callee writing its scalar parameter writes it."""
        k, fs = info.slot, self.indices(arg.idx)
        oob = self.oob

        def ref(env):
            a = env[k]
            ix = tuple(f(env) for f in fs)
            if min(ix) < 0 or any(i >= n for i, n in zip(ix, a.shape)):
                raise oob("read", arg, ix, a)
            return a[ix + (Ellipsis,)]

        return ref


__all__ = ["compile_proc", "CompiledProc"]
