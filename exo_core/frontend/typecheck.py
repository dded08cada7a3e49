"""Untyped AST -> typed LoopIR, raising on the first ill-typed construct.

Besides assigning types (docs/internals.md, "LoopIR rules" and "Precision rules") this
pass desugars partial indexing into windows, turns fresh assignments into WindowStmts,
gives every splice of a quoted fragment its own binders, and enforces: control/data
separation, quasi-affine index arithmetic, call argument kinds/ranks/precisions and the
no-aliasing rule, config field kinds, stride dimensions, extern argument checks, and
Exo's rule that config writes do not depend on loop iterators.
"""

from __future__ import annotations

from ..errors import PrecisionError, TypeCheckError
from ..extern import _EErr
from ..ir.nodes import (
    Alloc,
    Assign,
    BinOp,
    Call,
    Const,
    Extern,
    FnArg,
    For,
    If,
    Interval,
    Pass,
    Point,
    ProcDef,
    Read,
    ReadConfig,
    Reduce,
    StrideExpr,
    USub,
    WindowExpr,
    WindowStmt,
    WriteConfig,
)
from ..ir.sym import Sym
from ..ir.types import (
    BOOL,
    INDEX,
    INT,
    SIZE,
    STRIDE,
    ControlType,
    R,
    ScalarType,
    Tensor,
)
from .configdeps import check_config_writes
from .display import show, show_type
from .uast import (
    UAlloc,
    UAssign,
    UBinOp,
    UCall,
    UConst,
    UExtern,
    UFor,
    UFreshAssign,
    UIf,
    UInterval,
    UPass,
    UProc,
    URead,
    UReadConfig,
    UReduce,
    UStride,
    UTensor,
    UUSub,
    UWriteConfig,
)

_CMP = ("<", ">", "<=", ">=", "==")


def _err(node, msg: str):
    raise TypeCheckError(msg, srcinfo=node.srcinfo)


def _kind(t) -> str:
    """``t`` as a noun phrase with its article, e.g. 'an index value'."""
    if isinstance(t, ScalarType):
        return f"a data value of type {t}"
    if isinstance(t, Tensor):
        return f"a buffer of type {show_type(t)}"
    return f"{'an' if str(t)[0] in 'aeiou' else 'a'} {t} value"


def same_precision(a: ScalarType, b: ScalarType) -> bool:
    return a is b or a == b or ({a.name, b.name} <= {"R", "f32"})


def join_precision(lhs, rhs, lt: ScalarType, rt: ScalarType) -> ScalarType:
    """The precision of an operation on ``lhs`` and ``rhs``: ``R`` yields to the other side."""
    if lt == R:
        return rt
    if rt == R or lt == rt:
        return lt
    raise PrecisionError(
        f"'{show(lhs)}' is {lt} but '{show(rhs)}' is {rt}: one operation cannot mix two precisions",
        srcinfo=rhs.srcinfo,
    )


def _arith_type(lt, rt):
    return INDEX if INDEX in (lt, rt) else SIZE if SIZE in (lt, rt) else INT


def window_extent(iv: Interval):
    lo, hi = iv.lo, iv.hi
    if isinstance(lo, Const) and lo.val == 0:
        return hi
    if isinstance(lo, Const) and isinstance(hi, Const):
        return Const(hi.val - lo.val, INT, srcinfo=iv.srcinfo)
    if isinstance(hi, BinOp) and hi.op == "+" and hi.lhs == lo and isinstance(hi.rhs, Const):
        return hi.rhs
    return BinOp("-", hi, lo, _arith_type(hi.type, lo.type), srcinfo=iv.srcinfo)


