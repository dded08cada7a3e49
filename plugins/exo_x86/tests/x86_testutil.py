"""Helpers of the exo-x86 tests: run a procedure through the JIT and the interpreter on the
same random data and compare every buffer (including the bytes around strided windows).

The interpreter executes each instr through its body, the JIT through its C template, so
agreement is the proof that a template implements its body.
"""

from __future__ import annotations

import os
import subprocess
import tempfile

import numpy as np
import pytest

os.environ.setdefault("EXO_CACHE_DIR", os.path.join(tempfile.gettempdir(), "exo_x86_test_cache"))

import exo_core  # noqa: E402
from exo_core.plugins import get_registry  # noqa: E402


def target(name: str):
    return get_registry().target(name)


def _can_run(name: str) -> tuple[bool, str]:
    try:
        return target(name).can_run()
    except Exception as exc:  # the plugin is not installed: say so in the skip reason
        return False, f"{type(exc).__name__}: {exc}"


def needs(name: str):
    """A skip mark for tests running code of target ``name`` on this host."""
    ok, reason = _can_run(name)
    return pytest.mark.skipif(not ok, reason=reason or f"target {name} cannot run here")


needs_avx2 = needs("x86")
needs_avx512 = needs("x86_avx512")
needs_vnni = needs("x86_avx512_vnni")


# --------------------------------------------------------------------------- data


def rand(rng, shape, dtype, lo=-4.0, hi=4.0):
    """Random values of ``dtype``: floats in [lo, hi), integers over the whole type."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return rng.uniform(lo, hi, size=shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)


def strided(arr, pad=8):
    """``arr`` copied into a larger buffer (with a fill around it): a non-contiguous view whose
    last dimension stays contiguous, as the instrs' ``stride(x, 0) == 1`` requires."""
    arr = np.asarray(arr)
    fill = np.array(-7, dtype=arr.dtype) if arr.dtype.kind != "u" else np.array(7, dtype=arr.dtype)
    base = np.full(arr.shape[:-1] + (arr.shape[-1] + 2 * pad,), fill, dtype=arr.dtype)
    view = base[..., pad:pad + arr.shape[-1]]
    view[...] = arr
    return view


def _dup(v):
    """A copy of ``v`` with the same layout (a view into a copy of its base buffer)."""
    if not isinstance(v, np.ndarray):
        return v
    if v.base is None or not isinstance(v.base, np.ndarray) or not v.base.flags.c_contiguous:
        return v.copy()
    base = v.base.copy()
    off = v.__array_interface__["data"][0] - v.base.__array_interface__["data"][0]
    return np.ndarray(shape=v.shape, dtype=v.dtype, buffer=base, offset=off, strides=v.strides)


def _whole(v):
    return v.base if isinstance(v, np.ndarray) and v.base is not None and isinstance(v.base, np.ndarray) else v


# --------------------------------------------------------------------------- running


def jit_and_interpret(proc, target_name, **args):
    """Run ``proc`` compiled for ``target_name`` (a name or a ``Target``) and in the interpreter,
    each on its own copy of ``args``; return ``(jit_args, interp_args)``."""
    fn = exo_core.jit(proc, target=target_name)
    assert fn.target.name == getattr(target_name, "name", target_name)
    a_jit = {k: _dup(v) for k, v in args.items()}
    a_int = {k: _dup(v) for k, v in args.items()}
    fn(**a_jit)
    exo_core.interpret(proc, **a_int)
    return a_jit, a_int


def assert_same(a_jit: dict, a_int: dict, *, tol: float | None = None):
    """Every array argument equal after the run: bit for bit (``tol=None``; NaNs and the sign of
    zero included), or within ``tol`` (relative and absolute, for fused multiply-adds)."""
    for k, v in a_jit.items():
        if not isinstance(v, np.ndarray):
            continue
        x, y = _whole(v), _whole(a_int[k])
        if tol is None:
            if x.tobytes() != y.tobytes():
                np.testing.assert_array_equal(x, y, err_msg=f"argument {k}: JIT and interpreter differ")
                raise AssertionError(f"argument {k}: JIT and interpreter differ in bits: {x!r} vs {y!r}")
        else:
            np.testing.assert_allclose(x, y, rtol=tol, atol=tol, err_msg=f"argument {k}")


def check(proc, target_name, *, tol: float | None = None, **args):
    """``jit_and_interpret`` then ``assert_same``; returns the JIT's arguments."""
    a_jit, a_int = jit_and_interpret(proc, target_name, **args)
    assert_same(a_jit, a_int, tol=tol)
    return a_jit


def compile_only(proc, target_name: str, warnings=("-Wall", "-Werror")) -> str:
    """Generate C for ``proc`` and compile it (``-c``) with the target's compiler and flags and
    ``warnings``: checks templates (also of targets this CPU cannot run). Returns the C source."""
    tgt = target(target_name)
    src, hdr = exo_core.compile_procs_to_strings([proc], "x86_test.h")
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "x86_test.c"), "w") as f:
            f.write(src)
        with open(os.path.join(d, "x86_test.h"), "w") as f:
            f.write(hdr)
        cmd = tgt.compile_command([os.path.join(d, "x86_test.c")], os.path.join(d, "x86_test.o"),
                                  extra_flags=["-c", *warnings])
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, f"{' '.join(cmd)} failed:\n{r.stderr}\n--- source ---\n{src}"
    return src


def called_instrs(proc) -> set[str]:
    """Names of the instrs ``proc`` calls."""
    from exo_core import ir

    return {n.proc.name for n in ir.walk(proc.INTERNAL_proc().body)
            if isinstance(n, ir.Call) and n.proc.instr is not None}


# --------------------------------------------------------------------------- AVX-512 model

EMU_HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "avx512_emu.h")


def emulated_avx512_target(avx2: bool = False):
    """The ``x86_avx512_vnni`` target with the intrinsics of ``avx512_emu.h`` (a scalar model of
    Intel's pseudo-code) instead of ``<immintrin.h>``'s AVX-512: runs the AVX-512 templates on
    any host, to compare them with the instr bodies. ``avx2``: also the real AVX2 and FMA
    intrinsics (``-mavx2 -mfma``), for code that mixes the two (the host must have them)."""
    from exo_x86.plugin import X86_AVX512_VNNI, X86Target

    flags = ["-O2", "-std=c11", "-include", EMU_HEADER] + (["-mavx2", "-mfma"] if avx2 else [])
    return X86Target(name="x86_avx512_emulated", memories=list(X86_AVX512_VNNI.memories),
                     instrs=list(X86_AVX512_VNNI.instrs), cflags=flags, ldflags=["-lm"], cpu_flags=[])


def avx512_targets():
    """pytest params: the real ``x86_avx512`` (skipped without AVX-512) and the emulated model."""
    ok, reason = _can_run("x86_avx512")
    return [pytest.param("x86_avx512", id="avx512", marks=pytest.mark.skipif(not ok, reason=reason or "no AVX-512")),
            pytest.param("emulated", id="emulated")]


def resolve(tgt):
    return emulated_avx512_target() if tgt == "emulated" else tgt
