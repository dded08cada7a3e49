"""``import exo`` for unmodified Exo programs: a meta-path finder resolving ``exo.*`` to exo-core.

    import exo_core.compat
    exo_core.compat.install()
    from exo import proc                      # exo_core.proc
    from exo.libs.memories import DRAM_STATIC
    from exo.platforms.x86 import *           # from the plugin offering exo.platforms.x86

or, without touching the program: ``python -m exo_core.compat script.py [args]``.

The mapping is in ``_table.py`` (and docs/compat.md). Platform modules come from target
plugins (hook ``exo_core_compat_modules``); memories of every installed target also
appear in ``exo.libs.memories``. Importing an Exo module or name exo-core lacks raises an
ImportError saying so.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types

from ._table import DOCS, EXTRA_NAMES, MISSING_NAMES, MODULES, PACKAGES, PLATFORM_PLUGINS

__all__ = ["install", "uninstall", "is_installed", "ExoCompatFinder"]


class ExoCompatFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers ``exo`` and ``exo.*`` imports with modules built from exo-core and its plugins."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "exo" and not fullname.startswith("exo."):
            return None
        plan = _plan(fullname)
        return importlib.util.spec_from_loader(fullname, self, is_package=fullname in PACKAGES or plan[0] == "pkg")

    def create_module(self, spec):
        return _CompatModule(spec.name)

    def exec_module(self, module):
        kind, what = _plan(module.__name__)
        if kind == "names":
            for name, ref in what.items():
                if not ref.startswith("@"):
                    module.__dict__[name] = _resolve(ref)
            module.__dict__["__all__"] = [n for n in what if not n.startswith("_")]
            if module.__name__ == "exo.libs.memories":
                _add_plugin_memories(module)
            module.__dict__["_exo_lazy"] = {n: r[1:] for n, r in what.items() if r.startswith("@")}
            if module.__name__ == "exo":
                # Exo's ``import exo`` loads its whole compiler, code generator included;
                # so does the shim's (the C backend is otherwise loaded on first use)
                importlib.import_module("exo_core.backend")
        elif kind in ("alias", "pkg"):
            _copy_namespace(module, what)
            _add_extra_names(module)


class _CompatModule(types.ModuleType):
    """A module whose missing attributes explain themselves."""

    def __getattr__(self, name):
        lazy = self.__dict__.get("_exo_lazy", {})
        if name in lazy:
            value = importlib.import_module(lazy[name])
            setattr(self, name, value)
            return value
        if f"{self.__name__}.{name}" in MODULES:  # a submodule not imported yet (exo.API_cursors)
            return importlib.import_module(f"{self.__name__}.{name}")
        target = self.__dict__.get("_exo_target")
        if target is not None and not name.startswith("__"):
            try:
                return getattr(target, name)
            except AttributeError:
                pass
        missing = MISSING_NAMES.get(self.__name__, {})
        if name in missing:
            plugin = missing[name]
            how = f"install the {plugin} plugin" if plugin else f"not yet ({DOCS})"
            raise ImportError(f"exo-core does not provide {self.__name__}.{name}: {how}", name=self.__name__)
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r} (exo-core's Exo shim; {DOCS})")


def _plan(fullname: str):
    """How to build ``fullname``: ("names", refs) | ("alias", module) | ("pkg", module | None)."""
    entry = MODULES.get(fullname)
    if isinstance(entry, dict):
        return ("names", entry)
    if isinstance(entry, list):
        module = _first_importable(entry)
        if module is not None:
            return ("pkg" if hasattr(module, "__path__") else "alias", module)
        raise ModuleNotFoundError(f"exo-core does not provide {fullname} yet ({DOCS})", name=fullname)
    offered = _plugin_modules().get(fullname)
    if offered is not None:
        mod, _plugin = offered
        module = importlib.import_module(mod) if isinstance(mod, str) else mod
        return ("pkg" if hasattr(module, "__path__") else "alias", module)
    if fullname.startswith("exo.platforms."):
        platform = fullname.split(".")[2]
        plugin = PLATFORM_PLUGINS.get(platform)
        how = f"install the {plugin} plugin" if plugin else "install a target plugin offering it"
        raise ModuleNotFoundError(f"exo-core does not provide {fullname}: {how} ({DOCS})", name=fullname)
    raise ModuleNotFoundError(f"exo-core does not provide {fullname} yet ({DOCS})", name=fullname)


def _first_importable(candidates: list[str]):
    for cand in candidates:
        try:
            return importlib.import_module(cand)
        except ModuleNotFoundError as exc:
            # Only "this candidate does not exist" moves on; a missing import inside it is a bug to show.
            if exc.name and (cand == exc.name or cand.startswith(exc.name + ".")):
                continue
            raise
    return None


def _resolve(ref: str):
    mod, _, attr = ref.partition(":")
    return getattr(importlib.import_module(mod), attr)


def _copy_namespace(module, target) -> None:
    if target is None:
        return
    module.__dict__["_exo_target"] = target
    for k, v in vars(target).items():
        if not (k.startswith("__") and k.endswith("__")):
            module.__dict__.setdefault(k, v)
    if hasattr(target, "__all__"):
        module.__dict__["__all__"] = list(target.__all__)
    if getattr(target, "__doc__", None):
        module.__doc__ = target.__doc__


def _add_extra_names(module) -> None:
    """The names Exo's module has beyond its counterpart's (``_table.EXTRA_NAMES``)."""
    extra = EXTRA_NAMES.get(module.__name__, {})
    for name, ref in extra.items():
        if name not in module.__dict__:
            module.__dict__[name] = _resolve(ref)
        names = module.__dict__.get("__all__")
        if names is not None and name not in names:
            names.append(name)


def _registry():
    from ..plugins import get_registry

    return get_registry(check=False)


def _plugin_modules() -> dict:
    try:
        return _registry().compat_modules()
    except Exception:
        return {}


def _add_plugin_memories(module) -> None:
    try:
        mems = _registry().memories()
    except Exception:
        return
    for name, mem in mems.items():
        if name not in module.__dict__:
            module.__dict__[name] = mem
            module.__dict__["__all__"].append(name)


_FINDER = ExoCompatFinder()


def install() -> None:
    """Make ``import exo`` and its submodules resolve to exo-core (idempotent).

    Our finder goes first on ``sys.meta_path``, so an installed Exo is shadowed while the
    shim is installed."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    """Remove the finder and forget the ``exo`` modules it created."""
    while _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [n for n, m in sys.modules.items() if (n == "exo" or n.startswith("exo.")) and isinstance(m, _CompatModule)]:
        del sys.modules[name]


def is_installed() -> bool:
    return _FINDER in sys.meta_path
