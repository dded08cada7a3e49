"""How the interpreter represents data values of each precision, and converts between them.

Inside an expression a value computed "in precision P" is
  * a numpy scalar of P's dtype when P is a float type (so f32 math rounds like C's float),
  * a Python ``int`` when P is an integer type. C promotes i8/ui8/ui16/i32 operands to
    32-bit ``int`` before any arithmetic, so these ints are int32 values: every
    arithmetic result is wrapped to 32 bits, and only a store (or a cast to a
    parameter's type) wraps to the destination's width.
"""

from __future__ import annotations

import math

import numpy as np

from ..ir.types import F32, I32, R, ScalarType

DTYPES = {
    "R": np.dtype(np.float32),
    "f16": np.dtype(np.float16),
    "f32": np.dtype(np.float32),
    "f64": np.dtype(np.float64),
    "i8": np.dtype(np.int8),
    "ui8": np.dtype(np.uint8),
    "ui16": np.dtype(np.uint16),
    "i32": np.dtype(np.int32),
}

_SCALAR_CLASS = {name: dt.type for name, dt in DTYPES.items()}

# (bits, signed) of the integer precisions.
_INT_WIDTH = {"i8": (8, True), "ui8": (8, False), "ui16": (16, False), "i32": (32, True)}

# Bytes written into fresh integer allocations so that reading one before writing it
# stands out (floats get NaN instead).
POISON_BYTE = 0xA5

# Rank in C's usual arithmetic conversions: any float beats any integer type.
_RANK = {"i8": 0, "ui8": 0, "ui16": 0, "i32": 0, "f16": 1, "f32": 2, "f64": 3}


def concrete(t: ScalarType) -> ScalarType:
    """``R`` buffers and values are f32."""
    return F32 if t is R or t.name == "R" else t


def dtype_of(t: ScalarType) -> np.dtype:
    return DTYPES[t.name]


def is_int(t: ScalarType) -> bool:
    return t.name in _INT_WIDTH


def c_join(a: ScalarType, b: ScalarType) -> ScalarType:
    """The precision C computes ``a op b`` in (the usual arithmetic conversions)."""
    if a == b:
        return a
    if is_int(a) and is_int(b):
        return I32
    return a if _RANK[a.name] >= _RANK[b.name] else b


def wrap_fn(t: ScalarType):
    """The function wrapping a Python int to ``t``'s width (two's complement)."""
    bits, signed = _INT_WIDTH[t.name]
    mask = (1 << bits) - 1
    if signed:
        half = 1 << (bits - 1)
        lo, hi = -half, half - 1

        def wrap(v: int) -> int:
            return v if lo <= v <= hi else ((v + half) & mask) - half
    else:

        def wrap(v: int) -> int:
            return v if 0 <= v <= mask else v & mask

    return wrap


wrap32 = wrap_fn(I32)


class ConversionError(ArithmeticError):
    """A float that has no integer value (NaN, infinity) was converted to an integer type."""


def float_to_int(v) -> int:
    f = float(v)
    if not math.isfinite(f):
        raise ConversionError(f"cannot convert {f} to an integer")
    return int(f)  # int() truncates toward zero, like a C cast


def caster(src: ScalarType, dst: ScalarType):
    """A function converting a value in precision ``src`` to one in ``dst`` (a C cast),
    or None when the representation does not change."""
    if is_int(dst):
        wrap = wrap_fn(dst)
        if is_int(src):
            return None if dst.name == "i32" else wrap
        return lambda v: wrap(float_to_int(v))
    cls = _SCALAR_CLASS[dst.name]
    if src.name == dst.name:
        return None
    return cls


def promoter(src: ScalarType, dst: ScalarType):
    """Like ``caster`` for an operand entering arithmetic in ``dst``: integer operands
    are already 32-bit ints, so only int→float and float→float change anything."""
    if is_int(dst) and is_int(src):
        return None
    return caster(src, dst)


def const_value(val, t: ScalarType):
    """A literal materialised in precision ``t`` (the precision of its context)."""
    t = concrete(t)
    if is_int(t):
        v = val if isinstance(val, int) else float_to_int(val)
        return wrap_fn(t)(int(v))
    if t.name == "f16":  # the backend writes ``(_Float16) 0.1f``: rounded to f32 first
        return np.float16(np.float32(val))
    return _SCALAR_CLASS[t.name](val)


def to_expr_value(t: ScalarType):
    """Turns an element read from a buffer of precision ``t`` into an expression value."""
    return int if is_int(t) else None


def scalar_class(t: ScalarType):
    return _SCALAR_CLASS[concrete(t).name]


_FILL = {
    dt: (np.nan if dt.kind == "f" else np.frombuffer(bytes([POISON_BYTE]) * dt.itemsize, dt)[0])
    for dt in set(DTYPES.values())
}


def fresh_storage(shape: tuple, t: ScalarType) -> np.ndarray:
    """Uninitialised storage made visible: NaN for floats, 0xA5 bytes for integers."""
    dt = dtype_of(t)
    return np.full(shape, _FILL[dt], dtype=dt)


def int_div(a: int, b: int) -> int:
    """C's ``/`` on int: truncates toward zero (and INT_MIN / -1 wraps)."""
    q = abs(a) // abs(b)
    return wrap32(q if (a < 0) == (b < 0) else -q)


__all__ = [
    "DTYPES", "POISON_BYTE", "concrete", "dtype_of", "is_int", "c_join", "wrap_fn", "wrap32",
    "caster", "promoter", "const_value", "scalar_class", "fresh_storage", "int_div",
    "float_to_int", "ConversionError",
]
