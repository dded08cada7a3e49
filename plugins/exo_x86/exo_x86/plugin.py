"""The hooks exo-core calls (entry point ``x86`` in the ``exo_core.targets`` group).

Three targets, so code needing more of the CPU is refused with the missing feature named
instead of dying of an illegal instruction:

===================  ======================  ============================================
target               memories                needs (``/proc/cpuinfo`` flags)
===================  ======================  ============================================
``x86``              AVX2                    avx2, fma
``x86_avx512``       AVX2, AVX512            + avx512f, avx512dq, avx512bw, avx512vl
``x86_avx512_vnni``  AVX2, AVX512            + avx512_vnni (the ``*_dpbusd_epi32`` instrs)
===================  ======================  ============================================

``jit(proc)`` picks the first of them owning every memory and instr the procedure uses and
able to run here. The compiler is ``$CC`` (else ``cc``) with ``-O3 -std=c11`` and the
``-m`` flags of the features (no ``-march=native``: a build does not depend on the host
beyond the checked features). ``EXO_X86_CPU_FLAGS="avx2 fma ..."`` replaces the flags read
from ``/proc/cpuinfo`` (for hosts without it, and for tests).
"""

from __future__ import annotations

import functools
import os
import platform
import shutil

from exo_core.plugins import Target, hookimpl
from exo_core.plugins.target import cpu_flags as _proc_cpu_flags

from . import avx2, avx2_extra, avx2_prefix, avx512, avx512_int
from .memories import AVX2, AVX512

AVX2_INSTRS = avx2.INSTRS + avx2_extra.INSTRS + avx2_prefix.INSTRS
AVX512_INSTRS = avx512.INSTRS + avx512_int.INSTRS
VNNI_INSTRS = avx512_int.VNNI_INSTRS

_BASE_FLAGS = ["-O3", "-std=c11"]
AVX2_CFLAGS = ["-mavx2", "-mfma"]
AVX512_CFLAGS = ["-mavx512f", "-mavx512vl", "-mavx512bw", "-mavx512dq"]
VNNI_CFLAGS = ["-mavx512vnni"]

AVX2_CPU = ["avx2", "fma"]
AVX512_CPU = ["avx512f", "avx512dq", "avx512bw", "avx512vl"]
VNNI_CPU = ["avx512_vnni"]

_X86_MACHINES = {"x86_64", "amd64", "x64", "i386", "i686", "x86"}


@functools.lru_cache(maxsize=1)
def _proc_flags() -> frozenset[str]:
    return frozenset(_proc_cpu_flags())


def host_cpu_flags() -> set[str]:
    """The CPU flags this plugin checks against: ``$EXO_X86_CPU_FLAGS`` if set, else ``/proc/cpuinfo``
    (read once per process: ``can_run`` is called at every JIT build)."""
    override = os.environ.get("EXO_X86_CPU_FLAGS")
    if override is not None:
        return set(override.replace(",", " ").split())
    return set(_proc_flags())


class X86Target(Target):
    """A ``Target`` whose host check names the missing CPU feature (or a non-x86 host)."""

    def missing_cpu_flags(self) -> list[str]:
        return sorted(set(self.cpu_flags) - host_cpu_flags())

    def can_run(self) -> tuple[bool, str]:
        cc = self.compiler()
        if not shutil.which(cc[0]):
            return False, f"target {self.name}: C compiler '{cc[0]}' not found on PATH (set $CC)"
        if not self.cpu_flags:
            return True, ""
        machine = platform.machine().lower()
        if "EXO_X86_CPU_FLAGS" not in os.environ and machine not in _X86_MACHINES:
            return False, f"target {self.name}: this host is {machine or 'unknown'}, not x86 (build with exocc instead)"
        flags = host_cpu_flags()
        if not flags:
            return False, (f"target {self.name}: cannot read the CPU flags (no /proc/cpuinfo); set "
                           f"EXO_X86_CPU_FLAGS to the features this CPU has, e.g. \"{' '.join(self.cpu_flags)}\"")
        missing = self.missing_cpu_flags()
        if missing:
            return False, (f"target {self.name}: this CPU lacks {', '.join(missing)} "
                           f"(its code would stop on an illegal instruction here)")
        return True, ""


X86 = X86Target(
    name="x86",
    description="x86-64 with AVX2 and FMA (memory AVX2; Exo's exo.platforms.x86)",
    memories=[AVX2],
    instrs=AVX2_INSTRS,
    cc=None,
    cflags=_BASE_FLAGS + AVX2_CFLAGS,
    runner="native",
    cpu_flags=AVX2_CPU,
)

X86_AVX512 = X86Target(
    name="x86_avx512",
    description="x86-64 with AVX-512 F/DQ/BW/VL (memories AVX2, AVX512)",
    memories=[AVX2, AVX512],
    instrs=AVX2_INSTRS + AVX512_INSTRS,
    cc=None,
    cflags=_BASE_FLAGS + AVX2_CFLAGS + AVX512_CFLAGS,
    runner="native",
    cpu_flags=AVX2_CPU + AVX512_CPU,
)

X86_AVX512_VNNI = X86Target(
    name="x86_avx512_vnni",
    description="x86-64 with AVX-512 and VNNI (the i8 dot products *_dpbusd_epi32)",
    memories=[AVX2, AVX512],
    instrs=AVX2_INSTRS + AVX512_INSTRS + VNNI_INSTRS,
    cc=None,
    cflags=_BASE_FLAGS + AVX2_CFLAGS + AVX512_CFLAGS + VNNI_CFLAGS,
    runner="native",
    cpu_flags=AVX2_CPU + AVX512_CPU + VNNI_CPU,
)

TARGETS = [X86, X86_AVX512, X86_AVX512_VNNI]


@hookimpl
def exo_core_targets():
    return list(TARGETS)


@hookimpl
def exo_core_compat_modules():
    return {"exo.platforms.x86": "exo_x86.platform"}


__all__ = [
    "X86", "X86_AVX512", "X86_AVX512_VNNI", "TARGETS", "X86Target", "AVX2_INSTRS", "AVX512_INSTRS",
    "VNNI_INSTRS", "host_cpu_flags", "exo_core_targets", "exo_core_compat_modules",
]
