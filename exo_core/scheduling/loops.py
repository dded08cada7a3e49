"""Public loops primitives (thin wrappers over exo_core.rewrite.loops)."""

from __future__ import annotations

__all__: list[str] = []
