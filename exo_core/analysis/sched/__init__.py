"""Decision procedures for the scheduling primitives (Exo's ``Check_*``, done soundly).

Every check takes the procedure (a ``ProcDef`` or a ``Procedure``) and *paths* addressing
statements from the root: ``(("body", 2), ("body", 0))`` is the first statement of the
body of the third top-level statement (``If`` branches are ``"body"``/``"orelse"``). A
*block* is ``(parent_path, field, lo, hi)``: statements ``lo..hi-1`` of that list
(``parent_path == ()`` is the proc body).

A check returns normally when the condition is proven and raises ``CheckFailed`` with a
reason in the user's terms otherwise -- including when the question could not be decided
(non-affine indices, solver ``unknown``): soundness first.

Modules: ``paths`` (addressing, walking to a point, context facts), ``collect``
(accesses of a block as regions over its loop variables, calls mapped through their
arguments), ``deps`` (pairwise dependence queries and their messages), ``reorder``
(commuting blocks, loop interchange, fission, fusion, loop-carried dependences,
sinking allocations), ``guards`` (a guarded block running unconditionally), ``props``
(idempotence, reduce-only, window containment, deadness, loop facts, bounds), ``configs``
(deletable config writes).
"""

from __future__ import annotations


class CheckFailed(Exception):
    """A scheduling side condition does not hold (or could not be proven).

    ``reason`` names buffers and loop variables as the user wrote them; ``srcinfo`` is the
    location of the offending statement when one is known."""

    def __init__(self, reason: str, srcinfo=None):
        super().__init__(reason)
        self.reason = reason
        self.srcinfo = srcinfo


from .collect import Access, Effects, block_effects  # noqa: E402
from .configs import check_config_write_deletable  # noqa: E402
from .guards import check_unguard  # noqa: E402
from .paths import context_facts, prove_equal, prove_in_context  # noqa: E402
from .props import (  # noqa: E402
    access_in_window,
    check_body_independent_of_iter,
    check_bounds,
    check_dead_after,
    check_idempotent,
    check_loop_nonempty,
    check_reduce_only,
)
from .reorder import (  # noqa: E402
    check_commute,
    check_fission,
    check_fuse_loops,
    check_no_loop_carried,
    check_parallel,
    check_reorder_loops,
    check_sink_alloc,
)

__all__ = [
    "CheckFailed", "check_unguard", "Access", "Effects", "block_effects", "context_facts", "prove_in_context",
    "prove_equal", "check_commute", "check_reorder_loops", "check_fission", "check_fuse_loops",
    "check_no_loop_carried", "check_parallel", "check_sink_alloc", "check_idempotent", "check_loop_nonempty",
    "check_body_independent_of_iter", "check_reduce_only", "access_in_window", "check_dead_after",
    "check_config_write_deletable", "check_bounds",
]
