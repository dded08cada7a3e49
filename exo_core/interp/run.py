"""``interpret``: checking the user's arguments and running a compiled procedure."""

from __future__ import annotations

import numpy as np

from ..errors import InterpreterError
from ..ir.nodes import ProcDef
from ..ir.types import ControlType, ScalarType, Tensor
from .procs import compile_proc
from .state import ConfigState
from .values import concrete, dtype_of, is_int


def interpret(proc, ctxt=None, /, **args) -> None:
    """Run ``proc`` (a ``Procedure`` or a ``ProcDef``) on ``args``, given by parameter name.

    * tensors: numpy arrays of the declared shape (extents evaluated with the size
      arguments) and exact dtype (``R``/f32 float32, f16 float16, f64 float64, i8 int8,
      ui8 uint8, ui16 uint16, i32 int32). Dense parameters need C-contiguous arrays;
      window parameters (``[f32][n]``) take any strided view. Arrays are updated in place.
    * ``size`` (positive), ``index`` and ``stride`` arguments: Python ints; ``bool``: bools.
    * scalar data parameters (``s: f32``): a 0-d or 1-element array of the exact dtype,
      which the procedure reads and writes in place; a plain number is accepted only if
      the procedure never writes the parameter.
    * config state: a ``ConfigState`` passed positionally or as ``ctxt=`` (unless the
      procedure has a parameter named ``ctxt``). Without one a fresh, empty state is used.

    Uninitialised allocations hold NaN (floats) or 0xA5 bytes (integers). Errors
    (bad arguments, out-of-bounds accesses, failed preconditions) raise
    ``InterpreterError`` naming the user's file:line.
    """
    pd = proc if isinstance(proc, ProcDef) else getattr(proc, "_ir", None)
    if not isinstance(pd, ProcDef):
        raise InterpreterError(f"interpret expects a procedure, got {proc!r}")
    names = [a.name.name for a in pd.args]
    if ctxt is None and "ctxt" in args and "ctxt" not in names:
        ctxt = args.pop("ctxt")
    state = ConfigState() if ctxt is None else ctxt
    if not isinstance(state, ConfigState):
        raise InterpreterError(f"the config state must be a ConfigState, got {type(state).__name__}")

    cp = compile_proc(pd)
    missing = [n for n in names if n not in args]
    if missing:
        raise InterpreterError(
            f"{pd.name}: missing argument{'s' if len(missing) > 1 else ''} "
            + ", ".join(f"'{n}'" for n in missing), pd.srcinfo)
    extra = [n for n in args if n not in names]
    if extra:
        raise InterpreterError(
            f"{pd.name}: unexpected argument{'s' if len(extra) > 1 else ''} "
            + ", ".join(f"'{n}'" for n in extra)
            + f" (the parameters are {', '.join(names) or 'none'})", pd.srcinfo)
    values = [_convert_arg(pd, a, args[a.name.name], a.name in cp.written) for a in pd.args]
    with np.errstate(all="ignore"):  # inf/NaN are values here, as in C
        cp.invoke(state, values)


def _convert_arg(pd: ProcDef, fa, value, written: bool):
    name, t = fa.name.name, fa.type

    def bad(msg):
        return InterpreterError(f"{pd.name}: argument '{name}' {msg}", pd.srcinfo)

    if isinstance(t, ControlType):
        if t.name == "bool":
            if not isinstance(value, (bool, np.bool_)):
                raise bad(f"must be a bool, got {value!r}")
            return bool(value)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise bad(f"({t.name}) must be an int, got {value!r}")
        return int(value)

    if isinstance(t, ScalarType):
        dt = dtype_of(concrete(t))
        if isinstance(value, np.ndarray):
            if value.size != 1:
                raise bad(f"({t.name}) must be a 0-d or 1-element array, got shape {value.shape}")
            if value.dtype != dt:
                raise bad(f"({t.name}) must have dtype {dt}, got {value.dtype}")
            if written and not value.flags.writeable:
                raise bad("is written by the procedure but the array is read-only")
            return value.reshape(())  # a view: writes reach the caller's array
        if written:
            raise bad(
                f"is written by the procedure; pass a 0-d numpy array of dtype {dt} to get the result")
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
            raise bad(f"({t.name}) must be a number or a 0-d array, got {value!r}")
        if is_int(concrete(t)):
            if not isinstance(value, (int, np.integer)):
                raise bad(f"({t.name}) must be an integer, got {value!r}")
            info = np.iinfo(dt)
            if not info.min <= int(value) <= info.max:
                raise bad(f"({t.name}) is out of range: {value}")
        return np.array(value, dtype=dt)

    assert isinstance(t, Tensor)
    dt = dtype_of(concrete(t.base))
    decl = f"{t.base.name}[{len(t.hi)}-d]"
    if not isinstance(value, np.ndarray):
        raise bad(f"({decl}) must be a numpy array, got {type(value).__name__}")
    if value.dtype != dt:
        raise bad(f"must have dtype {dt}, got {value.dtype}")
    if value.ndim != len(t.hi):
        raise bad(f"must have {len(t.hi)} dimension(s), got shape {value.shape}")
    if not t.is_window and not value.flags.c_contiguous:
        raise bad("is a dense tensor and needs a C-contiguous array "
                  "(declare it as a window, e.g. [f32][n], to pass strided views)")
    if written and not value.flags.writeable:
        raise bad("is written by the procedure but the array is read-only")
    return value
