"""C spellings: types, window structs, and collision-free identifiers."""

from __future__ import annotations

import re

from ..ir.types import F32, ControlType, R, ScalarType, Tensor, Type

# C11 keywords plus the C23 ones (bool, true...) so the output stays valid under newer -std.
C_KEYWORDS = frozenset(
    """auto break case char const continue default do double else enum extern float for goto if
    inline int long register restrict return short signed sizeof static struct switch typedef union
    unsigned void volatile while _Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary
    _Noreturn _Static_assert _Thread_local alignas alignof bool constexpr false nullptr
    static_assert thread_local true typeof typeof_unqual _BitInt _Decimal32 _Decimal64 _Decimal128
    asm""".split()
)

# Names the generated code or its includes refer to: a local spelled like one of these would
# shadow it (e.g. a buffer named `free` breaks DRAM's `free(x)`).
_LIBRARY_NAMES = frozenset(
    """ctxt main malloc calloc realloc free abort exit printf fprintf puts stdin stdout stderr
    NULL FILE EOF size_t ptrdiff_t int8_t uint8_t int16_t uint16_t int32_t uint32_t int64_t uint64_t
    int_fast32_t intptr_t uintptr_t _Float16 EXO_ASSUME EXO_HAS_BUILTIN EXO_RESTRICT exo_floor_div
    exo_floor_mod sin sinf cos cosf exp expf sqrt sqrtf fmax fmaxf fabs fabsf INFINITY NAN
    memcpy memset errno assert""".split()
)


def is_reserved(name: str) -> bool:
    """Keywords, library names and the identifiers C reserves for the implementation."""
    return (
        name in C_KEYWORDS
        or name in _LIBRARY_NAMES
        or name.startswith("__")
        or bool(re.match(r"_[A-Z]", name))
    )


def scalar_ctype(t: Type) -> str:
    """The C type of a numeric precision or control type (`R` is f32)."""
    if isinstance(t, Tensor):
        t = t.base
    if isinstance(t, ScalarType):
        return (F32 if t == R else t).ctype
    if isinstance(t, ControlType):
        return "bool" if t.name == "bool" else "int_fast32_t"
    raise AssertionError(f"no C type for {t!r}")


def concrete(t: ScalarType) -> ScalarType:
    """`R` computes in f32; every other precision is itself."""
    return F32 if t == R else t


_WIN_SHORT = {"R": "f32", "f16": "f16", "f32": "f32", "f64": "f64", "i8": "i8", "ui8": "ui8",
              "ui16": "ui16", "i32": "i32"}


def window_struct_name(base: ScalarType, ndim: int, is_const: bool) -> str:
    return f"exo_win_{ndim}{_WIN_SHORT[base.name]}{'c' if is_const else ''}"


def window_struct_def(base: ScalarType, ndim: int, is_const: bool) -> str:
    name = window_struct_name(base, ndim, is_const)
    guard = name.upper()
    const = "const " if is_const else ""
    return (
        f"#ifndef {guard}\n#define {guard}\n"
        f"struct {name} {{\n"
        f"    {const}{scalar_ctype(base)} * const data;\n"
        f"    const int_fast32_t strides[{ndim}];\n"
        f"}};\n#endif"
    )


def lib_name_of(h_file_name: str) -> str:
    from pathlib import Path

    stem = Path(h_file_name).stem
    name = re.sub(r"\W", "_", stem)
    return name if not name[:1].isdigit() else f"_{name}"


class Scopes:
    """Maps binders to C names; a name visible in an enclosing scope gets `_1`, `_2`..."""

    def __init__(self, taken=()):
        self._global = set(taken)
        self._stack: list[set[str]] = [set()]
        self.env: dict = {}

    def push(self):
        self._stack.append(set())

    def pop(self):
        self._stack.pop()

    def _visible(self, name: str) -> bool:
        return name in self._global or any(name in s for s in self._stack)

    def bind(self, sym, name: str | None = None) -> str:
        base = name if name is not None else sym.name
        cname = base
        if is_reserved(cname) or self._visible(cname):
            k = 1
            while is_reserved(f"{base}_{k}") or self._visible(f"{base}_{k}"):
                k += 1
            cname = f"{base}_{k}"
        self._stack[-1].add(cname)
        self.env[sym] = cname
        return cname

    def __getitem__(self, sym) -> str:
        return self.env[sym]
