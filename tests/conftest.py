"""Suite-wide checks.

Every procedure defined while the suite runs (by ``@proc``/``@instr``, at import or inside a
test) is printed and parsed back after the test that defined it, and must come back
structurally equal: the printer/parser round trip is tested over every proc of the suite.
"""

from __future__ import annotations

import os
import tempfile

import pytest

import exo_core.procedure as _procedure

_defined: list = []
_original_build = _procedure._build


def _recording_build(func, caller_locals, instr):
    p = _original_build(func, caller_locals, instr)
    _defined.append(p)
    return p


_procedure._build = _recording_build

# Keep JIT builds of the suite out of the user's cache.
os.environ.setdefault("EXO_CACHE_DIR", os.path.join(tempfile.gettempdir(), "exo_core_test_cache"))


@pytest.fixture(autouse=True)
def _reset_irb_location():
    """Nodes built with the test IR builder start at its default location in every test."""
    from ir.irb import reset_location

    reset_location()


@pytest.fixture(autouse=True)
def _round_trip_defined_procs():
    yield
    from ir.roundtrip import assert_round_trip

    while _defined:
        assert_round_trip(_defined.pop())
