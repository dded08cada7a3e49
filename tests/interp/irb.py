"""The IR builder of tests/ir, importable whether or not tests/ is a package."""

from __future__ import annotations

try:
    from ..ir.irb import *  # noqa: F401,F403
except ImportError:
    from ir.irb import *  # noqa: F401,F403
