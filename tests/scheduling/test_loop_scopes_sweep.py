"""Every loop/scope primitive at every place of every corpus kernel: whatever is accepted
computes what the kernel computes (interpreter), and keeps one binder per name."""

from __future__ import annotations

import numpy as np
import pytest
from corpus.kernels import CORPUS

from exo_core import ir
from exo_core.cursors import StmtCursor
from exo_core.errors import SchedulingError
from exo_core.scheduling import (
    autofission,
    fission,
    fuse,
    lift_scope,
    parallelize_loop,
    reorder_loops,
    specialize,
)
from exo_core.testing import outputs_agree, random_args, run_interpreter

from .checks import assert_unique_binders


def _stmt_paths(p):
    out = []

    def rec(node, path):
        for field in ("body", "orelse"):
            for k, s in enumerate(getattr(node, field, ()) or ()):
                out.append(path + ((field, k),))
                rec(s, path + ((field, k),))

    rec(p._ir, ())
    return out


def _attempts(p):
    has_n = any(a.name.name == "n" for a in p._ir.args)
    for path in _stmt_paths(p):
        c = StmtCursor._make(p, path)
        node = c._node()
        if isinstance(node, ir.For):
            yield reorder_loops, (c,), {}
            yield parallelize_loop, (c,), {}
        if isinstance(node, (ir.For, ir.If)):
            yield lift_scope, (c,), {}
        yield specialize, (c, ["n > 3"] if has_n else [True]), {}
        nxt = c.next()
        if nxt:
            yield fission, (c.after(),), {}
            yield fission, (c.after(),), {"n_lifts": 2}
            yield autofission, (c.after(),), {}
            yield fuse, (c, nxt), {}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_sweep(name):
    p, sizes = CORPUS[name]
    for fn, args, kwargs in _attempts(p):
        try:
            q = fn(p, *args, **kwargs)
        except SchedulingError:
            continue
        assert_unique_binders(q)
        rng = np.random.default_rng(3)
        for _ in range(2):
            a = random_args(p, rng, sizes=sizes)
            if a is None:
                break
            want, err = run_interpreter(p, a)
            if err is not None:
                continue
            got, err = run_interpreter(q, a)
            assert err is None, f"{fn.__name__}{args}: {err}"
            assert outputs_agree(want, got) is None, f"{fn.__name__}{args}:\n{q}"
