"""``exo.platforms.x86`` under exo-core's Exo shim: the memories and every instr by Exo's names.

``from exo.platforms.x86 import *`` (with ``python -m exo_core.compat``) gives this module's
names, as Exo's ``x86.py`` gives its instrs and the ``AVX2``/``AVX512`` memories it imports.
"""

from __future__ import annotations

from exo_core import DRAM

from .avx2 import *  # noqa: F403
from .avx2_extra import *  # noqa: F403
from .avx2_prefix import *  # noqa: F403
from .avx512 import *  # noqa: F403
from .avx512_int import *  # noqa: F403
from .memories import AVX2, AVX512
from .plugin import AVX2_INSTRS, AVX512_INSTRS, VNNI_INSTRS

__all__ = ["DRAM", "AVX2", "AVX512"] + [p.name() for p in AVX2_INSTRS + AVX512_INSTRS + VNNI_INSTRS]
