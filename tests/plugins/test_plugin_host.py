"""Plugin discovery in this process: loading, broken plugins, env switches, name conflicts."""

from __future__ import annotations

import pytest

from exo_core import DRAM, DRAM_STACK, DRAM_STATIC, DRAM_STATIC_HUGE
from exo_core.errors import PluginError
from exo_core.plugins import Target, get_registry, load_registry, reset_registry
from exo_core.plugins.builtin import C_TARGET


def names(reg):
    return [t.name for t in reg.targets()]


def test_builtin_target_always_present(monkeypatch):
    monkeypatch.setenv("EXO_DISABLE_PLUGIN_AUTOLOAD", "1")
    reg = load_registry()
    assert names(reg) == ["c"]
    c = reg.target("c")
    assert c is C_TARGET
    assert c.memories == [DRAM, DRAM_STATIC, DRAM_STATIC_HUGE, DRAM_STACK]
    assert c.distribution == "exo-core" and c.version
    assert c.cflags == ["-O2", "-std=c11"] and c.runner_kind() == "native"
    assert c.can_run() == (True, "")


def test_unknown_target_lists_installed():
    with pytest.raises(PluginError, match=r"no target named 'nope' \(installed targets: c"):
        load_registry().target("nope")


def test_registry_is_cached_until_reset():
    reset_registry()
    r1 = get_registry()
    assert get_registry() is r1
    reset_registry()
    assert get_registry() is not r1


def test_fake_plugin_is_discovered(fake_site):
    fake_site("target")
    reg = get_registry()
    assert names(reg)[0] == "c" and {"fake", "fake_emu"} <= set(names(reg))
    fake = reg.target("fake")
    assert (fake.distribution, fake.version) == ("exo-fake-target", "0.1.0")
    assert fake.memory_names() == ["FakeMem"] and fake.instr_names() == ["fake_axpy4"]
    assert reg.memories()["FakeMem"] is fake.memories[0]
    assert reg.instrs()["fake_axpy4"] is fake.instrs[0]
    assert "exo.platforms.fake" in reg.compat_modules()
    assert not reg.broken() and not reg.conflicts
    emu = reg.target("fake_emu")
    assert emu.runner_kind() == "emulator"
    ok, reason = emu.can_run()
    assert not ok and "emulator 'exo-fake-emulator-not-installed' not found" in reason
    plugin = next(p for p in reg.plugins if p.name == "fake")
    assert plugin.label() == "exo-fake-target 0.1.0 (plugin fake)"


def test_broken_plugins_are_recorded_not_raised(fake_site):
    fake_site("target", "broken")
    reg = get_registry()
    broken = {b.name: b for b in reg.broken()}
    assert set(broken) == {"broken", "badhook"}
    assert broken["broken"].error == "ImportError: exo_fake_broken is broken on purpose"
    assert broken["broken"].distribution == "exo-fake-broken" and broken["broken"].version == "0.2.0"
    assert broken["badhook"].error.startswith("RuntimeError: the hook of exo_fake_badhook fails")
    assert "fake" in names(reg)  # the others still load
    with pytest.raises(PluginError, match="plugin broken .* is broken: ImportError"):
        reg.target("missing")


def test_disable_autoload(fake_site, monkeypatch):
    fake_site("target")
    monkeypatch.setenv("EXO_DISABLE_PLUGIN_AUTOLOAD", "1")
    reg = load_registry()
    assert names(reg) == ["c"]
    # other installed plugins (a real exo-x86, say) are skipped too; look at the fake one
    assert [(s.name, s.reason) for s in reg.skipped if s.name == "fake"] == [("fake", "EXO_DISABLE_PLUGIN_AUTOLOAD is set")]
    monkeypatch.setenv("EXO_DISABLE_PLUGIN_AUTOLOAD", "0")
    assert "fake" in names(load_registry())


@pytest.mark.parametrize("allow", ["fake", "exo-fake-target", "exo_fake_target", " fake , other"])
def test_allow_list(fake_site, monkeypatch, allow):
    fake_site("target", "broken")
    monkeypatch.setenv("EXO_PLUGINS", allow)
    reg = load_registry()
    assert set(names(reg)) == {"c", "fake", "fake_emu"}
    assert not reg.broken()
    assert {s.name for s in reg.skipped} >= {"broken", "badhook"}
    assert not {s.name for s in reg.skipped} & {"fake", "fake_emu"}


