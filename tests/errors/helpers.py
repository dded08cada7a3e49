"""Assert that a bad program fails with a documented error class at the right line."""

from __future__ import annotations

import contextlib
import os

import pytest

from exo_core.errors import ExoError


@contextlib.contextmanager
def expect_error(cls, marker: str, path: str, *, contains: str | None = None):
    """The block must raise ``cls`` whose message starts with ``path:LINE:`` where LINE is
    the line of ``path`` carrying the comment ``# E:<marker>``."""
    with open(path) as f:
        lines = [i + 1 for i, text in enumerate(f) if text.rstrip().endswith(f"# E:{marker}")]
    assert len(lines) == 1, f"marker E:{marker} must appear exactly once in {path}"
    with pytest.raises(ExoError) as info:
        yield
    err = info.value
    assert isinstance(err, cls), f"expected {cls}, got {type(err).__name__}: {err}"
    msg = str(err)
    head = msg.split(": ", 1)[0]
    parts = head.rsplit(":", 2)
    assert len(parts) == 3, f"message does not start with file:line:col: {msg!r}"
    file, line, _col = parts
    assert os.path.basename(file) == os.path.basename(path), msg
    assert int(line) == lines[0], f"expected line {lines[0]}: {msg}"
    assert len(msg.splitlines()) <= 3, f"message too long: {msg!r}"
    if contains is not None:
        assert contains in msg, msg
