"""Checks shared by the scheduling and stdlib tests: before/after agreement in the interpreter
and in compiled C on random inputs, refusals, printed bodies."""

from __future__ import annotations

import re
import textwrap

import numpy as np
import pytest

from exo_core.errors import SchedulingError
from exo_core.ir.subst import binders
from exo_core.testing import copy_args, outputs_agree, random_args, run_interpreter


def same_results(before, after, *, trials: int = 4, sizes: dict | None = None, jit: bool = True,
                 exact: bool = False, seed: int = 7) -> None:
    """``after`` computes what ``before`` computes on random inputs satisfying the
    preconditions: interpreter against interpreter and, with ``jit``, the compiled C of
    ``after`` against the interpreter of ``before``. ``exact``: arrays agree bit for bit."""
    rng = np.random.default_rng(seed)
    compiled = after.jit() if jit else None
    for _ in range(trials):
        args = random_args(before, rng, sizes=sizes)
        assert args is not None, "no random arguments satisfy the preconditions"
        want, err = run_interpreter(before, args)
        assert err is None, f"the original fails: {err}"
        got, err = run_interpreter(after, args)
        assert err is None, f"the rewritten procedure fails: {err}\n{after}"
        _agree(want, got, exact, "interpreter", args, after)
        if compiled is not None:
            c = copy_args(args)
            compiled(**c)
            _agree(want, c, exact, "compiled C", args, after)


def controls(args) -> dict:
    """The control (non-array) arguments, for messages."""
    return {k: v for k, v in args.items() if not isinstance(v, np.ndarray)}


def _agree(want, got, exact, what, args, after):
    if exact:
        for k, v in want.items():
            if isinstance(v, np.ndarray):
                assert np.array_equal(v, got[k], equal_nan=True), \
                    f"{what}: {k} differs with {controls(args)}\n{after}"
    else:
        diff = outputs_agree(want, got)
        assert diff is None, f"{what}: {diff} with {controls(args)}\n{after}"


def assert_unique_binders(p) -> None:
    syms = binders(p._ir.body) + [a.name for a in p._ir.args]
    assert len(syms) == len(set(syms)), f"a binder is used twice in\n{p}"


def check_equiv(before, after, **kwargs) -> None:
    """``same_results``, and ``after`` still binds every name once (one Sym per binder)."""
    assert_unique_binders(after)
    same_results(before, after, **kwargs)


def refused(fn, *args, words: str | tuple = (), **kwargs) -> str:
    """Call a primitive expecting a ``SchedulingError`` whose message matches every regex
    of ``words``; returns the message."""
    with pytest.raises(SchedulingError) as info:
        fn(*args, **kwargs)
    msg = str(info.value)
    for w in (words,) if isinstance(words, str) else words:
        assert re.search(w, msg), f"{w!r} not in: {msg}"
    return msg


def body(p) -> str:
    """The printed body of a procedure (no decorator, ``def`` or ``assert`` lines), dedented."""
    lines = str(p).splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("def ")) + 1
    return "\n".join(line[4:] for line in lines[start:] if not line.lstrip().startswith("assert "))


def body_text(p) -> str:
    """The printed body of a procedure (without the ``@proc`` and ``def`` lines, asserts kept)."""
    lines = str(p).splitlines()
    return "\n".join(line[4:] for line in lines[2:])


def lines(text: str) -> str:
    """A dedented expected body (for comparing with ``body``)."""
    return textwrap.dedent(text).strip("\n")
