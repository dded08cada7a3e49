"""The JIT: a procedure compiled to a shared library and called on numpy arrays.

``jit(proc)`` emits C with the backend, builds it with the target's C compiler (cached on
disk by a hash of the C source, header, compiler and flags), loads it with cffi, and
returns a ``JITFunction``. Calling it checks every argument against the signature
(precision, extents, layout, preconditions) before entering C, so a bad call is a
``JITError`` naming the argument, never a crash.

Calling convention (``fn(*args, **kwargs)``, by position or by parameter name):

* ``size``/``index``/``int``/``stride`` -- a Python ``int`` (sizes must be positive);
  ``bool`` -- a ``bool``;
* a dense tensor ``f32[n, m]`` -- a C-contiguous numpy array of exactly that dtype and shape;
* a window ``[f32][n, m]`` -- any numpy array of that dtype and shape (strided views too);
* a numeric scalar ``f32`` -- a numpy array of shape ``(1,)`` or ``()`` (updated in place),
  or, if the procedure never writes it, a Python number.

Precisions map to dtypes: ``R``/``f32`` float32, ``f16`` float16, ``f64`` float64, ``i8``
int8, ``ui8`` uint8, ``ui16`` uint16, ``i32`` int32.

Configuration state lives in a context struct owned by the ``JITFunction`` (zeroed at
creation, kept across calls): ``fn.config(Cfg).field`` reads or writes a field.

Threads: cffi releases the GIL during the C call, so calls from several threads run in
parallel -- except calls of a procedure that keeps state between calls (configuration
state, or a buffer, in it or in a procedure it calls, of a memory whose
``shared_across_calls()`` is true, such as ``DRAM_STATIC``): those take one process-wide
lock, one call at a time, since their state would race. ``fn.shared_state`` says why
(``None`` for a procedure without such state).
"""

from __future__ import annotations

import re
import threading

import numpy as np

from .. import ir
from ..analysis.effects import kept_state
from ..errors import JITError
from ._args import (
    arg_specs,
    bind,
    check_array,
    check_control,
    check_overlaps,
    check_preds,
    check_scalar,
    element_strides,
    eval_extents,
)
from ._build import build_or_load, cache_root, header_to_cdef, stats

__all__ = ["jit", "JITFunction", "ConfigView", "stats", "cache_root", "header_to_cdef", "clear_memory_cache"]


def jit(proc, target=None, *, cflags=None, cache_dir=None) -> JITFunction:
    """Compile ``proc`` into a Python callable.

    :param proc: a ``Procedure`` (not an instr).
    :param target: a target name, a ``Target``, or ``None`` for the target owning the memories
        and instrs the procedure uses (the built-in ``c`` target for plain DRAM code).
    :param cflags: extra C compiler flags, after the target's.
    :param cache_dir: where built libraries are kept (default ``$EXO_CACHE_DIR/jit`` or
        ``~/.cache/exo_core/jit``).
    """
    from ..procedure import Procedure

    if isinstance(proc, ir.ProcDef):
        proc = Procedure(proc)
    if not isinstance(proc, Procedure):
        raise JITError(f"jit() takes a procedure, got {type(proc).__name__}")
    p = proc.INTERNAL_proc()
    if p.instr is not None:
        raise JITError(f"{p.name} is an instr: its C template is only meaningful inside a procedure")
    if cflags is not None and (isinstance(cflags, str) or not all(isinstance(f, str) for f in cflags)):
        raise JITError("cflags must be a list of strings")
    tgt = _resolve_target(target, p)
    if not tgt.runs_in_process():
        raise JITError(
            f"cannot JIT {p.name} for target {tgt.name}: its programs run under "
            f"'{' '.join(tgt.runner)}', and the JIT loads code into this process (build with exocc instead)"
        )
    ok, reason = tgt.can_run()
    if not ok:
        raise JITError(f"cannot JIT {p.name} for target {tgt.name}: {reason}")
    specs = arg_specs(p)
    stem = re.sub(r"\W", "_", p.name)
    from .. import compile_procs_to_strings

    c_source, header = compile_procs_to_strings([proc], f"{stem}.h")
    lib = build_or_load(stem, c_source, header, tgt, cflags, cache_dir)
    return JITFunction(proc, tgt, lib, specs, c_source, header)


