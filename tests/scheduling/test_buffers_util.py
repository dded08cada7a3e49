"""Helpers for the buffer primitive tests (test_buffers*.py): before/after agreement in
the interpreter and in compiled C on random inputs, refusals, printed bodies."""

from __future__ import annotations

import re

import numpy as np
import pytest

from exo_core.errors import SchedulingError
from exo_core.testing import copy_args, outputs_agree, random_args, run_interpreter


def same_results(before, after, *, trials: int = 4, sizes: dict | None = None, jit: bool = True,
                 seed: int = 7) -> None:
    """``after`` computes what ``before`` computes: interpreter vs interpreter and
    interpreter vs compiled C, on random inputs satisfying the preconditions."""
    rng = np.random.default_rng(seed)
    compiled = after.jit() if jit else None
    for _ in range(trials):
        args = random_args(before, rng, sizes=sizes)
        assert args is not None, "no random arguments satisfy the preconditions"
        want, err = run_interpreter(before, args)
        assert err is None, f"the original fails: {err}"
        got, err = run_interpreter(after, args)
        assert err is None, f"the rewritten procedure fails: {err}\n{after}"
        diff = outputs_agree(want, got)
        assert diff is None, f"interpreter: {diff}\n{after}"
        if compiled is not None:
            c = copy_args(args)
            compiled(**c)
            diff = outputs_agree(want, c)
            assert diff is None, f"compiled C: {diff}\n{after}"


def refused(fn, *args, words=(), **kwargs) -> str:
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


def lines(text: str) -> str:
    """A dedented expected body (for comparing with ``body``)."""
    import textwrap

    return textwrap.dedent(text).strip("\n")