def test_allow_list_overrides_disabled_autoload(fake_site, monkeypatch):
    fake_site("target", "broken")
    monkeypatch.setenv("EXO_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("EXO_PLUGINS", "badhook")
    reg = load_registry()
    assert names(reg) == ["c"] and [b.name for b in reg.broken()] == ["badhook"]


def test_duplicate_names_name_both_distributions(fake_site):
    fake_site("target", "dup")
    with pytest.raises(PluginError) as info:
        get_registry()
    msg = str(info.value)
    assert "duplicate target name 'fake'" in msg and "duplicate memory name 'FakeMem'" in msg
    assert "exo-fake-target 0.1.0 (plugin fake)" in msg and "exo-fake-dup 0.3.0 (plugin fakedup)" in msg
    reg = get_registry(check=False)
    assert len(reg.conflicts) == 2
    assert reg.target("fake").distribution == "exo-fake-target"  # first one wins for reporting


def _write_plugin(tmp_path, monkeypatch, module_text, dist="exo-adhoc", ep="adhoc"):
    site = tmp_path / "adhoc"
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[exo_core.targets]\n{ep} = exo_adhoc_{ep}\n")
    (site / f"exo_adhoc_{ep}.py").write_text(module_text)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delenv("EXO_PLUGINS", raising=False)
    monkeypatch.delenv("EXO_DISABLE_PLUGIN_AUTOLOAD", raising=False)


@pytest.mark.parametrize(
    "text, error",
    [
        ("def exo_core_targetz():\n    return []\n", "exo_core_targetz is not a hook of exo_core"),
        ("def exo_core_targets():\n    return 'c'\n", "exo_core_targets must return a list of Target"),
        ("from exo_core.plugins import Target\ndef exo_core_targets():\n    return [Target('t', memories=[int])]\n",
         "memories must be Memory subclasses"),
        ("def exo_core_compat_modules():\n    return {'numpy': 'numpy'}\n", "is not an 'exo.' module name"),
        ("def exo_core_targets(extra):\n    return []\n", "PluginValidationError"),
        ("import sys\nsys.exit(3)\n", "SystemExit: 3"),
    ],
)
def test_invalid_plugins_are_broken(tmp_path, monkeypatch, text, error):
    ep = f"bad{abs(hash(text)) % 10**6}"
    _write_plugin(tmp_path, monkeypatch, text, ep=ep)
    reg = load_registry()
    (b,) = [b for b in reg.broken() if b.name == ep]
    assert error in b.error
    assert b.distribution == "exo-adhoc"


def test_hookimpl_marker_and_plain_functions(tmp_path, monkeypatch):
    text = (
        "from exo_core.plugins import Target, hookimpl\n"
        "@hookimpl\ndef exo_core_targets():\n    return [Target('adhoc_t')]\n"
        "def exo_core_compat_modules():\n    return {'exo.platforms.adhoc': 'json'}\n"
    )
    _write_plugin(tmp_path, monkeypatch, text, ep="good")
    reg = load_registry()
    assert reg.target("adhoc_t").distribution == "exo-adhoc"
    assert reg.compat_modules()["exo.platforms.adhoc"][0] == "json"


# --------------------------------------------------------------------------- Target


def test_target_commands(tmp_path):
    t = Target("x", cc="clang-19 --target=aarch64-linux-gnu", cflags=["-O2"], ldflags=["-static"],
               include_dirs=["/inc"], runner=["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"])
    assert t.compiler() == ["clang-19", "--target=aarch64-linux-gnu"]
    assert t.compile_command(["a.c"], "a.out") == [
        "clang-19", "--target=aarch64-linux-gnu", "-O2", "-I/inc", "-o", "a.out", "a.c", "-static"]
    assert t.run_command("./a.out", "x") == ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", "./a.out", "x"]
    assert t.runner_kind() == "emulator" and not t.runs_in_process()
    sim = Target("sim", runner=tmp_path)
    assert sim.runner_kind() == "simulator" and sim.runs_in_process()
    assert f"-I{tmp_path}" in sim.compile_command(["a.c"], "a.so", shared=True)
    assert sim.run_command("./a") == ["./a"]
    assert sim.can_run()[0]
    assert "does not exist" in Target("sim2", runner=tmp_path / "nope").can_run()[1]


def test_target_default_compiler(monkeypatch):
    monkeypatch.setenv("CC", "gcc -m64")
    assert Target("h").compiler() == ["gcc", "-m64"]
    monkeypatch.delenv("CC")
    assert Target("h").compiler()[0] in ("cc", "gcc", "clang")
    assert Target("h", cc=["aarch64-linux-gnu-gcc"]).compiler() == ["aarch64-linux-gnu-gcc"]


def test_target_host_checks():
    assert Target("f", cpu_flags=["exo_no_such_cpu_flag"]).can_run() == (
        False, "target f: this CPU lacks exo_no_such_cpu_flag")
    assert Target("g", check=lambda: (False, "needs a board")).can_run() == (False, "target g: needs a board")

    def boom():
        raise OSError("probe failed")

    assert Target("h", check=boom).can_run() == (False, "target h: host check raised OSError: probe failed")
    assert Target("k", check=lambda: (True, "")).can_run() == (True, "")


def test_target_validation():
    with pytest.raises(ValueError, match="identifier"):
        Target("no-dash")
    with pytest.raises(ValueError, match="runner"):
        Target("t", runner="qemu")


def test_plugin_guide_matches_the_hookspecs():
    from pathlib import Path

    from exo_core.plugins import hookspecs

    guide = (Path(__file__).resolve().parents[2] / "docs" / "plugins.md").read_text()
    hooks = [n for n in vars(hookspecs) if n.startswith("exo_core_")]
    assert hooks == ["exo_core_targets", "exo_core_compat_modules"]
    for name in hooks + ["EXO_DISABLE_PLUGIN_AUTOLOAD", "EXO_PLUGINS", hookspecs.ENTRY_POINT_GROUP]:
        assert name in guide and name in hookspecs.__doc__ + "".join(
            getattr(hookspecs, h).__doc__ for h in hooks), name
    for field in Target.__dataclass_fields__:
        assert f"`{field}`" in guide, field
