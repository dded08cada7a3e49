"""Externs: pure functions of scalar data values, called in data expressions.

Subclass ``Extern`` to add one: ``typecheck`` says the result type (raise ``_EErr``
with a reason to refuse the arguments), ``compile`` gives the C expression, ``globl``
C text emitted once per C type, and ``interpret`` the value for the reference
interpreter (numpy scalars of the argument precision in, one out).
"""

from __future__ import annotations

import math

import numpy as np


class _EErr(Exception):
    """Raised by ``Extern.typecheck`` to refuse arguments; becomes a TypeCheckError."""


class Extern:
    def __init__(self, name: str):
        self._name = name

    def name(self) -> str:
        return self._name

    def typecheck(self, args):
        """Return the result type given the typed argument expressions."""
        raise NotImplementedError

    def globl(self, prim_type: str) -> str:
        return ""

    def compile(self, args: list[str], prim_type: str) -> str:
        raise NotImplementedError

    def interpret(self, args):
        raise NotImplementedError(f"extern {self._name} cannot be interpreted")

    def __repr__(self) -> str:
        return f"<extern {self._name}>"


def _real_args(name, args, n):
    if len(args) != n:
        raise _EErr(f"expected {n} argument{'s' if n != 1 else ''}, got {len(args)}")
    for i, a in enumerate(args):
        if not a.type.is_real_scalar():
            raise _EErr(f"argument {i + 1} of {name} must be a real scalar, got {a.type}")
    return args[0].type


def _suffix(prim_type):
    return {"float": "f", "double": "", "_Float16": "f"}.get(prim_type)


class _UnaryMath(Extern):
    def __init__(self, name, fn, cname):
        super().__init__(name)
        self._fn, self._cname = fn, cname

    def typecheck(self, args):
        return _real_args(self._name, args, 1)

    def globl(self, prim_type):
        return "#include <math.h>\n"

    def compile(self, args, prim_type):
        suffix = _suffix(prim_type)
        if suffix is None:
            return f"(({prim_type}) {self._cname}((double) {args[0]}))"
        return f"{self._cname}{suffix}({args[0]})" if prim_type != "_Float16" else f"(({prim_type}) {self._cname}f((float) {args[0]}))"

    def interpret(self, args):
        x = args[0]
        return type(x)(self._fn(float(x))) if isinstance(x, np.generic) else self._fn(x)


class _Sin(_UnaryMath):
    def __init__(self):
        super().__init__("sin", math.sin, "sin")


class _Sqrt(_UnaryMath):
    def __init__(self):
        super().__init__("sqrt", math.sqrt, "sqrt")


class _Expf(_UnaryMath):
    def __init__(self):
        super().__init__("expf", math.exp, "exp")


class _Relu(Extern):
    def __init__(self):
        super().__init__("relu")

    def typecheck(self, args):
        return _real_args(self._name, args, 1)

    def globl(self, prim_type):
        return (
            f"static {prim_type} _relu_{_cident(prim_type)}({prim_type} x) {{\n"
            f"    if (x > 0) return x;\n    else return 0;\n}}\n"
        )

    def compile(self, args, prim_type):
        return f"_relu_{_cident(prim_type)}({args[0]})"

    def interpret(self, args):
        x = args[0]
        return x if x > 0 else type(x)(0) if isinstance(x, np.generic) else 0.0


class _Fmaxf(Extern):
    def __init__(self):
        super().__init__("fmaxf")

    def typecheck(self, args):
        return _real_args(self._name, args, 2)

    def globl(self, prim_type):
        return "#include <math.h>\n"

    def compile(self, args, prim_type):
        if prim_type == "double":
            return f"fmax({args[0]}, {args[1]})"
        if prim_type in ("float", "_Float16"):
            return f"(({prim_type}) fmaxf((float) {args[0]}, (float) {args[1]}))"
        return f"(({args[0]}) > ({args[1]}) ? ({args[0]}) : ({args[1]}))"

    def interpret(self, args):
        a, b = args
        if isinstance(a, np.floating) and (np.isnan(a) or np.isnan(b)):
            return b if np.isnan(a) else a
        return a if a > b else b


class _Sigmoid(Extern):
    def __init__(self):
        super().__init__("sigmoid")

    def typecheck(self, args):
        return _real_args(self._name, args, 1)

    def globl(self, prim_type):
        return (
            "#include <math.h>\n"
            f"static {prim_type} _sigmoid_{_cident(prim_type)}({prim_type} x) {{\n"
            f"    return ({prim_type}) (1.0 / (1.0 + exp(-(double) x)));\n}}\n"
        )

    def compile(self, args, prim_type):
        return f"_sigmoid_{_cident(prim_type)}({args[0]})"

    def interpret(self, args):
        x = args[0]
        v = 1.0 / (1.0 + math.exp(-float(x)))
        return type(x)(v) if isinstance(x, np.generic) else v


class _Select(Extern):
    """``select(x, v, y, z)`` is ``y if x < v else z``."""

    def __init__(self):
        super().__init__("select")

    def typecheck(self, args):
        return _real_args(self._name, args, 4)

    def globl(self, prim_type):
        c = _cident(prim_type)
        return (
            f"static {prim_type} _select_{c}({prim_type} x, {prim_type} v, {prim_type} y, {prim_type} z) {{\n"
            f"    if (x < v) return y;\n    else return z;\n}}\n"
        )

    def compile(self, args, prim_type):
        return f"_select_{_cident(prim_type)}({', '.join(args)})"

    def interpret(self, args):
        x, v, y, z = args
        return y if x < v else z


def _cident(prim_type: str) -> str:
    return prim_type.replace(" ", "_").lstrip("_")


sin = _Sin()
relu = _Relu()
select = _Select()
expf = _Expf()
fmaxf = _Fmaxf()
sigmoid = _Sigmoid()
sqrt = _Sqrt()

LIBRARY_EXTERNS = {e.name(): e for e in (sin, relu, select, expf, fmaxf, sigmoid, sqrt)}

__all__ = ["Extern", "_EErr", "sin", "relu", "select", "expf", "fmaxf", "sigmoid", "sqrt"]
