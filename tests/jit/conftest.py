from __future__ import annotations

import pytest

import exo_core
import exo_core.jit_compiler as jitmod

from .handmade import fake_backend


@pytest.fixture
def handmade(monkeypatch, tmp_path):
    """The hand-written backend of handmade.py in place of the real one; a fresh cache dir."""
    monkeypatch.setattr(exo_core, "compile_procs_to_strings", fake_backend())
    jitmod.clear_memory_cache()
    yield tmp_path / "cache"
    jitmod.clear_memory_cache()
