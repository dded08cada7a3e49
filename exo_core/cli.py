"""``exocc``: compile the procedures of Python source files to a C library.

    exocc kernels.py [more.py ...] [-o OUTDIR] [-s/--stem STEM] [-p PYTHONPATH]
    exocc plugins            # installed targets, their memories and instrs, broken plugins
    exocc --version          # exo-core's version and every plugin's distribution and version

Each source is imported as a module (its directory on ``sys.path``); the public (not
``_``-prefixed, or listed in ``__all__``) non-instr ``Procedure`` attributes are compiled
into ``OUTDIR/STEM.c`` and ``OUTDIR/STEM.h``, and ``OUTDIR/STEM.d`` is a Make depfile
making both depend on every Python file the sources loaded from outside the standard
library, site-packages and exo-core itself. With one source, OUTDIR and STEM default to
the source's stem; with several, both must be given.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import site
import sys
import sysconfig
import traceback
from pathlib import Path

from .errors import ExoError

PROG = "exocc"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "plugins":
        return _cmd_plugins(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version:
        print(version_text())
        return 0
    if not args.sources:
        parser.error("no source files given")
    return _cmd_compile(parser, args)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Compile the procedures of Python source files to C (OUTDIR/STEM.c, .h and a make depfile .d). "
        "'exocc plugins' lists the installed targets.",
    )
    p.add_argument("sources", nargs="*", metavar="source.py", help="Python files defining @proc procedures")
    p.add_argument("-o", "--outdir", help="output directory (default: the stem of the single source)")
    p.add_argument("-s", "--stem", help="base name of the .c/.h/.d files (default: the stem of the single source)")
    p.add_argument(
        "-p", "--pythonpath", action="append", default=[],
        help=f"directories to put on sys.path ('{os.pathsep}'-separated; repeatable); "
        "default: each source's directory",
    )
    p.add_argument("--version", action="store_true", help="print the versions of exo-core and every plugin")
    return p


# --------------------------------------------------------------------------- compile


def _cmd_compile(parser, args) -> int:
    sources = [Path(s) for s in args.sources]
    for s in sources:
        if not s.is_file():
            parser.error(f"no such file: {s}")
    if len(sources) > 1 and not (args.outdir and args.stem):
        parser.error("with several sources, both -o/--outdir and -s/--stem are required")
    stem = args.stem or sources[0].stem
    outdir = Path(args.outdir) if args.outdir else Path(sources[0].stem)
    if not stem.isidentifier():
        parser.error(f"the stem must be a C identifier, got '{stem}'")
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    paths = [p for entry in args.pythonpath for p in entry.split(os.pathsep) if p]
    if not paths:
        paths = [str(s.resolve().parent) for s in sources]
    for p in reversed(paths):
        if p not in sys.path:
            sys.path.insert(0, p)
    try:
        procs = []
        for s in sources:
            module = _import_source(s)
            procs.extend(p for p in public_procs(module) if all(p is not q for q in procs))
        if not procs:
            names = ", ".join(str(s) for s in sources)
            return _fail(f"no procedures to compile in {names} (public, non-instr Procedure attributes)")
        from . import compile_procs_to_strings

        c_source, header = compile_procs_to_strings(procs, f"{stem}.h")
    except ExoError as err:
        return _fail(str(err))
    except SystemExit:
        raise
    except BaseException:
        # A bug in the user's Python (not in a procedure): the traceback is the useful part.
        traceback.print_exc()
        return 1
    outdir.mkdir(parents=True, exist_ok=True)
    c_path, h_path, d_path = (outdir / f"{stem}{ext}" for ext in (".c", ".h", ".d"))
    _write(c_path, c_source)
    _write(h_path, header)
    _write(d_path, depfile_text([str(c_path), str(h_path)], user_python_files()))
    return 0


def _fail(message: str) -> int:
    head = message.split(" ", 1)[0]
    if not (head.count(":") >= 2 and head.endswith(":")):
        message = f"{PROG}: error: {message}"
    print(message, file=sys.stderr)
    return 1


def _write(path: Path, text: str) -> None:
    # Write-then-rename: a build system never sees a truncated file.
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def _import_source(path: Path):
    name = path.stem
    if name in sys.modules or not name.isidentifier():
        name = f"_exocc_{abs(hash(str(path.resolve())))}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def public_procs(module) -> list:
    """The module's procedures ``exocc`` compiles: ``__all__`` if present, else non-``_`` names; no instrs."""
    from .procedure import Procedure

    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    out = []
    for n in names:
        v = getattr(module, n, None)
        if isinstance(v, Procedure) and not v.is_instr() and all(v is not q for q in out):
            out.append(v)
    return out


