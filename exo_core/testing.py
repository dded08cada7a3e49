"""Random inputs for procedures: used by ``EXO_CHECK=paranoid`` and by tests.

``random_args(proc, rng)`` picks small control values that satisfy the preconditions and
random numpy data of the declared precisions."""

from __future__ import annotations

import numpy as np

from . import ir
from .errors import InterpreterError

DTYPES = {"R": np.float32, "f16": np.float16, "f32": np.float32, "f64": np.float64, "i8": np.int8,
          "ui8": np.uint8, "ui16": np.uint16, "i32": np.int32}


def eval_index(e, env):
    """Value of a control expression over known values of its variables."""
    if isinstance(e, ir.Const):
        return e.val
    if isinstance(e, ir.Read):
        return env[e.name]
    if isinstance(e, ir.USub):
        return -eval_index(e.arg, env)
    if isinstance(e, ir.BinOp):
        a, b = eval_index(e.lhs, env), eval_index(e.rhs, env)
        ops = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a // b,
               "%": lambda: a % b, "<": lambda: a < b, ">": lambda: a > b, "<=": lambda: a <= b,
               ">=": lambda: a >= b, "==": lambda: a == b, "and": lambda: a and b, "or": lambda: a or b}
        return ops[e.op]()
    raise KeyError(e)


def random_array(dtype, shape, rng):
    if np.issubdtype(dtype, np.floating):
        return rng.uniform(-2, 2, size=shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(max(info.min, -100), min(info.max, 200), size=shape, endpoint=True).astype(dtype)


def _preds_hold(p: ir.ProcDef, env) -> bool:
    try:
        return all(eval_index(e, env) for e in p.preds)
    except KeyError:
        return True  # strides or configs: let the interpreter decide


def random_args(p, rng, sizes: dict | None = None, tries: int = 60, max_size: int = 9) -> dict | None:
    """Arguments for ``p`` (a Procedure or ProcDef) by parameter name, or None when no
    small control values satisfying the preconditions were found."""
    p = getattr(p, "_ir", p)
    sizes = sizes or {}
    for _ in range(tries):
        env, args = {}, {}
        for a in p.args:
            if a.type.is_numeric():
                continue
            n = a.name.name
            if n in sizes:
                v = sizes[n]
            elif a.type == ir.BOOL:
                v = bool(rng.integers(0, 2))
            elif a.type == ir.SIZE:
                v = int(rng.integers(1, max_size))
            else:
                v = int(rng.integers(0, max_size))
            env[a.name] = v
            args[n] = v
        if not _preds_hold(p, env):
            continue
        try:
            for a in p.args:
                if a.type.is_numeric():
                    dtype = DTYPES[a.type.basetype().name]
                    if a.type.is_tensor_or_window():
                        shape = tuple(int(eval_index(e, env)) for e in a.type.hi)
                        if any(s <= 0 for s in shape):
                            raise ValueError
                        args[a.name.name] = random_array(dtype, shape, rng)
                    else:
                        args[a.name.name] = random_array(dtype, (1,), rng)
        except (ValueError, KeyError):
            continue
        return args
    return None


def copy_args(args: dict) -> dict:
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}


def outputs_agree(a: dict, b: dict) -> str | None:
    """None if every array agrees (floats up to reassociation), else the first difference."""
    for k, x in a.items():
        if not isinstance(x, np.ndarray):
            continue
        y = b[k]
        if x.dtype.kind == "f":
            tol = 5e-2 if x.dtype == np.float16 else 1e-3
            if not np.allclose(x, y, rtol=tol, atol=tol, equal_nan=True):
                idx = np.unravel_index(np.argmax(np.abs(np.nan_to_num(x - y))), x.shape)
                return f"{k}{list(idx)}: {x[idx]} before, {y[idx]} after"
        elif not np.array_equal(x, y):
            idx = np.unravel_index(np.argmax(x != y), x.shape)
            return f"{k}{list(idx)}: {x[idx]} before, {y[idx]} after"
    return None


def run_interpreter(p, args: dict):
    """Interpret ``p`` on a copy of ``args``; returns (outputs, None) or (None, error)."""
    from .interp import interpret

    out = copy_args(args)
    try:
        interpret(p, **out)
    except InterpreterError as err:
        return None, err
    return out, None
