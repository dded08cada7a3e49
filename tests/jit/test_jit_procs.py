"""The JIT on real procedures (frontend + backend): results against numpy, checks, cache, targets."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np
import pytest

import exo_core
import exo_core.jit_compiler as jitmod
from exo_core import DRAM_STATIC, DRAM_STATIC_HUGE, config, instr, proc
from exo_core.errors import JITError
from exo_core.plugins import reset_registry

TESTS = Path(__file__).resolve().parent.parent


@proc
def matmul(n: size, m: size, p: size, A: f32[n, p], B: f32[p, m], C: f32[n, m]):
    for i in seq(0, n):
        for j in seq(0, m):
            for k in seq(0, p):
                C[i, j] += A[i, k] * B[k, j]


@proc
def conv1d_win(n: size, k: size, x: [f32][n + k - 1], w: [f32][k], y: [f32][n]):
    assert k <= 8
    for i in seq(0, n):
        y[i] = 0.0
        for r in seq(0, k):
            y[i] += w[r] * x[i + r]


@proc
def dot(n: size, x: f64[n], y: f64[n], out: f64):
    out = 0.0
    for i in seq(0, n):
        out += x[i] * y[i]


@proc
def mac_i8(n: size, a: i8[n], b: i8[n], acc: i32[n]):
    for i in seq(0, n):
        acc[i] += a[i] * b[i]


@proc
def half(n: size, x: f16[n], y: f16[n]):
    for i in seq(0, n):
        y[i] = x[i] * 0.5


@proc
def negate_if(n: size, neg: bool, x: f32[n]):
    for i in seq(0, n):
        if neg:
            x[i] = -x[i]


@proc
def unit_stride(n: size, x: [f32][n]):
    assert stride(x, 0) == 1
    for i in seq(0, n):
        x[i] = 1.0


@config
class Gain:
    g: f32
    calls: index


@proc
def apply_gain(n: size, x: f32[n]):
    for i in seq(0, n):
        x[i] = x[i] * Gain.g


@proc
def set_gain(g: f32):
    Gain.g = g


@proc
def set_then_apply(n: size, g: f32, x: f32[n]):
    set_gain(g)
    apply_gain(n, x)


@pytest.fixture
def cache(tmp_path):
    jitmod.clear_memory_cache()
    yield tmp_path / "cache"
    jitmod.clear_memory_cache()


def rng():
    return np.random.default_rng(7)


def test_matmul_matches_numpy(cache):
    r = rng()
    A, B = r.standard_normal((5, 3), np.float32), r.standard_normal((3, 4), np.float32)
    C = r.standard_normal((5, 4), np.float32)
    want = C + A @ B
    matmul.jit(cache_dir=cache)(5, 4, 3, A, B, C)
    np.testing.assert_allclose(C, want, rtol=1e-5, atol=1e-5)


def test_windows_take_strided_views(cache):
    r = rng()
    big = r.standard_normal((4, 40), np.float32)
    x, w = big[1, ::3][:12], big[2, 1:4]
    y = np.zeros((2, 10), np.float32)[1]
    exo_core.jit(conv1d_win, cache_dir=cache)(10, 3, x, w, y)
    np.testing.assert_allclose(y, np.convolve(x, w[::-1], mode="valid"), rtol=1e-5, atol=1e-5)


def test_scalar_output_and_precisions(cache):
    x, y = np.arange(5.0), np.full(5, 2.0)
    out = np.zeros(1)
    jitmod.jit(dot, cache_dir=cache)(5, x, y, out)
    assert out[0] == 20.0
    a = np.array([100, -100, 7], np.int8)
    acc = np.array([1, 2, 3], np.int32)
    mac_i8.jit(cache_dir=cache)(3, a, a, acc)
    assert acc.tolist() == [10001, 10002, 52]
    h = np.array([1, 3, -5], np.float16)
    hy = np.zeros(3, np.float16)
    half.jit(cache_dir=cache)(3, h, hy)
    assert hy.tolist() == [0.5, 1.5, -2.5]
    with pytest.raises(JITError, match="'x' .* has dtype float32, expected float16"):
        half.jit(cache_dir=cache)(3, h.astype(np.float32), hy)


def test_bool_argument(cache):
    fn = negate_if.jit(cache_dir=cache)
    x = np.array([1, -2], np.float32)
    fn(2, True, x)
    assert x.tolist() == [-1, 2]
    fn(n=2, neg=False, x=x)
    assert x.tolist() == [-1, 2]
    with pytest.raises(JITError, match=r"argument 'neg' \(bool\) must be a bool, got int"):
        fn(2, 1, x)


def test_preconditions_are_checked_with_location(cache):
    fn = conv1d_win.jit(cache_dir=cache)
    with pytest.raises(JITError, match=r"precondition `k <= 8` \(.*test_jit_procs.py:\d+:\d+\) does not hold for k = 9"):
        fn(2, 9, np.zeros(10, np.float32), np.zeros(9, np.float32), np.zeros(2, np.float32))
    us = unit_stride.jit(cache_dir=cache)
    x = np.zeros(6, np.float32)
    us(3, x[:3])
    with pytest.raises(JITError, match=r"precondition `stride\(x, 0\) == 1` .* does not hold"):
        us(3, x[::2])
    assert x.tolist() == [1, 1, 1, 0, 0, 0]


def test_config_state_through_calls(cache):
    fn = set_then_apply.jit(cache_dir=cache)
    x = np.array([1, 2], np.float32)
    fn(2, 3.0, x)
    assert x.tolist() == [3, 6]
    assert fn.config(Gain).g == 3.0
    ap = apply_gain.jit(cache_dir=cache)
    assert ap.config(Gain).g == 0.0  # every JITFunction owns its context
    ap.config(Gain).g = 0.5
    ap(2, x)
    assert x.tolist() == [1.5, 3]


@proc
def through_static(n: size, x: f32[n], y: f32[n]):
    assert n <= 65536
    buf: f32[65536] @ DRAM_STATIC
    for i in seq(0, n):
        buf[i] = x[i]
    for i in seq(0, n):
        y[i] = buf[i] * 2.0


@proc
def calls_static(n: size, x: f32[n], y: f32[n]):
    assert n <= 65536
    through_static(n, x, y)


@proc
def huge_scratch(n: size, x: f32[n]):
    assert n <= 16
    t: f32[16] @ DRAM_STATIC_HUGE
    for i in seq(0, n):
        t[i] = x[i]
        x[i] = t[i] + 1.0


def test_state_kept_between_calls_is_named(cache):
    assert matmul.jit(cache_dir=cache).shared_state is None
    assert through_static.jit(cache_dir=cache).shared_state == "buffer buf in DRAM_STATIC"
    assert calls_static.jit(cache_dir=cache).shared_state == "buffer buf in DRAM_STATIC (in through_static)"
    assert huge_scratch.jit(cache_dir=cache).shared_state == "buffer t in DRAM_STATIC_HUGE"
    assert set_then_apply.jit(cache_dir=cache).shared_state == "configuration state (Gain.g)"


@pytest.mark.parametrize("p", [through_static, calls_static], ids=["static", "callee"])
def test_static_buffers_are_not_raced_by_threads(cache, p):
    """cffi releases the GIL during a call: without the JIT's lock, two threads would share
    the one static buffer and read each other's values (seen: most calls wrong)."""
    fn = p.jit(cache_dir=cache)
    n, wrong = 65536, []

    def work(seed):
        x = np.full(n, float(seed), np.float32)
        y = np.empty(n, np.float32)
        for _ in range(150):
            fn(n, x, y)
            if not (y == 2.0 * seed).all():
                wrong.append(seed)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong


