"""Stubs that make procedure bodies look like valid Python to linters and IDEs.

``from exo_core.frontend.syntax import *`` defines the names a procedure body uses
(types, ``seq``/``par``, ``stride``, ``DRAM``, the metaprogramming keywords) so tools stop
reporting them as undefined (``bool`` is Python's own and is not redefined). The parser never looks at these objects: it reads the source.
Nothing here is meant to be called.
"""

from __future__ import annotations

from ..memory import DRAM, DRAM_STACK, DRAM_STATIC, DRAM_STATIC_HUGE


class _TypeStub:
    """A type name: supports ``T[n, m]`` and ``T @ MEM`` so annotations type-check as Python."""

    def __init__(self, name: str):
        self._name = name

    def __getitem__(self, dims):
        return self

    def __matmul__(self, mem):
        return self

    def __repr__(self) -> str:
        return self._name


size = _TypeStub("size")
index = _TypeStub("index")
stride = _TypeStub("stride")  # also the stride(x, d) expression
R = _TypeStub("R")
f16 = _TypeStub("f16")
f32 = _TypeStub("f32")
f64 = _TypeStub("f64")
i8 = _TypeStub("i8")
ui8 = _TypeStub("ui8")
ui16 = _TypeStub("ui16")
i32 = _TypeStub("i32")


def seq(lo, hi):  # pragma: no cover - never executed
    """``for i in seq(lo, hi):`` a sequential loop."""
    raise TypeError("seq() only has a meaning inside a procedure")


def par(lo, hi):  # pragma: no cover - never executed
    """``for i in par(lo, hi):`` a parallel loop."""
    raise TypeError("par() only has a meaning inside a procedure")


class _Keyword:
    """``with python:`` / ``with exo:`` in a procedure body."""

    def __enter__(self):  # pragma: no cover - never executed
        raise TypeError("metaprogramming blocks only have a meaning inside a procedure")

    def __exit__(self, *exc):  # pragma: no cover
        return False


python = _Keyword()
exo = _Keyword()

__all__ = [
    "size", "index", "stride", "R", "f16", "f32", "f64", "i8", "ui8", "ui16", "i32",
    "seq", "par", "DRAM", "DRAM_STATIC", "DRAM_STATIC_HUGE", "DRAM_STACK", "python", "exo",
]
