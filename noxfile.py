"""Sessions: tests, lint, demo, bench. `nox -s tests` is what CI runs."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = None  # the interpreter nox runs with (3.10+)
PLUGINS = ["plugins/exo_x86"]  # target plugins in this repository, each its own distribution


def _install_core(session, *extras):
    spec = "." if not extras else f".[{','.join(extras)}]"
    session.install("-e", spec)


@nox.session(python=PYTHON)
def tests(session):
    """The whole test suite (the README's test command)."""
    _install_core(session, "test")
    for plugin in PLUGINS:
        session.install("-e", plugin)
    env = {"EXO_CHECK": os.environ.get("EXO_CHECK", "paranoid")}
    workers = os.environ.get("EXO_TEST_WORKERS", "2")
    args = session.posargs or ["tests"] + [f"{p}/tests" for p in PLUGINS]
    session.run("pytest", "-n", workers, "-q", *args, env=env)


@nox.session(python=PYTHON)
def lint(session):
    """ruff over the core, plugins, tests and examples."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", "exo_core", "tests", "examples", "benchmarks", "tools", "noxfile.py")
    for plugin in PLUGINS:
        session.run("ruff", "check", plugin)


@nox.session(python=PYTHON)
def demo(session):
    """Define a kernel, print it, compile it, run it through the JIT, check it against numpy."""
    _install_core(session)
    for plugin in PLUGINS:
        session.install("-e", plugin)
    session.run("python", "examples/demo.py", *session.posargs)


@nox.session(python=PYTHON)
def bench(session):
    """Benchmarks; writes bench-results/*.json."""
    _install_core(session)
    for plugin in PLUGINS:
        session.install("-e", plugin)
    session.install("matplotlib", "threadpoolctl")
    session.run("python", "benchmarks/run.py", *session.posargs)