# Held around every call of a procedure with state kept between calls: static buffers are
# one per library, a plugin's simulated state may be one per process, so one lock for all.
_SHARED_STATE_LOCK = threading.Lock()


def clear_memory_cache() -> None:
    """Forget libraries loaded in this process (the disk cache is untouched)."""
    from ._build import _LOADED

    _LOADED.clear()


class JITFunction:
    """A compiled procedure. Call it like the procedure; see the module docstring."""

    def __init__(self, proc, target, library, specs, c_source: str, header: str):
        p = proc.INTERNAL_proc()
        self.proc = proc
        self.target = target
        self.c_source = c_source
        self.header = header
        self.library_path = library.path
        self.build = library.source  # "built", "disk" or "memory"
        self.__name__ = p.name
        self._ir = p
        self._specs = specs
        self._ffi = library.ffi
        try:
            self._func = getattr(library.lib, p.name)
        except AttributeError:
            raise JITError(f"the library built for {p.name} does not define {p.name}") from None
        self._ctypes = self._check_signature()
        ctx_type = self._ffi.typeof(self._func).args[0]
        if ctx_type.kind == "pointer" and ctx_type.item.kind == "struct":
            self._ctxt = self._ffi.new(ctx_type)  # zero-initialised
        else:
            self._ctxt = self._ffi.NULL
        self.shared_state = kept_state(p)
        self._lock = _SHARED_STATE_LOCK if self.shared_state else None
        self.__doc__ = f"{p.name}({', '.join(f'{s.name}: {s.decl}' for s in specs)}) compiled for {target.name}"

    def _check_signature(self):
        """The C parameter types, checked against the procedure (catches backend mismatches early)."""
        ffi = self._ffi
        ftype = ffi.typeof(self._func)
        if len(ftype.args) != len(self._specs) + 1:
            raise JITError(
                f"{self.__name__}: the generated C function has {len(ftype.args)} parameters, "
                f"expected the context and {len(self._specs)}"
            )
        out = []
        for s, ct in zip(self._specs, ftype.args[1:]):
            want = {"control": "primitive", "window": "struct"}.get(s.kind, "pointer")
            if ct.kind != want:
                raise JITError(f"{self.__name__}: C parameter '{s.name}' has type {ct.cname}, expected a {want}")
            if s.kind == "window":
                data_type = dict(ct.fields)["data"].type
                out.append((ffi.getctype(ct, "*"), data_type))
            else:
                out.append((ct, None))
        return out

    # --- calling -----------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        name = self.__name__
        specs = self._specs
        values = bind(name, specs, args, kwargs)
        env: dict = {}
        c_args: list = [None] * len(specs)
        for s, v in zip(specs, values):
            if s.kind == "control":
                c_args[s.index] = env[s.sym] = check_control(name, s, v)
        strides: dict = {}
        arrays: dict[int, np.ndarray] = {}
        ffi = self._ffi
        for s, v in zip(specs, values):
            if s.kind == "control":
                continue
            ctype, data_type = self._ctypes[s.index]
            if s.kind == "scalar":
                arr = check_scalar(name, s, v)
                c_args[s.index] = ffi.cast(ctype, arr.ctypes.data)
            else:
                shape = eval_extents(s.type, env, name, s.name)
                arr = check_array(name, s, v, shape, self._sizes_desc(s, env))
                el = element_strides(s, arr)
                for d, st in enumerate(el):
                    strides[(s.sym, d)] = st
                if s.kind == "tensor":
                    c_args[s.index] = ffi.cast(ctype, arr.ctypes.data)
                else:
                    win = ffi.new(ctype, {"data": ffi.cast(data_type, arr.ctypes.data), "strides": list(el)})
                    c_args[s.index] = win[0]
            arrays[s.index] = arr
        check_preds(self._ir, env, strides, self._read_config)
        check_overlaps(name, specs, arrays)
        if self._lock is None:
            self._func(self._ctxt, *c_args)
        else:
            with self._lock:
                self._func(self._ctxt, *c_args)

    def _sizes_desc(self, s, env) -> str:
        used = []
        for e in s.type.hi:
            for node in ir.walk(e):
                if isinstance(node, ir.Read) and node.name in env and node.name.name not in [u[0] for u in used]:
                    used.append((node.name.name, env[node.name]))
        return f" (from {', '.join(f'{n}={v}' for n, v in used)})" if used else ""

    # --- configs -----------------------------------------------------------------------
    def config(self, cfg) -> ConfigView:
        """The fields of config ``cfg`` in this function's context, as attributes."""
        if self._ctxt == self._ffi.NULL:
            raise JITError(f"{self.__name__} uses no configuration state")
        struct_type = self._ffi.typeof(self._ctxt).item
        name = cfg.name() if hasattr(cfg, "name") else str(cfg)
        if name not in dict(struct_type.fields):
            raise JITError(f"{self.__name__} does not use config {name}")
        return ConfigView(cfg, getattr(self._ctxt, name))

    @property
    def ctxt(self):
        """The cffi pointer to the context struct (``NULL`` when no config is used)."""
        return self._ctxt

    def _read_config(self, cfg, field):
        return getattr(self.config(cfg), field)

    def __repr__(self) -> str:
        return f"<JITFunction {self.__name__} for {self.target.name} at {self.library_path}>"


