"""Every error exo-core raises on bad user input.

Each class below is part of the public API (documented in docs/errors.md). A message
starts with the user's ``file:line:col`` when the error is about user code, then says
what failed in one or two lines. Catch ``ExoError`` to catch them all.
"""

from __future__ import annotations


class ExoError(Exception):
    """Base class of every error exo-core reports on user input."""

    def __init__(self, message: str, srcinfo=None):
        if srcinfo is not None and not _has_location(message):
            message = f"{srcinfo}: {message}"
        super().__init__(message)
        self.srcinfo = srcinfo


def _has_location(message: str) -> bool:
    head = message.split(" ", 1)[0]
    return head.count(":") >= 2 and head.endswith(":")


class ParseError(ExoError):
    """The procedure's source is not in the language (syntax, unknown names, metaprogramming)."""


class ParseFragmentError(ParseError):
    """A pattern or expression string given to a scheduling primitive does not parse."""


class TypeCheckError(ExoError):
    """An expression or statement is ill-typed (e.g. a data value used as an index)."""


class BoundsCheckError(ExoError):
    """An access or window may fall outside its buffer, or a precondition is violated or unsatisfiable."""


class PrecisionError(ExoError):
    """Two different concrete precisions meet in one operation."""


class MemGenError(ExoError):
    """A memory cannot generate the requested allocation, access or window."""


class ConfigError(ExoError):
    """A configuration is declared or used wrongly."""


class CodegenError(ExoError):
    """The C backend refuses a procedure (e.g. duplicate names, call cycles, racy parallel loops)."""


class InterpreterError(ExoError):
    """The reference interpreter hit an out-of-bounds access, a failed precondition or bad arguments."""


class JITError(ExoError):
    """Building or calling a JIT-compiled procedure failed (compiler error, bad argument)."""


class PluginError(ExoError):
    """A target plugin is broken or conflicts with another one."""


class SchedulingError(ExoError):
    """A scheduling primitive refused a rewrite; the message says which condition failed."""


class InvalidCursorError(ExoError):
    """A cursor does not point into the procedure it is used with."""


__all__ = [
    "ExoError",
    "ParseError",
    "ParseFragmentError",
    "TypeCheckError",
    "BoundsCheckError",
    "PrecisionError",
    "MemGenError",
    "ConfigError",
    "CodegenError",
    "InterpreterError",
    "JITError",
    "PluginError",
    "SchedulingError",
    "InvalidCursorError",
]
