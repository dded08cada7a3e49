"""Random arguments for a procedure, built from its signature."""

from __future__ import annotations

import numpy as np

from exo_core import ir

DTYPES = {"R": np.float32, "f16": np.float16, "f32": np.float32, "f64": np.float64, "i8": np.int8,
          "ui8": np.uint8, "ui16": np.uint16, "i32": np.int32}


def eval_index(e, env):
    if isinstance(e, ir.Const):
        return e.val
    if isinstance(e, ir.Read):
        return env[e.name]
    if isinstance(e, ir.USub):
        return -eval_index(e.arg, env)
    if isinstance(e, ir.BinOp):
        a, b = eval_index(e.lhs, env), eval_index(e.rhs, env)
        return {"+": a + b, "-": a - b, "*": a * b, "/": a // b if isinstance(a, int) else a / b, "%": a % b}[e.op]
    raise TypeError(f"cannot evaluate {e}")


def random_array(dtype, shape, rng):
    if np.issubdtype(dtype, np.floating):
        return rng.uniform(-2, 2, size=shape).astype(dtype)
    info = np.iinfo(dtype)
    lo, hi = max(info.min, -100), min(info.max, 200)
    return rng.integers(lo, hi, size=shape, endpoint=True).astype(dtype)


def random_args(p: ir.ProcDef, sizes: dict, rng) -> dict:
    env = {}
    args = {}
    for a in p.args:
        if not a.type.is_numeric():
            value = sizes[a.name.name]
            env[a.name] = value
            args[a.name.name] = value
    for a in p.args:
        if a.type.is_numeric():
            dtype = DTYPES[a.type.basetype().name]
            if a.type.is_tensor_or_window():
                shape = tuple(int(eval_index(e, env)) for e in a.type.hi)
                args[a.name.name] = random_array(dtype, shape, rng)
            else:
                args[a.name.name] = random_array(dtype, (1,), rng)
    return args
