"""The frontend: Python source of a procedure -> typed LoopIR (``ProcDef``).

``parse_procedure`` serves ``@proc``/``@instr``; ``parse_source`` reads a procedure back
from text (e.g. the printer's output). Both parse (parser.py, with metaprogramming in
meta.py), then typecheck (typecheck.py). Errors are ``ParseError``, ``TypeCheckError`` or
``PrecisionError`` whose message starts with the user's ``file:line:col``.
"""

from __future__ import annotations

import ast

from ..errors import ParseError
from ..ir.nodes import InstrInfo, ProcDef
from ..ir.sym import SrcInfo
from .parser import Parser
from .scope import BaseEnv, ExoExpression, ExoStatementList, ExoSymbol, closure_of
from .source import function_def, parse_defs
from .typecheck import typecheck


def parse_procedure(func, *, caller_locals: dict, instr: InstrInfo | None = None) -> ProcDef:
    """Parse the decorated function ``func``.

    Names resolve in ``func``'s closure cells, then ``caller_locals`` (the locals of the
    frame that applied the decorator), then ``func.__globals__``; never in builtins.
    """
    fdef, filename, line_off = function_def(func)
    globals_ = func.__globals__
    env = BaseEnv(closure_of(func), caller_locals if caller_locals is not None else {}, globals_)
    parser = Parser(filename, line_off, env, globals_)
    return typecheck(parser.parse_proc(fdef), instr)


def parse_source(text: str, scope: dict, filename: str = "<string>", instr: InstrInfo | None = None) -> ProcDef:
    """Parse the one ``def`` in ``text`` (decorators are ignored); names resolve in ``scope``."""
    defs, line_off = parse_defs(text, filename, 0)
    if len(defs) != 1:
        where = SrcInfo(filename, defs[1].lineno + line_off, defs[1].col_offset) if defs else SrcInfo(filename, 1, 0)
        raise ParseError(f"expected exactly one 'def' in the source, found {len(defs)}", srcinfo=where)
    fdef = defs[0]
    if isinstance(fdef, ast.AsyncFunctionDef):
        raise ParseError("'async def' cannot be a procedure", srcinfo=SrcInfo(filename, fdef.lineno + line_off, fdef.col_offset))
    # exec() adds __builtins__ to its globals: keep the caller's dict untouched.
    exec_globals = dict(scope)
    parser = Parser(filename, line_off, BaseEnv({}, {}, scope), exec_globals)
    return typecheck(parser.parse_proc(fdef), instr)


__all__ = ["parse_procedure", "parse_source", "ExoSymbol", "ExoExpression", "ExoStatementList"]
