"""Exo's ``exo.stdlib.stdlib``: the composite scheduling operations (``vectorize``,
``tile_loops``, ``interleave_loop``, ``parallelize_reduction``, ``hoist_stmt``, ``cse``...)
together with everything ``exo.stdlib.scheduling`` exports, as in Exo."""

from __future__ import annotations

from .scheduling import *  # noqa: F403
from .scheduling import __all__  # noqa: F401
