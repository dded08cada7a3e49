"""Configuration state: ``@config`` classes whose fields are global state of a target.

Compiled code keeps the fields in a context struct passed as every function's first
argument (``ctxt->Cfg.field``); the analyses treat each field as a location.
"""

from __future__ import annotations

import sys

from .errors import ConfigError
from .ir.sym import SrcInfo
from .ir.types import TYPES_BY_NAME, Type

_FIELD_TYPES = {n: t for n, t in TYPES_BY_NAME.items()}


class Config:
    """A configuration: a name and typed fields. Compared by identity."""

    def __init__(self, name: str, fields: list[tuple[str, Type]], readwrite: bool = True, srcinfo=None):
        self._name = name
        self._fields = dict(fields)
        self._readwrite = readwrite
        self.srcinfo = srcinfo

    def name(self) -> str:
        return self._name

    def fields(self) -> list[tuple[str, Type]]:
        return list(self._fields.items())

    def has_field(self, field: str) -> bool:
        return field in self._fields

    def lookup_type(self, field: str) -> Type:
        return self._fields[field]

    def is_allow_rw(self) -> bool:
        """False for ``@config(readwrite=False)``: not materialised in the context struct."""
        return self._readwrite

    def __getattr__(self, item):
        if item.startswith("_"):
            raise AttributeError(item)
        if item in self._fields:
            return _FieldRef(self, item)
        raise AttributeError(f"config {self._name} has no field '{item}'")

    def __repr__(self) -> str:
        return f"<config {self._name}>"


class _FieldRef:
    """``Cfg.field`` evaluated in Python (used by scheduling arguments)."""

    def __init__(self, config: Config, field: str):
        self.config, self.field = config, field

    def __repr__(self):
        return f"{self.config.name()}.{self.field}"


def _type_of(annotation, cls_name, field, srcinfo) -> Type:
    if not isinstance(annotation, str):
        annotation = getattr(annotation, "__name__", str(annotation))
    t = _FIELD_TYPES.get(annotation.strip())
    if t is None:
        raise ConfigError(
            f"config {cls_name}: field '{field}' has type '{annotation}'; expected one of "
            + ", ".join(sorted(_FIELD_TYPES)),
            srcinfo,
        )
    return t


def config(_cls=None, *, readwrite: bool = True):
    """Decorator: ``@config`` or ``@config(readwrite=False)`` on a class of ``name: type`` lines."""

    def build(cls):
        code = getattr(cls, "__qualname__", cls.__name__)
        mod = sys.modules.get(cls.__module__)
        filename = getattr(mod, "__file__", "<unknown>") if mod else "<unknown>"
        srcinfo = SrcInfo(filename, 0, 0, code)
        try:
            import inspect

            srcinfo = SrcInfo(inspect.getsourcefile(cls) or filename, inspect.getsourcelines(cls)[1], 0, code)
        except (OSError, TypeError):
            pass
        if cls.__bases__ != (object,):
            raise ConfigError(f"config {cls.__name__} may not have base classes", srcinfo)
        for name, value in vars(cls).items():
            if not name.startswith("__") and not callable(value) and name not in cls.__annotations__:
                raise ConfigError(f"config {cls.__name__}: only 'name: type' lines are allowed ('{name}')", srcinfo)
        annotations = cls.__dict__.get("__annotations__", {})
        fields = [(f, _type_of(a, cls.__name__, f, srcinfo)) for f, a in annotations.items()]
        return Config(cls.__name__, fields, readwrite, srcinfo)

    if _cls is not None:
        return build(_cls)
    return build


__all__ = ["Config", "config", "ConfigError"]