class ConfigView:
    """Reads and writes the fields of one config in a ``JITFunction``'s context struct."""

    def __init__(self, cfg, struct):
        object.__setattr__(self, "_cfg", cfg)
        object.__setattr__(self, "_struct", struct)

    def _type(self, field):
        cfg = self._cfg
        if not cfg.has_field(field):
            raise AttributeError(f"config {cfg.name()} has no field '{field}'")
        return cfg.lookup_type(field)

    def __getattr__(self, field):
        if field.startswith("_"):
            raise AttributeError(field)
        t = self._type(field)
        raw = getattr(self._struct, field)
        if t.name == "f16":
            return float(np.uint16(raw).view(np.float16))
        if t.name == "bool":
            return bool(raw)
        return raw

    def __setattr__(self, field, value):
        t = self._type(field)
        if t.name == "f16":
            value = int(np.float16(value).view(np.uint16))
        elif t.name == "bool":
            if not isinstance(value, (bool, np.bool_)):
                raise JITError(f"config field {self._cfg.name()}.{field} is a bool, got {value!r}")
            value = bool(value)
        try:
            setattr(self._struct, field, value)
        except (TypeError, OverflowError) as exc:
            raise JITError(f"cannot set {self._cfg.name()}.{field} ({t}) to {value!r}: {exc}") from None

    def __repr__(self):
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f, _ in self._cfg.fields() if hasattr(self._struct, f))
        return f"<config {self._cfg.name()}: {fields}>"


# --------------------------------------------------------------------------- target choice


def _resolve_target(target, p):
    from ..plugins import Target, get_registry

    if isinstance(target, Target):
        return target
    reg = get_registry()
    if isinstance(target, str):
        return reg.target(target)
    if target is not None:
        raise JITError(f"target must be a name or a Target, got {target!r}")
    mems, instrs = _used(p)
    builtin = reg.target("c")
    mems = {m for m in mems if m not in builtin.memories}
    if not mems and not instrs:
        return builtin
    owners = [t for t in reg.targets() if mems <= set(t.memories) and instrs <= t.instr_defs()]
    if not owners:
        found = sorted({t.name for t in reg.targets_using(mems, instrs)})
        what = ", ".join(sorted([m.name() for m in mems] + [i.name for i in instrs]))
        if found:
            raise JITError(f"{p.name} uses {what} from several targets ({', '.join(found)}); pass target=...")
        return builtin  # user-defined memories or instrs: plain host C
    for t in owners:
        if t.can_run()[0]:
            return t
    return owners[0]


def _used(p) -> tuple[set, set]:
    """Memories and instr names used by ``p`` and its callees."""
    mems, instrs, seen = set(), set(), set()

    def visit(proc):
        if id(proc) in seen:
            return
        seen.add(id(proc))
        for a in proc.args:
            if a.mem is not None:
                mems.add(a.mem)
        for node in ir.walk(proc.body):
            if isinstance(node, ir.Alloc):
                mems.add(node.mem)
            elif isinstance(node, ir.Call):
                if node.proc.instr is not None:
                    instrs.add(node.proc)
                visit(node.proc)

    visit(p)
    return mems, instrs
