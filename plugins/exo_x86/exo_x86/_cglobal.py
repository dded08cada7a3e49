"""C text the generated files need: the intrinsics header and small inline helpers.

Every instr's ``c_global`` is ``INCLUDE``. The helpers (lane masks, in-order sums) are the
``global_()`` of the memory the instrs using them take operands in: ``AVX2_HELPERS`` comes
with any use of ``AVX2``, ``AVX512_HELPERS`` with ``AVX512`` (so code compiled without
AVX-512 never sees an ``_mm512`` helper).
"""

from __future__ import annotations

INCLUDE = "#include <immintrin.h>\n"


def _sums(tag: str, bits: int) -> str:
    """C of the in-order sums ``exo_x86_sum{tag}_ps`` and ``_pd`` (``exo_x86_sum_ps``,
    ``exo_x86_sum_pd``, ``exo_x86_sum512_ps``, ``exo_x86_sum512_pd``): ``acc`` plus the lanes
    of a ``bits``-bit register, added in lane order (the ``reduce_add`` bodies' order)."""
    out = ""
    for sfx, ctype, vtype in (("ps", "float", ""), ("pd", "double", "d")):
        n = bits // (32 if sfx == "ps" else 64)
        out += (f"static inline {ctype} exo_x86_sum{tag}_{sfx}({ctype} acc, __m{bits}{vtype} v) {{\n"
                f"    {ctype} t[{n}];\n"
                f"    _mm{bits}_storeu_{sfx}(t, v);\n"
                f"    for (int i = 0; i < {n}; i++) acc += t[i];\n"
                f"    return acc;\n"
                f"}}\n")
    return out


AVX2_HELPERS = """\
#include <immintrin.h>
#include <stdint.h>
#ifndef EXO_X86_AVX2_HELPERS
#define EXO_X86_AVX2_HELPERS
// All-ones in lanes 0..n-1 of 8 x 32-bit (n in 0..8): masks of the mm256_prefix_*_ps instrs.
static inline __m256i exo_x86_prefix_mask_epi32(int_fast32_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int) n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
// All-ones in lanes 0..n-1 of 4 x 64-bit (n in 0..4): masks of the mm256_prefix_*_pd instrs.
static inline __m256i exo_x86_prefix_mask_epi64(int_fast32_t n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long) n), _mm256_setr_epi64x(0, 1, 2, 3));
}
// acc + v[0] + v[1] + ... + v[7], added in lane order (the instr bodies' order, bit for bit).
""" + _sums("", 256) + "#endif\n"

AVX512_HELPERS = """\
#include <immintrin.h>
#include <stdint.h>
#ifndef EXO_X86_AVX512_HELPERS
#define EXO_X86_AVX512_HELPERS
// Bits 0..n-1 set: the lane masks of the mm512_mask*_ps (n in 0..16) and _pd (n in 0..8) instrs.
static inline __mmask16 exo_x86_mask16(int_fast32_t n) { return (__mmask16) ((1u << n) - 1u); }
static inline __mmask8 exo_x86_mask8(int_fast32_t n) { return (__mmask8) ((1u << n) - 1u); }
// acc + v[0] + ... + v[15] in lane order (the instr bodies' order, bit for bit).
""" + _sums("512", 512) + "#endif\n"

__all__ = ["INCLUDE", "AVX2_HELPERS", "AVX512_HELPERS"]
