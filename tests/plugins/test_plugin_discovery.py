"""Discovery end to end: fresh interpreters running `exocc plugins` / `exocc --version`."""

from __future__ import annotations

import shutil
import subprocess

import pytest

import exo_core

from .fakedist import exocc, make_site, subprocess_env


@pytest.fixture
def site(tmp_path):
    def make(*which, **env):
        return subprocess_env(make_site(tmp_path, list(which)), **env)

    return make


def test_plugins_lists_targets_memories_and_instrs(site):
    r = exocc("plugins", env=site("target"))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("targets:\n  c [exo-core")
    assert "memories: DRAM, DRAM_STATIC, DRAM_STATIC_HUGE, DRAM_STACK" in out
    fake = out[out.index("  fake [exo-fake-target 0.1.0] - a fake target for exo-core's tests"):]
    assert "memories: FakeMem" in fake and "instrs:   1" in fake
    assert "compiler: " in fake and "-O1 -std=c11" in fake
    assert "runner:   native (can run here)" in fake
    assert "fake_emu [exo-fake-target 0.1.0]" in out
    assert "runner:   exo-fake-emulator-not-installed PROGRAM (target fake_emu: emulator" in out
    assert "broken plugins" not in out


def test_version_lists_every_plugin(site):
    r = exocc("--version", env=site("target", "broken"))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"exocc (exo-core {exo_core.__version__})"
    assert f"  c: exo-core {exo_core.__version__} (targets: c)" in lines
    assert "  fake: exo-fake-target 0.1.0 (targets: fake, fake_emu)" in lines
    assert "  broken: exo-fake-broken 0.2.0 BROKEN: ImportError: exo_fake_broken is broken on purpose" in lines
    assert any(ln.startswith("  badhook: exo-fake-broken 0.2.0 BROKEN: RuntimeError: the hook") for ln in lines)
    assert r.stderr == ""


def test_broken_plugins_are_listed_not_fatal(site):
    r = exocc("plugins", env=site("target", "broken"))
    assert r.returncode == 0, r.stderr
    broken = r.stdout[r.stdout.index("broken plugins:"):]
    assert "  broken [exo-fake-broken 0.2.0]: ImportError: exo_fake_broken is broken on purpose" in broken
    assert "  badhook [exo-fake-broken 0.2.0]: RuntimeError" in broken
    assert "fake [exo-fake-target 0.1.0]" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_disable_autoload(site):
    r = exocc("plugins", env=site("target", "broken", EXO_DISABLE_PLUGIN_AUTOLOAD="1"))
    assert r.returncode == 0
    assert "fake [exo-fake-target 0.1.0] -" not in r.stdout and "broken plugins" not in r.stdout
    assert "  fake [exo-fake-target 0.1.0]: EXO_DISABLE_PLUGIN_AUTOLOAD is set" in r.stdout
    assert "targets:\n  c [exo-core" in r.stdout


def test_allow_list(site):
    r = exocc("plugins", env=site("target", "broken", EXO_PLUGINS="exo-fake-target"))
    assert r.returncode == 0
    assert "fake [exo-fake-target 0.1.0] -" in r.stdout and "broken plugins" not in r.stdout
    assert "  broken [exo-fake-broken 0.2.0]: not listed in EXO_PLUGINS" in r.stdout
    r = exocc("--version", env=site("target", "broken", EXO_PLUGINS="broken"))
    assert "  fake: exo-fake-target 0.1.0 not loaded: not listed in EXO_PLUGINS" in r.stdout
    assert "  broken: exo-fake-broken 0.2.0 BROKEN" in r.stdout


def test_duplicate_names(site):
    env = site("target", "dup")
    r = exocc("plugins", env=env)
    assert r.returncode == 1
    conflicts = r.stdout[r.stdout.index("conflicts:"):]
    assert ("duplicate target name 'fake': defined by exo-fake-target 0.1.0 (plugin fake) and "
            "exo-fake-dup 0.3.0 (plugin fakedup)") in conflicts
    assert "duplicate memory name 'FakeMem'" in conflicts
    r = exocc("--version", env=env)
    assert r.returncode == 0 and "CONFLICT: duplicate target name 'fake'" in r.stdout


def test_console_script(site):
    exe = shutil.which("exocc")
    if exe is None:
        pytest.skip("the exocc console script is not installed")
    r = subprocess.run([exe, "--version"], env=site("target"), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "exo-fake-target 0.1.0" in r.stdout
