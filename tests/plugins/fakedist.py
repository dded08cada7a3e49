"""Make the fake plugin distributions of tests/ visible without pip.

importlib.metadata finds a distribution through a ``<name>-<version>.dist-info`` directory
on a sys.path entry; its ``entry_points.txt`` is what plugin discovery reads. So a
temporary directory holding such metadata, plus the directory holding the plugin's code,
on sys.path (or PYTHONPATH for a subprocess) is an installed plugin.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None

TESTS = Path(__file__).resolve().parent.parent
DISTS = {"target": TESTS / "fake_target", "broken": TESTS / "fake_broken", "dup": TESTS / "fake_dup"}


def _project(src: Path) -> dict:
    if tomllib is None:
        import pytest

        pytest.skip("needs tomllib (Python 3.11+)")
    return tomllib.loads((src / "pyproject.toml").read_text())["project"]


def make_site(root: Path, which: list[str]) -> list[str]:
    """Write dist-info directories for the fake distributions ``which`` (keys of DISTS) under
    ``root``; return the sys.path entries that install them."""
    site = root / "site"
    site.mkdir(parents=True, exist_ok=True)
    paths = [str(site)]
    for key in which:
        src = DISTS[key]
        project = _project(src)
        name, version = project["name"], project["version"]
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(exist_ok=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        eps = project.get("entry-points", {})
        text = "".join(
            f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items()) + "\n" for group, entries in eps.items()
        )
        (info / "entry_points.txt").write_text(text)
        paths.append(str(src))
    return paths


def subprocess_env(paths: list[str], **extra: str) -> dict:
    """The environment for a subprocess seeing exactly these fake plugins (and the real ones)."""
    env = {k: v for k, v in os.environ.items() if k not in ("EXO_PLUGINS", "EXO_DISABLE_PLUGIN_AUTOLOAD")}
    env["PYTHONPATH"] = os.pathsep.join(paths + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.update(extra)
    return env


def exocc(*args: str, env: dict, cwd=None):
    """Run ``exocc`` in a fresh interpreter (as ``python -m exo_core.cli``, which needs no console script)."""
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "exo_core.cli", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )
