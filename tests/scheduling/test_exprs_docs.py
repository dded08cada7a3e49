"""docs/primitives.md is generated from the primitives' docstrings and must be up to date."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import exo_core.scheduling as sched

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_primitive_docs", ROOT / "tools" / "gen_primitive_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_primitives_page_is_up_to_date():
    gen = _generator()
    page = (ROOT / "docs" / "primitives.md").read_text()
    assert page == gen.render(), "docs/primitives.md is out of date: run python tools/gen_primitive_docs.py"


def test_every_primitive_has_one_line():
    page = (ROOT / "docs" / "primitives.md").read_text()
    for name in sched.__all__:
        assert sum(line.startswith(f"- `{name}(") for line in page.splitlines()) == 1, name
        assert getattr(sched, name).__doc__, f"{name} has no docstring"


def test_page_states_the_arithmetic_policy():
    page = (ROOT / "docs" / "primitives.md").read_text()
    assert "up to real-number reassociation" in page
    assert "UNCHECKED" in page
