"""Exo's ``exo.stdlib.scheduling``: every primitive, plus the user-level library built on
them (loops, staging, reductions, instructions, inspection, higher-order operations).
Everything in the library uses only the public API, as a user's own library would; an
error inside a library operation names the user's line, the operation and the primitive
that refused (``"<file>:<line>: tile_loops: divide_loop: <reason>"``)."""

from __future__ import annotations

from ..errors import InvalidCursorError, SchedulingError
from ..fragments import FormattedExprStr
from ..memory import DRAM
from ..scheduling import *  # noqa: F403
from ..scheduling import __all__ as _primitives
from . import higher_order, inspection, instrs, loop_shapes, loops, rc_wrappers, reductions, staging
from .higher_order import *  # noqa: F403
from .inspection import *  # noqa: F403
from .instrs import *  # noqa: F403
from .loop_shapes import *  # noqa: F403
from .loops import *  # noqa: F403
from .rc_wrappers import *  # noqa: F403
from .reductions import *  # noqa: F403
from .staging import *  # noqa: F403

_LIBRARY = [higher_order, inspection, rc_wrappers, loop_shapes, staging, reductions, loops, instrs]

__all__ = list(_primitives) + ["SchedulingError", "InvalidCursorError", "FormattedExprStr", "DRAM"]
for _m in _LIBRARY:
    __all__ += [n for n in _m.__all__ if n not in __all__]
