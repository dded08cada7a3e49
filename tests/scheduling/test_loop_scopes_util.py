"""Helpers for the loop/scope primitive tests: before/after agreement in the interpreter and
in compiled C on random inputs, and error checks."""

from __future__ import annotations

import re

import numpy as np
import pytest

from exo_core.errors import SchedulingError
from exo_core.ir.subst import binders
from exo_core.testing import copy_args, outputs_agree, random_args, run_interpreter


def check_equiv(before, after, *, trials: int = 4, sizes: dict | None = None, jit: bool = True, seed: int = 7):
    """``after`` computes what ``before`` computes, in the interpreter and (``jit``) in C;
    and it still binds every name once (one Sym per binder)."""
    assert_unique_binders(after)
    rng = np.random.default_rng(seed)
    ran = 0
    compiled = after.jit() if jit else None
    for _ in range(trials):
        args = random_args(before, rng, sizes=sizes)
        assert args is not None, "no random arguments satisfy the preconditions"
        want, err = run_interpreter(before, args)
        assert err is None, f"the original fails: {err}"
        got, err = run_interpreter(after, args)
        assert err is None, f"the rewritten procedure fails: {err}"
        diff = outputs_agree(want, got)
        assert diff is None, f"interpreter: {diff}\n{after}"
        if compiled is not None:
            c = copy_args(args)
            compiled(**c)
            diff = outputs_agree(want, c)
            assert diff is None, f"compiled C: {diff}\n{after}"
        ran += 1
    assert ran


def assert_unique_binders(p) -> None:
    syms = binders(p._ir.body) + [a.name for a in p._ir.args]
    assert len(syms) == len(set(syms)), f"a binder is used twice in\n{p}"


def refused(fn, *args, words: str | tuple = (), **kwargs) -> str:
    """Call a primitive expecting a SchedulingError whose message contains ``words``."""
    with pytest.raises(SchedulingError) as info:
        fn(*args, **kwargs)
    msg = str(info.value)
    for w in (words,) if isinstance(words, str) else words:
        assert re.search(w, msg), f"{w!r} not in: {msg}"
    return msg


def body_text(p) -> str:
    """The printed body of a procedure (without the ``@proc`` and ``def`` lines)."""
    lines = str(p).splitlines()
    return "\n".join(line[4:] for line in lines[2:])
