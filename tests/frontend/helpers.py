"""Helpers for frontend tests: parse a local function, find marked source lines."""

from __future__ import annotations

import contextlib
import os
import sys

import pytest

from exo_core.errors import ExoError
from exo_core.frontend import parse_procedure


def parse(func, instr=None):
    """``parse_procedure`` with the calling test's locals as the caller scope (like @proc)."""
    return parse_procedure(func, caller_locals=dict(sys._getframe(1).f_locals), instr=instr)


def marked_line(path: str, marker: str) -> int:
    """The line of ``path`` ending with the comment ``# L:<marker>`` (or ``# E:<marker>``)."""
    with open(path) as f:
        hits = [
            n + 1
            for n, text in enumerate(f)
            if text.rstrip().endswith((f"# L:{marker}", f"# E:{marker}"))
        ]
    assert len(hits) == 1, f"marker {marker} must appear exactly once in {path}"
    return hits[0]


@contextlib.contextmanager
def expect_error(cls, marker: str, path: str, *, contains: str | None = None):
    """The block raises ``cls`` (exactly that class or a subclass) with a message starting
    ``path:LINE:COL:`` where LINE carries ``# E:<marker>``; the message is one line."""
    line = marked_line(path, marker)
    with pytest.raises(ExoError) as info:
        yield
    err = info.value
    assert isinstance(err, cls), f"expected {cls.__name__}, got {type(err).__name__}: {err}"
    msg = str(err)
    assert msg.startswith(f"{path}:{line}:"), f"expected {os.path.basename(path)}:{line}: {msg}"
    head = msg.split(": ", 1)[0]
    assert head.rsplit(":", 2)[2].isdigit(), msg
    assert "\n" not in msg, f"message should be one line: {msg!r}"
    if contains is not None:
        assert contains in msg, msg
