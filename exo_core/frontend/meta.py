"""Metaprogramming: ``with python:`` blocks, ``with exo:`` quotes, ``~{e}`` and ``{e}``.

A ``with python:`` block is compiled as the body of a fresh Python function and run at
parse time. Its free names are passed in as parameters (Exo variables as opaque
``ExoSymbol``s, Python values as themselves; module globals come from the exec globals),
so comprehensions and nested functions see them like ordinary closures.

Quotes inside the block are replaced by calls of callbacks. A callback parses its Exo
fragment when it runs, in a scope made of the Python frames currently executing block
code (found by walking ``sys._getframe``, restricted to code compiled here) over the
scope the block started in. That is how a ``with exo:`` inside ``for i in range(4):``
sees the current ``i``.
"""

from __future__ import annotations

import ast
import sys

from ..errors import ExoError, ParseError
from ..ir.sym import SrcInfo
from .scope import ExoExpression, ExoStatementList, PyFrame, python_locals

_BLOCK_FN = "__exo_python__"
_EXTRA_FN_FIELDS = {"type_params": []} if sys.version_info >= (3, 12) else {}


class _QuoteReplacer(ast.NodeTransformer):
    """Rewrites quotes in Python code into callback calls; rejects what cannot work there."""

    def __init__(self, parser, start_scope, holder: list):
        self.parser = parser
        self.start_scope = start_scope
        self.holder = holder  # [code object of the compiled block], set after compiling
        self.callbacks: dict = {}
        self.fn_depth = 0

    def _call(self, fn, node) -> ast.Call:
        name = f"__exo_cb{len(self.callbacks)}"
        self.callbacks[name] = fn
        return ast.copy_location(ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=[], keywords=[]), node)

    def _scope(self):
        return python_scope(self.parser, self.start_scope, self.holder[0])

    def visit_With(self, node: ast.With):
        ctx = node.items[0].context_expr
        kw = ctx.id if isinstance(ctx, ast.Name) else None
        if kw == "python":
            self.parser.err(node, "'with python:' cannot appear directly in Python code; put it inside 'with exo:'")
        if kw != "exo":
            return self.generic_visit(node)
        if len(node.items) != 1:
            self.parser.err(node, "'with exo:' takes no other context managers")
        parser, body, target = self.parser, node.body, node.items[0].optional_vars
        where = parser.info(node)

        if target is None:
            def splice_quote():
                dest = parser.emit_stack[-1] if parser.emit_stack else None
                if dest is None:
                    raise ParseError("a 'with exo:' block ran while an expression '{...}' was being unquoted; "
                                     "only statement-level Python code may splice statements", srcinfo=where)
                dest.extend(parser.parse_quote_block(body, self._scope()))

            return ast.copy_location(ast.Expr(value=self._call(splice_quote, node)), node)

        def quote_stmts():
            return ExoStatementList(parser.parse_quote_block(body, self._scope()))

        return ast.copy_location(ast.Assign(targets=[target], value=self._call(quote_stmts, node)), node)

    def visit_UnaryOp(self, node: ast.UnaryOp):
        if not (isinstance(node.op, ast.Invert) and isinstance(node.operand, ast.Set)):
            return self.generic_visit(node)
        if len(node.operand.elts) != 1:
            self.parser.err(node, "a quote '~{...}' takes exactly one expression")
        expr, parser = node.operand.elts[0], self.parser

        def quote_expr():
            return ExoExpression(parser.parse_quote_expr(expr, self._scope()))

        return self._call(quote_expr, node)

    def visit_Expr(self, node: ast.Expr):
        if not isinstance(node.value, ast.Set):
            return self.generic_visit(node)
        if len(node.value.elts) != 1:
            self.parser.err(node, "a statement unquote '{...}' takes exactly one expression")
        parser, where = self.parser, self.parser.info(node)

        def splice(value):
            if not isinstance(value, ExoStatementList):
                raise ParseError(f"a statement '{{...}}' must unquote Exo statements (from 'with exo as s:'), "
                                 f"got a Python {type(value).__name__}", srcinfo=where)
            dest = parser.emit_stack[-1] if parser.emit_stack else None
            if dest is None:
                raise ParseError("cannot splice statements while an expression '{...}' is being unquoted", srcinfo=where)
            dest.extend(value._inner)

        call = self._call(splice, node)
        call.args = [self.visit(node.value.elts[0])]
        return ast.copy_location(ast.Expr(value=call), node)

    def visit_Nonlocal(self, node):
        self.parser.err(node, "'nonlocal' is not supported in 'with python:' blocks")

    def _in_function(self, node):
        self.fn_depth += 1
        try:
            return self.generic_visit(node)
        finally:
            self.fn_depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _in_function

    def visit_Return(self, node):
        if not self.fn_depth:
            self.parser.err(node, "'return' is not allowed in a 'with python:' block (only in functions defined there)")
        return self.generic_visit(node)

    def _no_generator(self, node):
        if not self.fn_depth:
            self.parser.err(node, "'yield' and 'await' are not allowed in a 'with python:' block")
        return self.generic_visit(node)

    visit_Yield = visit_YieldFrom = visit_Await = _no_generator