class TypeChecker:
    def __init__(self):
        self.env: dict[Sym, object] = {}
        self.rename: dict[Sym, Sym] = {}
        self.seen: set[Sym] = set()
        self.bound: list[Sym] = []
        self.alias: dict[Sym, Sym] = {}  # window name -> underlying buffer

    # ------------------------------------------------------------------ binders
    def bind(self, sym: Sym, typ) -> Sym:
        if sym in self.seen:  # a quoted fragment spliced again: give it fresh binders
            new = sym.copy()
            self.rename[sym] = new
            sym = new
        self.seen.add(sym)
        self.env[sym] = typ
        self.bound.append(sym)
        return sym

    def use(self, sym: Sym, node):
        sym = self.rename.get(sym, sym)
        typ = self.env.get(sym)
        if typ is None:
            _err(node, f"variable '{sym.name}' is used outside of its scope")
        return sym, typ

    # ------------------------------------------------------------------ procedure
    def check_proc(self, p: UProc, instr) -> ProcDef:
        args = []
        for a in p.args:
            typ = self.check_type(a.type, a.name.name)
            sym = self.bind(a.name, typ)
            mem = None if isinstance(typ, ControlType) else a.mem
            args.append(FnArg(sym, typ, mem, srcinfo=a.srcinfo))
        preds = []
        for u in p.preds:
            e = self.expr(u, index=True)
            if e.type is not BOOL:
                _err(e, f"an assertion must be a bool expression, got '{show(e)}' ({_kind(e.type)})")
            preds.append(e)
        body = self.block(p.body) or (Pass(srcinfo=p.srcinfo),)
        check_config_writes(body)
        return ProcDef(p.name, tuple(args), tuple(preds), body, instr, p.srcinfo)

    def check_type(self, t, name: str):
        if not isinstance(t, UTensor):
            return t
        hi = []
        for d in t.dims:
            e = self.expr(d, index=True)
            if not e.type.is_indexable():
                _err(e, f"extent '{show(e)}' of '{name}' must be a size or index expression, got {_kind(e.type)}")
            hi.append(e)
        return Tensor(tuple(hi), t.is_window, t.base)

    # ------------------------------------------------------------------ statements
    def block(self, stmts) -> tuple:
        saved_rename, mark = self.rename, len(self.bound)
        self.rename = dict(saved_rename)
        out = []
        for s in stmts:
            out.append(self.stmt(s))
        for sym in self.bound[mark:]:
            del self.env[sym]
        del self.bound[mark:]
        self.rename = saved_rename
        return tuple(out)

    def stmt(self, s):
        t = type(s)
        if t is UAssign or t is UReduce:
            return self.assign(s, Assign if t is UAssign else Reduce)
        if t is UFor:
            lo = self.loop_bound(s.lo)
            hi = self.loop_bound(s.hi)
            saved_rename, mark = self.rename, len(self.bound)
            self.rename = dict(saved_rename)
            it = self.bind(s.iter, INDEX)
            body = self.block(s.body) or (Pass(srcinfo=s.srcinfo),)
            del self.env[it]
            del self.bound[mark:]
            self.rename = saved_rename
            return For(it, lo, hi, body, s.loop_mode, srcinfo=s.srcinfo)
        if t is UIf:
            cond = self.expr(s.cond, index=True)
            if cond.type is not BOOL:
                _err(cond, f"the condition of 'if' must be a bool expression, got '{show(cond)}' ({_kind(cond.type)})")
            body = self.block(s.body) or (Pass(srcinfo=s.srcinfo),)
            return If(cond, body, self.block(s.orelse), srcinfo=s.srcinfo)
        if t is UAlloc:
            typ = self.check_type(s.type, s.name.name)
            return Alloc(self.bind(s.name, typ), typ, s.mem, srcinfo=s.srcinfo)
        if t is UFreshAssign:
            return self.window_stmt(s)
        if t is UCall:
            return self.call(s)
        if t is UWriteConfig:
            return self.write_config(s)
        if t is UPass:
            return Pass(srcinfo=s.srcinfo)
        raise AssertionError(f"unknown statement {t.__name__}")

    def loop_bound(self, u):
        e = self.expr(u, index=True)
        if not e.type.is_indexable():
            _err(e, f"a loop bound must be an index expression, got '{show(e)}' ({_kind(e.type)})")
        return e

    def assign(self, s, node_cls):
        sym, typ = self.use(s.name, s)
        verb = "assigned" if node_cls is Assign else "reduced into"
        if not typ.is_numeric():
            _err(s, f"cannot assign to '{sym.name}', a {show_type(typ)} variable")
        ndim = len(typ.shape())
        if s.idx and not ndim:
            _err(s, f"cannot index '{sym.name}': it is a scalar of type {show_type(typ)}")
        if len(s.idx) != ndim:
            _err(s, f"'{sym.name}' has {ndim} dimension(s) but is {verb} with {len(s.idx)} index(es); "
                    f"give one index per dimension")
        idx = tuple(self.index(i, sym) for i in s.idx)
        rhs = self.expr(s.rhs, index=False)
        if not isinstance(rhs.type, ScalarType):
            _err(rhs, f"cannot store '{show(rhs)}' ({_kind(rhs.type)}) into '{sym.name}'; only data values can be stored")
        return node_cls(sym, typ.basetype(), idx, rhs, srcinfo=s.srcinfo)

    def window_stmt(self, s: UFreshAssign):
        rhs = self.expr(s.rhs, index=False, allow_buffer=True)
        if not isinstance(rhs, WindowExpr):
            _err(s, f"'{s.name.name}' is not defined; a new name can only be bound to a window "
                    f"('{s.name.name} = x[0:4]'); declare a scalar first with '{s.name.name}: R'")
        sym = self.bind(s.name, rhs.type)
        self.alias[sym] = self.alias.get(rhs.name, rhs.name)
        return WindowStmt(sym, rhs, srcinfo=s.srcinfo)

    def write_config(self, s: UWriteConfig):
        cfg, field = s.config, s.field
        if not cfg.has_field(field):
            _err(s, f"config '{cfg.name()}' has no field '{field}'")
        ftyp = cfg.lookup_type(field)
        rhs = self.expr(s.rhs, index=isinstance(ftyp, ControlType))
        rt = rhs.type
        if isinstance(ftyp, ScalarType):
            ok = isinstance(rt, ScalarType)
        elif ftyp is BOOL:
            ok = rt is BOOL
        elif ftyp is STRIDE:
            ok = rt in (STRIDE, INT)
        else:
            ok = rt.is_indexable()
        if not ok:
            _err(rhs, f"config field '{cfg.name()}.{field}' has type {show_type(ftyp)}; cannot write '{show(rhs)}' ({_kind(rt)})")
        return WriteConfig(cfg, field, rhs, srcinfo=s.srcinfo)

    def call(self, s: UCall):
        proc = s.proc
        if len(s.args) != len(proc.args):
            _err(s, f"'{proc.name}' takes {len(proc.args)} argument(s), got {len(s.args)}")
        args = []
        buffers: dict = {}
        for u, fa in zip(s.args, proc.args):
            pt, pname = fa.type, fa.name.name
            where = f"argument '{pname}' of '{proc.name}'"
            if isinstance(pt, ControlType):
                a = self.expr(u, index=True)
                at = a.type
                ok = at is BOOL if pt is BOOL else at in (STRIDE, INT) if pt is STRIDE else at.is_indexable()
                if not ok:
                    _err(a, f"{where} must be {_kind(pt)}; got '{show(a)}' ({_kind(at)})")
                args.append(a)
                continue
            a = self.expr(u, index=False, allow_buffer=True)
            at = a.type
            if not at.is_numeric():
                _err(a, f"{where} is data of type {show_type(pt)}; got '{show(a)}' ({_kind(at)})")
            if len(at.shape()) != len(pt.shape()):
                _err(a, f"{where} has type {show_type(pt)}; got '{show(a)}' of type {show_type(at)} (different number of dimensions)")
            if not pt.shape() and not (type(a) is ReadConfig or (type(a) is Read and not a.idx)):
                _err(a, f"{where} is a scalar; pass a variable name or a config field, not '{show(a)}'")
            if isinstance(pt, Tensor) and not pt.is_window and at.is_win():
                _err(a, f"{where} is a dense tensor ({show_type(pt)}); got the window '{show(a)}' of type {show_type(at)}")
            if not same_precision(pt.basetype(), at.basetype()):
                raise PrecisionError(f"{where} has precision {pt.basetype()}; got '{show(a)}' of precision "
                                     f"{at.basetype()}", srcinfo=a.srcinfo)
            base = (a.config, a.field) if type(a) is ReadConfig else self.alias.get(a.name, a.name)
            if base in buffers:
                label = show(a) if type(a) is ReadConfig else base.name
                _err(a, f"'{label}' is passed to both '{buffers[base]}' and '{pname}' of '{proc.name}'; "
                        f"arguments of a call may not alias")
            buffers[base] = pname
            args.append(a)
        return Call(proc, tuple(args), srcinfo=s.srcinfo)

    # ------------------------------------------------------------------ expressions
    def index(self, u, buf: Sym):
        e = self.expr(u, index=True)
        if not e.type.is_indexable():
            _err(e, f"cannot index '{buf.name}' with '{show(e)}' ({_kind(e.type)}); indices must be index expressions")
        return e

    def expr(self, u, index: bool, allow_buffer: bool = False):
        t = type(u)
        if t is URead:
            return self.read(u, index, allow_buffer)
        if t is UConst:
            v = u.val
            typ = BOOL if isinstance(v, bool) else INT if (index and isinstance(v, int)) else R
            return Const(v, typ, srcinfo=u.srcinfo)
        if t is UBinOp:
            return self.binop(u, index)
        if t is UUSub:
            a = self.expr(u.arg, index)
            if not (isinstance(a.type, ScalarType) or a.type.is_indexable()):
                _err(u, f"cannot negate '{show(a)}' ({_kind(a.type)})")
            if isinstance(a, Const):
                return Const(-a.val, a.type, srcinfo=u.srcinfo)
            return USub(a, a.type, srcinfo=u.srcinfo)
        if t is UReadConfig:
            if not u.config.has_field(u.field):
                _err(u, f"config '{u.config.name()}' has no field '{u.field}'")
            return ReadConfig(u.config, u.field, u.config.lookup_type(u.field), srcinfo=u.srcinfo)
        if t is UStride:
            sym, typ = self.use(u.name, u)
            if not isinstance(typ, Tensor):
                _err(u, f"stride() needs a tensor or window; '{sym.name}' is a {show_type(typ)} variable")
            if not 0 <= u.dim < len(typ.hi):
                _err(u, f"stride({sym.name}, {u.dim}): dimension {u.dim} is out of range; "
                        f"'{sym.name}' has {len(typ.hi)} dimension(s)")
            return StrideExpr(sym, u.dim, STRIDE, srcinfo=u.srcinfo)
        if t is UExtern:
            return self.extern(u)
        raise AssertionError(f"unknown expression {t.__name__}")

    def read(self, u: URead, index: bool, allow_buffer: bool):
        sym, typ = self.use(u.name, u)
        if not isinstance(typ, Tensor):
            if u.idx:
                _err(u, f"cannot index '{sym.name}': it is a {show_type(typ)} variable, not a buffer")
            return Read(sym, (), typ, srcinfo=u.srcinfo)
        ndim = len(typ.hi)
        if len(u.idx) > ndim:
            _err(u, f"'{sym.name}' has {ndim} dimension(s) but {len(u.idx)} indices were given")
        if len(u.idx) == ndim and not any(type(i) is UInterval for i in u.idx):
            return Read(sym, tuple(self.index(i, sym) for i in u.idx), typ.base, srcinfo=u.srcinfo)
        if not u.idx:
            if not allow_buffer:
                _err(u, f"buffer '{sym.name}' ({show_type(typ)}) is used as a value; index it, e.g. '{sym.name}[...]'")
            return Read(sym, (), typ, srcinfo=u.srcinfo)
        widx = []
        for k, hi_k in enumerate(typ.hi):
            i = u.idx[k] if k < len(u.idx) else None
            if i is None:
                widx.append(Interval(Const(0, INT, srcinfo=u.srcinfo), hi_k, srcinfo=u.srcinfo))
            elif type(i) is UInterval:
                lo = Const(0, INT, srcinfo=i.srcinfo) if i.lo is None else self.index(i.lo, sym)
                hi = hi_k if i.hi is None else self.index(i.hi, sym)
                widx.append(Interval(lo, hi, srcinfo=i.srcinfo))
            else:
                pt = self.index(i, sym)
                widx.append(Point(pt, srcinfo=pt.srcinfo))
        extents = tuple(window_extent(w) for w in widx if type(w) is Interval)
        w = WindowExpr(sym, tuple(widx), Tensor(extents, True, typ.base), srcinfo=u.srcinfo)
        if not allow_buffer:
            _err(u, f"'{show(w)}' is a window of '{sym.name}' ({show_type(typ)}); a window can only be passed "
                    f"to a call or bound to a new name ('w = {show(w)}')")
        return w

    def binop(self, u: UBinOp, index: bool):
        op = u.op
        lhs = self.expr(u.lhs, index)
        rhs = self.expr(u.rhs, index)
        lt, rt = lhs.type, rhs.type
        if op in ("and", "or"):
            for x in (lhs, rhs):
                if x.type is not BOOL:
                    _err(x, f"'{op}' needs bool operands; '{show(x)}' is {_kind(x.type)}")
            typ = BOOL
        elif op == "==" and ((lt is BOOL and rt is BOOL) or (lt in (STRIDE, INT) and rt in (STRIDE, INT) and STRIDE in (lt, rt))):
            typ = BOOL
        elif op in _CMP:
            for x in (lhs, rhs):
                if isinstance(x.type, ScalarType):
                    _err(x, f"cannot compare data value '{show(x)}' ({x.type}); comparisons are on index/size values only")
                if not x.type.is_indexable():
                    _err(x, f"'{op}' needs index or size operands; '{show(x)}' is {_kind(x.type)}")
            typ = BOOL
        elif isinstance(lt, ScalarType) or isinstance(rt, ScalarType):
            for x, other in ((lhs, rhs), (rhs, lhs)):
                if not isinstance(x.type, ScalarType):
                    _err(x, f"cannot mix control value '{show(x)}' ({x.type}) with data value '{show(other)}' "
                            f"in '{op}'; control and data values are separate")
            if op == "%":
                _err(u, f"'%' is not defined on data values ('{show(lhs)} % {show(rhs)}')")
            typ = join_precision(lhs, rhs, lt, rt)
        else:
            for x in (lhs, rhs):
                if not x.type.is_indexable():
                    _err(x, f"cannot do arithmetic ('{op}') on '{show(x)}', {_kind(x.type)}")
            if op == "*":
                if lt is INT:
                    typ = rt
                elif rt is INT:
                    typ = lt
                else:
                    _err(u, f"cannot multiply '{show(lhs)}' by '{show(rhs)}': index arithmetic must stay affine "
                            f"(one side of '*' must be a literal)")
            elif op in ("/", "%"):
                if not (type(rhs) is Const and rt is INT):
                    _err(rhs, f"index '{op}' needs a positive integer literal on the right, got '{show(rhs)}'")
                if rhs.val <= 0:
                    _err(rhs, f"index '{op}' by {rhs.val}: the divisor must be a positive integer literal")
                typ = lt
            else:
                typ = _arith_type(lt, rt)
        return BinOp(op, lhs, rhs, typ, srcinfo=u.srcinfo)

    def extern(self, u: UExtern):
        args = tuple(self.expr(a, index=False) for a in u.args)
        name = u.f.name()
        try:
            typ = u.f.typecheck(list(args))
        except _EErr as e:
            _err(u, f"{name}(): {e}")
        except Exception as e:  # a broken extern must not surface as an internal error
            _err(u, f"{name}(): its typecheck failed with {type(e).__name__}: {e}")
        if not isinstance(typ, ScalarType):
            _err(u, f"{name}() does not produce a data value (its typecheck returned {typ!r})")
        if all(isinstance(a.type, ScalarType) for a in args):
            joined, first = R, None
            for a in args:
                if a.type == R:
                    continue
                if first is None:
                    first, joined = a, a.type
                elif a.type != joined:
                    join_precision(first, a, joined, a.type)
            if typ == R or typ == joined:
                typ = joined
        return Extern(u.f, args, typ, srcinfo=u.srcinfo)


def typecheck(uproc: UProc, instr=None) -> ProcDef:
    return TypeChecker().check_proc(uproc, instr)


__all__ = ["typecheck", "TypeChecker", "same_precision", "join_precision"]
