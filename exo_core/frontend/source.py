"""From a function object or a source string to the Python AST of its ``def``.

Line numbers of the returned AST are relative to the parsed text; ``line_off`` maps them
to the file. Column offsets are already the file's: an indented ``def`` (a method, or a
proc built inside a function) is parsed under an ``if 1:`` header instead of dedented,
which keeps columns exact and leaves multi-line string arguments of ``@instr`` intact.
"""

from __future__ import annotations

import ast
import inspect
import linecache

from ..errors import ParseError
from ..ir.sym import SrcInfo


def _indent_of_first_code_line(text: str) -> int:
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped and not stripped.startswith("#"):
            return len(line) - len(stripped)
    return 0


def parse_defs(text: str, filename: str, line_off: int) -> tuple[list[ast.FunctionDef], int]:
    """All top-level ``def`` nodes of ``text`` and the line offset that applies to them."""
    if _indent_of_first_code_line(text):
        text = "if 1:\n" + text
        line_off -= 1
        wrapped = True
    else:
        wrapped = False
    try:
        module = ast.parse(text, filename=filename)
    except SyntaxError as e:
        line = (e.lineno or 1) + line_off
        raise ParseError(f"invalid Python syntax: {e.msg}", srcinfo=SrcInfo(filename, line, max((e.offset or 1) - 1, 0))) from None
    body = module.body
    if wrapped:
        body = body[0].body if body and isinstance(body[0], ast.If) else []
    defs = [s for s in body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return defs, line_off


def _fast_lines(func, code):
    """The decorated ``def`` of ``func`` by indentation alone (``inspect.getblock`` tokenizes
    the whole block, which costs more than parsing it). None when unsure: the caller then
    falls back to inspect, and a wrong cut can only fail to parse, never parse wrongly
    (an unterminated bracket, string or backslash continuation is a syntax error)."""
    filename = code.co_filename
    linecache.checkcache(filename)
    lines = linecache.getlines(filename, func.__globals__)
    start = code.co_firstlineno - 1
    if not 0 <= start < len(lines):
        return None
    head = lines[start]
    ind0 = len(head) - len(head.lstrip())
    n = start
    while n < len(lines):
        line = lines[n]
        stripped = line.lstrip()
        if len(line) - len(stripped) == ind0 and stripped.startswith(("def ", "async def ")):
            break
        n += 1
    else:
        return None
    n += 1
    while n < len(lines):
        line = lines[n]
        stripped = line.lstrip()
        if stripped and not stripped.startswith("#") and len(line) - len(stripped) <= ind0:
            break
        n += 1
    return filename, lines[start:n], start + 1


def function_def(func) -> tuple[ast.FunctionDef, str, int]:
    """The ``def`` of ``func`` with its file name and line offset."""
    code = getattr(func, "__code__", None)
    if code is None or not callable(func):
        raise ParseError(f"@proc and @instr decorate a Python function, not a {type(func).__name__}")
    fast = _fast_lines(func, code)
    if fast is not None:
        filename, lines, start = fast
        try:
            defs, line_off = parse_defs("".join(lines), filename, start - 1)
            if defs and defs[0].name == func.__name__ and isinstance(defs[0], ast.FunctionDef):
                return defs[0], filename, line_off
        except ParseError:
            pass
    try:
        lines, start = inspect.getsourcelines(func)
        filename = inspect.getsourcefile(func) or code.co_filename
    except (OSError, TypeError) as e:
        raise ParseError(
            f"cannot read the source of '{func.__name__}' ({e}); procedures must be defined in a source file",
            srcinfo=SrcInfo(code.co_filename, code.co_firstlineno, 0),
        ) from None
    defs, line_off = parse_defs("".join(lines), filename, start - 1)
    if not defs:
        raise ParseError(
            f"cannot find the 'def' of '{func.__name__}' in its source (lambdas are not procedures)",
            srcinfo=SrcInfo(filename, start, 0),
        )
    fdef = defs[0]
    if isinstance(fdef, ast.AsyncFunctionDef):
        raise ParseError("'async def' cannot be a procedure", srcinfo=SrcInfo(filename, fdef.lineno + line_off, fdef.col_offset))
    return fdef, filename, line_off
