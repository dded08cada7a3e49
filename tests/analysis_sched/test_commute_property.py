"""Properties: whenever a check accepts, the transformation it guards preserves the
interpreter's results on random inputs (commute, fission, interchange, idempotence)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ir.irb import INDEX, Var, loop

from exo_core.analysis.sched import (
    CheckFailed,
    check_commute,
    check_fission,
    check_idempotent,
    check_reorder_loops,
)

from .gen import guarded, inputs, make, same, statement
from .util import blk

EXAMPLES = int(os.environ.get("SCHED_PROP_EXAMPLES", "200"))
STATS: dict = {}
# derandomized: the same examples every run, so test_properties_saw_both_verdicts is not a
# matter of luck (a random draw once gave the interchange check only 3 refusals in 200)
prop = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def verdict(name, fn, *args) -> bool:
    try:
        fn(*args)
    except CheckFailed:
        STATS.setdefault(name, [0, 0])[1] += 1
        return False
    STATS.setdefault(name, [0, 0])[0] += 1
    return True


@prop
@given(statement(), statement(), inputs)
def test_commute_accepted_swaps_preserve_results(a, b, inp):
    if verdict("commute", check_commute, make([a, b]), blk((), 0), blk((), 1)):
        same(make([a, b]), make([b, a], "q"), inp)


@st.composite
def fission_case(draw):
    i = Var("i", INDEX)
    lo = draw(st.integers(0, 2))
    hi = draw(st.integers(lo, 4))
    s1 = [draw(guarded([i])) for _ in range(draw(st.integers(1, 2)))]
    s2 = [draw(guarded([i])) for _ in range(draw(st.integers(1, 2)))]
    j = Var("i", INDEX)
    return (loop(i, lo, hi, s1 + s2), len(s1) - 1,
            [loop(i, lo, hi, s1), loop(j, lo, hi, [_rebind(s, i, j) for s in s2])])


def _rebind(s, old, new):
    from exo_core.ir.nodes import Read
    from exo_core.ir.visit import map_bottom_up

    return map_bottom_up(s, lambda n: n.update(name=new.sym) if type(n) is Read and n.name is old.sym else n)


@prop
@given(fission_case(), inputs)
def test_fission_accepted_preserves_results(case, inp):
    fused, k, split = case
    if verdict("fission", check_fission, make([fused]), (("body", 0),), k):
        same(make([fused]), make(split, "q"), inp)


@st.composite
def nest_case(draw):
    i, j = Var("i", INDEX), Var("j", INDEX)
    b = [draw(st.integers(0, 2)) for _ in range(2)]
    b = [(b[0], draw(st.integers(b[0], 4))), (b[1], draw(st.integers(b[1], 4)))]
    body = [draw(guarded([i, j], configs=False)) for _ in range(draw(st.integers(1, 2)))]
    orig = loop(i, *b[0], [loop(j, *b[1], body)])
    swapped = loop(j, *b[1], [loop(i, *b[0], body)])
    return orig, swapped


@prop
@given(nest_case(), inputs)
def test_interchange_accepted_preserves_results(case, inp):
    orig, swapped = case
    if verdict("reorder", check_reorder_loops, make([orig]), (("body", 0),)):
        same(make([orig]), make([swapped], "q"), inp)


@prop
@given(st.lists(statement(), min_size=1, max_size=3), inputs)
def test_idempotent_accepted_blocks_run_twice(block, inp):
    if verdict("idempotent", check_idempotent, make(block), blk((), 0, len(block))):
        same(make(block), make(block + block, "q"), inp)


def test_properties_saw_both_verdicts():
    # each check must have both said yes and no on the random programs, or the property
    # proved little; under xdist a property may have run in another worker: run it here
    if EXAMPLES < 100:
        return
    properties = {
        "commute": test_commute_accepted_swaps_preserve_results,
        "fission": test_fission_accepted_preserves_results,
        "reorder": test_interchange_accepted_preserves_results,
        "idempotent": test_idempotent_accepted_blocks_run_twice,
    }
    for name, prop in properties.items():
        if name not in STATS:
            prop()
    for name in properties:
        yes, no = STATS.get(name, (0, 0))
        assert yes >= 5 and no >= 5, (name, STATS)
