"""The scheduling primitives (Exo's ``exo.API_scheduling``). Each takes a procedure first
and returns a new one; the old one is unchanged. A rewrite that could change what the
procedure computes is refused with a ``SchedulingError`` saying why."""

from __future__ import annotations

# every primitive that takes a pattern string needs the pattern engine: load it with them
from .. import patterns as _patterns  # noqa: F401

# The decision procedures behind the checks, loaded with the primitives rather than inside
# the first one to run (they are imported lazily by the rewrites to avoid import cycles).
from ..analysis import sched as _checks  # noqa: F401
from ..analysis.solver import SOLVER as _SOLVER
from ..rewrite import unify_call as _unify_call  # noqa: F401
from ..rewrite import unify_solve as _unify_solve  # noqa: F401
from . import backend_ops as _backend_ops_mod
from . import buffers, exprs, loop_scopes, loops
from . import configs as _configs_mod
from . import replace as _replace_mod
from . import subprocs as _subprocs_mod
from .backend_ops import *  # noqa: F403
from .buffers import *  # noqa: F403
from .configs import *  # noqa: F403
from .exprs import *  # noqa: F403
from .loop_scopes import *  # noqa: F403
from .loops import *  # noqa: F403
from .replace import *  # noqa: F403
from .stmts import delete_pass, insert_pass, rename, reorder_stmts
from .subprocs import *  # noqa: F403

_SOLVER.start()

__all__ = ["delete_pass", "insert_pass", "rename", "reorder_stmts"]
for _m in (loops, loop_scopes, buffers, exprs):
    __all__ += _m.__all__
__all__ += _replace_mod.__all__
__all__ += _backend_ops_mod.__all__ + _configs_mod.__all__ + _subprocs_mod.__all__
