"""Cursor forwarding: how paths of a procedure map to paths of a rewritten one.

A forwarding function takes a path (statement or expression) of the old procedure and
returns the path of the same code in the new one, or raises ``InvalidCursorError`` when
that code no longer exists. Rewrites are local, so their forwarding functions are built
from the two shapes below and composed.
"""

from __future__ import annotations

from ..errors import InvalidCursorError


def identity(path: tuple) -> tuple:
    return path


def compose(*fns):
    """Apply ``fns`` left to right."""
    fns = [f for f in fns if f is not identity]
    if not fns:
        return identity
    if len(fns) == 1:
        return fns[0]

    def forward(path):
        for f in fns:
            path = f(path)
        return path

    return forward


def after_splice(parent_path: tuple, field: str, lo: int, hi: int, new_len: int, inner=None):
    """Forwarding for replacing statements ``lo..hi-1`` of a list by ``new_len`` statements.

    Code before the block keeps its path, code after it shifts; code inside the block goes
    through ``inner`` (a function of the old path) or becomes invalid."""
    n = len(parent_path)
    shift = new_len - (hi - lo)

    def forward(path):
        if len(path) <= n or path[:n] != parent_path or path[n][0] != field:
            return path
        i = path[n][1]
        if i < lo:
            return path
        if i >= hi:
            return parent_path + ((field, i + shift),) + path[n + 1 :]
        if inner is not None:
            return inner(path)
        raise InvalidCursorError("the cursor's statement was removed by the rewrite")

    return forward


def after_replace(path_replaced: tuple, inner=None):
    """Forwarding for replacing the single node at ``path_replaced`` (a statement or an
    expression): paths inside it go through ``inner`` or become invalid; the node itself
    keeps its path."""
    n = len(path_replaced)

    def forward(path):
        if len(path) <= n or path[:n] != path_replaced:
            return path
        if inner is not None:
            return inner(path)
        raise InvalidCursorError("the cursor's code was rewritten")

    return forward


def rebase(old_prefix: tuple, new_prefix: tuple):
    """For ``inner``: code under ``old_prefix`` now lives under ``new_prefix``."""
    n = len(old_prefix)

    def forward(path):
        if path[:n] == old_prefix:
            return new_prefix + path[n:]
        raise InvalidCursorError("the cursor's code was rewritten")

    return forward
