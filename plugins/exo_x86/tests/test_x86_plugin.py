"""The plugin as installed: discovery (``exocc plugins``), the compat module, the targets' host
checks and the JIT's target choice, a structural check of every instr, and test coverage."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap

import pytest
from exo_core import JITError, compile_procs_to_strings, jit, proc
from exo_core.plugins import get_registry
from x86_testutil import called_instrs, compile_only, needs_avx2

import exo_x86
from exo_x86 import *
from exo_x86.plugin import TARGETS, X86, X86_AVX512, X86_AVX512_VNNI

TEST_MODULES = ["test_x86_avx2", "test_x86_avx2_extra", "test_x86_prefix", "test_x86_avx512", "test_x86_vnni"]


def _exocc(*args, env=None):
    exe = [sys.executable, "-c", "import sys; from exo_core.cli import main; sys.exit(main())"]
    return subprocess.run(exe + list(args), capture_output=True, text=True, env=env, timeout=120)


# --------------------------------------------------------------------------- discovery


def test_registry_has_the_targets():
    reg = get_registry()
    assert [reg.target(t.name) for t in TARGETS] == TARGETS
    assert reg.memories()["AVX2"] is AVX2 and reg.memories()["AVX512"] is AVX512
    assert X86.distribution == "exo-x86"
    assert set(X86.instrs) < set(X86_AVX512.instrs) < set(X86_AVX512_VNNI.instrs)


def test_exocc_plugins_lists_it():
    r = _exocc("plugins")
    assert r.returncode == 0, r.stdout + r.stderr
    for line in ("x86 [exo-x86 0.1.0]", "x86_avx512 [exo-x86", "x86_avx512_vnni [exo-x86", "memories: AVX2, AVX512",
                 f"instrs:   {len(X86.instrs)}", "-mavx2 -mfma"):
        assert line in r.stdout, r.stdout
    r = _exocc("--version")
    assert "exo-x86 0.1.0" in r.stdout


def test_compat_module_and_memories(tmp_path):
    script = tmp_path / "exo_style.py"
    script.write_text(textwrap.dedent("""\
        from __future__ import annotations
        from exo import proc
        from exo.libs.memories import AVX2, AVX512
        from exo.platforms.x86 import *

        @proc
        def scale8(n: size, a: f32[1], x: f32[n, 8]):
            va: f32[8] @ AVX2
            vx: f32[8] @ AVX2
            vy: f32[8] @ AVX2
            mm256_broadcast_ss(va, a[0:1])
            for i in seq(0, n):
                mm256_loadu_ps(vx, x[i, :])
                mm256_mul_ps(vy, va, vx)
                mm256_storeu_ps(x[i, :], vy)

        import exo_x86
        assert AVX2 is exo_x86.AVX2 and AVX512 is exo_x86.AVX512
        assert mm512_mask_fmadd_ps is exo_x86.mm512_mask_fmadd_ps
        print("OK", scale8.name())
    """))
    r = subprocess.run([sys.executable, "-m", "exo_core.compat", str(script)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "OK scale8" in r.stdout


def test_platform_module_exports_exo_names():
    platform = importlib.import_module("exo_x86.platform")
    for name in ("prefetch", "mm256_setzero_ps", "mm256_fmadd_ps_broadcast", "mm256_add_epi16", "avx2_select_ps",
                 "avx2_assoc_reduce_add_ps", "mm256_prefix_load_ps", "avx2_mask_storeu_ps", "mm512_mask_fmadd_ps",
                 "mm512_maskz_loadu_ps", "mm512_mask_set1_ps", "mm512_relu_ps", "avx2_convert_f32_upper_to_f64",
                 "AVX2", "AVX512", "DRAM"):
        assert name in platform.__all__, name
    assert len(set(platform.__all__)) == len(platform.__all__)


# --------------------------------------------------------------------------- host checks


@pytest.mark.parametrize("flags, target, ok, missing", [
    ("avx2 fma avx512f avx512dq avx512bw avx512vl avx512_vnni", X86_AVX512_VNNI, True, ""),
    ("avx2 fma", X86, True, ""),
    ("avx2", X86, False, "lacks fma"),
    ("avx2 fma avx512f", X86_AVX512, False, "lacks avx512bw, avx512dq, avx512vl"),
    ("avx2,fma,avx512f,avx512dq,avx512bw,avx512vl", X86_AVX512_VNNI, False, "lacks avx512_vnni"),
])
def test_can_run_names_missing_flags(monkeypatch, flags, target, ok, missing):
    monkeypatch.setenv("EXO_X86_CPU_FLAGS", flags)
    got, reason = target.can_run()
    assert got is ok, reason
    assert missing in reason
    if not ok:
        assert reason.startswith(f"target {target.name}: ")


def test_can_run_without_cpu_information(monkeypatch):
    monkeypatch.setenv("EXO_X86_CPU_FLAGS", "")
    ok, reason = X86.can_run()
    assert not ok and "EXO_X86_CPU_FLAGS" in reason


def test_can_run_without_compiler(monkeypatch):
    monkeypatch.setenv("CC", "exo-x86-no-such-compiler")
    ok, reason = X86.can_run()
    assert not ok and "exo-x86-no-such-compiler" in reason


# --------------------------------------------------------------------------- target choice


@proc
def uses_avx2(x: f32[8], y: f32[8]):
    r: f32[8] @ AVX2
    mm256_loadu_ps(r, x)
    mm256_storeu_ps(y, r)


@proc
def uses_avx512(x: f32[16], y: f32[16]):
    r: f32[16] @ AVX512
    mm512_loadu_ps(r, x)
    mm512_storeu_ps(y, r)


def test_jit_refuses_missing_features_instead_of_crashing(monkeypatch):
    monkeypatch.setenv("EXO_X86_CPU_FLAGS", "avx2 fma")
    with pytest.raises(JITError, match="cannot JIT uses_avx512 for target x86_avx512: .*lacks avx512"):
        jit(uses_avx512)
    monkeypatch.setenv("EXO_X86_CPU_FLAGS", "sse2")
    with pytest.raises(JITError, match="target x86: this CPU lacks avx2, fma"):
        jit(uses_avx2)


@needs_avx2
def test_default_target_choice():
    assert jit(uses_avx2).target is X86


def test_vnni_instrs_choose_the_vnni_target(monkeypatch):
    from test_x86_vnni import t_dpbusd256

    monkeypatch.setenv("EXO_X86_CPU_FLAGS", "avx2 fma avx512f avx512dq avx512bw avx512vl")
    with pytest.raises(JITError, match="for target x86_avx512_vnni: .*lacks avx512_vnni"):
        jit(t_dpbusd256)


def test_avx2_code_never_mentions_avx512():
    c, _ = compile_procs_to_strings([uses_avx2], "u.h")
    assert "_mm512" not in c and "exo_x86_prefix_mask_epi32" in c


# --------------------------------------------------------------------------- every instr


ALL_INSTRS = X86_AVX512_VNNI.instrs


def test_instr_names_are_unique_and_exported():
    names = [p.name() for p in ALL_INSTRS]
    assert len(names) == len(set(names))
    for n in names:
        assert getattr(exo_x86, n).name() == n


@pytest.mark.parametrize("p", ALL_INSTRS, ids=lambda p: p.name())
def test_instr_preconditions(p):
    """Every vector or memory operand wider than one element asserts a unit innermost stride,
    and every lane-count argument is bounded."""
    ir = p.INTERNAL_proc()
    text = str(p)
    for a in ir.args:
        t = a.type
        if not t.is_numeric() or not hasattr(t, "hi") or not t.hi:
            continue
        if len(t.hi) == 1 and getattr(t.hi[0], "val", None) == 1:
            continue
        inner = len(t.hi) - 1
        assert f"assert stride({a.name.name}, {inner}) == 1" in text, (a.name.name, text)
    for a in ir.args:
        if str(a.type) == "index" and a.name.name != "locality_hint":
            assert f"assert 0 <= {a.name.name}" in text and f"assert {a.name.name} <= " in text, text


def test_every_instr_is_tested():
    called = set()
    for mod in TEST_MODULES:
        for q in importlib.import_module(mod).PROCS:
            called |= called_instrs(q)
    missing = sorted({p.name() for p in ALL_INSTRS} - called)
    assert not missing, f"instrs without a test procedure: {missing}"


def _avx2_test_procs():
    return [q for mod in TEST_MODULES[:3] for q in importlib.import_module(mod).PROCS]


@pytest.mark.parametrize("q", _avx2_test_procs(), ids=lambda q: q.name())
def test_avx2_code_compiles_without_warnings(q):
    """-Wall -Werror on the generated C (the JIT builds without warnings enabled). Only
    maybe-uninitialized is allowed: a prefix load into a fresh register keeps the other lanes,
    which are uninitialised, exactly as the body says."""
    compile_only(q, "x86", warnings=("-Wall", "-Wextra", "-Werror", "-Wno-maybe-uninitialized"))


def test_cache_dir_is_private():
    assert os.environ.get("EXO_CACHE_DIR")
