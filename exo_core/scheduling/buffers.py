"""Public buffers primitives (thin wrappers over exo_core.rewrite.buffers)."""

from __future__ import annotations

__all__: list[str] = []
