"""Building and loading JIT libraries: content-hashed disk cache, target compiler, cffi ABI mode.

We compile the shared library ourselves with the target's compiler and flags and load it
with ``ffi.dlopen`` (cffi's ABI mode): cffi's API mode would compile through setuptools
with the Python interpreter's compiler and flags instead of the target's.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cffi

from ..errors import JITError

# Bump when the layout of cache entries or the build recipe changes.
CACHE_FORMAT = 1
STDERR_LINES = 20

stats = {"builds": 0, "disk_hits": 0, "memory_hits": 0}

# (cache root, key) -> Library; dlopen'ing one path twice would hand back the same handle anyway, but
# re-running cffi's cdef parser on every jit() costs milliseconds.
_LOADED: dict[tuple[str, str], Library] = {}


@dataclass
class Library:
    """A loaded shared library and the cffi FFI that describes it."""

    key: str
    path: Path
    ffi: cffi.FFI
    lib: object
    source: str  # "built", "disk" or "memory": where this jit() found it


def cache_root(cache_dir=None) -> Path:
    """Where libraries are cached: ``cache_dir``, else ``$EXO_CACHE_DIR/jit``, else ``~/.cache/exo_core/jit``."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get("EXO_CACHE_DIR")
    if env:
        return Path(env) / "jit"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "exo_core" / "jit"


