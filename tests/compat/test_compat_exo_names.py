"""Names Exo's modules have beyond their exo-core counterparts (Exo re-exports what it
imports, and programs rely on it), and submodules reached as attributes of ``exo``."""

from __future__ import annotations

import importlib

import pytest

import exo_core
import exo_core.compat as compat
import exo_core.cursors
import exo_core.extern
import exo_core.stdlib.scheduling
from exo_core.compat._table import EXTRA_NAMES
from exo_core.plugins import get_registry


@pytest.fixture
def shim():
    compat.install()
    yield
    compat.uninstall()


def test_scheduling_star_import_has_cursor_classes(shim):
    ns: dict = {}
    exec("from exo.stdlib.scheduling import *", ns)
    for name in ("ForCursor", "IfCursor", "BlockCursor", "GapCursor", "InvalidCursor", "InvalidCursorError"):
        assert ns[name] is getattr(exo_core.cursors, name), name
    assert ns["Procedure"] is exo_core.Procedure and ns["SchedulingError"] is exo_core.SchedulingError
    assert ns["divide_loop"] is exo_core.stdlib.scheduling.divide_loop
    # the extras are the shim's: exo-core's own module is unchanged
    assert "ForCursor" not in exo_core.stdlib.scheduling.__all__


def test_every_extra_name_resolves():
    for module, names in EXTRA_NAMES.items():
        for name, ref in names.items():
            mod, _, attr = ref.partition(":")
            assert getattr(importlib.import_module(mod), attr) is not None, (module, name)


def test_submodules_are_attributes(shim):
    import exo

    assert exo.API_cursors.ForCursor is exo_core.cursors.ForCursor
    assert exo.API.proc is exo_core.proc
    assert exo.libs.memories.DRAM_STATIC is exo_core.DRAM_STATIC
    with pytest.raises(AttributeError):
        exo.rewrite  # noqa: B018 (Exo's internals are not provided)


@pytest.mark.skipif("exo.platforms.x86" not in get_registry(check=False).compat_modules(),
                    reason="no plugin offers exo.platforms.x86")
def test_x86_platform_star_import_has_exo_extras(shim):
    ns: dict = {}
    exec("from exo.platforms.x86 import *", ns)
    assert ns["instr"] is exo_core.instr and ns["DRAM"] is exo_core.DRAM
    assert ns["relu"] is exo_core.extern.relu and ns["select"] is exo_core.extern.select
    assert ns["mm256_fmadd_ps"].name() == "mm256_fmadd_ps" and ns["AVX2"].name() == "AVX2"
