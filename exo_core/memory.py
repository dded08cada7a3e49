"""Memories: where a buffer lives and how C allocates, frees and addresses it.

A memory is a *class* deriving from ``Memory`` (never instantiated); its hooks are
classmethods returning C text, exactly as in Exo, so Exo memory definitions work
unchanged. A target plugin registers its memories through the ``exo_core_targets`` hook.
"""

from __future__ import annotations

from .errors import MemGenError


def generate_offset(indices: list[str], strides: list[str]) -> str:
    """The C expression ``sum(index * stride)``, dropping zero terms and ``* 1``."""
    terms = []
    for i, s in zip(indices, strides):
        i, s = str(i), str(s)
        if i == "0" or s == "0":
            continue
        if s == "1":
            terms.append(i)
        elif i == "1":
            terms.append(s)
        else:
            terms.append(f"({i}) * ({s})")
    return " + ".join(terms) if terms else "0"


class Memory:
    """Base class of memories. Override the classmethods below.

    ``prim_type`` is a C type name (``float``, ``int8_t``...), ``shape`` a list of C
    expressions (literal extents appear as decimal strings, empty for a scalar), and
    ``srcinfo`` the location of the allocation (use it in ``MemGenError`` messages).
    """

    @classmethod
    def name(cls) -> str:
        return cls.__name__

    @classmethod
    def global_(cls) -> str:
        """C text emitted once in the .c file when the memory is used anywhere."""
        return ""

    @classmethod
    def alloc(cls, new_name: str, prim_type: str, shape: list[str], srcinfo) -> str:
        """The C statement that declares and allocates ``new_name``."""
        raise MemGenError(f"memory {cls.name()} does not implement alloc", srcinfo)

    @classmethod
    def free(cls, new_name: str, prim_type: str, shape: list[str], srcinfo) -> str:
        """The C statement run after the last use of the buffer (may be empty)."""
        return ""

    @classmethod
    def window(cls, basetyp, baseptr: str, indices: list[str], strides: list[str], srcinfo) -> str:
        """A C expression designating the element (or sub-buffer) at ``indices``.

        The default is ``baseptr[offset]`` (``baseptr.data[offset]`` for a window value)."""
        offset = generate_offset(indices, strides)
        if basetyp.is_win():
            baseptr = f"{baseptr}.data"
        return f"{baseptr}[{offset}]"

    @classmethod
    def can_read(cls) -> bool:
        """Whether plain C may read elements; if False only instrs may touch the buffer."""
        raise NotImplementedError

    @classmethod
    def shared_across_calls(cls) -> bool:
        """Whether a buffer of this memory is one object that every call of the procedure
        uses (a ``static`` array, a simulated scratchpad...) rather than its own: code
        allocating one is not reentrant, so the JIT lets one thread at a time run it."""
        return False

    @classmethod
    def write(cls, s, lhs: str, rhs: str) -> str:
        raise MemGenError(f"cannot write to memory {cls.name()} outside an instr", getattr(s, "srcinfo", None))

    @classmethod
    def reduce(cls, s, lhs: str, rhs: str) -> str:
        raise MemGenError(f"cannot reduce into memory {cls.name()} outside an instr", getattr(s, "srcinfo", None))


class DRAM(Memory):
    """Ordinary memory: scalars on the stack, tensors on the heap (malloc/free)."""

    @classmethod
    def global_(cls):
        return "#include <stdio.h>\n#include <stdlib.h>\n"

    @classmethod
    def alloc(cls, new_name, prim_type, shape, srcinfo):
        if not shape:
            return f"{prim_type} {new_name};"
        size = " * ".join(f"({s})" if not str(s).isdigit() else str(s) for s in shape)
        return f"{prim_type} *{new_name} = ({prim_type}*) malloc({size} * sizeof(*{new_name}));"

    @classmethod
    def free(cls, new_name, prim_type, shape, srcinfo):
        return "" if not shape else f"free({new_name});"

    @classmethod
    def can_read(cls):
        return True

    @classmethod
    def write(cls, s, lhs, rhs):
        return f"{lhs} = {rhs};"

    @classmethod
    def reduce(cls, s, lhs, rhs):
        return f"{lhs} += {rhs};"