def test_second_jit_does_not_rebuild(cache):
    builds = jitmod.stats["builds"]
    f1 = matmul.jit(cache_dir=cache)
    assert f1.build == "built" and jitmod.stats["builds"] == builds + 1
    mtime = f1.library_path.stat().st_mtime_ns
    assert matmul.jit(cache_dir=cache).build == "memory"
    jitmod.clear_memory_cache()
    f3 = matmul.jit(cache_dir=cache)
    assert f3.build == "disk" and f3.library_path == f1.library_path
    assert f3.library_path.stat().st_mtime_ns == mtime
    assert jitmod.stats["builds"] == builds + 1


def test_changed_included_header_rebuilds(cache, tmp_path):
    """The cache key covers what the compile command reads besides the C text: a header it
    force-includes (``-include``) and the files of its include directories (``-I``)."""
    forced, inc = tmp_path / "forced.h", tmp_path / "inc"
    inc.mkdir()
    forced.write_text("#define EXO_FORCED 1\n")
    (inc / "model.h").write_text("#define EXO_MODEL 1\n")
    flags = ["-include", str(forced), f"-I{inc}"]
    first = matmul.jit(cache_dir=cache, cflags=flags)
    assert first.build == "built"
    assert matmul.jit(cache_dir=cache, cflags=flags).build == "memory"
    forced.write_text("#define EXO_FORCED 2 /* changed */\n")
    second = matmul.jit(cache_dir=cache, cflags=flags)
    assert second.build == "built" and second.library_path != first.library_path
    (inc / "model.h").write_text("#define EXO_MODEL 2 /* changed */\n")
    third = matmul.jit(cache_dir=cache, cflags=flags)
    assert third.build == "built" and third.library_path not in (first.library_path, second.library_path)
    (inc / "extra.h").write_text("/* a new file */\n")
    assert matmul.jit(cache_dir=cache, cflags=flags).build == "built"
    jitmod.clear_memory_cache()
    assert matmul.jit(cache_dir=cache, cflags=flags).build == "disk"  # unchanged since: reused


