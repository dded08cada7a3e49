"""The JIT on hand-made LoopIR and hand-written C: building, caching, argument checks, configs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import cffi
import numpy as np
import pytest

import exo_core
import exo_core.jit_compiler as jitmod
from exo_core.errors import JITError
from exo_core.jit_compiler import header_to_cdef, jit
from exo_core.plugins import Target

from .handmade import ACCUM, CFG, SCALE, SET_CFG, SOURCES, fake_backend, header

HERE = Path(__file__).resolve().parent


def f32(*xs):
    return np.array(xs, dtype=np.float32)


# --------------------------------------------------------------------------- header -> cdef


def test_cdef_drops_preprocessor_and_cplusplus():
    decls, _ = SOURCES["set_cfg"]
    text = header_to_cdef(header("set_cfg", decls))
    assert "#" not in text and "extern" not in text and "EXO_ASSUME" not in text
    assert "_Float16" not in text and "uint16_t half" in text
    ffi = cffi.FFI()
    ffi.cdef(text)
    assert ffi.sizeof("set_cfg_Context") >= 4 + 4 + 1 + 2


def test_cdef_keeps_include_guarded_declarations():
    decls, _ = SOURCES["scale"]
    ffi = cffi.FFI()
    ffi.cdef(header_to_cdef(header("scale", decls)))
    assert [f for f, _ in ffi.typeof("struct exo_win_1f32").fields] == ["data", "strides"]


# --------------------------------------------------------------------------- calling


def test_call_by_position_and_name(handmade):
    fn = jit(SCALE, cache_dir=handmade)
    x = f32(1, 2, 3)
    y = np.zeros(6, np.float32)
    fn(3, x, y[::2], 2.0)
    assert y.tolist() == [2, 0, 4, 0, 6, 0]
    y2 = np.zeros(3, np.float32)
    fn(a=np.float32(3), y=y2, x=x, n=3)
    assert y2.tolist() == [3, 6, 9]
    fn(3, x, y2, a=np.array([1], np.float32))
    assert y2.tolist() == [1, 2, 3]


def test_written_scalar_needs_an_array(handmade):
    fn = jit(ACCUM, cache_dir=handmade)
    out = f32(1)
    fn(3, f32(1, 2, 3), out)
    assert out[0] == 7
    out0 = np.zeros((), np.float32)
    fn(2, f32(1, 2, 3)[:2], out0)
    assert out0 == 3
    with pytest.raises(JITError, match="'out' .* is written by accum: pass a numpy array"):
        fn(3, f32(1, 2, 3), 1.0)


@pytest.mark.parametrize(
    "args, match",
    [
        ((3, "x", "y", 1.0), r"argument 'x' \(f32\[n\]\) must be a numpy array of float32 with shape \(3,\)"),
        ((3, f32(1, 2, 3).astype(np.float64), np.zeros(3, np.float32), 1.0), "'x' .* has dtype float64, expected float32"),
        ((4, f32(1, 2, 3), np.zeros(4, np.float32), 1.0), r"'x' .* has shape \(3,\), expected \(4,\) \(from n=4\)"),
        ((3, f32(1, 2, 3, 4, 5, 6)[::2], np.zeros(3, np.float32), 1.0), "'x' .* must be C-contiguous"),
        ((0, f32(), f32(), 1.0), r"argument 'n' \(size\) must be positive, got 0"),
        ((3.0, f32(1, 2, 3), f32(0, 0, 0), 1.0), r"argument 'n' \(size\) must be an int, got float"),
        ((2**40, f32(1), f32(0), 1.0), "does not fit in 32 bits"),
        ((3, f32(1, 2, 3), f32(0, 0, 0), "two"), "'a' .* must be a number or a 1-element numpy array, got str"),
        ((3, f32(1, 2, 3), f32(0, 0, 0), f32(1, 2)), r"'a' .* must be a number or a numpy array of shape \(\) or \(1,\)"),
        ((17, np.zeros(17, np.float32), np.zeros(17, np.float32), 1.0), r"precondition `n <= 16` does not hold for n = 17"),
        ((3, f32(1, 2, 3), np.zeros(3, np.float32)[::-1], 1.0), r"precondition `stride\(y, 0\) >= 1` does not hold"),
        ((3, f32(1, 2, 3)), "scale\\(\\) missing arguments: y, a"),
        ((3, f32(1, 2, 3), f32(0, 0, 0), 1.0, 5), r"scale\(\) takes 4 arguments but 5 were given"),
    ],
)
def test_argument_errors(handmade, args, match):
    fn = jit(SCALE, cache_dir=handmade)
    args = tuple(np.zeros(3, np.float32) if isinstance(a, str) and a == "y" else a for a in args)
    with pytest.raises(JITError, match=match):
        fn(*args)


def test_keyword_errors(handmade):
    fn = jit(SCALE, cache_dir=handmade)
    with pytest.raises(JITError, match="unexpected argument 'z'"):
        fn(3, f32(1, 2, 3), f32(0, 0, 0), 1.0, z=1)
    with pytest.raises(JITError, match="argument 'n' twice"):
        fn(3, f32(1, 2, 3), f32(0, 0, 0), 1.0, n=3)


def test_layout_errors(handmade):
    fn = jit(SCALE, cache_dir=handmade)
    x = f32(1, 2, 3)
    ro = np.zeros(3, np.float32)
    ro.flags.writeable = False
    with pytest.raises(JITError, match="'y' .* is read-only, but scale writes it"):
        fn(3, x, ro, 1.0)
    x.flags.writeable = False
    fn(3, x, np.zeros(3, np.float32), 1.0)  # x is only read: fine
    raw = np.zeros(13, np.uint8)
    odd = np.ndarray((3,), np.float32, raw, 0, (3,))  # strides of 3 bytes
    with pytest.raises(JITError, match="stride 3 bytes of dimension 0 is not a multiple"):
        fn(3, f32(1, 2, 3), odd, 1.0)
    buf = np.zeros(4, np.float32)
    with pytest.raises(JITError, match="arguments 'x' and 'y' share memory, and scale writes 'y'"):
        fn(3, buf[:3], buf[1:], 1.0)


def test_disjoint_views_of_one_array_are_fine(handmade):
    fn = jit(SCALE, cache_dir=handmade)
    buf = np.arange(6, dtype=np.float32)
    fn(3, buf[:3], buf[3:], 2.0)
    assert buf.tolist() == [0, 1, 2, 0, 2, 4]


# --------------------------------------------------------------------------- configs


def test_config_state(handmade):
    fn = jit(SET_CFG, cache_dir=handmade)
    cfg = fn.config(CFG)
    assert (cfg.scale, cfg.len, cfg.on, cfg.half) == (0.0, 0, False, 0.0)
    cfg.scale = 1.5
    cfg.half = 0.25
    h = np.zeros(1, np.float16)
    fn(7, h)
    assert (cfg.scale, cfg.len, cfg.on) == (3.0, 7, True)
    assert h[0] == np.float16(0.25)
    fn(2, h)
    assert cfg.scale == 6.0  # state persists across calls
    with pytest.raises(AttributeError, match="no field 'nope'"):
        cfg.nope
    with pytest.raises(JITError, match="is a bool"):
        cfg.on = 1
    assert "Cfg" in repr(cfg)


def test_config_not_used(handmade):
    fn = jit(SCALE, cache_dir=handmade)
    with pytest.raises(JITError, match="uses no configuration state"):
        fn.config(CFG)
    assert fn.ctxt == fn._ffi.NULL


# --------------------------------------------------------------------------- cache


def test_cache_hits(handmade):
    before = dict(jitmod.stats)
    f1 = jit(SCALE, cache_dir=handmade)
    assert f1.build == "built" and jitmod.stats["builds"] == before["builds"] + 1
    mtime = f1.library_path.stat().st_mtime_ns
    f2 = jit(SCALE, cache_dir=handmade)
    assert f2.build == "memory" and f2.library_path == f1.library_path
    jitmod.clear_memory_cache()
    f3 = jit(SCALE, cache_dir=handmade)
    assert f3.build == "disk" and jitmod.stats["builds"] == before["builds"] + 1
    assert f3.library_path.stat().st_mtime_ns == mtime
    y = np.zeros(2, np.float32)
    f3(2, f32(1, 2), y, 1.0)
    assert y.tolist() == [1, 2]
    # other flags: another library
    f4 = jit(SCALE, cache_dir=handmade, cflags=["-O0"])
    assert f4.build == "built" and f4.library_path != f1.library_path
    assert not list(handmade.glob(".build-*"))  # no temporary directory left behind


def test_cache_dir_from_environment(handmade, monkeypatch, tmp_path):
    monkeypatch.setenv("EXO_CACHE_DIR", str(tmp_path / "envcache"))
    fn = jit(SCALE)
    assert fn.library_path.is_relative_to(tmp_path / "envcache" / "jit")
    assert jitmod.cache_root() == tmp_path / "envcache" / "jit"


def test_concurrent_processes_share_one_entry(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(HERE.parent)!r})
        import exo_core
        from jit.handmade import SCALE, fake_backend
        exo_core.compile_procs_to_strings = fake_backend()
        from exo_core.jit_compiler import jit
        fn = jit(SCALE, cache_dir=sys.argv[1])
        import numpy as np
        y = np.zeros(2, np.float32)
        fn(2, np.ones(2, np.float32), y, 3.0)
        assert y.tolist() == [3, 3]
        print(fn.build)
        """
    )
    cache = tmp_path / "shared"
    procs = [subprocess.Popen([sys.executable, "-c", script, str(cache)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert len([d for d in cache.iterdir() if d.name.startswith("scale-")]) == 1
    assert not list(cache.glob(".build-*"))
    assert {o.strip() for o, _ in outs} <= {"built", "disk"}


# --------------------------------------------------------------------------- failures


def test_compiler_errors_are_reported(monkeypatch, tmp_path):
    broken = {"scale": (SOURCES["scale"][0], "void scale(void *ctxt) { this is not C; }\n")}
    monkeypatch.setattr(exo_core, "compile_procs_to_strings", fake_backend(broken))
    with pytest.raises(JITError) as info:
        jit(SCALE, cache_dir=tmp_path)
    msg = str(info.value)
    assert "C compiler failed for scale (target c" in msg and "error" in msg
    assert len(msg.splitlines()) < 30
    assert not [d for d in tmp_path.iterdir() if d.name.startswith("scale-")]


def test_target_that_cannot_run(handmade):
    t = Target("nocc", cc=["exo-no-such-compiler"])
    with pytest.raises(JITError, match="cannot JIT scale for target nocc: .*'exo-no-such-compiler' not found"):
        jit(SCALE, target=t, cache_dir=handmade)
    emu = Target("emu", runner=["qemu-exo-nothing"])
    with pytest.raises(JITError, match="run under 'qemu-exo-nothing'"):
        jit(SCALE, target=emu, cache_dir=handmade)
    with pytest.raises(exo_core.errors.PluginError, match="no target named 'nowhere'"):
        jit(SCALE, target="nowhere", cache_dir=handmade)


def test_target_flags_are_used(handmade):
    t = Target("defines", cflags=["-O2", "-std=c11", "-DEXO_TEST_FLAG=1"])
    src = {"scale": (SOURCES["scale"][0], "#ifndef EXO_TEST_FLAG\n#error flag missing\n#endif\n" + SOURCES["scale"][1])}
    exo_core.compile_procs_to_strings = fake_backend(src)
    fn = jit(SCALE, target=t, cache_dir=handmade)
    assert fn.target is t
    with pytest.raises(JITError, match="flag missing"):
        jit(SCALE, cache_dir=handmade)


def test_not_a_procedure():
    with pytest.raises(JITError, match="takes a procedure"):
        jit(lambda: None)


def test_default_cache_root(monkeypatch):
    monkeypatch.delenv("EXO_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/x/cache")
    assert jitmod.cache_root() == Path("/x/cache/exo_core/jit")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert jitmod.cache_root() == Path(os.path.expanduser("~/.cache/exo_core/jit"))


def test_damaged_cache_entry_is_rebuilt(handmade):
    f1 = jit(SCALE, cache_dir=handmade)
    f1.library_path.unlink()  # the entry directory stays, without its library
    jitmod.clear_memory_cache()
    f2 = jit(SCALE, cache_dir=handmade)
    assert f2.build == "built" and f2.library_path.exists()
    y = np.zeros(1, np.float32)
    f2(1, f32(2), y, 2.0)
    assert y[0] == 4