def python_scope(parser, start_scope, block_code):
    """The scope seen by a quote: the frames running this block's code over ``start_scope``."""
    frames = []
    f = sys._getframe(1)
    while f is not None:
        code = f.f_code
        if code in parser.meta_codes:
            frames.append(f.f_locals)
        if code is block_code:
            break
        f = f.f_back
    else:
        raise ParseError("quoted Exo code was used after its 'with python:' block finished")
    scope = start_scope
    for loc in reversed(frames):
        scope = PyFrame(dict(loc), scope)
    return scope


def _collect_codes(code, out: set):
    out.add(code)
    for c in code.co_consts:
        if hasattr(c, "co_consts"):
            _collect_codes(c, out)


def _compile(parser, body: list, anchor, rep: _QuoteReplacer):
    names = set()
    declared_global = set()
    for n in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(n, ast.Name):
            names.add(n.id)
        elif isinstance(n, ast.Global):
            declared_global.update(n.names)
    params = python_locals(rep.start_scope, names - declared_global - rep.callbacks.keys())
    params.update(rep.callbacks)
    fn = ast.FunctionDef(
        name=_BLOCK_FN,
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in params], vararg=None,
                           kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=body or [ast.Pass()], decorator_list=[], returns=None, **_EXTRA_FN_FIELDS,
    )
    ast.copy_location(fn, anchor)
    module = ast.Module(body=[fn], type_ignores=[])
    ast.increment_lineno(module, parser.line_off)
    ast.fix_missing_locations(module)
    try:
        code = compile(module, parser.filename, "exec")
    except SyntaxError as e:
        line = e.lineno or (anchor.lineno + parser.line_off)
        raise ParseError(f"invalid Python code: {e.msg}", srcinfo=SrcInfo(parser.filename, line, max((e.offset or 1) - 1, 0))) from None
    ns: dict = {}
    exec(code, parser.exec_globals, ns)
    func = ns[_BLOCK_FN]
    _collect_codes(func.__code__, parser.meta_codes)
    rep.holder[0] = func.__code__
    return func, params


def _run(parser, func, params, anchor, what: str):
    try:
        return func(**params)
    except ExoError:
        raise
    except Exception as e:
        where = parser.info(anchor)
        tb = e.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code in parser.meta_codes and tb.tb_lineno != where.line:
                where = SrcInfo(parser.filename, tb.tb_lineno, 0)
            tb = tb.tb_next
        raise ParseError(f"{what} raised {type(e).__name__}: {e}", srcinfo=where) from e


def _copy_ast(node):
    """A copy of a Python syntax tree to rewrite in place (``copy.deepcopy`` costs several
    times more: it memoises every object, and the leaves here are immutable)."""
    if isinstance(node, list):
        return [_copy_ast(x) for x in node]
    if not isinstance(node, ast.AST):
        return node
    new = type(node).__new__(type(node))
    for name in node._fields:
        if hasattr(node, name):
            setattr(new, name, _copy_ast(getattr(node, name)))
    for name in node._attributes:
        if hasattr(node, name):
            setattr(new, name, getattr(node, name))
    return new


def run_python_block(parser, node: ast.With, out: list):
    """Run ``with python:`` now, splicing what its ``with exo:`` blocks produce into ``out``."""
    rep = _QuoteReplacer(parser, parser.scope, [None])
    body = [rep.visit(_copy_ast(s)) for s in node.body]
    func, params = _compile(parser, body, node, rep)
    parser.emit_stack.append(out)
    try:
        _run(parser, func, params, node, "Python code in 'with python:'")
    finally:
        parser.emit_stack.pop()


def eval_python(parser, expr: ast.expr):
    """The value of a Python expression written in Exo code (an unquote, a memory...)."""
    rep = _QuoteReplacer(parser, parser.scope, [None])
    value = rep.visit(_copy_ast(expr))
    func, params = _compile(parser, [ast.copy_location(ast.Return(value=value), expr)], expr, rep)
    parser.emit_stack.append(None)
    try:
        return _run(parser, func, params, expr, f"Python expression '{ast.unparse(expr)}'")
    finally:
        parser.emit_stack.pop()
