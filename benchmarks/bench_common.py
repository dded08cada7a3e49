"""What the GFLOPS benchmarks share: loading a Python file as a module, and running a
benchmark in a child process with one OpenBLAS thread and its kernel overrides removed."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

# Set on some hosts for old OpenBLAS builds; they slow a current one. Removed in the child only.
ENV_DROP = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def load_module(path: Path, name: str):
    """Execute ``path`` as the module ``name`` (registered in ``sys.modules``)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run_child(script: str, argv) -> int:
    """Run ``script --child argv...`` with ``OPENBLAS_NUM_THREADS=1`` from the start (idle
    worker threads would otherwise spin on the other core) and without ``ENV_DROP``."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_DROP}
    env["OPENBLAS_NUM_THREADS"] = "1"
    return subprocess.call([sys.executable, str(Path(script).resolve()), "--child", *argv], env=env)
