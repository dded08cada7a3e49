"""The driver: call closure, backend checks, and the layout of the .c and .h files."""

from __future__ import annotations

from pathlib import Path

from ..analysis.effects import shared_buffer
from ..ir.nodes import ProcDef
from ..memory import DRAM
from .analyses import call_closure, proc_index
from .emit_stmts import ProcEmitter
from .library import HELPERS, Library


def _as_procdef(p) -> ProcDef:
    ir = getattr(p, "_ir", p)
    if not isinstance(ir, ProcDef):
        raise TypeError(f"expected a Procedure or ProcDef, got {type(p).__name__}")
    return ir


def _parallel_checker():
    """The race checker, when the analysis package provides it (written separately)."""
    try:
        from ..analysis.parallel import check_parallel_loops
    except ImportError as err:
        if err.name != "exo_core.analysis.parallel":
            raise
        return None
    return check_parallel_loops


def _memories(closure: list[ProcDef]) -> list:
    mems = set()
    for p in closure:
        mems.update(a.mem or DRAM for a in p.args if a.type.is_numeric())
        mems.update(n.mem or DRAM for n in proc_index(p).allocs)
    return sorted(mems, key=lambda m: (m.name(), m.__module__, m.__qualname__))


def compile_procs_to_strings(procs, h_file_name: str) -> tuple[str, str]:
    """``(c_source, header)`` for ``procs`` and every proc they call."""
    roots = [_as_procdef(p) for p in procs]
    closure = call_closure(roots)
    public_ids = {id(p) for p in roots}
    lib = Library(h_file_name, closure, public_ids)

    check = _parallel_checker()
    compiled = sorted((p for p in closure if p.instr is None), key=lambda p: p.name)
    if check is not None:
        for p in compiled:
            if proc_index(p).has_par_loop:
                check(p)

    public_protos, static_protos, bodies = [], [], []
    for p in compiled:
        public = id(p) in public_ids
        proto, body = ProcEmitter(p, lib, public).emit()
        if public and (shared := shared_buffer(p)):  # (configuration state is in the caller's ctxt)
            proto = f"// Not reentrant: {shared} is shared by every call; make one call at a time.\n{proto}"
        (public_protos if public else static_protos).append(proto)
        bodies.append(body)

    instr_globals: list[str] = []
    for p in closure:
        g = p.instr.c_global if p.instr is not None else ""
        if g and g not in instr_globals:
            instr_globals.append(g)
    mem_globals = [g for g in (m.global_() for m in _memories(closure)) if g]
    extern_globals: list[str] = []
    for k in sorted(lib.extern_globals):
        g = lib.extern_globals[k]
        if g and g not in extern_globals:  # e.g. `#include <math.h>` from several externs
            extern_globals.append(g)

    # Helpers are chosen from the final text: simplification may have dropped a division.
    used_helpers = [h for h in sorted(HELPERS) if any(f"{h}(" in b for b in bodies)]
    sections = [
        [HELPERS[h] for h in used_helpers],
        instr_globals,
        mem_globals,
        extern_globals,
        static_protos,
        bodies,
    ]
    source = f'#include "{h_file_name}"\n\n' + "\n".join(
        _join(sec) for sec in sections if sec
    )
    header = _header(lib, public_protos)
    return source, header


def _join(chunks: list[str]) -> str:
    return "\n".join(c if c.endswith("\n") else c + "\n" for c in chunks)


def _header(lib: Library, protos: list[str]) -> str:
    guard = f"{lib.lib_name.upper()}_H"
    api = f"{lib.lib_name.upper()}_API"
    parts = [
        "#pragma once",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        "#include <stdint.h>",
        "#include <stdbool.h>",
        "",
        "#ifdef __cplusplus",
        'extern "C" {',
        "#endif",
        "",
        _PORTABILITY_MACROS.replace("LIB_API", api),
    ]
    ctx = lib.context_typedef()
    if ctx:
        parts += [ctx, ""]
    for name in sorted(lib.window_structs):
        parts += [lib.window_structs[name], ""]
    parts += [p for proto in protos for p in (proto.rstrip("\n"), "")]
    parts += ["#ifdef __cplusplus", "}", "#endif", f"#endif  // {guard}", ""]
    return "\n".join(parts)


_PORTABILITY_MACROS = """\
// EXO_ASSUME(e): tells the C compiler that e holds (from the proc's preconditions).
#ifndef EXO_HAS_BUILTIN
#  if defined(__has_builtin)
#    define EXO_HAS_BUILTIN(builtin) __has_builtin(builtin)
#  else
#    define EXO_HAS_BUILTIN(builtin) (0)
#  endif
#endif

#ifndef EXO_ASSUME
#  if EXO_HAS_BUILTIN(__builtin_assume)
#    define EXO_ASSUME(expr) __builtin_assume(expr)
#  elif EXO_HAS_BUILTIN(__builtin_unreachable)
#    define EXO_ASSUME(expr) \\
        ((void)((expr) ? 1 : (__builtin_unreachable(), 1)))
#  else
#    define EXO_ASSUME(expr) ((void)(expr))
#  endif
#endif

// Visibility of the public functions; define LIB_API before including to override.
#ifndef LIB_API
#  if defined(_WIN32) || defined(__CYGWIN__)
#    define LIB_API __declspec(dllexport)
#  elif defined(__GNUC__) || defined(__clang__)
#    define LIB_API __attribute__((visibility("default")))
#  else
#    define LIB_API
#  endif
#endif

// Dense tensor arguments are `restrict`: callers must not pass one buffer (or overlapping
// storage) to two numeric arguments of a call, which is the language's own aliasing rule.
#ifndef EXO_RESTRICT
#  if defined(__cplusplus)
#    define EXO_RESTRICT __restrict
#  else
#    define EXO_RESTRICT restrict
#  endif
#endif
"""


def compile_procs(procs, basedir: Path, c_file: str, h_file: str) -> None:
    """Write ``basedir/c_file`` and ``basedir/h_file``."""
    basedir = Path(basedir)
    source, header = compile_procs_to_strings(procs, h_file)
    basedir.mkdir(parents=True, exist_ok=True)
    (basedir / c_file).write_text(source)
    (basedir / h_file).write_text(header)
