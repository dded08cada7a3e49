"""Configuration state for the interpreter: the values of ``@config`` fields.

Compiled code keeps config fields in a context struct that outlives one call; the
interpreter keeps them in a ``ConfigState`` that the caller may create, pre-fill, pass to
several ``interpret`` calls and inspect afterwards::

    st = ConfigState({Cfg: {"scale": 2.0}})
    interpret(p, st, n=4, x=x)       # or interpret(p, ctxt=st, ...)
    st[Cfg]["scale"], st.get(Cfg, "n")
"""

from __future__ import annotations

import numpy as np

from ..errors import InterpreterError
from ..ir.types import ControlType, ScalarType
from .values import concrete, is_int, scalar_class


class ConfigState:
    """The fields of every config, by ``Config`` object (compared by identity)."""

    def __init__(self, values: dict | None = None):
        self._vals: dict = {}
        for cfg, fields in (values or {}).items():
            for field, value in fields.items():
                self.set(cfg, field, value)

    # --- the user's view ---------------------------------------------------------
    def set(self, cfg, field: str, value) -> None:
        """Set ``cfg.field``, converting ``value`` to the field's type."""
        if not cfg.has_field(field):
            raise InterpreterError(f"config {cfg.name()} has no field '{field}'")
        self._vals.setdefault(cfg, {})[field] = _convert(cfg, field, value)

    def get(self, cfg, field: str, default=None):
        """``cfg.field``, or ``default`` if it was never written."""
        return self._vals.get(cfg, {}).get(field, default)

    def __getitem__(self, cfg) -> dict:
        """A copy of the written fields of ``cfg``: ``{field: value}``."""
        return dict(self._vals.get(cfg, {}))

    def __contains__(self, cfg) -> bool:
        return cfg in self._vals

    def items(self):
        return [(cfg, dict(fields)) for cfg, fields in self._vals.items()]

    def copy(self) -> ConfigState:
        new = ConfigState()
        new._vals = {cfg: dict(fields) for cfg, fields in self._vals.items()}
        return new

    def __repr__(self) -> str:
        parts = [
            f"{cfg.name()}.{f}={v!r}" for cfg, fields in self._vals.items() for f, v in fields.items()
        ]
        return f"ConfigState({', '.join(parts)})"

    # --- the interpreter's view (values already converted) -------------------------
    def read(self, cfg, field: str, srcinfo=None):
        try:
            return self._vals[cfg][field]
        except KeyError:
            raise InterpreterError(
                f"config field {cfg.name()}.{field} is read before any write "
                "(set it first, or pass a ConfigState holding it)",
                srcinfo,
            ) from None

    def write(self, cfg, field: str, value) -> None:
        fields = self._vals.get(cfg)
        if fields is None:
            fields = self._vals[cfg] = {}
        fields[field] = value


def _convert(cfg, field: str, value):
    t = cfg.lookup_type(field)
    what = f"config field {cfg.name()}.{field} ({t})"
    if isinstance(t, ControlType):
        if t.name == "bool":
            if not isinstance(value, (bool, np.bool_)):
                raise InterpreterError(f"{what}: expected a bool, got {value!r}")
            return bool(value)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise InterpreterError(f"{what}: expected an int, got {value!r}")
        return int(value)
    assert isinstance(t, ScalarType)
    t = concrete(t)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise InterpreterError(f"{what}: expected a number, got {value!r}")
    if is_int(t):
        if not isinstance(value, (int, np.integer)):
            raise InterpreterError(f"{what}: expected an integer, got {value!r}")
        info = np.iinfo(scalar_class(t))
        if not info.min <= int(value) <= info.max:
            raise InterpreterError(f"{what}: {value} is out of range")
        return int(value)
    return scalar_class(t)(value)


__all__ = ["ConfigState"]
