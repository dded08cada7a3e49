"""The x86 vector-register memories ``AVX2`` and ``AVX512`` (Exo's ``exo.libs.memories`` names).

A buffer in one of these memories is a set of SIMD registers: its last extent must be the
literal lane count of one register for its precision, and its outer extents become a C
array of registers::

    x: f32[8] @ AVX2          ->  __m256 x;
    acc: f32[6, 2, 8] @ AVX2  ->  __m256 acc[6][2];
    q: i8[64] @ AVX512        ->  __m512i q;

A window on a register buffer designates the register itself (``acc[i][j]``), so
instruction templates use ``{x_data}`` as a ``__m256`` value. Plain C may neither read nor
write the lanes (``can_read`` is False): only instrs touch them.

Lane counts (elements per register):

========  ==========================  =============================
type      AVX2 (256 bit)              AVX512 (512 bit)
========  ==========================  =============================
f32       8, ``__m256``               16, ``__m512``
f64       4, ``__m256d``              8, ``__m512d``
i8, ui8   32, ``__m256i``             64, ``__m512i``
ui16      16, ``__m256i``             32, ``__m512i``
i32       8, ``__m256i``              16, ``__m512i``
========  ==========================  =============================

``f16`` is refused (half-precision registers need AVX512-FP16, which this plugin does not
target). Every refusal is a ``MemGenError`` starting with the allocation's ``file:line``.
"""

from __future__ import annotations

from exo_core import MemGenError, Memory

from ._cglobal import AVX2_HELPERS, AVX512_HELPERS

# C element type -> (precision name, lanes per 256 bits, 256-bit register type, 512-bit type)
_LANES = {
    "float": ("f32", 8, "__m256", "__m512"),
    "double": ("f64", 4, "__m256d", "__m512d"),
    "int8_t": ("i8", 32, "__m256i", "__m512i"),
    "uint8_t": ("ui8", 32, "__m256i", "__m512i"),
    "uint16_t": ("ui16", 16, "__m256i", "__m512i"),
    "int32_t": ("i32", 8, "__m256i", "__m512i"),
}

_PREC_OF_CTYPE = {"_Float16": "f16", **{c: v[0] for c, v in _LANES.items()}}


def lanes(mem, prec: str) -> int:
    """The number of ``prec`` elements (``"f32"``, ``"ui8"``...) one register of ``mem`` holds."""
    for _c, (p, n256, _t256, _t512) in _LANES.items():
        if p == prec:
            return n256 * mem.bits // 256
    raise ValueError(f"{mem.name()} has no registers of {prec}")


class _VectorRegisters(Memory):
    """Shared implementation of AVX2 and AVX512; subclasses set ``bits``."""

    bits = 0
    helpers = ""

    @classmethod
    def global_(cls) -> str:
        return cls.helpers

    @classmethod
    def can_read(cls) -> bool:
        return False

    @classmethod
    def _reg_type(cls, prim_type: str, shape, srcinfo) -> str:
        name = cls.name()
        prec = _PREC_OF_CTYPE.get(prim_type, prim_type)
        if prim_type not in _LANES:
            supported = ", ".join(f"{p}[{n * cls.bits // 256}]" for p, n, _a, _b in _LANES.values())
            raise MemGenError(
                f"{name} registers cannot hold {prec} elements (supported: {supported})", srcinfo)
        _prec, n256, t256, t512 = _LANES[prim_type]
        width = n256 * cls.bits // 256
        if not shape:
            raise MemGenError(
                f"{name} holds vectors, not a scalar: declare {prec}[{width}] @ {name}", srcinfo)
        last = str(shape[-1]).strip()
        if not last.isdecimal() or int(last) != width:
            raise MemGenError(
                f"the last extent of a {prec} buffer in {name} must be the literal {width} "
                f"(one {t256 if cls.bits == 256 else t512} register), got {last}", srcinfo)
        return t256 if cls.bits == 256 else t512

    @classmethod
    def alloc(cls, new_name, prim_type, shape, srcinfo) -> str:
        reg = cls._reg_type(prim_type, shape, srcinfo)
        outer = "".join(f"[{s}]" for s in shape[:-1])
        return f"{reg} {new_name}{outer};"

    @classmethod
    def free(cls, new_name, prim_type, shape, srcinfo) -> str:
        return ""

    @classmethod
    def window(cls, basetyp, baseptr, indices, strides, srcinfo) -> str:
        name = cls.name()
        if basetyp.is_win():
            raise MemGenError(
                f"'{baseptr}' is a window of an {name} buffer (a window statement, or a window parameter of "
                f"a compiled procedure): only instrs can take {name} windows, so pass the buffer's slice "
                f"(e.g. r[i, :]) to the instr directly", srcinfo)
        if not indices or str(strides[-1]).strip() != "1":
            raise MemGenError(f"a window on {name} buffer '{baseptr}' must keep the lanes contiguous", srcinfo)
        if str(indices[-1]).strip() != "0":
            raise MemGenError(
                f"a window on {name} buffer '{baseptr}' must cover whole registers "
                f"(lane offset {indices[-1]}, expected 0)", srcinfo)
        return baseptr + "".join(f"[{i}]" for i in indices[:-1])


class AVX2(_VectorRegisters):
    """256-bit registers: ``f32[8]`` (``__m256``), ``f64[4]`` (``__m256d``), ``i8/ui8[32]``,
    ``ui16[16]``, ``i32[8]`` (``__m256i``); outer dimensions make a C array of registers."""

    bits = 256
    helpers = AVX2_HELPERS


class AVX512(_VectorRegisters):
    """512-bit registers: ``f32[16]`` (``__m512``), ``f64[8]`` (``__m512d``), ``i8/ui8[64]``,
    ``ui16[32]``, ``i32[16]`` (``__m512i``); outer dimensions make a C array of registers."""

    bits = 512
    helpers = AVX512_HELPERS


__all__ = ["AVX2", "AVX512", "lanes"]
