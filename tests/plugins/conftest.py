from __future__ import annotations

import sys

import pytest

from exo_core.plugins import reset_registry

from .fakedist import make_site


@pytest.fixture
def fake_site(tmp_path, monkeypatch):
    """``install(*which)`` makes fake plugins visible in this process; the registry is reset around it."""
    monkeypatch.delenv("EXO_PLUGINS", raising=False)
    monkeypatch.delenv("EXO_DISABLE_PLUGIN_AUTOLOAD", raising=False)

    def install(*which):
        for p in reversed(make_site(tmp_path, list(which))):
            monkeypatch.syspath_prepend(p)
        reset_registry()

    yield install
    reset_registry()
    for name in [n for n in sys.modules if n.startswith(("exo_fake_", "exo.platforms.fake"))]:
        del sys.modules[name]
