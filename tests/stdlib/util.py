"""Helpers for the stdlib tests: before/after agreement in the interpreter and in compiled C
on random inputs, printed results, and refusals naming the library operation and the
primitive that failed."""

from __future__ import annotations

import re

import numpy as np
import pytest

import exo_core.scheduling as S
from exo_core.testing import copy_args, outputs_agree, random_args, run_interpreter


def needs(*primitives: str):
    """Skip unless exo_core.scheduling has every one of ``primitives``."""
    missing = [p for p in primitives if not hasattr(S, p)]
    return pytest.mark.skipif(bool(missing), reason=f"primitive(s) {', '.join(missing)} not available yet")


def same_results(before, after, *, trials: int = 4, sizes: dict | None = None, jit: bool = True,
                 seed: int = 5) -> None:
    """``after`` computes what ``before`` computes on random inputs: interpreter against
    interpreter, and the compiled C of ``after`` against the interpreter of ``before``."""
    rng = np.random.default_rng(seed)
    compiled = after.jit() if jit else None
    for _ in range(trials):
        args = random_args(before, rng, sizes=sizes)
        assert args is not None, "no random arguments satisfy the preconditions"
        want, err = run_interpreter(before, args)
        assert err is None, f"the original fails: {err}"
        got, err = run_interpreter(after, args)
        assert err is None, f"the scheduled procedure fails: {err}\n{after}"
        diff = outputs_agree(want, got)
        assert diff is None, f"interpreter: {diff} with {_controls(args)}\n{after}"
        if compiled is not None:
            c = copy_args(args)
            compiled(**c)
            diff = outputs_agree(want, c)
            assert diff is None, f"compiled C: {diff} with {_controls(args)}\n{after}"


def _controls(args) -> dict:
    return {k: v for k, v in args.items() if not isinstance(v, np.ndarray)}


def show(title: str, p) -> str:
    """Print a scheduled procedure (visible with ``pytest -s``) and return its text."""
    text = str(p)
    print(f"--- {title}\n{text}")
    return text


def check_refused(info, *, op: str, prim: str | None, words=()) -> str:
    """Check a ``pytest.raises(SchedulingError)`` result: the message starts at the caller's
    line (the call in the test file), then names the library operation ``op`` and (when
    given) the primitive ``prim`` that failed -- possibly through nested library operations
    -- then matches every regex of ``words``. Returns the message (printed)."""
    import inspect

    caller = inspect.stack()[1].filename
    msg = str(info.value)
    print(f"--- refused: {msg}")
    assert re.match(rf"{re.escape(caller)}:\d+: ", msg), f"not located at the test's line: {msg}"
    chain = rf": {re.escape(op)}: (\w+: )*{re.escape(prim)}: " if prim else rf": {re.escape(op)}: "
    assert re.search(chain, msg), f"{chain!r} not in: {msg}"
    for w in (words,) if isinstance(words, str) else words:
        assert re.search(w, msg), f"{w!r} not in: {msg}"
    return msg


def body(p) -> str:
    """The printed body of a procedure (without the ``def`` line), dedented."""
    lines = str(p).splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("def ")) + 1
    return "\n".join(line[4:] for line in lines[start:] if not line.lstrip().startswith("assert "))
