"""Types of the language.

Scalars split into *data* types (the numeric precisions, which live in buffers) and
*control* types (``bool``, ``int``, ``index``, ``size``, ``stride``, which steer loops,
indices and conditions). A data value never flows into a control position.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    pass


class Type:
    """Base of all types."""

    __slots__ = ()

    def is_numeric(self) -> bool:
        """Data: a numeric scalar or a tensor of them."""
        return False

    def is_real_scalar(self) -> bool:
        return False

    def is_indexable(self) -> bool:
        """May appear in index arithmetic: int, index or size."""
        return False

    def is_tensor_or_window(self) -> bool:
        return False

    def is_win(self) -> bool:
        return False

    def basetype(self) -> Type:
        return self

    def shape(self) -> tuple:
        return ()


@dataclass(frozen=True, slots=True)
class ScalarType(Type):
    """A numeric precision. ``R`` is the generic real, resolved to f32 at code generation."""

    name: str
    ctype: str
    np_dtype: str

    def is_numeric(self) -> bool:
        return True

    def is_real_scalar(self) -> bool:
        return True

    def is_float(self) -> bool:
        return self.name in ("R", "f16", "f32", "f64")

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class ControlType(Type):
    """``bool``, ``int`` (literal integers), ``index``, ``size`` or ``stride``."""

    name: str

    def is_indexable(self) -> bool:
        return self.name in ("int", "index", "size")

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Tensor(Type):
    """A buffer of ``base`` values with extents ``shape`` (index expressions).

    ``is_window`` marks ``[f32][n, m]`` arguments and window values: arbitrary strides.
    A dense tensor is row-major with innermost stride 1.
    """

    hi: tuple  # extents, tuple[Expr, ...]
    is_window: bool
    base: ScalarType

    def is_numeric(self) -> bool:
        return True

    def is_tensor_or_window(self) -> bool:
        return True

    def is_win(self) -> bool:
        return self.is_window

    def basetype(self) -> ScalarType:
        return self.base

    def shape(self) -> tuple:
        return self.hi

    def __str__(self) -> str:
        dims = ", ".join(str(e) for e in self.hi)
        return f"[{self.base}][{dims}]" if self.is_window else f"{self.base}[{dims}]"


R = ScalarType("R", "float", "float32")
F16 = ScalarType("f16", "_Float16", "float16")
F32 = ScalarType("f32", "float", "float32")
F64 = ScalarType("f64", "double", "float64")
I8 = ScalarType("i8", "int8_t", "int8")
UI8 = ScalarType("ui8", "uint8_t", "uint8")
UI16 = ScalarType("ui16", "uint16_t", "uint16")
I32 = ScalarType("i32", "int32_t", "int32")

BOOL = ControlType("bool")
INT = ControlType("int")
INDEX = ControlType("index")
SIZE = ControlType("size")
STRIDE = ControlType("stride")

SCALAR_TYPES = {t.name: t for t in (R, F16, F32, F64, I8, UI8, UI16, I32)}
CONTROL_TYPES = {t.name: t for t in (BOOL, INDEX, SIZE, STRIDE)}
TYPES_BY_NAME = {**SCALAR_TYPES, **CONTROL_TYPES}