def _c_array(cls, qualifier: str, new_name, prim_type, shape, srcinfo, attributes: str = "") -> str:
    """``[qualifier] T name[N][attributes];`` for constant extents (N = their product)."""
    if not shape:
        return f"{qualifier}{prim_type} {new_name};"
    for s in shape:
        if not str(s).isdigit():
            raise MemGenError(f"{cls.name()} needs constant extents, got '{s}'", srcinfo)
    n = 1
    for s in shape:
        n *= int(s)
    return f"{qualifier}{prim_type} {new_name}[{n}]{attributes};"


class DRAM_STATIC(DRAM):
    """A ``static`` C array: constant extents, one copy per program (not reentrant)."""

    @classmethod
    def global_(cls):
        return ""

    @classmethod
    def alloc(cls, new_name, prim_type, shape, srcinfo):
        return _c_array(cls, "static ", new_name, prim_type, shape, srcinfo)

    @classmethod
    def shared_across_calls(cls):
        return True

    @classmethod
    def free(cls, new_name, prim_type, shape, srcinfo):
        return ""


# madvise is declared here: under -std=c11 glibc's <sys/mman.h> hides it (and MADV_HUGEPAGE),
# and this text follows the includes of the generated file, too late to define _DEFAULT_SOURCE.
# 14 is MADV_HUGEPAGE on Linux everywhere but PA-RISC.
_HUGE_GLOBAL = """\
#ifndef EXO_DRAM_STATIC_HUGE
#define EXO_DRAM_STATIC_HUGE
#include <stddef.h>
#if defined(__linux__) && !defined(__hppa__)
int madvise(void *addr, size_t length, int advice);
#endif
// Ask once for transparent huge pages over a static array (aligned to 2 MiB): advice only.
static inline void exo_static_huge_pages(void *p, size_t n, int *advised) {
#if defined(__linux__) && !defined(__hppa__)
    if (!*advised) {
        (void) madvise(p, n, 14);
        *advised = 1;
    }
#else
    (void) p; (void) n; (void) advised;
#endif
}
#endif"""


class DRAM_STATIC_HUGE(DRAM):
    """A ``static`` C array like ``DRAM_STATIC`` (constant extents, one copy per program, not
    reentrant), aligned to 2 MiB and advised for transparent huge pages on Linux
    (``madvise(MADV_HUGEPAGE)`` on first use; advice only, so it is also correct where the
    kernel declines or the OS has no such thing). For large buffers read over and over, such
    as packed blocks of a matrix product: fewer TLB misses (1 to 1.5 % on ``examples/sgemm``
    with the host's THP set to ``madvise``)."""

    @classmethod
    def global_(cls):
        return _HUGE_GLOBAL

    @classmethod
    def alloc(cls, new_name, prim_type, shape, srcinfo):
        if not shape:
            return f"static {prim_type} {new_name};"
        decl = _c_array(cls, "static ", new_name, prim_type, shape, srcinfo, " __attribute__((aligned(2097152)))")
        return (f"{decl}\n"
                f"static int {new_name}_advised;\n"
                f"exo_static_huge_pages({new_name}, sizeof {new_name}, &{new_name}_advised);")

    @classmethod
    def free(cls, new_name, prim_type, shape, srcinfo):
        return ""

    @classmethod
    def shared_across_calls(cls):
        return True


class DRAM_STACK(DRAM):
    """A C array on the stack: constant extents; safe in parallel code."""

    @classmethod
    def global_(cls):
        return ""

    @classmethod
    def alloc(cls, new_name, prim_type, shape, srcinfo):
        return _c_array(cls, "", new_name, prim_type, shape, srcinfo)

    @classmethod
    def free(cls, new_name, prim_type, shape, srcinfo):
        return ""


# The memories every program knows by name (the parser, fragments and the built-in target ``c``).
BUILTIN_MEMORIES = (DRAM, DRAM_STATIC, DRAM_STATIC_HUGE, DRAM_STACK)

__all__ = ["Memory", "DRAM", "DRAM_STATIC", "DRAM_STATIC_HUGE", "DRAM_STACK", "BUILTIN_MEMORIES", "MemGenError",
           "generate_offset"]
