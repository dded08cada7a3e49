"""Helpers for the stdlib tests: before/after agreement in the interpreter and in compiled C
on random inputs, printed results, and refusals naming the library operation and the
primitive that failed."""

from __future__ import annotations

import functools
import re

import pytest
from scheduling import checks

import exo_core.scheduling as S


def needs(*primitives: str):
    """Skip unless exo_core.scheduling has every one of ``primitives``."""
    missing = [p for p in primitives if not hasattr(S, p)]
    return pytest.mark.skipif(bool(missing), reason=f"primitive(s) {', '.join(missing)} not available yet")


# the random inputs these tests were written against
same_results = functools.partial(checks.same_results, seed=5)


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
