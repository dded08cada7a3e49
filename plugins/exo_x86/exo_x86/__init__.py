"""exo-x86: exo-core's x86 target plugin.

* memories ``AVX2`` and ``AVX512`` (``memories.py``);
* Exo's x86 instruction library with bodies that are the exact meaning of their templates
  (``avx2.py``, ``avx2_extra.py``, ``avx2_prefix.py``, ``avx512.py``, ``avx512_int.py``),
  most of them members of the instr families of ``_families.py`` (one definition each);
* targets ``x86``, ``x86_avx512`` and ``x86_avx512_vnni`` and the ``exo.platforms.x86``
  compat module (``plugin.py``, ``platform.py``).

``from exo_x86 import *`` gives the memories, every instr and the targets.
"""

from __future__ import annotations

from .memories import AVX2, AVX512, lanes
from .platform import *  # noqa: F403
from .platform import __all__ as _platform_all
from .plugin import TARGETS, X86, X86_AVX512, X86_AVX512_VNNI, host_cpu_flags

__version__ = "0.1.0"

__all__ = ["AVX2", "AVX512", "lanes", "TARGETS", "X86", "X86_AVX512", "X86_AVX512_VNNI", "host_cpu_flags"]
__all__ += [n for n in _platform_all if n not in __all__]