def _excluded_roots() -> list[str]:
    roots = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            roots.add(path)
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        roots.add(p)
    try:
        roots.update(site.getsitepackages())
        roots.add(site.getusersitepackages())
    except AttributeError:  # virtualenv's old site.py
        pass
    roots.add(str(Path(__file__).resolve().parent))
    return [os.path.realpath(r) for r in roots if r]


def user_python_files() -> list[str]:
    """Python source files of loaded modules outside the stdlib, site-packages and exo-core."""
    roots = _excluded_roots()
    files = set()
    for module in list(sys.modules.values()):
        f = getattr(module, "__file__", None)
        if not f or not f.endswith(".py"):
            continue
        real = os.path.realpath(f)
        if not os.path.exists(real):
            continue
        if any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
            continue
        files.add(os.path.abspath(f))
    return sorted(files)


def _make_escape(path: str) -> str:
    return path.replace("$", "$$").replace("#", "\\#").replace(" ", "\\ ")


def depfile_text(targets: list[str], deps: list[str]) -> str:
    """A Make rule ``targets: deps`` plus an empty rule per dependency (like gcc -MP), so a
    deleted Python file does not break the build."""
    lines = [" ".join(_make_escape(t) for t in targets) + ":" + "".join(f" \\\n  {_make_escape(d)}" for d in deps)]
    lines += [f"\n{_make_escape(d)}:" for d in deps]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- plugins / version


def _registry():
    from .plugins import get_registry

    return get_registry(check=False)


def version_text() -> str:
    from . import __version__

    out = [f"{PROG} (exo-core {__version__})"]
    try:
        reg = _registry()
    except Exception as exc:  # discovery itself failed: still report our own version
        out.append(f"plugins: cannot be listed: {type(exc).__name__}: {exc}")
        return "\n".join(out)
    out.append("plugins:")
    for p in reg.plugins:
        targets = ", ".join(t.name for t in p.targets) or "no targets"
        out.append(f"  {p.name}: {_dist(p)} (targets: {targets})")
    for b in reg.broken():
        out.append(f"  {b.name}: {_dist(b)} BROKEN: {b.error}")
    for s in reg.skipped:
        out.append(f"  {s.name}: {_dist(s)} not loaded: {s.reason}")
    for c in reg.conflicts:
        out.append(f"  CONFLICT: {c}")
    return "\n".join(out)


def _dist(p) -> str:
    if p.distribution is None:
        return "<no distribution>"
    return f"{p.distribution} {p.version}" if p.version else p.distribution


def _cmd_plugins(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"{PROG} plugins", description="List targets and plugins.")
    parser.parse_args(argv)
    reg = _registry()
    print("targets:")
    for t in reg.targets():
        ok, reason = t.can_run()
        print(f"  {t.name} [{_dist(t)}]" + (f" - {t.description}" if t.description else ""))
        print(f"      memories: {', '.join(t.memory_names()) or '(none)'}")
        if t.configs:
            print(f"      configs:  {', '.join(t.config_names())}")
        print(f"      instrs:   {len(t.instrs)}")
        print(f"      compiler: {' '.join(t.compiler() + list(t.cflags) + list(t.ldflags))}")
        runner = {"native": "native", "emulator": " ".join(t.run_command("PROGRAM")),
                  "simulator": f"simulator headers in {t.runner}"}[t.runner_kind()]
        print(f"      runner:   {runner} ({'can run here' if ok else reason})")
    if reg.broken():
        print("broken plugins:")
        for b in reg.broken():
            print(f"  {b.name} [{_dist(b)}]: {b.error}")
    if reg.skipped:
        print("skipped plugins:")
        for s in reg.skipped:
            print(f"  {s.name} [{_dist(s)}]: {s.reason}")
    if reg.conflicts:
        print("conflicts:")
        for c in reg.conflicts:
            print(f"  {c}")
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
