"""AVX-512 integer lanes and the VNNI dot product.

``mm512_dpbusd_epi32(dst, a, b)`` is ``_mm512_dpbusd_epi32`` (AVX512-VNNI): each i32 lane
``i`` of ``dst`` gains the four products ``a[4i+k] * b[4i+k]`` (``a`` unsigned bytes, ``b``
signed bytes), added without saturation (wrapping at 32 bits). ``mm256_dpbusd_epi32`` is the
same on 256-bit registers (AVX512-VL + VNNI): both are the ``dpbusd`` family below. The
bodies widen each byte to i32 through a local (a u8 * i8 product of the language would mix
precisions), which is what the instruction does. Loads, stores, zero and add are members of
the families of ``_families.py``.
"""

from __future__ import annotations

from exo_core import DRAM, instr

from ._cglobal import INCLUDE
from ._families import binary, family, load, setzero, store
from .memories import AVX2, AVX512, lanes

# --------------------------------------------------------------------------- loads, stores, zero

_IN, _OUT = "(const void *) ", "(void *) "

mm512_loadu_si512_i8 = load("mm512_loadu_si512_i8", "i8", AVX512, "_mm512_loadu_si512", _IN)
mm512_loadu_si512_ui8 = load("mm512_loadu_si512_ui8", "ui8", AVX512, "_mm512_loadu_si512", _IN)
mm512_storeu_si512_i8 = store("mm512_storeu_si512_i8", "i8", AVX512, "_mm512_storeu_si512", _OUT)
mm512_storeu_si512_ui8 = store("mm512_storeu_si512_ui8", "ui8", AVX512, "_mm512_storeu_si512", _OUT)
mm512_loadu_si512_i32 = load("mm512_loadu_si512_i32", "i32", AVX512, "_mm512_loadu_si512", _IN)
mm512_storeu_si512_i32 = store("mm512_storeu_si512_i32", "i32", AVX512, "_mm512_storeu_si512", _OUT)
mm512_setzero_si512_i32 = setzero("mm512_setzero_si512_i32", "i32", AVX512, "_mm512_setzero_si512")
mm512_add_epi32 = binary("mm512_add_epi32", "+", "i32", AVX512, "_mm512_add_epi32")

# --------------------------------------------------------------------------- VNNI


@family
def dpbusd(mem, intrinsic: str):
    """``dst[i] += sum(a[4i+k] * b[4i+k] for k < 4)`` on every i32 lane of a ``mem`` register,
    ``a`` its u8 lanes, ``b`` its i8 lanes; ``{dst} = intrinsic(dst, a, b);``."""
    n, n8 = lanes(mem, "i32"), lanes(mem, "i8")

    @instr(f"{{dst_data}} = {intrinsic}({{dst_data}}, {{a_data}}, {{b_data}});", INCLUDE)
    def dpbusd(dst: [i32][{n}] @ {mem}, a: [ui8][{n8}] @ {mem}, b: [i8][{n8}] @ {mem}):
        assert stride(dst, 0) == 1
        assert stride(a, 0) == 1
        assert stride(b, 0) == 1
        for i in seq(0, {n}):
            for k in seq(0, 4):
                a_wide: i32 @ DRAM
                b_wide: i32 @ DRAM
                a_wide = a[4 * i + k]
                b_wide = b[4 * i + k]
                dst[i] += a_wide * b_wide

    return dpbusd


mm512_dpbusd_epi32 = dpbusd("mm512_dpbusd_epi32", AVX512, "_mm512_dpbusd_epi32")
mm256_dpbusd_epi32 = dpbusd("mm256_dpbusd_epi32", AVX2, "_mm256_dpbusd_epi32")


INSTRS = [
    mm512_loadu_si512_i8, mm512_loadu_si512_ui8, mm512_storeu_si512_i8, mm512_storeu_si512_ui8,
    mm512_loadu_si512_i32, mm512_storeu_si512_i32,
    mm512_setzero_si512_i32, mm512_add_epi32,
]
VNNI_INSTRS = [mm512_dpbusd_epi32, mm256_dpbusd_epi32]

__all__ = [p.name() for p in INSTRS + VNNI_INSTRS] + ["INSTRS", "VNNI_INSTRS"]
