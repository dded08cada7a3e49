"""``diff(before, after)``: a unified diff of two procedures as printed."""

from __future__ import annotations

import difflib


def diff(before, after, context: int = 2) -> str:
    """A readable unified diff of two procedures (or of their printed texts)."""
    a = str(before).splitlines()
    b = str(after).splitlines()
    name_a = before.name() if hasattr(before, "name") else "before"
    name_b = after.name() if hasattr(after, "name") else "after"
    lines = difflib.unified_diff(a, b, fromfile=f"{name_a} (before)", tofile=f"{name_b} (after)",
                                 n=context, lineterm="")
    return "\n".join(lines)
