"""``python -m exo_core.compat script.py [args]``: run an Exo program with ``import exo`` resolved to exo-core.

``python -m exo_core.compat -m package.module [args]`` runs a module instead, like ``python -m``.
"""

from __future__ import annotations

import os
import runpy
import sys

from . import install

USAGE = "usage: python -m exo_core.compat (script.py | -m module) [args...]"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not argv else sys.stdout)
        return 2 if not argv else 0
    install()
    if argv[0] == "-m":
        if len(argv) < 2:
            print(USAGE, file=sys.stderr)
            return 2
        sys.argv = argv[1:]
        # As `python -m`: the current directory is importable.
        sys.path.insert(0, os.getcwd())
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return 0
    script = argv[0]
    if not os.path.isfile(script):
        print(f"python -m exo_core.compat: can't open file {script!r}", file=sys.stderr)
        return 2
    sys.argv = argv
    # As `python script.py`: the script's directory replaces ours at the front of sys.path.
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
