"""Compile generated C with gcc (warnings are errors) and call it through ctypes."""

from __future__ import annotations

import ctypes
import hashlib
import subprocess
from pathlib import Path

import numpy as np

from exo_core.backend import compile_procs_to_strings
from exo_core.ir import ScalarType, Tensor

CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-O1"]


def gcc(args: list[str], cwd: Path):
    r = subprocess.run(["gcc", *args], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"gcc {' '.join(args)} failed:\n{r.stderr}")


def compile_check(procs, tmp_path: Path, name: str = "lib", extra=()) -> tuple[str, str]:
    """Generate, write and compile (-c) the library; return (c, h)."""
    c, h = compile_procs_to_strings(procs, f"{name}.h")
    (tmp_path / f"{name}.c").write_text(c)
    (tmp_path / f"{name}.h").write_text(h)
    try:
        gcc([*CFLAGS, *extra, "-c", f"{name}.c", "-o", f"{name}.o"], tmp_path)
    except AssertionError as err:
        raise AssertionError(f"{err}\n--- {name}.h\n{h}\n--- {name}.c\n{c}") from None
    return c, h


class Lib:
    def __init__(self, procs, tmp_path: Path, name: str = "lib", extra=()):
        self.procs = {getattr(p, "_ir", p).name: getattr(p, "_ir", p) for p in procs}
        self.c, self.h = compile_check(procs, tmp_path, name, extra)
        tag = hashlib.sha1(self.c.encode()).hexdigest()[:10]
        so = f"{name}_{tag}.so"
        gcc([*CFLAGS, *extra, "-shared", "-fPIC", f"{name}.c", "-o", so], tmp_path)
        self.dll = ctypes.CDLL(str(tmp_path / so))
        self.ctxt = ctypes.create_string_buffer(4096)
        self._keep = []

    def __getattr__(self, name):
        if name.startswith("_") or name not in self.__dict__.get("procs", {}):
            raise AttributeError(name)
        proc = self.procs[name]
        fn = getattr(self.dll, name)
        fn.restype = None

        def call(*args):
            assert len(args) == len(proc.args), f"{name} takes {len(proc.args)} args"
            cargs = [self.ctxt] + [_convert(a, fa) for a, fa in zip(args, proc.args)]
            fn(*cargs)

        return call


_WIN_CLASSES: dict = {}


def _win_class(n):
    if n not in _WIN_CLASSES:
        _WIN_CLASSES[n] = type(
            f"Win{n}", (ctypes.Structure,),
            {"_fields_": [("data", ctypes.c_void_p), ("strides", ctypes.c_int64 * n)]},
        )
    return _WIN_CLASSES[n]


def _convert(a, fa):
    t = fa.type
    if not t.is_numeric():
        return ctypes.c_bool(a) if t.name == "bool" else ctypes.c_int64(a)
    assert isinstance(a, np.ndarray), f"{fa.name.name}: pass numpy arrays for data args"
    want = np.dtype(t.base.np_dtype if isinstance(t, Tensor) else t.np_dtype)
    assert a.dtype == want, f"{fa.name.name}: dtype {a.dtype}, expected {want}"
    if isinstance(t, ScalarType):
        return ctypes.c_void_p(a.ctypes.data)
    if t.is_window:
        cls = _win_class(a.ndim)
        strides = [s // a.itemsize for s in a.strides]
        return cls(a.ctypes.data, (ctypes.c_int64 * a.ndim)(*strides))
    assert a.flags.c_contiguous, f"{fa.name.name}: dense tensors must be C-contiguous"
    return ctypes.c_void_p(a.ctypes.data)
