"""Plugin discovery: entry points of the ``exo_core.targets`` group, loaded through pluggy.

We walk the entry points ourselves instead of calling pluggy's
``load_setuptools_entrypoints`` so that one plugin failing to import, or raising in a hook,
is recorded as broken (name, distribution, error) instead of taking down every command,
``exocc --version`` included.

Environment (documented in docs/plugins.md, modelled on pytest and tox):

* ``EXO_DISABLE_PLUGIN_AUTOLOAD=1`` -- load no third-party plugin (the built-in ``c`` still loads);
* ``EXO_PLUGINS=a,b`` -- load only these plugins (entry point or distribution names); with
  autoloading disabled, these are loaded anyway.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import inspect
import os
import re
import types
from dataclasses import dataclass, field

import pluggy

from ..errors import PluginError
from . import hookspecs
from .hookspecs import ENTRY_POINT_GROUP, PROJECT, hookimpl
from .target import Target

BUILTIN_NAME = "c"
BUILTIN_MODULE = "exo_core.plugins.builtin"
CORE_DISTRIBUTION = "exo-core"

_DEFAULT_IMPL_OPTS = dict(getattr(hookimpl(lambda: None), f"{PROJECT}_impl"))


@dataclass
class PluginInfo:
    """A loaded plugin: its entry point name, distribution and what its hooks returned."""

    name: str
    distribution: str | None
    version: str | None
    module: object = None
    targets: list = field(default_factory=list)
    compat_modules: dict = field(default_factory=dict)

    def label(self) -> str:
        return f"{_dist_label(self.distribution, self.version)} (plugin {self.name})"


@dataclass
class BrokenPlugin:
    """A plugin that could not be loaded; ``error`` is ``"ExcType: message"``."""

    name: str
    distribution: str | None
    version: str | None
    error: str

    def label(self) -> str:
        return f"{_dist_label(self.distribution, self.version)} (plugin {self.name})"


@dataclass
class SkippedPlugin:
    """A plugin left out on purpose (``EXO_DISABLE_PLUGIN_AUTOLOAD`` / ``EXO_PLUGINS``)."""

    name: str
    distribution: str | None
    version: str | None
    reason: str


def _dist_label(dist, version) -> str:
    if dist is None:
        return "<no distribution>"
    return f"{dist} {version}" if version else dist


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class _Manager(pluggy.PluginManager):
    """Accepts unmarked module functions named ``exo_core_*`` as hook implementations."""

    def parse_hookimpl_opts(self, plugin, name):
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is None and name.startswith(f"{PROJECT}_"):
            method = getattr(plugin, name, None)
            if inspect.isroutine(method):
                opts = dict(_DEFAULT_IMPL_OPTS)
        return opts


class Registry:
    """Every loaded target plugin, with name conflicts and broken plugins recorded."""

    def __init__(self):
        self.plugins: list[PluginInfo] = []
        self._broken: list[BrokenPlugin] = []
        self.skipped: list[SkippedPlugin] = []
        self.conflicts: list[str] = []
        self._targets: dict[str, Target] = {}
        self.manager = _Manager(PROJECT)
        self.manager.add_hookspecs(hookspecs)

    # --- queries ---------------------------------------------------------------------
    def targets(self) -> list[Target]:
        """All targets, the built-in ``c`` first, then by plugin load order."""
        return list(self._targets.values())

    def target(self, name: str) -> Target:
        try:
            return self._targets[name]
        except KeyError:
            known = ", ".join(self._targets) or "none"
            hint = ""
            for b in self._broken:
                hint += f"; plugin {b.name} ({_dist_label(b.distribution, b.version)}) is broken: {b.error}"
            raise PluginError(f"no target named '{name}' (installed targets: {known}){hint}") from None

    def broken(self) -> list[BrokenPlugin]:
        return list(self._broken)

    def memories(self) -> dict[str, type]:
        """Every memory of every target, by ``Memory.name()``."""
        out: dict[str, type] = {}
        for t in self.targets():
            for m in t.memories:
                out.setdefault(m.name(), m)
        return out

    def instrs(self) -> dict:
        out: dict = {}
        for t in self.targets():
            for p in t.instrs:
                out.setdefault(p.name(), p)
        return out

    def configs(self) -> dict:
        out: dict = {}
        for t in self.targets():
            for c in t.configs:
                out.setdefault(c.name(), c)
        return out

    def compat_modules(self) -> dict[str, tuple[object, PluginInfo]]:
        """Exo module name -> (module or module name, the plugin offering it)."""
        out: dict = {}
        for p in self.plugins:
            for exo_name, mod in p.compat_modules.items():
                out.setdefault(exo_name, (mod, p))
        return out

    def targets_using(self, memories=(), instrs=()) -> list[Target]:
        """Targets defining any of these memory classes or instrs (``ProcDef``s, matched by
        identity: a user's instr that shares a name with a plugin's is not the plugin's)."""
        instrs = set(instrs)
        out = []
        for t in self.targets():
            if any(m in t.memories for m in memories) or instrs & t.instr_defs():
                out.append(t)
        return out

    def check(self) -> None:
        """Raise ``PluginError`` if two plugins define the same name."""
        if self.conflicts:
            raise PluginError("conflicting target plugins: " + "; ".join(self.conflicts))

    # --- loading -----------------------------------------------------------------------
    def _load_builtin(self) -> None:
        from .. import __version__
        from . import builtin

        self._register(BUILTIN_NAME, builtin, CORE_DISTRIBUTION, __version__)

    def _register(self, name, module, dist, version) -> None:
        if module is None:
            self._broken.append(BrokenPlugin(name, dist, version, "entry point resolved to None"))
            return
        try:
            self.manager.register(module, name=name)
        except Exception as exc:
            self._broken.append(BrokenPlugin(name, dist, version, _describe(exc)))
            return
        try:
            info = self._collect(name, module, dist, version)
        except BaseException as exc:  # a plugin's sys.exit() must not end exocc either
            if isinstance(exc, KeyboardInterrupt):
                raise
            self.manager.unregister(module)
            self._broken.append(BrokenPlugin(name, dist, version, _describe(exc)))
            return
        self.plugins.append(info)

    def _impls(self, hook_name, module):
        caller = getattr(self.manager.hook, hook_name)
        return [impl for impl in caller.get_hookimpls() if impl.plugin is module]

    def _collect(self, name, module, dist, version) -> PluginInfo:
        for caller in self.manager.get_hookcallers(module) or []:
            if not caller.has_spec():
                raise PluginError(f"{caller.name} is not a hook of exo_core (see exo_core.plugins.hookspecs)")
        info = PluginInfo(name, dist, version, module)
        for impl in self._impls("exo_core_targets", module):
            result = impl.function()
            if result is None:
                continue
            if not isinstance(result, (list, tuple)) or not all(isinstance(t, Target) for t in result):
                raise PluginError(f"exo_core_targets must return a list of Target, got {result!r}")
            for t in result:
                _validate_target(t)
                t.distribution, t.version = dist, version
            info.targets.extend(result)
        for impl in self._impls("exo_core_compat_modules", module):
            result = impl.function()
            if result is None:
                continue
            if not isinstance(result, dict):
                raise PluginError(f"exo_core_compat_modules must return a dict, got {result!r}")
            for key, mod in result.items():
                if not (isinstance(key, str) and key.startswith("exo.")):
                    raise PluginError(f"exo_core_compat_modules: {key!r} is not an 'exo.' module name")
                if not isinstance(mod, (str, types.ModuleType)):
                    raise PluginError(f"exo_core_compat_modules: {key} maps to {mod!r}, not a module name")
            info.compat_modules.update(result)
        return info

    def _index(self) -> None:
        """Build the target table, recording every name defined by two plugins."""
        seen: dict[tuple[str, str], tuple[object, PluginInfo]] = {}

        def claim(kind, key, obj, plugin):
            prev = seen.get((kind, key))
            if prev is None:
                seen[(kind, key)] = (obj, plugin)
            elif prev[0] is not obj:
                where = prev[1].label() if prev[1] is not plugin else "twice by it"
                self.conflicts.append(f"duplicate {kind} name '{key}': defined by {where} and {plugin.label()}")

        for p in self.plugins:
            for t in p.targets:
                claim("target", t.name, t, p)
                for m in t.memories:
                    claim("memory", m.name(), m, p)
                for i in t.instrs:
                    claim("instr", i.name(), i, p)
                for c in t.configs:
                    claim("config", c.name(), c, p)
            for exo_name, mod in p.compat_modules.items():
                claim("compat module", exo_name, mod, p)
        for p in self.plugins:
            for t in p.targets:
                self._targets.setdefault(t.name, t)


def _validate_target(t: Target) -> None:
    from ..config import Config
    from ..memory import Memory
    from ..procedure import Procedure

    for m in t.memories:
        if not (isinstance(m, type) and issubclass(m, Memory)):
            raise PluginError(f"target {t.name}: memories must be Memory subclasses, got {m!r}")
    for c in t.configs:
        if not isinstance(c, Config):
            raise PluginError(f"target {t.name}: configs must be @config objects, got {c!r}")
    for p in t.instrs:
        if not (isinstance(p, Procedure) and p.is_instr()):
            raise PluginError(f"target {t.name}: instrs must be @instr procedures, got {p!r}")


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


def _allow_list() -> set[str] | None:
    raw = os.environ.get("EXO_PLUGINS")
    if raw is None or not raw.strip():
        return None
    return {_normalize(n.strip()) for n in raw.split(",") if n.strip()}


def _entry_points():
    """Our group's entry points, deduplicated (a dist may be visible twice on sys.path)."""
    seen, out = set(), []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        dname = dist.metadata["Name"] if dist is not None else None
        key = (ep.name, ep.value, _normalize(dname) if dname else None)
        if key not in seen:
            seen.add(key)
            out.append((ep, dname, dist.version if dist is not None else None))
    return sorted(out, key=lambda e: (e[0].name, e[1] or ""))


def load_registry() -> Registry:
    """Discover and load every plugin now (uncached; never raises on a bad plugin)."""
    reg = Registry()
    reg._load_builtin()
    autoload = not _env_flag("EXO_DISABLE_PLUGIN_AUTOLOAD")
    allow = _allow_list()
    loaded: dict[str, str | None] = {BUILTIN_NAME: CORE_DISTRIBUTION}
    for ep, dist, version in _entry_points():
        if ep.value.strip() == BUILTIN_MODULE:
            continue
        wanted = allow is not None and (_normalize(ep.name) in allow or (dist and _normalize(dist) in allow))
        if allow is not None and not wanted:
            reg.skipped.append(SkippedPlugin(ep.name, dist, version, "not listed in EXO_PLUGINS"))
            continue
        if not autoload and not wanted:
            reg.skipped.append(SkippedPlugin(ep.name, dist, version, "EXO_DISABLE_PLUGIN_AUTOLOAD is set"))
            continue
        if ep.name in loaded:
            other = loaded[ep.name]
            reg.conflicts.append(
                f"duplicate plugin name '{ep.name}': entry points in {other or '<no distribution>'} and {dist}"
            )
            continue
        loaded[ep.name] = dist
        try:
            module = ep.load()
        except BaseException as exc:  # SystemExit from a plugin, too
            if isinstance(exc, KeyboardInterrupt):
                raise
            reg._broken.append(BrokenPlugin(ep.name, dist, version, _describe(exc)))
            continue
        reg._register(ep.name, module, dist, version)
    reg._index()
    return reg


_REGISTRY: Registry | None = None


def get_registry(check: bool = True) -> Registry:
    """The process-wide registry (loaded on first use).

    With ``check`` (the default) a name conflict between plugins raises ``PluginError``;
    tools that only report (``exocc plugins``) pass ``check=False``.
    """
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = load_registry()
    if check:
        _REGISTRY.check()
    return _REGISTRY


def reset_registry() -> None:
    """Forget the cached registry (tests; after installing a plugin in a running process)."""
    global _REGISTRY
    _REGISTRY = None
    importlib.invalidate_caches()


__all__ = [
    "Registry", "PluginInfo", "BrokenPlugin", "SkippedPlugin", "get_registry", "reset_registry", "load_registry",
]
