"""`exocc`: outputs, public-procedure selection, depfile, --stem/-o/-p, and error reporting."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from exo_core.cli import depfile_text

HEADER = "from __future__ import annotations\nfrom exo_core import proc, instr, DRAM\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def src(body: str) -> str:
    return HEADER + textwrap.dedent(body)


def exocc(*args, cwd):
    return subprocess.run([sys.executable, "-m", "exo_core.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


KERNELS = HEADER + """
from helpers import SCALE

@proc
def scale(n: size, x: f32[n]):
    for i in seq(0, n):
        x[i] = x[i] * SCALE

@proc
def _private(n: size, x: f32[n]):
    for i in seq(0, n):
        x[i] = 0.0

@proc
def uses_private(n: size, x: f32[n]):
    _private(n, x)

@instr("{x}[0] = 1.0f;")
def set_one(x: f32[1]):
    x[0] = 1.0

alias = scale
"""


@pytest.fixture
def project(tmp_path):
    write(tmp_path / "src" / "kernels.py", KERNELS)
    write(tmp_path / "src" / "helpers.py", "SCALE = 2.0\n")
    return tmp_path


def test_outputs_with_default_outdir_and_stem(project):
    r = exocc("src/kernels.py", cwd=project)
    assert r.returncode == 0, r.stderr
    out = project / "kernels"
    c, h, d = (out / f"kernels{e}" for e in (".c", ".h", ".d"))
    header = h.read_text()
    assert "void scale(" in header and "void uses_private(" in header
    assert "_private(" not in header.replace("uses_private(", "") and "set_one(" not in header
    assert header.count("void scale(") == 1  # `alias` is the same procedure
    assert '#include "kernels.h"' in c.read_text()
    assert d.read_text().startswith("kernels/kernels.c kernels/kernels.h:")
    if shutil.which("cc"):
        cc = subprocess.run(["cc", "-std=c11", "-c", "-o", str(out / "k.o"), str(c)], capture_output=True, text=True)
        assert cc.returncode == 0, cc.stderr


def test_depfile_lists_user_python_files_only(project):
    r = exocc("src/kernels.py", "-o", "build", "--stem", "lib", cwd=project)
    assert r.returncode == 0, r.stderr
    text = (project / "build" / "lib.d").read_text()
    rule, *phony = text.split("\n\n")
    targets, deps = rule.split(":", 1)
    assert targets.split() == ["build/lib.c", "build/lib.h"]
    listed = [d.strip(" \\\n") for d in deps.split("\\\n") if d.strip(" \\\n")]
    assert sorted(listed) == sorted([str(project / "src" / "helpers.py"), str(project / "src" / "kernels.py")])
    assert [p.strip() for p in phony] == [f"{d}:" for d in listed]
    assert "numpy" not in text and "exo_core" not in text and "python3" not in text


def test_depfile_drives_make(project):
    if not shutil.which("make"):
        pytest.skip("make not installed")
    r = exocc("src/kernels.py", "-o", "build", "-s", "lib", cwd=project)
    assert r.returncode == 0, r.stderr
    write(project / "Makefile", "build/lib.c:\n\t@echo rebuild\n-include build/lib.d\n")
    assert subprocess.run(["make", "-q", "build/lib.c"], cwd=project).returncode == 0  # up to date
    import os
    import time

    future = time.time() + 5
    os.utime(project / "src" / "helpers.py", (future, future))
    assert subprocess.run(["make", "-q", "build/lib.c"], cwd=project).returncode == 1  # out of date


def test_all_is_honoured(tmp_path):
    write(tmp_path / "k.py", src("""
    __all__ = ["b"]

    @proc
    def a(x: f32[1]):
        x[0] = 0.0

    @proc
    def b(x: f32[1]):
        x[0] = 1.0
    """))
    r = exocc("k.py", "--stem", "lib", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    header = (tmp_path / "k" / "lib.h").read_text()
    assert "void b(" in header and "void a(" not in header


def test_several_sources_and_pythonpath(tmp_path):
    write(tmp_path / "lib" / "consts.py", "N = 4\n")
    write(tmp_path / "a.py", src("""
    from consts import N

    @proc
    def fa(x: f32[N]):
        for i in seq(0, N):
            x[i] = 0.0
    """))
    write(tmp_path / "b.py", src("""
    @proc
    def fb(x: f32[2]):
        x[0] = 1.0
    """))
    r = exocc("a.py", "b.py", cwd=tmp_path)
    assert r.returncode == 2 and "both -o/--outdir and -s/--stem are required" in r.stderr
    r = exocc("a.py", "b.py", "-o", "out", "-s", "both", cwd=tmp_path)
    assert r.returncode == 1 and "No module named 'consts'" in r.stderr
    r = exocc("a.py", "b.py", "-o", "out", "-s", "both", "-p", f"{tmp_path / 'lib'}", "-p", str(tmp_path), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    header = (tmp_path / "out" / "both.h").read_text()
    assert "void fa(" in header and "void fb(" in header
    assert str(tmp_path / "lib" / "consts.py") in (tmp_path / "out" / "both.d").read_text()


def test_exo_error_is_one_clean_line(tmp_path):
    write(tmp_path / "bad.py", src("""
    @proc
    def oob(n: size, x: f32[n]):
        for i in seq(0, n):
            x[i + 1] = 0.0
    """))
    r = exocc("bad.py", cwd=tmp_path)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert re.match(r"(.*/)?bad\.py:7:\d+: x\[i \+ 1\] may be out of bounds", lines[0]), r.stderr
    assert len(lines) == 1
    assert not (tmp_path / "bad").exists()


def test_python_errors_show_a_traceback(tmp_path):
    write(tmp_path / "oops.py", "raise RuntimeError('user bug')\n")
    r = exocc("oops.py", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" in r.stderr and "RuntimeError: user bug" in r.stderr


def test_usage_errors(tmp_path):
    r = exocc("missing.py", cwd=tmp_path)
    assert r.returncode == 2 and "no such file: missing.py" in r.stderr
    r = exocc(cwd=tmp_path)
    assert r.returncode == 2 and "no source files given" in r.stderr
    write(tmp_path / "empty.py", "X = 1\n")
    r = exocc("empty.py", cwd=tmp_path)
    assert r.returncode == 1 and r.stderr.startswith("exocc: error: no procedures to compile in empty.py")
    r = exocc("empty.py", "--stem", "not-an-identifier", cwd=tmp_path)
    assert r.returncode == 2 and "must be a C identifier" in r.stderr


def test_module_named_like_a_loaded_module(tmp_path):
    write(tmp_path / "json.py", src("""
    @proc
    def jsonish(x: f32[1]):
        x[0] = 2.0
    """))
    r = exocc("json.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "void jsonish(" in (tmp_path / "json" / "json.h").read_text()


def test_depfile_escaping():
    text = depfile_text(["o/a b.c", "o/x.h"], ["/p/has space.py", "/p/$d#.py"])
    assert text.splitlines()[0] == "o/a\\ b.c o/x.h: \\"
    assert "  /p/has\\ space.py \\" in text and "  /p/$$d\\#.py" in text
    assert text.endswith("/p/$$d\\#.py:\n")
