"""Names and source locations: the two leaves every IR node carries."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

_ids = itertools.count(1)


class Sym:
    """A binder: one per argument, allocation, loop iterator or window name.

    Two Syms are equal only if they are the same object, so shadowing and renaming never
    confuse analyses; ``name`` is what the user wrote and what printing shows.
    """

    __slots__ = ("name", "id")

    def __init__(self, name: str):
        self.name = name
        self.id = next(_ids)

    def copy(self) -> Sym:
        """A fresh Sym with the same name (used when a rewrite duplicates code)."""
        return Sym(self.name)

    def __repr__(self) -> str:
        return f"{self.name}_{self.id}"

    def __str__(self) -> str:
        return self.name

    def __lt__(self, other: Sym) -> bool:
        return self.id < other.id


@dataclass(frozen=True, slots=True)
class SrcInfo:
    """Where a node came from in the user's source: printed as ``file:line:col``."""

    filename: str
    line: int
    col: int = 0
    function: str | None = None

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}:{self.col}"


NULL_SRC = SrcInfo("<generated>", 0, 0)
