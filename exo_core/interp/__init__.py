"""The reference interpreter: runs a procedure on numpy arrays with C's semantics.

``interpret(proc, **args)`` (see run.py for the argument conventions) and
``ConfigState`` (the values of config fields, state.py). Each procedure is compiled once
into a tree of Python closures (procs.py, exprs.py); precision rules are in values.py.
"""

from __future__ import annotations

from .run import interpret
from .state import ConfigState

__all__ = ["interpret", "ConfigState"]
