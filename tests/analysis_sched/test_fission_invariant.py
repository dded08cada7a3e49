"""Fission with a loop-invariant, idempotent first part (Exo's rule), and its limits."""

from __future__ import annotations

import numpy as np
import pytest

from exo_core import proc
from exo_core.analysis.sched import CheckFailed, check_fission
from exo_core.scheduling import fission
from exo_core.testing import outputs_agree, random_args, run_interpreter


@proc
def broadcast_then_use(n: size, a: f32[n], b: f32[n, 8], c: f32[n, 2, 8]):
    for i in seq(0, n):
        t: f32[8]
        for jo in seq(0, 2):
            for ji in seq(0, 8):
                t[ji] = a[i]
                c[i, jo, ji] += t[ji] * b[i, ji]


@proc
def second_part_writes_input(n: size, a: f32[n], c: f32[n, 2]):
    for i in seq(0, n):
        t: f32
        for jo in seq(0, 2):
            t = a[0]
            a[0] = t + 1.0
            c[i, jo] = t


@proc
def first_part_uses_iterator(n: size, a: f32[n, 2], c: f32[n, 2]):
    for i in seq(0, n):
        t: f32
        for jo in seq(0, 2):
            t = a[i, jo]
            c[i, jo] = t


def _same(p, q):
    rng = np.random.default_rng(5)
    for _ in range(3):
        args = random_args(p, rng)
        want, _ = run_interpreter(p, args)
        got, err = run_interpreter(q, args)
        assert err is None and outputs_agree(want, got) is None


def test_invariant_first_part_splits():
    s = broadcast_then_use.find("t[ji] = _")
    q = fission(broadcast_then_use, s.after(), n_lifts=2)
    assert str(q).count("for jo in seq(0, 2):") == 2
    _same(broadcast_then_use, q)


def test_second_part_writing_what_the_first_reads_is_refused():
    jo_loop = (("body", 0), ("body", 1))
    with pytest.raises(CheckFailed, match="writes t"):
        check_fission(second_part_writes_input, jo_loop, 0)


def test_first_part_using_the_iterator_gets_the_location_check():
    jo_loop = (("body", 0), ("body", 1))
    with pytest.raises(CheckFailed, match="t"):
        check_fission(first_part_uses_iterator, jo_loop, 0)
