"""Focused walks (only the statements a question is about walked in full, the rest
skimmed) know exactly what a full walk knows at every statement of every corpus kernel:
the same facts, the same buffer extents and the same config versions' constraints."""

from __future__ import annotations

import pytest
from corpus.kernels import CORPUS

from exo_core.analysis.sched.paths import PathWalker, locate
from exo_core.ir import For, If


class _Everything(PathWalker):
    """A full, unfocused walk recording the facts before each statement."""

    def __init__(self, proc):
        super().__init__(proc)
        self.seen = {}

    def visit(self, s, facts, field, k):
        self.seen[self.path] = (facts, {sym: info.extents for sym, info in self.bufs.items()})
        return self.stmt(s, facts)


def _procs():
    return [p._ir for p, _ in CORPUS.values() if p._ir.instr is None]


def _paths(stmts, prefix=(), field="body"):
    for i, s in enumerate(stmts):
        path = prefix + ((field, i),)
        yield path
        if type(s) in (For, If):
            yield from _paths(s.body, path)
        if type(s) is If:
            yield from _paths(s.orelse, path, "orelse")


@pytest.mark.parametrize("ir", _procs(), ids=lambda p: p.name)
def test_focused_facts_equal_full_walk(ir):
    full = _Everything(ir).run().seen
    assert full
    for path in _paths(ir.body):
        if path not in full:
            continue
        facts, w = locate(ir, path)
        want_facts, want_bufs = full[path]
        # config versions are fresh atoms per walk: compare everything but them
        assert {str(f) for f in facts} == {str(f) for f in want_facts}, path
        for sym, ext in want_bufs.items():
            if sym in w.bufs:
                assert w.bufs[sym].extents == ext, (path, sym)
