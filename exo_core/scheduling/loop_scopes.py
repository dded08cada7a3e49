"""Public loop_scopes primitives (thin wrappers over exo_core.rewrite.loop_scopes)."""

from __future__ import annotations

__all__: list[str] = []
