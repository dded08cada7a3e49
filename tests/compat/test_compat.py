"""The `import exo` shim: module and name mapping, plugin platforms, clear errors, `python -m exo_core.compat`."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import exo_core
import exo_core.compat as compat
from exo_core.plugins import get_registry, reset_registry

TESTS = Path(__file__).resolve().parent.parent
EXO_STAR = ["proc", "instr", "config", "Procedure", "compile_procs", "compile_procs_to_strings", "Config", "Memory",
            "Extern", "DRAM", "SchedulingError", "ParseFragmentError", "ExoType", "stdlib"]


@pytest.fixture
def shim():
    compat.install()
    yield
    compat.uninstall()


def test_top_level_names(shim):
    import exo

    for name in EXO_STAR:
        assert hasattr(exo, name), name
    assert exo.proc is exo_core.proc and exo.DRAM is exo_core.DRAM
    assert exo.SchedulingError is exo_core.SchedulingError
    ns: dict = {}
    exec("from exo import *", ns)
    assert set(EXO_STAR) <= set(ns)
    assert ns["stdlib"].__name__ == "exo.stdlib"


def test_submodules(shim):
    from exo.API_cursors import ExoType
    from exo.core.extern import Extern, _EErr
    from exo.core.memory import MemGenError, Memory, generate_offset
    from exo.libs.externs import relu, select, sin
    from exo.libs.memories import DRAM, DRAM_STACK, DRAM_STATIC
    from exo.main import main

    assert DRAM_STATIC is exo_core.DRAM_STATIC and DRAM_STACK is exo_core.DRAM_STACK and DRAM is exo_core.DRAM
    assert generate_offset(["i", "j"], ["n", "1"]) == "(i) * (n) + j"
    assert MemGenError is exo_core.MemGenError and Memory is exo_core.Memory
    assert Extern is exo_core.Extern and issubclass(_EErr, Exception)
    assert relu.name() == "relu" and select.name() == "select" and sin.name() == "sin"
    assert main is exo_core.cli.main
    from exo_core.cursors import ExoType as Ours

    assert ExoType is Ours
    import exo.libs

    assert exo.libs.memories.DRAM is DRAM  # the parent package gets the attribute


def test_missing_modules_say_so(shim):
    with pytest.raises(ModuleNotFoundError, match=r"exo-core does not provide exo.rewrite yet \(see docs/compat.md\)"):
        importlib.import_module("exo.rewrite.LoopIR_scheduling")
    if "exo.platforms.x86" not in get_registry().compat_modules():
        with pytest.raises(ModuleNotFoundError, match="exo-core does not provide exo.platforms.x86: install the exo-x86 plugin"):
            import exo.platforms.x86  # noqa: F401
    with pytest.raises(ModuleNotFoundError, match="exo.platforms.neon: install the exo-neon plugin"):
        from exo.platforms.neon import neon_vld_4xf32  # noqa: F401
    with pytest.raises(ModuleNotFoundError, match="install a target plugin offering it"):
        importlib.import_module("exo.platforms.vax")
    if "exo.platforms.x86" not in get_registry().compat_modules():
        with pytest.raises(ImportError, match="exo-core does not provide exo.libs.memories.AVX2: install the exo-x86 plugin"):
            from exo.libs.memories import AVX2  # noqa: F401
    import exo

    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        exo.nothing


def test_aliased_modules_follow_candidates(shim):
    # exo.stdlib.scheduling / exo.API_scheduling exist once exo-core has scheduling; until then they say so.
    for exo_name, ours in [("exo.stdlib.scheduling", "exo_core.stdlib.scheduling"), ("exo.frontend.syntax",
                                                                                       "exo_core.frontend.syntax")]:
        if importlib.util.find_spec(ours) is None:
            with pytest.raises(ModuleNotFoundError, match=f"does not provide {exo_name} yet"):
                importlib.import_module(exo_name)
        else:
            mod = importlib.import_module(exo_name)
            target = importlib.import_module(ours)
            public = getattr(target, "__all__", [n for n in vars(target) if not n.startswith("_")])
            assert all(getattr(mod, n) is getattr(target, n) for n in public)


def test_uninstall_forgets_everything():
    compat.install()
    compat.install()  # idempotent
    assert compat.is_installed() and sys.meta_path.count(compat._FINDER) == 1
    import exo  # noqa: F401

    compat.uninstall()
    assert not compat.is_installed() and "exo" not in sys.modules
    with pytest.raises(ModuleNotFoundError):
        import exo  # noqa: F401,F811


@pytest.fixture
def fake_plugin(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("_exo_fakedist", TESTS / "plugins" / "fakedist.py")
    fakedist = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fakedist)
    monkeypatch.delenv("EXO_PLUGINS", raising=False)
    monkeypatch.delenv("EXO_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    paths = fakedist.make_site(tmp_path, ["target"])
    for p in reversed(paths):
        monkeypatch.syspath_prepend(p)
    reset_registry()
    yield fakedist.subprocess_env(paths)
    reset_registry()


def test_plugin_platform_and_memories(shim, fake_plugin):
    import exo_fake_target
    from exo.libs.memories import FakeMem
    from exo.platforms.fake import fake_axpy4

    assert FakeMem is exo_fake_target.FakeMem and fake_axpy4 is exo_fake_target.fake_axpy4
    import exo.libs.memories as mems

    assert "FakeMem" in mems.__all__ and "DRAM" in mems.__all__


SCRIPT = """\
from __future__ import annotations
import sys
from exo import proc, DRAM, compile_procs_to_strings
from exo.libs.memories import DRAM_STATIC

@proc
def copy4(x: f32[4] @ DRAM, y: f32[4] @ DRAM):
    tmp: f32[4] @ DRAM_STATIC
    for i in seq(0, 4):
        tmp[i] = x[i]
    for i in seq(0, 4):
        y[i] = tmp[i]

c, h = compile_procs_to_strings([copy4], "copy4.h")
assert "void copy4(" in h
print("argv", sys.argv[1:], "name", __name__)
"""


def run_compat(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "exo_core.compat", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env)


def test_run_script_unmodified(tmp_path):
    (tmp_path / "prog.py").write_text(SCRIPT)
    r = run_compat("prog.py", "a", "--b", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "argv ['a', '--b'] name __main__"
    plain = subprocess.run([sys.executable, "prog.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert plain.returncode != 0 and "No module named 'exo'" in plain.stderr


def test_run_module_and_usage(tmp_path):
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "tool.py").write_text(SCRIPT)
    r = run_compat("-m", "mypkg.tool", "x", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "argv ['x'] name __main__"
    r = run_compat(cwd=tmp_path)
    assert r.returncode == 2 and "usage: python -m exo_core.compat" in r.stderr
    r = run_compat("nope.py", cwd=tmp_path)
    assert r.returncode == 2 and "can't open file 'nope.py'" in r.stderr


def test_script_with_plugin_platform(tmp_path, fake_plugin):
    (tmp_path / "p.py").write_text(textwrap.dedent("""
        from exo.platforms.fake import *
        from exo.libs.memories import FakeMem
        print(fake_axpy4.name(), FakeMem.name())
    """))
    r = run_compat("p.py", cwd=tmp_path, env=fake_plugin)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["fake_axpy4", "FakeMem"]