def test_instr_is_refused(cache):
    @instr("{x}[0] = 0;")
    def zero1(x: f32[1]):
        x[0] = 0.0

    with pytest.raises(JITError, match="zero1 is an instr"):
        zero1.jit(cache_dir=cache)


def test_generated_header_is_kept_on_the_function(cache):
    fn = matmul.jit(cache_dir=cache)
    assert "matmul(" in fn.header and "matmul(" in fn.c_source
    assert fn.target.name == "c" and fn.__name__ == "matmul"
    assert "f32[n, p]" in fn.__doc__ and "matmul" in repr(fn)


# --------------------------------------------------------------------------- plugin targets


def _load_fakedist():
    spec = importlib.util.spec_from_file_location("_exo_fakedist", TESTS / "plugins" / "fakedist.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def fake_target(tmp_path, monkeypatch):
    monkeypatch.delenv("EXO_PLUGINS", raising=False)
    monkeypatch.delenv("EXO_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    for p in reversed(_load_fakedist().make_site(tmp_path, ["target"])):
        monkeypatch.syspath_prepend(p)
    reset_registry()
    import exo_fake_target

    yield exo_fake_target
    reset_registry()


def test_default_target_follows_the_instrs_used(fake_target, cache):
    FakeMem, fake_axpy4 = fake_target.FakeMem, fake_target.fake_axpy4

    @proc
    def twice_axpy(n: size, x: f32[n, 4], y: f32[n, 4]):
        for i in seq(0, n):
            acc: f32[4] @ FakeMem
            for k in seq(0, 4):
                acc[k] = y[i, k]
            fake_axpy4(acc[0:4], x[i, 0:4])
            for k in seq(0, 4):
                y[i, k] = acc[k]

    fn = twice_axpy.jit(cache_dir=cache)
    assert fn.target.name == "fake" and fn.target.distribution == "exo-fake-target"
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    y = np.ones((2, 4), np.float32)
    fn(2, x, y)
    np.testing.assert_array_equal(y, 1 + 2 * x)
    assert "-O1" in fn.target.cflags
    with pytest.raises(JITError, match="target fake_emu: its programs run under 'exo-fake-emulator-not-installed'"):
        twice_axpy.jit(target="fake_emu", cache_dir=cache)
    assert matmul.jit(cache_dir=cache).target.name == "c"


def test_host_memory_subclass_arguments(fake_target, cache):
    FakeMem = fake_target.FakeMem

    @proc
    def fill(n: size, x: f32[n] @ FakeMem):
        for i in seq(0, n):
            x[i] = 2.0

    x = np.zeros(3, np.float32)
    fill.jit(cache_dir=cache)(3, x)
    assert x.tolist() == [2, 2, 2]


def test_register_memories_cannot_be_passed(cache):
    class NotHost(exo_core.Memory):
        @classmethod
        def can_read(cls):
            return False

        @classmethod
        def alloc(cls, new_name, prim_type, shape, srcinfo):
            return f"{prim_type} {new_name}[16];"

    @proc
    def touch(x: f32[4] @ NotHost):
        pass

    with pytest.raises(JITError, match="'x' lives in memory NotHost, which cannot be passed from Python"):
        touch.jit(cache_dir=cache)