def content_key(c_source: str, header: str, command: list[str]) -> str:
    """The cache key: the C text, the command, and what the command reads besides the C text
    (``command_inputs``), so that a changed header of a target's include directory, or a
    changed compiler, builds anew instead of loading a stale library."""
    blob = json.dumps(
        {"format": CACHE_FORMAT, "c": c_source, "h": header, "cmd": command, "machine": platform.machine(),
         "inputs": command_inputs(command)},
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


# the options naming a file the compiler reads (-include) or a directory it searches
_FILE_OPTS = ("-include", "-imacros")
_DIR_OPTS = ("-I", "-isystem", "-iquote", "-idirafter")
# an include tree larger than this is fingerprinted by its directories' times alone
MAX_FINGERPRINT_FILES = 4096


def command_inputs(command: list[str]) -> list:
    """``[path, size, mtime_ns]`` of the compiler executable, of every file the command
    force-includes, and of every file under its include directories (a missing one as
    ``[path, None, None]``). Stat calls only: a few per build, none of them reads a file."""
    out = []
    if command:
        exe = shutil.which(command[0])
        out.append(_stat(os.path.realpath(exe)) if exe else [command[0], None, None])
    args = list(command[1:])
    for i, arg in enumerate(args):
        for opt in _FILE_OPTS + _DIR_OPTS:
            if arg == opt and i + 1 < len(args):
                path = args[i + 1]  # -I dir
            elif arg.startswith(opt) and arg != opt:
                path = arg[len(opt):]  # -Idir
            else:
                continue
            path = os.path.abspath(path)
            out += [_stat(path)] if opt in _FILE_OPTS else _tree(path)
            break
    return out


def _stat(path: str) -> list:
    try:
        st = os.stat(path)
    except OSError:
        return [path, None, None]
    return [path, st.st_size, st.st_mtime_ns]


def _tree(root: str) -> list:
    if not os.path.isdir(root):
        return [[root, None, None]]
    files, dirs = [], []
    for here, subdirs, names in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")  # Python's own, not C
        dirs.append(_stat(here))
        files += [os.path.join(here, n) for n in sorted(names)]
        if len(files) > MAX_FINGERPRINT_FILES:
            return dirs  # adding, removing or renaming a file still changes a directory's time
    return [_stat(f) for f in files]


def build_or_load(stem: str, c_source: str, header: str, target, cflags, cache_dir) -> Library:
    """The library for this C source, from memory, from the disk cache, or freshly built."""
    extra = list(cflags or [])
    # The command without file names identifies the toolchain; paths differ per build.
    probe = target.compile_command(["SRC"], "OUT", shared=True, extra_flags=extra) + ["-lm"]
    key = content_key(c_source, header, probe)
    root = cache_root(cache_dir)
    # Keyed by cache root too, so that a fresh cache_dir really starts cold (tests rely on it).
    mem_key = (str(root.absolute()), key)
    if mem_key in _LOADED:
        stats["memory_hits"] += 1
        lib = _LOADED[mem_key]
        return Library(lib.key, lib.path, lib.ffi, lib.lib, "memory")
    entry = root / f"{stem}-{key}"
    so_path = entry / f"lib{stem}.so"
    if so_path.exists():
        stats["disk_hits"] += 1
        source = "disk"
    else:
        _build(root, entry, stem, c_source, header, target, extra)
        stats["builds"] += 1
        source = "built"
    ffi = cffi.FFI()
    try:
        ffi.cdef(header_to_cdef(header))
    except Exception as exc:
        raise JITError(f"cannot read the generated header {stem}.h with cffi: {exc}") from None
    try:
        lib = ffi.dlopen(str(so_path))
    except OSError as exc:
        raise JITError(f"cannot load {so_path}: {exc}") from None
    loaded = Library(key, so_path, ffi, lib, source)
    _LOADED[mem_key] = loaded
    return loaded


def _build(root: Path, entry: Path, stem, c_source, header, target, extra) -> None:
    root.mkdir(parents=True, exist_ok=True)
    # Build in a private directory, then publish it with one rename: readers never see a
    # half-written entry, and of two processes building the same key one rename wins.
    tmp = Path(tempfile.mkdtemp(prefix=f".build-{stem}-", dir=root))
    try:
        (tmp / f"{stem}.c").write_text(c_source)
        (tmp / f"{stem}.h").write_text(header)
        cmd = target.compile_command([f"{stem}.c"], f"lib{stem}.so", shared=True, extra_flags=extra) + ["-lm"]
        try:
            proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        except OSError as exc:
            raise JITError(f"cannot run the C compiler of target {target.name} ({cmd[0]}): {exc}") from None
        if proc.returncode != 0:
            lines = (proc.stderr or proc.stdout).strip().splitlines()
            shown = "\n".join(lines[:STDERR_LINES])
            more = f"\n... ({len(lines) - STDERR_LINES} more lines)" if len(lines) > STDERR_LINES else ""
            raise JITError(
                f"C compiler failed for {stem} (target {target.name}, exit {proc.returncode}): "
                f"{' '.join(cmd)}\n{shown}{more}\n(sources kept in {_keep_failed(root, tmp, stem)})"
            )
        try:
            os.rename(tmp, entry)
        except OSError:
            # Either another process published the same key first (its library is
            # identical), or a damaged entry without a library is in the way.
            if not (entry / f"lib{stem}.so").exists():
                shutil.rmtree(entry, ignore_errors=True)
                os.rename(tmp, entry)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _keep_failed(root: Path, tmp: Path, stem: str) -> Path:
    dest = root / "failed" / stem
    try:
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(tmp, dest)
        return dest
    except OSError:
        return tmp


# --------------------------------------------------------------------------- header -> cdef

_CPLUSPLUS = re.compile(r"\b__cplusplus\b")
_OBJECT_MACRO = re.compile(r"define\s+([A-Za-z_]\w*)(?![\w(])(.*)$")


def header_to_cdef(header: str) -> str:
    """The declarations of a generated header in the subset of C that cffi's ``cdef`` parses.

    Drops preprocessor lines (and the ``extern "C"`` lines inside ``#ifdef __cplusplus``),
    keeps the first branch of other conditionals (include guards), erases object-like
    macros, and spells ``_Float16`` as ``uint16_t`` (same size and alignment; cffi has no
    half type, and f16 data only crosses by pointer).
    """
    text = re.sub(r"/\*.*?\*/", " ", header, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    out = []
    macros: dict[str, str] = {}
    # One frame per open #if: (this branch is kept, the frame tests __cplusplus)
    stack: list[tuple[bool, bool]] = []
    lines = iter(text.splitlines())
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            while stripped.endswith("\\"):
                stripped = stripped[:-1] + next(lines, "").strip()
            directive = stripped[1:].strip()
            word = directive.split(None, 1)[0] if directive else ""
            cpp = bool(_CPLUSPLUS.search(directive))
            m = _OBJECT_MACRO.match(directive)
            if m:
                macros.setdefault(m.group(1), m.group(2).strip())
            if word in ("if", "ifdef", "ifndef"):
                keep = (word == "ifndef") if cpp else True
                stack.append((keep, cpp))
            elif word in ("else", "elif") and stack:
                keep, is_cpp = stack[-1]
                stack[-1] = (not keep if is_cpp else False, is_cpp)
            elif word == "endif" and stack:
                stack.pop()
            continue
        if all(keep for keep, _ in stack):
            out.append(line)
    body = "\n".join(out)
    # Object-like macros in declarations are visibility or qualifier spellings (FOO_API,
    # EXO_RESTRICT), which cffi does not need; integer constants are kept by value.
    for name, value in macros.items():
        body = re.sub(rf"\b{name}\b", value if value.isdigit() else "", body)
    body = re.sub(r"\b_Float16\b", "uint16_t", body)
    body = re.sub(r"\b(__restrict__|__restrict|restrict)\b", "", body)
    body = re.sub(r"__attribute__\s*\(\((?:[^()]|\([^()]*\))*\)\)", "", body)
    return body
