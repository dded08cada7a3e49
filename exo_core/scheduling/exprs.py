"""Public exprs primitives (thin wrappers over exo_core.rewrite.exprs)."""

from __future__ import annotations

__all__: list[str] = []
