"""Python AST -> untyped AST: the surface syntax, name resolution and unquote points.

The parser rejects anything outside the language with a ``ParseError`` at the offending
node, and resolves every name: Exo binders become ``Sym``s, everything else is looked up
in the Python scopes (see scope.py) and either used as an object (memory, config, extern,
callee) or implicitly unquoted (numbers, quoted expressions). Typing is left to
typecheck.py.
"""

from __future__ import annotations

import ast

from ..errors import ParseError
from ..extern import Extern
from ..ir.nodes import ProcDef
from ..ir.sym import SrcInfo, Sym
from ..ir.types import CONTROL_TYPES, SCALAR_TYPES, ControlType, ScalarType
from ..memory import DRAM
from ..procedure import Procedure
from . import meta
from .pyvalues import PyValues, describe, src
from .scope import MISSING, ExoFrame, ExoStatementList, lookup
from .syntax import _TypeStub
from .uast import (
    UAlloc,
    UAssign,
    UBinOp,
    UCall,
    UConst,
    UExtern,
    UFnArg,
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

_CMP_OPS = {ast.Lt: "<", ast.Gt: ">", ast.LtE: "<=", ast.GtE: ">=", ast.Eq: "=="}
_BAD_CMP_OPS = {ast.NotEq: "!=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
_BIN_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Mod: "%"}
_BAD_BIN_OPS = {
    ast.Pow: "**", ast.FloorDiv: "//", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|",
    ast.BitXor: "^", ast.BitAnd: "&", ast.MatMult: "@",
}
_BIN_OP_HINTS = {
    "//": " (index '/' already rounds down)",
    "!=": " (negate the test instead, e.g. 'a < b or a > b')",
}

_BAD_STMTS = {
    ast.While: "'while' loops are not supported; use 'for i in seq(lo, hi):'",
    ast.Return: "'return' is not supported: procedures do not return values",
    ast.Break: "'break' is not supported",
    ast.Continue: "'continue' is not supported",
    ast.FunctionDef: "nested 'def' is not supported in a procedure body",
    ast.AsyncFunctionDef: "nested 'async def' is not supported in a procedure body",
    ast.ClassDef: "'class' is not supported in a procedure body",
    ast.Import: "'import' is not supported in a procedure body",
    ast.ImportFrom: "'import' is not supported in a procedure body",
    ast.Global: "'global' is not supported in a procedure body",
    ast.Nonlocal: "'nonlocal' is not supported in a procedure body",
    ast.Delete: "'del' is not supported",
    ast.Raise: "'raise' is not supported",
    ast.Try: "'try' is not supported",
    ast.AsyncFor: "'async for' is not supported",
    ast.AsyncWith: "'async with' is not supported",
}

_EXPR_NAMES = {
    ast.IfExp: "conditional expressions ('a if c else b') are not supported; use an if statement or select()",
    ast.Lambda: "'lambda' is not supported",
    ast.List: "list displays are not supported",
    ast.Tuple: "tuples are not supported here",
    ast.Dict: "dict displays are not supported",
    ast.ListComp: "comprehensions are not supported",
    ast.SetComp: "comprehensions are not supported",
    ast.DictComp: "comprehensions are not supported",
    ast.GeneratorExp: "generator expressions are not supported",
    ast.NamedExpr: "':=' is not supported",
    ast.JoinedStr: "f-strings are not supported",
    ast.Starred: "'*' unpacking is not supported",
    ast.Slice: "a slice 'lo:hi' is only allowed inside '[...]'",
    ast.Await: "'await' is not supported",
    ast.Yield: "'yield' is not supported",
    ast.YieldFrom: "'yield' is not supported",
}

_KIND_WORDS = {
    "size": "size argument", "index": "index argument", "bool": "bool argument",
    "stride": "stride argument", "iter": "loop iterator",
}

_DATA_TYPE_LIST = ", ".join(SCALAR_TYPES)


class Parser(PyValues):
    def __init__(self, filename: str, line_off: int, scope, exec_globals: dict):
        self.filename = filename
        self.line_off = line_off
        self.scope = scope
        self.exec_globals = exec_globals
        self.kinds: dict[Sym, str] = {}
        # Where a running `with exo:` puts its statements; None while evaluating `{expr}`.
        self.emit_stack: list = []
        # Code objects compiled from `with python:` blocks: their frames are Python scopes.
        self.meta_codes: set = set()

    # ------------------------------------------------------------------ helpers
    def info(self, node) -> SrcInfo:
        return SrcInfo(self.filename, node.lineno + self.line_off, node.col_offset)

    def err(self, node, msg: str):
        raise ParseError(msg, srcinfo=self.info(node))

    def bind(self, name: str, kind: str) -> Sym:
        sym = Sym(name)
        self.scope.names[name] = sym
        self.kinds[sym] = kind
        return sym

    def lookup(self, name: str):
        return lookup(self.scope, name)

    # ------------------------------------------------------------------ procedure
    def parse_proc(self, fdef: ast.FunctionDef) -> UProc:
        a = fdef.args
        if a.posonlyargs:
            self.err(a.posonlyargs[0], "positional-only parameters ('/') are not supported")
        if a.vararg is not None:
            self.err(a.vararg, f"'*{a.vararg.arg}' parameters are not supported")
        if a.kwonlyargs:
            self.err(a.kwonlyargs[0], f"keyword-only parameter '{a.kwonlyargs[0].arg}' is not supported")
        if a.kwarg is not None:
            self.err(a.kwarg, f"'**{a.kwarg.arg}' parameters are not supported")
        if a.defaults:
            name = a.args[len(a.args) - len(a.defaults)].arg
            self.err(a.defaults[0], f"parameter '{name}' has a default value; defaults are not supported")
        if fdef.returns is not None:
            self.err(fdef.returns, f"procedure '{fdef.name}' has a return annotation; procedures return nothing")

        self.scope = ExoFrame(self.scope)
        args = []
        for arg in a.args:
            if arg.annotation is None:
                self.err(arg, f"parameter '{arg.arg}' needs a type annotation, e.g. '{arg.arg}: f32[n]' or '{arg.arg}: size'")
            typ, mem, kind = self.parse_arg_type(arg.annotation)
            sym = self.bind(arg.arg, kind)
            args.append(UFnArg(sym, typ, mem, self.info(arg)))

        body = fdef.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            body = body[1:]  # a docstring
        preds = []
        n = 0
        while n < len(body) and isinstance(body[n], ast.Assert):
            s = body[n]
            if s.msg is not None:
                self.err(s.msg, "procedure assertions cannot have a message")
            preds.append(self.parse_expr(s.test))
            n += 1
        stmts: list = []
        for s in body[n:]:
            self.parse_stmt(s, stmts)
        return UProc(fdef.name, tuple(args), tuple(preds), tuple(stmts), self.info(fdef))

    # ------------------------------------------------------------------ types
    def type_name(self, node):
        """The type name written at ``node`` (directly or through an unquote), else None."""
        if isinstance(node, ast.Name):
            if node.id in SCALAR_TYPES or node.id in CONTROL_TYPES:
                return node.id
            v = self.lookup(node.id)
        elif isinstance(node, ast.Set):
            v = self.eval_unquote(node)
        else:
            return None
        if isinstance(v, str):
            return v.strip()
        if isinstance(v, (ScalarType, ControlType)):
            return v.name
        if isinstance(v, _TypeStub):
            return repr(v)
        return None

    def scalar_type(self, node) -> ScalarType:
        name = self.type_name(node)
        if name in SCALAR_TYPES:
            return SCALAR_TYPES[name]
        if name in CONTROL_TYPES:
            self.err(node, f"'{name}' is a control type; a buffer holds one of {_DATA_TYPE_LIST}")
        self.err(node, f"unknown type '{src(node)}'; expected one of {_DATA_TYPE_LIST}")

    def split_mem(self, node):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            return node.left, node.right
        return node, None

    def parse_arg_type(self, node):
        typ_node, mem_node = self.split_mem(node)
        name = self.type_name(typ_node)
        if name in CONTROL_TYPES:
            if mem_node is not None:
                self.err(mem_node, f"a '{name}' parameter cannot have a memory ('@ ...')")
            return CONTROL_TYPES[name], None, name
        typ = self.parse_data_type(typ_node, is_arg=True)
        mem = DRAM if mem_node is None else self.eval_memory(mem_node)
        return typ, mem, "data"

    def parse_data_type(self, node, is_arg: bool):
        if not isinstance(node, ast.Subscript):
            return self.scalar_type(node)
        if isinstance(node.value, ast.List):
            if not is_arg:
                self.err(node, "window types '[T][...]' are only allowed for parameters")
            if len(node.value.elts) != 1:
                self.err(node.value, "a window type names one data type, e.g. '[f32][n]'")
            base = self.scalar_type(node.value.elts[0])
            is_window = True
        else:
            base = self.scalar_type(node.value)
            is_window = False
        dims = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for d in dims:
            if isinstance(d, ast.Slice):
                self.err(d, "extents are expressions like 'f32[n, 4]', not slices")
        return UTensor(base, tuple(self.parse_expr(d) for d in dims), is_window, self.info(node))

    # ------------------------------------------------------------------ statements
    def parse_block(self, stmts) -> tuple:
        saved = self.scope
        self.scope = ExoFrame(saved)
        try:
            out: list = []
            for s in stmts:
                self.parse_stmt(s, out)
        finally:
            self.scope = saved
        return tuple(out)

    def parse_quote_block(self, stmts, scope) -> tuple:
        saved = self.scope
        self.scope = scope
        try:
            return self.parse_block(stmts)
        finally:
            self.scope = saved

    def parse_quote_expr(self, node, scope):
        saved = self.scope
        self.scope = ExoFrame(scope)
        try:
            return self.parse_expr(node)
        finally:
            self.scope = saved

    def parse_stmt(self, s, out: list):
        t = type(s)
        if t is ast.Assign:
            self.parse_assign(s, out)
        elif t is ast.AugAssign:
            self.parse_reduce(s, out)
        elif t is ast.AnnAssign:
            self.parse_alloc(s, out)
        elif t is ast.For:
            self.parse_for(s, out)
        elif t is ast.If:
            cond = self.parse_expr(s.test)
            out.append(UIf(cond, self.parse_block(s.body), self.parse_block(s.orelse), self.info(s)))
        elif t is ast.Pass:
            out.append(UPass(self.info(s)))
        elif t is ast.Expr:
            self.parse_expr_stmt(s, out)
        elif t is ast.With:
            self.parse_with(s, out)
        elif t is ast.Assert:
            self.err(s, "'assert' is only allowed at the start of the procedure body")
        else:
            self.err(s, _BAD_STMTS.get(t, f"unsupported statement ({t.__name__})"))

    def check_writable(self, sym: Sym, node):
        kind = self.kinds.get(sym, "data")
        if kind != "data":
            self.err(node, f"cannot assign to {_KIND_WORDS[kind]} '{sym.name}'")

    def lhs_sym(self, node) -> Sym:
        if not isinstance(node, ast.Name):
            self.err(node, "expected a variable name before '['")
        v = self.lookup(node.id)
        if v is MISSING:
            self.err(node, f"undefined variable '{node.id}'")
        if not isinstance(v, Sym):
            self.err(node, f"cannot assign to '{node.id}': it is {describe(v)}, not an Exo variable")
        self.check_writable(v, node)
        return v

    def lhs_access(self, tgt):
        sym = self.lhs_sym(tgt.value)
        idx = self.parse_indices(tgt.slice)
        for i in idx:
            if isinstance(i, UInterval):
                self.err(i_node(tgt), f"cannot assign to a window of '{sym.name}'; index every dimension with a single value")
        return sym, idx

    def parse_assign(self, s: ast.Assign, out: list):
        if len(s.targets) != 1:
            self.err(s, "chained assignment 'a = b = ...' is not supported")
        tgt = s.targets[0]
        if isinstance(tgt, ast.Attribute):
            config = self.eval_config(tgt)
            out.append(UWriteConfig(config, tgt.attr, self.parse_expr(s.value), self.info(s)))
        elif isinstance(tgt, ast.Subscript):
            sym, idx = self.lhs_access(tgt)
            out.append(UAssign(sym, idx, self.parse_expr(s.value), self.info(s)))
        elif isinstance(tgt, ast.Name):
            v = self.lookup(tgt.id)
            if isinstance(v, Sym):
                self.check_writable(v, tgt)
                out.append(UAssign(v, (), self.parse_expr(s.value), self.info(s)))
            else:
                rhs = self.parse_expr(s.value)
                out.append(UFreshAssign(self.bind(tgt.id, "data"), rhs, self.info(s)))
        else:
            self.err(tgt, f"cannot assign to '{src(tgt)}'; expected 'x', 'x[...]' or 'Config.field'")

    def parse_reduce(self, s: ast.AugAssign, out: list):
        if not isinstance(s.op, ast.Add):
            op = _BIN_OPS.get(type(s.op)) or _BAD_BIN_OPS.get(type(s.op), "?")
            self.err(s, f"only '+=' reductions are supported, not '{op}='")
        tgt = s.target
        if isinstance(tgt, ast.Subscript):
            sym, idx = self.lhs_access(tgt)
        elif isinstance(tgt, ast.Name):
            sym, idx = self.lhs_sym(tgt), ()
        else:
            self.err(tgt, f"cannot reduce into '{src(tgt)}'; expected 'x' or 'x[...]'")
        out.append(UReduce(sym, idx, self.parse_expr(s.value), self.info(s)))

    def parse_alloc(self, s: ast.AnnAssign, out: list):
        if not isinstance(s.target, ast.Name):
            self.err(s.target, "a declaration names a new variable: 'x: f32[n]'")
        name = s.target.id
        if s.value is not None:
            self.err(s.value, f"declaration of '{name}' cannot have an initial value; assign it in a separate statement")
        typ_node, mem_node = self.split_mem(s.annotation)
        tname = self.type_name(typ_node)
        if tname in CONTROL_TYPES:
            self.err(typ_node, f"cannot allocate '{name}' of control type '{tname}'; only data types ({_DATA_TYPE_LIST}) can be allocated")
        typ = self.parse_data_type(typ_node, is_arg=False)
        mem = DRAM if mem_node is None else self.eval_memory(mem_node)
        out.append(UAlloc(self.bind(name, "data"), typ, mem, self.info(s)))

    def parse_for(self, s: ast.For, out: list):
        if s.orelse:
            self.err(s, "'else' on a for loop is not supported")
        if not isinstance(s.target, ast.Name):
            self.err(s.target, "the loop variable must be a single name")
        it = s.iter
        if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id in ("seq", "par")):
            self.err(it, f"expected 'seq(lo, hi)' or 'par(lo, hi)' after 'in', got '{src(it)}'")
        mode = it.func.id
        if it.keywords:
            self.err(it, f"{mode}() takes no keyword arguments")
        if len(it.args) != 2 or any(isinstance(x, ast.Starred) for x in it.args):
            self.err(it, f"{mode}() takes exactly 2 arguments (lo, hi), got {len(it.args)}")
        lo = self.parse_expr(it.args[0])
        hi = self.parse_expr(it.args[1])
        saved = self.scope
        self.scope = ExoFrame(saved)
        try:
            sym = self.bind(s.target.id, "iter")
            body: list = []
            for b in s.body:
                self.parse_stmt(b, body)
        finally:
            self.scope = saved
        out.append(UFor(sym, lo, hi, tuple(body), mode, self.info(s)))

    def parse_expr_stmt(self, s: ast.Expr, out: list):
        v = s.value
        if isinstance(v, ast.Set):
            val = self.eval_unquote(v)
            if not isinstance(val, ExoStatementList):
                self.err(v, f"a statement '{{...}}' must unquote Exo statements (from 'with exo as s:'), got {describe(val)}")
            out.extend(val._inner)
        elif isinstance(v, ast.Call):
            self.parse_call(v, out)
        elif isinstance(v, ast.Constant) and isinstance(v.value, str):
            self.err(s, "a string is not a statement (a docstring must come first)")
        else:
            self.err(s, f"'{src(v)}' on its own does nothing; expected an assignment, a call, 'for', 'if' or 'pass'")

    def parse_call(self, call: ast.Call, out: list):
        f = call.func
        if isinstance(f, ast.Name) and f.id in ("stride", "seq", "par"):
            self.err(call, f"{f.id}(...) is not a statement")
        if not isinstance(f, (ast.Name, ast.Attribute)):
            self.err(f, f"cannot call '{src(f)}'; call a procedure by its name")
        callee = self.eval_object(f, "procedure")
        if isinstance(callee, Procedure):
            callee = callee._ir
        if isinstance(callee, Extern):
            self.err(f, f"extern '{callee.name()}' returns a value; use it inside an expression")
        if not isinstance(callee, ProcDef):
            self.err(f, f"'{src(f)}' is not a procedure (it is {describe(callee)})")
        if call.keywords:
            self.err(call, f"keyword arguments are not supported in calls of '{callee.name}'")
        args = []
        for a in call.args:
            if isinstance(a, ast.Starred):
                self.err(a, "'*' unpacking is not supported in calls")
            args.append(self.parse_expr(a))
        out.append(UCall(callee, tuple(args), self.info(call)))

    def parse_with(self, s: ast.With, out: list):
        item = s.items[0]
        kw = item.context_expr.id if isinstance(item.context_expr, ast.Name) else None
        if len(s.items) == 1 and kw == "python":
            if item.optional_vars is not None:
                self.err(s, "'with python as ...' is not supported")
            meta.run_python_block(self, s, out)
        elif kw == "exo":
            self.err(s, "'with exo:' is only allowed inside a 'with python:' block")
        else:
            self.err(s, "only 'with python:' blocks are supported in a procedure body")

    # ------------------------------------------------------------------ expressions
    def parse_expr(self, e):
        t = type(e)
        if t is ast.Name:
            v = self.lookup(e.id)
            if isinstance(v, Sym):
                return URead(v, (), self.info(e))
            if v is MISSING:
                self.err(e, f"undefined variable '{e.id}'")
            return self.value_to_expr(v, e)
        if t is ast.Subscript:
            if not isinstance(e.value, ast.Name):
                self.err(e, "expected a variable name before '['")
            v = self.lookup(e.value.id)
            if v is MISSING:
                self.err(e.value, f"undefined variable '{e.value.id}'")
            if not isinstance(v, Sym):
                self.err(e.value, f"cannot index '{e.value.id}': it is {describe(v)}, not an Exo buffer")
            return URead(v, self.parse_indices(e.slice), self.info(e))
        if t is ast.Constant:
            val = e.value
            if isinstance(val, (bool, int, float)):
                return UConst(val, self.info(e))
            self.err(e, f"unsupported literal {val!r}")
        if t is ast.BinOp:
            op = _BIN_OPS.get(type(e.op))
            if op is None:
                bad = _BAD_BIN_OPS.get(type(e.op), "?")
                self.err(e, f"unsupported operator '{bad}'{_BIN_OP_HINTS.get(bad, '')}")
            return UBinOp(op, self.parse_expr(e.left), self.parse_expr(e.right), self.info(e))
        if t is ast.Compare:
            for op in e.ops:
                if type(op) in _BAD_CMP_OPS:
                    bad = _BAD_CMP_OPS[type(op)]
                    self.err(e, f"unsupported comparison '{bad}'{_BIN_OP_HINTS.get(bad, '')}")
            vals = [self.parse_expr(e.left)] + [self.parse_expr(c) for c in e.comparators]
            info = self.info(e)
            res = None
            for op, lhs, rhs in zip(e.ops, vals, vals[1:]):
                c = UBinOp(_CMP_OPS[type(op)], lhs, rhs, info)
                res = c if res is None else UBinOp("and", res, c, info)
            return res
        if t is ast.BoolOp:
            op = "and" if isinstance(e.op, ast.And) else "or"
            res = self.parse_expr(e.values[0])
            for v in e.values[1:]:
                res = UBinOp(op, res, self.parse_expr(v), self.info(e))
            return res
        if t is ast.UnaryOp:
            if isinstance(e.op, ast.USub):
                return UUSub(self.parse_expr(e.operand), self.info(e))
            if isinstance(e.op, ast.Invert) and isinstance(e.operand, ast.Set):
                self.err(e, "a quote '~{...}' is only allowed inside a 'with python:' block")
            name = {ast.Not: "not", ast.UAdd: "+", ast.Invert: "~"}[type(e.op)]
            self.err(e, f"unsupported unary operator '{name}'")
        if t is ast.Attribute:
            return UReadConfig(self.eval_config(e), e.attr, self.info(e))
        if t is ast.Call:
            return self.parse_call_expr(e)
        if t is ast.Set:
            return self.value_to_expr(self.eval_unquote(e), e)
        self.err(e, _EXPR_NAMES.get(t, f"unsupported expression ({t.__name__})"))

    def parse_call_expr(self, e: ast.Call):
        f = e.func
        if isinstance(f, ast.Name) and f.id == "stride":
            if e.keywords or len(e.args) != 2:
                self.err(e, "stride() takes 2 arguments: a buffer name and a dimension, e.g. 'stride(x, 0)'")
            buf, dim = e.args
            if not isinstance(buf, ast.Name):
                self.err(buf, "the first argument of stride() must be a buffer name")
            sym = self.lookup(buf.id)
            if not isinstance(sym, Sym):
                self.err(buf, f"undefined buffer '{buf.id}' in stride()")
            d = self.eval_unquote(dim) if isinstance(dim, ast.Set) else getattr(dim, "value", None)
            if not isinstance(d, int) or isinstance(d, bool):
                self.err(dim, "the dimension in stride() must be an integer literal")
            return UStride(sym, d, self.info(e))
        if isinstance(f, ast.Name) and f.id in ("seq", "par"):
            self.err(e, f"{f.id}(lo, hi) is only allowed in 'for ... in {f.id}(lo, hi):'")
        if not isinstance(f, (ast.Name, ast.Attribute)):
            self.err(f, f"cannot call '{src(f)}'; call an extern function by its name")
        ext = self.eval_object(f, "function")
        if isinstance(ext, Procedure):
            self.err(f, f"procedure '{ext.name()}' cannot be used in an expression; call it as a statement")
        if not isinstance(ext, Extern):
            self.err(f, f"'{src(f)}' is not an extern function (it is {describe(ext)})")
        if e.keywords:
            self.err(e, f"keyword arguments are not supported in calls of '{ext.name()}'")
        for a in e.args:
            if isinstance(a, ast.Starred):
                self.err(a, "'*' unpacking is not supported in calls")
        return UExtern(ext, tuple(self.parse_expr(a) for a in e.args), self.info(e))

    def parse_indices(self, sl) -> tuple:
        out: list = []
        for e in sl.elts if isinstance(sl, ast.Tuple) else (sl,):
            if isinstance(e, ast.Slice):
                if e.step is not None:
                    self.err(e, "a window slice cannot have a step ('lo:hi:step')")
                lo = None if e.lower is None else self.parse_expr(e.lower)
                hi = None if e.upper is None else self.parse_expr(e.upper)
                out.append(UInterval(lo, hi, self.info(e)))
            elif isinstance(e, ast.Set):
                self.index_value(self.eval_unquote(e), e, out, True)
            elif isinstance(e, ast.Name):
                v = self.lookup(e.id)
                if v is MISSING:
                    self.err(e, f"undefined variable '{e.id}'")
                self.index_value(v, e, out, True)
            else:
                out.append(self.parse_expr(e))
        return tuple(out)


def i_node(tgt: ast.Subscript):
    """Where to point at for a bad index list: the first slice, else the subscript."""
    sl = tgt.slice
    for e in sl.elts if isinstance(sl, ast.Tuple) else (sl,):
        if isinstance(e, ast.Slice) and hasattr(e, "lineno"):
            return e
    return tgt
