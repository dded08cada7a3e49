"""Public memory, precision and window primitives (thin wrappers over
exo_core.rewrite.backend_ops): ``set_memory``, ``set_precision``, ``set_window``.
Names, parameters and defaults are Exo's.

``set_precision`` changes the values a procedure computes (rounding), and for an
argument its signature, so under ``EXO_CHECK=paranoid`` it is checked by running the new
procedure on the random inputs converted to the new precisions: it must run, and when
every precision only widened (floats) the results must agree."""

from __future__ import annotations

import numpy as np

from ..errors import SchedulingError
from ..memory import Memory
from ..rewrite import backend_ops as R
from . import args as A
from .primitive import primitive

__all__ = ["set_memory", "set_precision", "set_window"]


def _buffer(proc, cursor, what: str):
    return A.alloc_or_arg(proc, cursor, what)


@primitive
def set_memory(proc, cursor, memory_type):
    """Put an allocation or a buffer argument in ``memory_type`` (a ``Memory`` subclass).
    The compiled code uses the memory's C hooks; plain C reads and writes of a memory
    whose ``can_read()`` is False are refused when compiling. Refused: a memory shared
    across calls (``DRAM_STATIC``...) for an allocation inside a ``par`` loop."""
    kind, at = _buffer(proc, cursor, "cursor")
    if not (isinstance(memory_type, type) and issubclass(memory_type, Memory)):
        raise A.ArgError(f"argument 'memory_type': expected a Memory subclass, got {memory_type!r}")
    return R.set_memory(proc._ir, kind, at, memory_type)


@primitive
def set_window(proc, cursor, is_window=True):
    """Make a tensor argument a window (``[T][n]``) or, with ``is_window=False``, a dense
    tensor. Refused for allocations and scalars, and (window) when the bounds check
    needs the argument's strides."""
    kind, at = _buffer(proc, cursor, "cursor")
    if kind != "arg":
        raise A.ArgError("argument 'cursor': set_window applies to tensor arguments only, not allocations")
    if not isinstance(is_window, bool):
        raise A.ArgError(f"argument 'is_window': expected True or False, got {is_window!r}")
    return R.set_window(proc._ir, at, is_window)


# --------------------------------------------------------------------------- set_precision


_FLOAT_BITS = {"f16": 16, "R": 32, "f32": 32, "f64": 64}


def _widens(before, after) -> bool:
    """Every numeric precision of ``after`` is a float at least as wide as in ``before``."""
    from ..ir import walk

    def precisions(p):
        out = {}
        for a in p.args:
            if a.type.is_numeric():
                out[("arg", a.name.name)] = a.type.basetype().name
        for k, n in enumerate(x for x in walk(p.body) if type(x).__name__ == "Alloc"):
            out[("alloc", k)] = n.type.basetype().name
        return out

    b, a = precisions(before), precisions(after)
    for key, old in b.items():
        new = a.get(key, old)
        if new != old and not (old in _FLOAT_BITS and new in _FLOAT_BITS and _FLOAT_BITS[new] >= _FLOAT_BITS[old]):
            return False
    return True


def _compare_retyped(before, after, name: str, site: str) -> None:
    from ..testing import DTYPES, outputs_agree, random_args, run_interpreter

    rng = np.random.default_rng(12345)
    widened = _widens(before._ir, after._ir)
    new_types = {a.name.name: a.type for a in after._ir.args}
    for _ in range(3):
        args = random_args(before, rng)
        if args is None:
            return
        want, err = run_interpreter(before, args)
        if err is not None:
            continue
        conv = {}
        for k, v in args.items():
            if isinstance(v, np.ndarray) and new_types[k].is_numeric():
                v = v.astype(DTYPES[new_types[k].basetype().name])
            conv[k] = v
        got, err = run_interpreter(after, conv)
        if err is not None:
            raise SchedulingError(f"{site}: {name}: paranoid check: the rewritten procedure fails where "
                                  f"the original ran: {err}")
        if widened:
            back = {k: (v.astype(want[k].dtype) if isinstance(v, np.ndarray) else v) for k, v in got.items()}
            diff = outputs_agree(want, back)
            if diff is not None:
                raise SchedulingError(f"{site}: {name}: paranoid check: the rewrite changed the result ({diff})")


def _set_precision(proc, cursor, typ):
    from ..fragments import parse_type

    kind, at = _buffer(proc, cursor, "cursor")
    try:
        t = parse_type(typ)
    except Exception:
        raise A.ArgError(f"argument 'typ': expected a precision (R, f16, f32, f64, i8, ui8, ui16, i32), "
                         f"got {typ!r}") from None
    return R.set_precision(proc._ir, kind, at, t)


_set_precision.__name__ = _set_precision.__qualname__ = "set_precision"
set_precision = primitive(_set_precision, paranoid_check=_compare_retyped)
set_precision.__doc__ = """Give an allocation or a buffer argument the element precision ``typ``
(``"f64"``, ``"i32"``...). Reads, writes and windows follow; every data expression is
retyped and the rewrite is refused where two concrete precisions would meet, or where the
buffer is passed to a callee parameter of another precision. Values may round
differently, so the result is not interchangeable with the original for ``call_eqv``."""
