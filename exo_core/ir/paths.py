"""Addressing nodes of a procedure by path, and rebuilding a procedure around an edit.

A path is a tuple of ``(field, index)`` steps from the ``ProcDef`` root; ``index`` is None
for a single-node field (``("rhs", None)``) and an int for a tuple field
(``("body", 2)``). A block is ``(parent_path, field, lo, hi)``: statements ``lo..hi-1``
of one statement list (``parent_path == ()`` for the proc body).
"""

from __future__ import annotations

from .nodes import ProcDef


def node_at(root: ProcDef, path: tuple):
    """The node at ``path``; raises LookupError if the path does not exist."""
    node = root
    for field, idx in path:
        node = getattr(node, field)
        if idx is not None:
            if not 0 <= idx < len(node):
                raise LookupError(path)
            node = node[idx]
    return node


def stmts_at(root: ProcDef, parent_path: tuple, field: str) -> tuple:
    """The statement list ``field`` of the statement at ``parent_path`` (or of the proc)."""
    return getattr(node_at(root, parent_path), field)


def replace_at(root: ProcDef, path: tuple, new):
    """``root`` with the node at ``path`` replaced by ``new``; untouched subtrees are shared."""
    if not path:
        return new
    (field, idx), rest = path[0], path[1:]
    child_seq = getattr(root, field)
    child = child_seq if idx is None else child_seq[idx]
    new_child = replace_at(child, rest, new)
    if idx is None:
        return root.update(**{field: new_child})
    return root.update(**{field: child_seq[:idx] + (new_child,) + child_seq[idx + 1 :]})


def splice(root: ProcDef, parent_path: tuple, field: str, lo: int, hi: int, new_stmts) -> ProcDef:
    """``root`` with statements ``lo..hi-1`` of a statement list replaced by ``new_stmts``."""
    parent = node_at(root, parent_path)
    old = getattr(parent, field)
    new_parent = parent.update(**{field: old[:lo] + tuple(new_stmts) + old[hi:]})
    return replace_at(root, parent_path, new_parent)


def enclosing_stmt_paths(path: tuple):
    """Paths of the statements enclosing ``path``, innermost first (not including ``path``)."""
    for k in range(len(path) - 1, 0, -1):
        yield path[:k]
