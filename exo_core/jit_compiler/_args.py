"""Checking and converting the Python arguments of a JIT-compiled procedure.

Generated C trusts its caller completely (no bounds checks, preconditions only as
``EXO_ASSUME``), so everything the language's checks assumed about the arguments is
checked here, before the call: types, extents, layouts, positivity of sizes, the
preconditions, and that no written buffer overlaps another argument.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .. import ir
from ..errors import JITError
from ..memory import DRAM

DTYPES = {
    "R": np.dtype(np.float32), "f16": np.dtype(np.float16), "f32": np.dtype(np.float32),
    "f64": np.dtype(np.float64), "i8": np.dtype(np.int8), "ui8": np.dtype(np.uint8),
    "ui16": np.dtype(np.uint16), "i32": np.dtype(np.int32),
}
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
_TOO_HARD = getattr(getattr(np, "exceptions", np), "TooHardError", Exception)


@dataclass
class ArgSpec:
    """One parameter: ``kind`` is control, scalar, tensor (dense) or window."""

    index: int
    name: str
    sym: ir.Sym
    kind: str
    type: ir.Type
    dtype: np.dtype | None
    written: bool
    decl: str  # as the user declared it, for messages


def _show_type(t) -> str:
    try:
        from ..ir.printer import type_to_str

        return type_to_str(t)
    except Exception:  # the printer is optional for messages
        return str(t)


def show_expr(e) -> str:
    try:
        from ..ir.printer import expr_to_str

        return expr_to_str(e)
    except Exception:
        return _fallback_expr(e)


def _fallback_expr(e) -> str:
    if isinstance(e, ir.Const):
        return repr(e.val)
    if isinstance(e, ir.Read):
        return e.name.name
    if isinstance(e, ir.StrideExpr):
        return f"stride({e.name.name}, {e.dim})"
    if isinstance(e, ir.ReadConfig):
        return f"{e.config.name()}.{e.field}"
    if isinstance(e, ir.USub):
        return f"-{_fallback_expr(e.arg)}"
    if isinstance(e, ir.BinOp):
        return f"({_fallback_expr(e.lhs)} {e.op} {_fallback_expr(e.rhs)})"
    return type(e).__name__


def arg_specs(p: ir.ProcDef) -> list[ArgSpec]:
    written = written_args(p)
    specs = []
    for i, a in enumerate(p.args):
        t = a.type
        if not t.is_numeric():
            kind, dtype = "control", None
        else:
            dtype = DTYPES[t.basetype().name]
            kind = "window" if t.is_win() else "tensor" if t.is_tensor_or_window() else "scalar"
            mem = a.mem or DRAM
            if not (issubclass(mem, DRAM) or _can_read(mem)):
                raise JITError(
                    f"{p.name}: argument '{a.name.name}' lives in memory {mem.name()}, which cannot be "
                    f"passed from Python (only host memories such as DRAM can)"
                )
        decl = _show_type(t) + (f" @ {a.mem.name()}" if a.mem is not None and a.mem is not DRAM else "")
        specs.append(ArgSpec(i, a.name.name, a.name, kind, t, dtype, a.name in written, decl))
    return specs


def _can_read(mem) -> bool:
    try:
        return bool(mem.can_read())
    except Exception:
        return False


# --------------------------------------------------------------------------- effects

_WRITES_CACHE: dict[int, tuple[ir.ProcDef, frozenset]] = {}


def written_args(p: ir.ProcDef) -> frozenset:
    """The parameter Syms of ``p`` that ``p`` (or a callee, through a window) may write."""
    hit = _WRITES_CACHE.get(id(p))
    if hit is not None and hit[0] is p:
        return hit[1]
    alias: dict = {}
    out: set = set()

    def root(sym):
        while sym in alias:
            sym = alias[sym]
        return sym

    def stmts(block):
        for s in block:
            if isinstance(s, (ir.Assign, ir.Reduce)):
                out.add(root(s.name))
            elif isinstance(s, ir.WindowStmt):
                alias[s.name] = s.rhs.name
            elif isinstance(s, ir.Call):
                callee_written = written_args(s.proc)
                for formal, actual in zip(s.proc.args, s.args):
                    if formal.name in callee_written and isinstance(actual, (ir.Read, ir.WindowExpr)):
                        out.add(root(actual.name))
            elif isinstance(s, ir.If):
                stmts(s.body)
                stmts(s.orelse)
            elif isinstance(s, ir.For):
                stmts(s.body)

    stmts(p.body)
    params = {a.name for a in p.args}
    result = frozenset(out & params)
    _WRITES_CACHE[id(p)] = (p, result)
    return result


# --------------------------------------------------------------------------- binding


def bind(proc_name: str, specs: list[ArgSpec], args: tuple, kwargs: dict) -> list:
    """Positional and keyword arguments -> one value per parameter, in order."""
    if len(args) > len(specs):
        raise JITError(f"{proc_name}() takes {len(specs)} arguments but {len(args)} were given")
    values = list(args) + [_MISSING] * (len(specs) - len(args))
    by_name = {s.name: s for s in specs}
    for k, v in kwargs.items():
        s = by_name.get(k)
        if s is None:
            raise JITError(f"{proc_name}() got an unexpected argument '{k}' (parameters: {', '.join(by_name)})")
        if values[s.index] is not _MISSING:
            raise JITError(f"{proc_name}() got argument '{k}' twice (by position and by name)")
        values[s.index] = v
    missing = [s.name for s in specs if values[s.index] is _MISSING]
    if missing:
        raise JITError(f"{proc_name}() missing argument{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    return values


class _Missing:
    def __repr__(self):
        return "<missing>"


_MISSING = _Missing()


# --------------------------------------------------------------------------- checks


def check_control(proc_name: str, s: ArgSpec, v):
    """The C value of a control argument."""
    tname = s.type.name
    where = f"{proc_name}: argument '{s.name}' ({tname})"
    if tname == "bool":
        if not isinstance(v, (bool, np.bool_)):
            raise JITError(f"{where} must be a bool, got {_what(v)}")
        return bool(v)
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
        raise JITError(f"{where} must be an int, got {_what(v)}")
    v = int(v)
    if not INT32_MIN <= v <= INT32_MAX:
        raise JITError(f"{where} = {v} does not fit in 32 bits")
    if tname == "size" and v <= 0:
        raise JITError(f"{where} must be positive, got {v}")
    return v


def eval_extents(t: ir.Tensor, env: dict, proc_name: str, arg: str) -> tuple[int, ...]:
    try:
        return tuple(int(eval_control(e, env, {}, None)) for e in t.hi)
    except _EvalError as exc:
        raise JITError(f"{proc_name}: cannot evaluate the extents of '{arg}': {exc}") from None


def check_array(proc_name: str, s: ArgSpec, v, shape: tuple[int, ...], env_desc: str) -> np.ndarray:
    """A tensor or window argument: dtype, shape, layout and writability."""
    where = f"{proc_name}: argument '{s.name}' ({s.decl})"
    if not isinstance(v, np.ndarray):
        raise JITError(f"{where} must be a numpy array of {s.dtype.name} with shape {shape}, got {_what(v)}")
    if v.dtype != s.dtype:
        raise JITError(f"{where} has dtype {v.dtype}, expected {s.dtype.name}")
    if v.shape != shape:
        raise JITError(f"{where} has shape {v.shape}, expected {shape}{env_desc}")
    if s.written and not v.flags.writeable:
        raise JITError(f"{where} is read-only, but {proc_name} writes it")
    if s.kind == "tensor" and not v.flags.c_contiguous:
        raise JITError(
            f"{where} must be C-contiguous (a dense tensor); pass np.ascontiguousarray(...) "
            f"or declare the parameter as a window [{s.type.basetype()}][...]"
        )
    if s.kind == "window":
        for d, b in enumerate(v.strides):
            if b % v.itemsize:
                raise JITError(f"{where}: stride {b} bytes of dimension {d} is not a multiple of the element size")
    if not v.flags.aligned:
        raise JITError(f"{where} is not aligned for {s.dtype.name}")
    return v


def element_strides(s: ArgSpec, v: np.ndarray) -> tuple[int, ...]:
    if s.kind == "tensor":
        # Dense tensors are row-major by definition, whatever numpy says for extent-1 dims.
        out, acc = [], 1
        for n in reversed(v.shape):
            out.append(acc)
            acc *= n
        return tuple(reversed(out))
    return tuple(b // v.itemsize for b in v.strides)


def check_scalar(proc_name: str, s: ArgSpec, v) -> np.ndarray:
    """A numeric scalar: a 1-element array (updated in place) or, if never written, a number."""
    where = f"{proc_name}: argument '{s.name}' ({s.decl})"
    if isinstance(v, np.ndarray):
        if v.dtype != s.dtype:
            raise JITError(f"{where} has dtype {v.dtype}, expected {s.dtype.name}")
        if v.size != 1 or v.ndim > 1:
            raise JITError(f"{where} must be a number or a numpy array of shape () or (1,), got shape {v.shape}")
        if s.written and not v.flags.writeable:
            raise JITError(f"{where} is read-only, but {proc_name} writes it")
        return v
    if s.written:
        raise JITError(
            f"{where} is written by {proc_name}: pass a numpy array of shape (1,) and dtype {s.dtype.name} "
            f"to see the result, not {_what(v)}"
        )
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
        raise JITError(f"{where} must be a number or a 1-element numpy array, got {_what(v)}")
    if s.dtype.kind in "iu":
        info = np.iinfo(s.dtype)
        if v != int(v) or not info.min <= int(v) <= info.max:
            raise JITError(f"{where} = {v!r} is not representable as {s.dtype.name}")
    return np.array([v], dtype=s.dtype)


def check_overlaps(proc_name: str, specs: list[ArgSpec], arrays: dict[int, np.ndarray]) -> None:
    """Written buffers must not share memory with any other argument (the analyses assume so)."""
    items = [(specs[i], a) for i, a in arrays.items()]
    for i, (s1, a1) in enumerate(items):
        for s2, a2 in items[i + 1:]:
            if not (s1.written or s2.written):
                continue
            try:
                overlap = np.shares_memory(a1, a2, max_work=100_000)
            except _TOO_HARD:
                overlap = np.may_share_memory(a1, a2)
            if overlap:
                w = s1.name if s1.written else s2.name
                raise JITError(
                    f"{proc_name}: arguments '{s1.name}' and '{s2.name}' share memory, and {proc_name} writes '{w}'"
                )


def _what(v) -> str:
    if isinstance(v, np.ndarray):
        return f"an array of {v.dtype} with shape {v.shape}"
    text = repr(v)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(v).__name__} {text}"


# --------------------------------------------------------------------------- preconditions


class _EvalError(Exception):
    pass


def eval_control(e, env: dict, strides: dict, read_config):
    """The value of a control expression (floor ``/`` and ``%``, as in the language)."""
    if isinstance(e, ir.Const):
        return e.val
    if isinstance(e, ir.Read) and not e.idx:
        if e.name not in env:
            raise _EvalError(f"'{e.name.name}' is not a control argument")
        return env[e.name]
    if isinstance(e, ir.StrideExpr):
        if (e.name, e.dim) not in strides:
            raise _EvalError(f"no stride for '{e.name.name}'")
        return strides[(e.name, e.dim)]
    if isinstance(e, ir.ReadConfig):
        if read_config is None:
            raise _EvalError(f"config {e.config.name()} is not available")
        return read_config(e.config, e.field)
    if isinstance(e, ir.USub):
        return -eval_control(e.arg, env, strides, read_config)
    if isinstance(e, ir.BinOp):
        a = eval_control(e.lhs, env, strides, read_config)
        if e.op == "and":
            return a and eval_control(e.rhs, env, strides, read_config)
        if e.op == "or":
            return a or eval_control(e.rhs, env, strides, read_config)
        b = eval_control(e.rhs, env, strides, read_config)
        ops = {
            "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a // b,
            "%": lambda: a % b, "<": lambda: a < b, ">": lambda: a > b, "<=": lambda: a <= b,
            ">=": lambda: a >= b, "==": lambda: a == b,
        }
        if e.op not in ops:
            raise _EvalError(f"operator {e.op}")
        return ops[e.op]()
    raise _EvalError(f"cannot evaluate {type(e).__name__}")


def check_preds(p: ir.ProcDef, env: dict, strides: dict, read_config) -> None:
    for pred in p.preds:
        try:
            ok = eval_control(pred, env, strides, read_config)
        except _EvalError as exc:
            raise JITError(f"{p.name}: cannot check precondition `{show_expr(pred)}`: {exc}") from None
        if not ok:
            names = _names_in(pred)
            vals = ", ".join(f"{n} = {env[s]}" for s, n in names if s in env)
            loc = f" ({pred.srcinfo})" if pred.srcinfo.line else ""
            raise JITError(
                f"{p.name}: precondition `{show_expr(pred)}`{loc} does not hold" + (f" for {vals}" if vals else "")
            )


def _names_in(e) -> list[tuple]:
    out, seen = [], set()
    for node in ir.walk(e):
        if isinstance(node, ir.Read) and node.name not in seen:
            seen.add(node.name)
            out.append((node.name, node.name.name))
    return out
